// test_spinner: waits for one client, then busy-loops forever and never yields.
// Every few million iterations it tries to send a "tick" to the client, so the
// client can see that the spinner keeps running while it runs too.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, ftl_env_system(env), FTL_READABLE, NULL));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    static struct ftl_msg msg;
    FTL_CHECK(ftl_channel_recv(ftl_env_system(env), &msg));
    ftl_handle_t client = msg.handles[0];

    volatile uint64_t spins = 0;
    for (;;) {
        spins++;
        if (spins % (1u << 20) == 0) {
            ftl_err_t err = ftl_channel_send_data(client, "tick", 4);
            if (err == FTL_ERR_PEER_CLOSED) {
                return; // the test is over
            }
            if (err != FTL_ERR_FULL) {
                FTL_CHECK(err);
            }
        }
    }
}
