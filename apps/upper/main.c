// upper: replies to every DATA message with the same bytes, uppercased.
#include <ftl.h>

static void reply_upper(ftl_handle_t ch, struct ftl_msg *msg)
{
    for (size_t i = 0; i < msg->len; i++) {
        if (msg->data[i] >= 'a' && msg->data[i] <= 'z') {
            msg->data[i] -= 'a' - 'A';
        }
    }
    ftl_err_t err = ftl_channel_send_data(ch, msg->data, msg->len);
    if (err == FTL_ERR_FULL || err == FTL_ERR_PEER_CLOSED) {
        // The client is not reading its replies, or is gone: drop it rather than
        // buffer without bound.
        FTL_CHECK(ftl_handle_close(ch));
        return;
    }
    FTL_CHECK(err);
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, ftl_env_system(env), FTL_READABLE, NULL));

    for (;;) {
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));

        static struct ftl_msg msg;
        ftl_err_t err = ftl_channel_recv(ev.handle, &msg);
        if (err == FTL_ERR_PEER_CLOSED) {
            FTL_CHECK(ftl_handle_close(ev.handle)); // a client left
            continue;
        }
        FTL_CHECK(err);

        if (msg.type == FTL_MSG_CONNECT) {
            // A new client: its channel is the message's first handle.
            FTL_CHECK(ftl_poll_add(poll, msg.handles[0], FTL_READABLE, NULL));
        } else if (msg.type == FTL_MSG_DATA) {
            reply_upper(ev.handle, &msg);
        }
    }
}
