// ratelimit: an interceptor that paces the messages clients send to a service (all its
// clients together): a generic cell-rate limiter, `per_second` messages a second after
// a burst of `burst`. A message over the rate waits (and its client is not read
// meanwhile); answers from the service pass at once.
#include <ftl/intercept.h>

struct limiter {
    int64_t interval_ns;   // 1 s / per_second
    int64_t tolerance_ns;  // (burst - 1) intervals
    int64_t tat_ns;        // when the next message would be on schedule
    uint64_t passed, held;
};

static int64_t on_message(void *ctx, uint32_t pair, enum ftl_intercept_dir dir,
                          const struct ftl_msg *m)
{
    (void)pair;
    (void)m;
    struct limiter *l = ctx;
    if (dir != FTL_INTERCEPT_TO_SERVICE) {
        return 0;
    }
    int64_t now = ftl_time_now();
    if (l->tat_ns < now) {
        l->tat_ns = now;
    }
    int64_t allowed = l->tat_ns - l->tolerance_ns;
    l->tat_ns += l->interval_ns;
    if (allowed <= now) {
        l->passed++;
        return 0;
    }
    l->held++;
    return allowed;
}

static void on_close(void *ctx, uint32_t pair, const char *service)
{
    struct limiter *l = ctx;
    FTL_INFO("ratelimit: #%u closed: %llu messages to %s went at once, %llu were held back "
             "(limit %lld/s)", pair, (unsigned long long)l->passed, service,
             (unsigned long long)l->held, (long long)(1000000000 / l->interval_ns));
}

void app_main(const struct ftl_env *env)
{
    int64_t per_second = 20, burst = 5;
    (void)ftl_env_number(env, "per_second", &per_second);
    (void)ftl_env_number(env, "burst", &burst);
    if (per_second < 1 || burst < 1) {
        FTL_ERROR("ratelimit: per_second and burst must be at least 1");
        return;
    }
    static struct limiter l;
    l.interval_ns = 1000000000 / per_second;
    l.tolerance_ns = (burst - 1) * l.interval_ns;
    static const struct ftl_intercept_ops ops = {.on_message = on_message, .on_close = on_close};
    FTL_CHECK(ftl_intercept_serve(env, &ops, &l));
}
