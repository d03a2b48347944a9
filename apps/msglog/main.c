// msglog: an interceptor that logs each message it forwards (type, size, the first
// bytes) and, when a connection ends, how many went each way.
#include <ftl/intercept.h>
#include <stdio.h>

static const char *const type_names[] = {"?", "CONNECT", "DATA", "OPEN", "OPEN_REPLY",
                                         "ERROR_REPLY"};
static uint32_t counts[FTL_INTERCEPT_PAIRS_MAX][2];

static int64_t on_message(void *ctx, uint32_t pair, enum ftl_intercept_dir dir,
                          const struct ftl_msg *m)
{
    (void)ctx;
    counts[pair][dir]++;
    char shown[33];
    size_t n = 0;
    for (; n < m->len && n < sizeof(shown) - 1; n++) {
        shown[n] = m->data[n] >= 32 && m->data[n] < 127 ? (char)m->data[n] : '.';
    }
    shown[n] = '\0';
    FTL_INFO("msglog: #%u %s %s(%u) \"%s\"%s", pair, dir == FTL_INTERCEPT_TO_SERVICE ? "->" : "<-",
             m->type < 6 ? type_names[m->type] : "?", m->len, shown, m->len > n ? "..." : "");
    return 0;
}

static void on_close(void *ctx, uint32_t pair, const char *service)
{
    (void)ctx;
    FTL_INFO("msglog: #%u closed: %u messages to %s, %u back", pair,
             counts[pair][FTL_INTERCEPT_TO_SERVICE], service, counts[pair][FTL_INTERCEPT_TO_CLIENT]);
    counts[pair][0] = counts[pair][1] = 0;
}

void app_main(const struct ftl_env *env)
{
    static const struct ftl_intercept_ops ops = {.on_message = on_message, .on_close = on_close};
    FTL_CHECK(ftl_intercept_serve(env, &ops, NULL));
}
