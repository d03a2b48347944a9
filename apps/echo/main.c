// echo: a service that sends every DATA message back on the channel it came from.
#include <ftl.h>

static void echo_back(const struct ftl_loop_event *ev)
{
    ftl_err_t err = ftl_channel_send_data(ev->ch, ev->msg->data, ev->msg->len);
    if (err == FTL_ERR_FULL) { // a client that does not read its replies is dropped
        FTL_WARN("a client is not reading its replies; disconnecting it");
        FTL_CHECK(ftl_loop_close(ev->loop, ev->ch));
    } else if (err != FTL_ERR_PEER_CLOSED) { // a client gone: on_peer_closed follows
        FTL_CHECK(err);
    }
}

static void say_goodbye(const struct ftl_loop_event *ev)
{
    (void)ev;
    FTL_INFO("a client disconnected");
}

void app_main(const struct ftl_env *env)
{
    static const struct ftl_loop_ops ops = {.on_data = echo_back, .on_peer_closed = say_goodbye};
    FTL_CHECK(ftl_loop_serve(env, &ops));
}
