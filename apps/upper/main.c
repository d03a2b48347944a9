// upper: replies to every DATA message with the same bytes, uppercased.
#include <ftl.h>

static void reply_upper(const struct ftl_loop_event *ev)
{
    struct ftl_msg *msg = ev->msg;
    for (size_t i = 0; i < msg->len; i++) {
        if (msg->data[i] >= 'a' && msg->data[i] <= 'z') {
            msg->data[i] -= 'a' - 'A';
        }
    }
    ftl_err_t err = ftl_channel_send_data(ev->ch, msg->data, msg->len);
    if (err == FTL_ERR_FULL) {
        // The client is not reading its replies: drop it rather than buffer without
        // bound. (If it is gone, FTL_ERR_PEER_CLOSED, the loop closes its channel.)
        FTL_CHECK(ftl_loop_close(ev->loop, ev->ch));
    } else if (err != FTL_ERR_PEER_CLOSED) {
        FTL_CHECK(err);
    }
}

void upper_stage(const struct ftl_env *env); // stage.c

void app_main(const struct ftl_env *env)
{
    if (ftl_env_find(env, "stdout")) {
        upper_stage(env); // spawned as a pipe stage (docs/pipes.md): a filter, no service
        return;
    }
    // The loop watches the system channel, takes each CONNECT's channel, receives
    // every message and closes a channel when its client leaves.
    static const struct ftl_loop_ops ops = {.on_data = reply_upper};
    FTL_CHECK(ftl_loop_serve(env, &ops));
}
