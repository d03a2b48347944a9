// test_echo_seq: numbered requests to echo across restarts and upgrades of echo. A
// request that gets PEER_CLOSED instead of its reply is sent again on a new channel,
// so every number must come back exactly once, in order.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

#define RECONNECT_NS (10LL * 1000000000)

static ftl_handle_t ch, poll;

static void reconnect(void)
{
    (void)ftl_poll_remove(poll, ch);
    (void)ftl_handle_close(ch);
    FTL_CHECK(ftl_service_reconnect("echo", RECONNECT_NS, &ch));
    FTL_CHECK(ftl_poll_add(poll, ch, FTL_READABLE, 0));
}

// Sends `seq` and waits for its reply: FTL_OK, or FTL_ERR_PEER_CLOSED (echo went away).
static ftl_err_t round_trip(int64_t seq, int64_t *out_got)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)seq);
    ftl_err_t err = ftl_channel_send_data(ch, buf, (size_t)n);
    static struct ftl_msg msg;
    while (err == FTL_OK) {
        err = ftl_channel_recv(ch, &msg);
        if (err == FTL_OK) {
            char text[32];
            size_t len = msg.len < sizeof(text) - 1 ? msg.len : sizeof(text) - 1;
            memcpy(text, msg.data, len);
            text[len] = '\0';
            long long got = -1;
            sscanf(text, "%lld", &got);
            *out_got = got;
            return FTL_OK;
        }
        if (err == FTL_ERR_EMPTY) {
            struct ftl_event ev;
            err = ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev);
        }
    }
    return err;
}

void app_main(const struct ftl_env *env)
{
    int64_t count, until_reconnects = 0;
    FTL_CHECK(ftl_env_number(env, "count", &count));
    // With until_reconnects N, it goes on past `count` until echo went away N times (at
    // most 1000 x count messages): a test need not guess how long an upgrade takes.
    (void)ftl_env_number(env, "until_reconnects", &until_reconnects);
    FTL_CHECK(ftl_env_channel(env, "echo", &ch));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, ch, FTL_READABLE, 0));
    FTL_INFO("test_echo_seq: sending %lld numbered messages", (long long)count);
    int64_t expect = 1, reconnects = 0, wrong = 0;
    while (expect <= count || (reconnects < until_reconnects && expect <= 1000 * count)) {
        int64_t got = -1;
        ftl_err_t err = round_trip(expect, &got);
        if (err == FTL_ERR_PEER_CLOSED) {
            reconnects++;
            reconnect();
            continue; // the same number again: it got no reply
        }
        FTL_CHECK(err);
        if (got != expect) {
            wrong++;
            FTL_ERROR("test_echo_seq: expected %lld, got %lld", (long long)expect, (long long)got);
        }
        expect++;
        ftl_sleep_ns(1000000); // about 1 ms between messages: a few seconds in all
    }
    FTL_INFO("test_echo_seq: done: %lld replies in order, %lld wrong, %lld reconnects",
             (long long)(expect - 1 - wrong), (long long)wrong, (long long)reconnects);
}
