// In-OS tests of the event loop: handles closed inside callbacks, slots reused,
// timers, watched non-channel handles and the fixed limits.
#include "tests.h"

#include <string.h>

static struct ftl_loop loop;

static struct {
    int datas, closes, oneshots, periodic, watched;
    ftl_handle_t other;      // a second channel the callback closes
    ftl_handle_t fresh;      // a channel watched inside a callback
    ftl_handle_t fresh_peer;
    uint32_t periodic_id;
    uint32_t events;
    void *ctx;
} seen;

static void on_data_close_both(const struct ftl_loop_event *ev)
{
    seen.datas++;
    CHECK_OK(ftl_loop_close(ev->loop, ev->ch));
    CHECK_OK(ftl_loop_close(ev->loop, seen.other));
    CHECK_ERR(ftl_loop_close(ev->loop, ev->ch), FTL_ERR_NOT_FOUND);
}

static void count_closes(const struct ftl_loop_event *ev)
{
    (void)ev;
    seen.closes++;
}

// on_data closes its own channel and another with messages queued: nothing more is
// delivered for either, and with nothing left to watch ftl_loop_run returns.
static void close_inside_on_data_stops_delivery(void)
{
    static const struct ftl_loop_ops ops = {.on_data = on_data_close_both,
                                            .on_peer_closed = count_closes};
    ftl_handle_t a1, b1, a2, b2;
    CHECK_OK(ftl_channel_create(&a1, &b1));
    CHECK_OK(ftl_channel_create(&a2, &b2));
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(ftl_loop_init(&loop, &ops));
    CHECK_OK(ftl_loop_watch_channel(&loop, b1, NULL));
    CHECK_OK(ftl_loop_watch_channel(&loop, b2, NULL));
    for (int i = 0; i < 2; i++) {
        CHECK_OK(ftl_channel_send_data(a1, "1", 1));
        CHECK_OK(ftl_channel_send_data(a2, "2", 1));
    }
    seen.other = b2;
    CHECK_OK(ftl_loop_run(&loop));
    CHECK(seen.datas == 1 && seen.closes == 0);
    CHECK_ERR(ftl_channel_send_data(a1, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_ERR(ftl_channel_send_data(a2, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(a1));
    CHECK_OK(ftl_handle_close(a2));
    ftl_loop_destroy(&loop);
}

// on_peer_closed closes the channel itself and watches a new one, which reuses the
// slot and the handle number (the kernel hands out the lowest free one): the loop must
// not close the new channel.
static void close_and_rewatch_in_on_peer_closed(const struct ftl_loop_event *ev)
{
    seen.closes++;
    CHECK_OK(ftl_loop_close(ev->loop, ev->ch));
    CHECK_OK(ftl_channel_create(&seen.fresh_peer, &seen.fresh));
    CHECK_OK(ftl_loop_watch_channel(ev->loop, seen.fresh, NULL));
    ftl_loop_stop(ev->loop);
}

static void slot_reused_inside_a_callback_is_kept(void)
{
    static const struct ftl_loop_ops ops = {.on_peer_closed = close_and_rewatch_in_on_peer_closed};
    ftl_handle_t a, b;
    CHECK_OK(ftl_channel_create(&a, &b));
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(ftl_loop_init(&loop, &ops));
    CHECK_OK(ftl_loop_watch_channel(&loop, b, NULL));
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_loop_run(&loop));
    CHECK(seen.closes == 1 && seen.fresh == b); // b's number and slot, reused
    CHECK_OK(ftl_loop_set_ctx(&loop, seen.fresh, NULL)); // still watched...
    CHECK_OK(ftl_channel_send_data(seen.fresh_peer, "x", 1)); // ...and open
    ftl_loop_destroy(&loop);
    CHECK_ERR(ftl_channel_send_data(seen.fresh_peer, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(seen.fresh_peer));
}

static void oneshot(const struct ftl_loop_event *ev)
{
    seen.oneshots++;
    seen.ctx = ev->ctx;
    CHECK(ev->ch == 0 && ev->msg == NULL);
}

static void periodic(const struct ftl_loop_event *ev)
{
    seen.periodic++;
    CHECK(ev->timer == seen.periodic_id);
    if (seen.periodic == 3) {
        CHECK_OK(ftl_loop_timer_stop(ev->loop, ev->timer));
    }
}

// A one-shot timer runs once, a periodic one until it stops itself; then nothing is
// left and ftl_loop_run returns.
static void timers_fire_once_or_periodically(void)
{
    static const struct ftl_loop_ops ops = {0};
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(ftl_loop_init(&loop, &ops));
    uint32_t once, t;
    CHECK_OK(ftl_loop_timer_start(&loop, 3 * MS, 0, oneshot, &seen, &once));
    CHECK_OK(ftl_loop_timer_start(&loop, 1 * MS, 2 * MS, periodic, NULL, &seen.periodic_id));
    CHECK_ERR(ftl_loop_timer_start(&loop, -1, 0, oneshot, NULL, &t), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_loop_timer_start(&loop, 0, 0, NULL, NULL, &t), FTL_ERR_INVALID_ARG);
    int64_t start = ftl_time_now();
    CHECK_OK(ftl_loop_run(&loop));
    CHECK(seen.oneshots == 1 && seen.ctx == &seen && seen.periodic == 3);
    CHECK(ftl_time_now() - start >= 5 * MS); // the third periodic run is due at 5 ms
    CHECK_ERR(ftl_loop_timer_stop(&loop, once), FTL_ERR_NOT_FOUND);
    CHECK_ERR(ftl_loop_timer_stop(&loop, seen.periodic_id), FTL_ERR_NOT_FOUND);
    CHECK_ERR(ftl_loop_timer_stop(&loop, 0xffffffffu), FTL_ERR_NOT_FOUND);

    uint32_t ids[FTL_LOOP_TIMERS_MAX];
    for (int i = 0; i < FTL_LOOP_TIMERS_MAX; i++) {
        CHECK_OK(ftl_loop_timer_start(&loop, 1000 * MS, 0, oneshot, NULL, &ids[i]));
    }
    CHECK_ERR(ftl_loop_timer_start(&loop, 0, 0, oneshot, NULL, &t), FTL_ERR_TOO_MANY);
    CHECK_OK(ftl_loop_timer_stop(&loop, ids[0]));
    CHECK_OK(ftl_loop_timer_start(&loop, 0, 0, oneshot, NULL, &t));
    CHECK(t != ids[0]); // the slot is reused under a new id
    CHECK_ERR(ftl_loop_timer_stop(&loop, ids[0]), FTL_ERR_NOT_FOUND);
    ftl_loop_destroy(&loop);
}

static void on_handle(const struct ftl_loop_event *ev)
{
    seen.watched++;
    seen.events |= ev->events;
    CHECK(ev->ctx == &seen && ev->msg == NULL);
    CHECK_OK(ftl_loop_close(ev->loop, ev->ch)); // else it is reported again
}

// Any handle can be watched: a kernel timer and a process (readable once it exited).
static void watched_handles_call_their_callback(void)
{
    static const struct ftl_loop_ops ops = {0};
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(ftl_loop_init(&loop, &ops));
    ftl_handle_t timer, process;
    CHECK_OK(ftl_timer_create(&timer));
    CHECK_OK(ftl_timer_set(timer, ftl_time_now() + 2 * MS));
    CHECK_OK(ftl_process_spawn("test_exit", &process));
    CHECK_OK(ftl_loop_watch(&loop, timer, on_handle, &seen));
    CHECK_OK(ftl_loop_watch(&loop, process, on_handle, &seen));
    CHECK_ERR(ftl_loop_watch(&loop, timer, on_handle, &seen), FTL_ERR_ALREADY_EXISTS);
    CHECK_ERR(ftl_loop_watch(&loop, timer, NULL, NULL), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_loop_run(&loop)); // returns once both are closed
    CHECK(seen.watched == 2 && seen.events == FTL_READABLE);
    CHECK_ERR(ftl_handle_close(timer), FTL_ERR_BAD_HANDLE);
    ftl_loop_destroy(&loop);
}

static void stop_loop(const struct ftl_loop_event *ev)
{
    ftl_loop_stop(ev->loop);
}

// A full loop refuses another watch, and a CONNECT it cannot take is closed (the
// client sees its channel close) instead of leaking.
static void full_loop_refuses_watches_and_clients(void)
{
    static const struct ftl_loop_ops ops = {.on_connect = stop_loop};
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(ftl_loop_init(&loop, &ops));
    ftl_handle_t sys_app, sys_loop, a, b;
    CHECK_OK(ftl_channel_create(&sys_app, &sys_loop));
    CHECK_OK(ftl_loop_watch_channel(&loop, sys_loop, NULL));
    for (int i = 1; i + 1 < FTL_LOOP_WATCHES_MAX; i += 2) {
        CHECK_OK(ftl_channel_create(&a, &b));
        CHECK_OK(ftl_loop_watch_channel(&loop, a, NULL));
        CHECK_OK(ftl_loop_watch_channel(&loop, b, NULL));
    }
    CHECK_OK(ftl_channel_create(&a, &b));
    CHECK_OK(ftl_loop_watch_channel(&loop, a, NULL)); // the last slot
    CHECK_ERR(ftl_loop_watch_channel(&loop, b, NULL), FTL_ERR_TOO_MANY);
    ftl_handle_t cl_app, cl_srv;
    CHECK_OK(ftl_channel_create(&cl_app, &cl_srv));
    CHECK_OK(ftl_channel_send(sys_app, FTL_MSG_CONNECT, 0, "svc", 3, &cl_srv, 1));
    uint32_t t;
    CHECK_OK(ftl_loop_timer_start(&loop, 20 * MS, 0, stop_loop, NULL, &t));
    CHECK_OK(ftl_loop_run(&loop)); // the timer stops it: on_connect never ran
    CHECK_ERR(ftl_channel_send_data(cl_app, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(cl_app));
    CHECK_OK(ftl_handle_close(b));
    CHECK_OK(ftl_handle_close(sys_app));
    ftl_loop_destroy(&loop);
}

void lifecycle_tests(void)
{
    run_test("loop.close_inside_on_data_stops_delivery", close_inside_on_data_stops_delivery);
    run_test("loop.slot_reused_inside_a_callback_is_kept", slot_reused_inside_a_callback_is_kept);
    run_test("loop.timers_fire_once_or_periodically", timers_fire_once_or_periodically);
    run_test("loop.watched_handles_call_their_callback", watched_handles_call_their_callback);
    run_test("loop.full_loop_refuses_watches_and_clients", full_loop_refuses_watches_and_clients);
}
