// stress_sink: accepts one producer and checks that sequence numbers arrive
// exactly once and in order; reports the total when the producer closes.
#include <ftl.h>
#include <string.h>

static ftl_handle_t accept_producer(const struct ftl_env *env, ftl_handle_t poll)
{
    static struct ftl_msg msg;
    FTL_CHECK(ftl_poll_add(poll, ftl_env_system(env), FTL_READABLE, NULL));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    FTL_CHECK(ftl_channel_recv(ftl_env_system(env), &msg));
    FTL_CHECK(ftl_poll_remove(poll, ftl_env_system(env)));
    FTL_CHECK(ftl_poll_add(poll, msg.handles[0], FTL_READABLE, NULL));
    return msg.handles[0];
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    ftl_handle_t ch = accept_producer(env, poll);

    static struct ftl_msg msg;
    uint64_t expected = 0, errors = 0;
    for (;;) {
        ftl_err_t err = ftl_channel_recv(ch, &msg);
        if (err == FTL_ERR_EMPTY) {
            struct ftl_event ev;
            FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
            continue;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            break;
        }
        FTL_CHECK(err);
        uint64_t seq;
        memcpy(&seq, msg.data, sizeof(seq));
        if (msg.len != sizeof(seq) || seq != expected) {
            if (errors++ < 5) {
                FTL_ERROR("message %llu: got sequence number %llu", (unsigned long long)expected,
                          (unsigned long long)seq);
            }
        }
        expected++;
    }
    if (errors == 0) {
        FTL_INFO("received %llu messages, each exactly once and in order",
                 (unsigned long long)expected);
    } else {
        FTL_ERROR("received %llu messages with %llu out of sequence", (unsigned long long)expected,
                  (unsigned long long)errors);
    }
}
