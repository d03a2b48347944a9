// echo: a service that sends every DATA message back on the channel it came from.
#include <ftl.h>

// Sends the bytes back. If the client stopped reading its replies (its queue is
// full), it is disconnected rather than buffered for without bound.
static void echo_back(ftl_handle_t ch, const struct ftl_msg *msg)
{
    ftl_err_t err = ftl_channel_send_data(ch, msg->data, msg->len);
    if (err == FTL_ERR_FULL) {
        FTL_WARN("a client is not reading its replies; disconnecting it");
        FTL_CHECK(ftl_handle_close(ch));
        return;
    }
    if (err == FTL_ERR_PEER_CLOSED) {
        FTL_INFO("a client disconnected");
        FTL_CHECK(ftl_handle_close(ch));
        return;
    }
    FTL_CHECK(err);
}

static void handle_message(ftl_handle_t poll, ftl_handle_t ch, const struct ftl_msg *msg)
{
    switch (msg->type) {
    case FTL_MSG_CONNECT:
        // A new client: watch its channel too.
        FTL_CHECK(ftl_poll_add(poll, msg->handles[0], FTL_READABLE, NULL));
        break;
    case FTL_MSG_DATA:
        echo_back(ch, msg);
        break;
    default:
        FTL_WARN("unexpected message type %u", (unsigned)msg->type);
        break;
    }
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
            FTL_INFO("a client disconnected");
            FTL_CHECK(ftl_handle_close(ev.handle));
            continue;
        }
        if (err == FTL_ERR_EMPTY) {
            continue; // the event was only "writable"; nothing to read
        }
        FTL_CHECK(err);
        handle_message(poll, ev.handle, &msg);
    }
}
