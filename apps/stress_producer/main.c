// stress_producer: sends sequence numbers 0..count-1 to stress_sink, never losing
// one: when the sink's queue is full it waits until the channel is writable.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t sink, poll;
    int64_t count;
    FTL_CHECK(ftl_env_channel(env, "sink", &sink));
    FTL_CHECK(ftl_env_number(env, "count", &count));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, sink, FTL_WRITABLE, NULL));

    uint64_t full = 0;
    for (uint64_t seq = 0; seq < (uint64_t)count;) {
        ftl_err_t err = ftl_channel_send_data(sink, &seq, sizeof(seq));
        if (err == FTL_ERR_FULL) {
            full++;
            struct ftl_event ev;
            FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
            continue;
        }
        FTL_CHECK(err);
        seq++;
    }
    FTL_INFO("sent %lld messages; the sink's queue was full %llu times", (long long)count,
             (unsigned long long)full);
    FTL_CHECK(ftl_handle_close(sink));
}
