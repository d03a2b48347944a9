// wasm_echo: the echo service as a WASM app. Every DATA message goes back on the
// channel it came from; CONNECTs for the exported service arrive on the system
// channel. Serves the native echo_client unchanged.
#include <ftl_wasm.h>

// Sends the bytes back. A client that stopped reading its replies is disconnected
// rather than buffered for without bound.
static void echo_back(ftl_handle_t ch, const struct ftl_msg *msg)
{
    ftl_err_t err = ftl_channel_send_data(ch, msg->data, msg->len);
    if (err == FTL_ERR_FULL || err == FTL_ERR_PEER_CLOSED) {
        FTL_WARN("a client is gone or not reading its replies; disconnecting it");
        FTL_CHECK(ftl_handle_close(ch));
        return;
    }
    FTL_CHECK(err);
}

static void handle_message(ftl_handle_t poll, ftl_handle_t ch, const struct ftl_msg *msg)
{
    switch (msg->type) {
    case FTL_MSG_CONNECT:
        FTL_INFO("a client connected");
        FTL_CHECK(ftl_poll_add(poll, msg->handles[0], FTL_READABLE | FTL_RECEIVE, NULL));
        break;
    case FTL_MSG_DATA:
        echo_back(ch, msg);
        break;
    default:
        FTL_WARN("unexpected message type %u", (unsigned)msg->type);
        break;
    }
}

int main(void)
{
    const struct ftl_env *env = ftl_env_load();
    if (!env) {
        FTL_ERROR("cannot load the environ");
        return 1;
    }
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, ftl_env_system(env), FTL_READABLE | FTL_RECEIVE, NULL));
    FTL_INFO("%s: ready", ftl_env_app_name(env));

    for (;;) {
        // The event and its message in one call (the channels are watched with
        // FTL_RECEIVE); without FTL_RECEIVE in the event nothing came with it.
        struct ftl_event ev;
        static struct ftl_msg msg;
        FTL_CHECK(ftl_poll_wait_msg(poll, FTL_NO_TIMEOUT, &ev, &msg));
        ftl_err_t err = ev.events & FTL_RECEIVE ? FTL_OK : ftl_channel_recv(ev.handle, &msg);
        if (err == FTL_ERR_PEER_CLOSED) {
            FTL_INFO("a client disconnected");
            FTL_CHECK(ftl_handle_close(ev.handle));
            continue;
        }
        if (err == FTL_ERR_EMPTY) {
            continue;
        }
        FTL_CHECK(err);
        handle_message(poll, ev.handle, &msg);
    }
}
