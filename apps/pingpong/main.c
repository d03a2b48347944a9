// pingpong: measures channel round trips (send, echo replies, receive) with the
// generic timer, for 0, 64, 1024 and 4096-byte messages.
#include <ftl.h>

static struct ftl_msg reply;
static uint8_t payload[FTL_MSG_DATA_MAX];

static void round_trip(ftl_handle_t poll, ftl_handle_t echo, size_t size)
{
    FTL_CHECK(ftl_channel_send_data(echo, payload, size));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    FTL_CHECK(ftl_channel_recv(echo, &reply));
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo, poll;
    int64_t rounds;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_env_number(env, "rounds", &rounds));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, echo, FTL_READABLE, NULL));

    // The cheapest kernel call: closing handle 0 is rejected at once.
    int64_t start = ftl_time_now();
    for (int64_t r = 0; r < rounds; r++) {
        (void)ftl_handle_close(0);
    }
    int64_t null_ns = (ftl_time_now() - start) / rounds;
    FTL_INFO("null kernel call: %lld ns", (long long)null_ns);
    FTL_INFO("BENCH nullcall ns=%lld", (long long)null_ns);
    struct ftl_msg *m = &reply;
    start = ftl_time_now();
    for (int64_t r = 0; r < rounds; r++) {
        (void)ftl_channel_recv(echo, m);
    }
    FTL_INFO("BENCH recv_empty ns=%lld", (long long)((ftl_time_now() - start) / rounds));

    static const size_t sizes[] = {0, 64, 1024, 4096};
    FTL_INFO("%8s %12s %14s", "bytes", "ns/round", "messages/s");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int w = 0; w < 100; w++) {
            round_trip(poll, echo, sizes[i]); // warm up
        }
        int64_t start = ftl_time_now();
        for (int64_t r = 0; r < rounds; r++) {
            round_trip(poll, echo, sizes[i]);
        }
        int64_t ns = (ftl_time_now() - start) / rounds;
        int64_t rate = ns > 0 ? 2 * 1000000000ll / ns : 0;
        FTL_INFO("%8zu %12lld %14lld", sizes[i], (long long)ns, (long long)rate);
        FTL_INFO("BENCH pingpong bytes=%zu ns_per_round_trip=%lld msgs_per_s=%lld",
                 sizes[i], (long long)ns, (long long)rate);
    }
    FTL_INFO("BENCH done");
}
