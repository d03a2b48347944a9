// controller: holds the desired state of the apps and makes it so (docs/controller.md).
// Clients (the apiserver) send requests on the `controller` service; a timer runs the
// reconciliation every 100 ms.
#include "controller.h"

#define TICK_NS (100LL * 1000000)

static char answer[FTL_MSG_DATA_MAX];

static void on_data(const struct ftl_loop_event *ev)
{
    size_t len = 0;
    api_handle(ev->msg->data, ev->msg->len, answer, sizeof(answer), &len);
    ftl_err_t err = ftl_channel_send(ev->ch, FTL_MSG_DATA, ev->msg->cookie, answer, len, NULL, 0);
    if (err != FTL_OK && err != FTL_ERR_PEER_CLOSED) {
        FTL_WARN("cannot answer a client: %s", ftl_err_str(err));
    }
}

static void on_tick(const struct ftl_loop_event *ev)
{
    (void)ev;
    reconcile_tick();
}

static void on_start(const struct ftl_loop_event *ev)
{
    reconcile_init();
    store_init();
    store_load();
    uint32_t t;
    FTL_CHECK(ftl_loop_timer_start(ev->loop, TICK_NS, TICK_NS, on_tick, NULL, &t));
}

void app_main(const struct ftl_env *env)
{
    static const struct ftl_loop_ops ops = {.on_start = on_start, .on_data = on_data};
    FTL_CHECK(ftl_loop_serve(env, &ops));
}
