// test_loop: in-OS tests of the SDK's event loop (ftl/loop.h): each callback, sending
// with backpressure, closing inside callbacks, timers, watched handles and the limits.
// The tests play both sides: they queue messages on channel pairs, then run the loop.
#include "tests.h"

#include <string.h>

static struct ftl_loop loop;
static struct ftl_msg msg;

// What the callbacks saw; reset by each test.
static struct {
    int starts, connects, datas, messages, closes, writables, fired, periodic;
    ftl_handle_t ch;              // the channel of the last callback
    void *ctx;                    // its context
    ftl_err_t err;                // on_peer_closed's reason
    uint32_t type;                // on_message's type
    uint64_t cookie;
    uint32_t nhandles;
    char data[16];
    ftl_handle_t peer;            // the test's other end, for callbacks that need it
    uint32_t timer;
} seen;

static int client_struct; // stands for an app's per-client state

static void start_loop(const struct ftl_loop_ops *ops)
{
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(ftl_loop_init(&loop, ops));
}

static void on_start(const struct ftl_loop_event *ev)
{
    seen.starts++;
    CHECK(ev->ch == 0 && ev->msg == NULL);
}

static void on_connect(const struct ftl_loop_event *ev)
{
    seen.connects++;
    seen.ch = ev->ch;
    CHECK(ev->msg->type == FTL_MSG_CONNECT && ev->ctx == NULL);
    CHECK_OK(ftl_loop_set_ctx(ev->loop, ev->ch, &client_struct));
}

static void on_data(const struct ftl_loop_event *ev)
{
    seen.datas++;
    seen.ch = ev->ch;
    seen.ctx = ev->ctx;
    size_t n = ev->msg->len < sizeof(seen.data) - 1 ? ev->msg->len : sizeof(seen.data) - 1;
    memcpy(seen.data, ev->msg->data, n);
    seen.data[n] = '\0';
    CHECK_OK(ftl_loop_send(ev->loop, ev->ch, "pong", 4));
    ftl_loop_stop(ev->loop);
}

static void on_peer_closed(const struct ftl_loop_event *ev)
{
    seen.closes++;
    seen.ch = ev->ch;
    seen.ctx = ev->ctx;
    seen.err = ev->err;
    ftl_loop_stop(ev->loop);
}

// A CONNECT on the "system channel" brings a client; its DATA reaches on_data with the
// context set in on_connect; its leaving reaches on_peer_closed, and the loop closes it.
static void connect_data_and_peer_closed(void)
{
    static const struct ftl_loop_ops ops = {.on_start = on_start, .on_connect = on_connect,
                                            .on_data = on_data, .on_peer_closed = on_peer_closed};
    ftl_handle_t sys_app, sys_loop, cl_app, cl_srv;
    CHECK_OK(ftl_channel_create(&sys_app, &sys_loop));
    CHECK_OK(ftl_channel_create(&cl_app, &cl_srv));
    start_loop(&ops);
    CHECK_OK(ftl_loop_watch_channel(&loop, sys_loop, NULL));
    CHECK_ERR(ftl_loop_watch_channel(&loop, sys_loop, NULL), FTL_ERR_ALREADY_EXISTS);
    CHECK_OK(ftl_channel_send(sys_app, FTL_MSG_CONNECT, 0, "svc", 3, &cl_srv, 1));
    CHECK_OK(ftl_channel_send_data(cl_app, "ping", 4));

    CHECK_OK(ftl_loop_run(&loop)); // stopped by on_data
    CHECK(seen.starts == 1 && seen.connects == 1 && seen.datas == 1);
    CHECK(seen.ctx == &client_struct && strcmp(seen.data, "ping") == 0);
    ftl_handle_t served = seen.ch;
    CHECK_OK(ftl_channel_recv(cl_app, &msg));
    CHECK(msg.type == FTL_MSG_DATA && msg.len == 4 && memcmp(msg.data, "pong", 4) == 0);

    CHECK_OK(ftl_handle_close(cl_app));
    CHECK_OK(ftl_loop_run(&loop)); // stopped by on_peer_closed
    CHECK(seen.starts == 1 && seen.closes == 1 && seen.err == FTL_ERR_PEER_CLOSED);
    CHECK(seen.ch == served && seen.ctx == &client_struct);
    CHECK_ERR(ftl_loop_unwatch(&loop, served), FTL_ERR_NOT_FOUND);
    CHECK_ERR(ftl_handle_close(served), FTL_ERR_BAD_HANDLE); // the loop closed it
    ftl_loop_destroy(&loop);
    CHECK_ERR(ftl_channel_send_data(sys_app, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(sys_app));
}

static void on_message(const struct ftl_loop_event *ev)
{
    seen.messages++;
    seen.type = ev->msg->type;
    seen.cookie = ev->msg->cookie;
    seen.nhandles = ev->msg->nhandles;
    for (uint32_t i = 0; i < ev->msg->nhandles; i++) {
        CHECK_OK(ftl_handle_close(ev->msg->handles[i])); // they are the app's
    }
    if (seen.messages == 4) {
        ftl_loop_stop(ev->loop);
    }
}

// OPEN, OPEN_REPLY, ERROR_REPLY and DATA without on_data all reach on_message.
static void other_messages_reach_on_message(void)
{
    static const struct ftl_loop_ops ops = {.on_message = on_message};
    ftl_handle_t a, b, x, y;
    CHECK_OK(ftl_channel_create(&a, &b));
    CHECK_OK(ftl_channel_create(&x, &y));
    start_loop(&ops);
    CHECK_OK(ftl_loop_watch_channel(&loop, b, NULL));
    ftl_err_t code = FTL_ERR_NOT_FOUND;
    CHECK_OK(ftl_channel_send(a, FTL_MSG_OPEN, 7, "tcp:1", 5, NULL, 0));
    CHECK_OK(ftl_channel_send(a, FTL_MSG_ERROR_REPLY, 8, &code, sizeof(code), NULL, 0));
    CHECK_OK(ftl_channel_send_data(a, "d", 1));
    CHECK_OK(ftl_channel_send(a, FTL_MSG_OPEN_REPLY, 9, NULL, 0, &y, 1));
    CHECK_OK(ftl_loop_run(&loop));
    CHECK(seen.messages == 4 && seen.type == FTL_MSG_OPEN_REPLY && seen.cookie == 9);
    CHECK(seen.nhandles == 1);
    CHECK_ERR(ftl_channel_send_data(x, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(x));
    CHECK_OK(ftl_handle_close(a));
    ftl_loop_destroy(&loop);
}

// With no callback for a message, the loop closes the handles it carried.
static void unhandled_message_handles_are_closed(void)
{
    static const struct ftl_loop_ops ops = {.on_peer_closed = on_peer_closed};
    ftl_handle_t a, b, x, y;
    CHECK_OK(ftl_channel_create(&a, &b));
    CHECK_OK(ftl_channel_create(&x, &y));
    start_loop(&ops);
    CHECK_OK(ftl_loop_watch_channel(&loop, b, NULL));
    CHECK_OK(ftl_channel_send(a, FTL_MSG_DATA, 0, "h", 1, &y, 1));
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_loop_run(&loop)); // the DATA, then on_peer_closed stops it
    CHECK(seen.closes == 1);
    CHECK_ERR(ftl_channel_send_data(x, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(x));
    ftl_loop_destroy(&loop);
}

static void drain_one(const struct ftl_loop_event *ev)
{
    (void)ev;
    CHECK_OK(ftl_channel_recv(seen.peer, &msg)); // room for two: after on_writable's
    CHECK_OK(ftl_channel_recv(seen.peer, &msg)); // send the peer still has room
}

static void on_writable(const struct ftl_loop_event *ev)
{
    seen.writables++;
    CHECK_OK(ftl_loop_send(ev->loop, ev->ch, "again", 5));
}

static void stop_loop(const struct ftl_loop_event *ev)
{
    ftl_loop_stop(ev->loop);
}

// ftl_loop_send to a full queue returns FTL_ERR_FULL and on_writable comes once, after
// the peer received messages, even though the channel stays writable afterwards.
static void full_send_calls_on_writable_once(void)
{
    static const struct ftl_loop_ops ops = {.on_writable = on_writable};
    ftl_handle_t a, b;
    CHECK_OK(ftl_channel_create(&a, &b));
    start_loop(&ops);
    seen.peer = b;
    CHECK_OK(ftl_loop_watch_channel(&loop, a, NULL));
    int sent = 0;
    ftl_err_t err;
    while ((err = ftl_loop_send(&loop, a, "x", 1)) == FTL_OK) {
        sent++;
    }
    CHECK_ERR(err, FTL_ERR_FULL);
    CHECK(sent == FTL_CHANNEL_QUEUE_MAX);
    uint32_t t;
    CHECK_OK(ftl_loop_timer_start(&loop, 5 * MS, 0, drain_one, NULL, &t));
    CHECK_OK(ftl_loop_timer_start(&loop, 40 * MS, 0, stop_loop, NULL, &t));
    CHECK_OK(ftl_loop_run(&loop));
    CHECK(seen.writables == 1); // disarmed after the call: not reported again
    int queued = 0;
    while (ftl_channel_recv(b, &msg) == FTL_OK) {
        queued++;
    }
    CHECK(queued == FTL_CHANNEL_QUEUE_MAX - 1 && msg.len == 5); // the last is "again"
    CHECK_ERR(ftl_loop_send(&loop, b, "x", 1), FTL_ERR_NOT_FOUND);
    CHECK_OK(ftl_handle_close(b));
    ftl_loop_destroy(&loop);
}

static void stop_at_start(const struct ftl_loop_event *ev)
{
    seen.starts++;
    ftl_loop_stop(ev->loop);
}

// ftl_loop_stop in on_start returns from ftl_loop_run before any event; a second run
// does not call on_start again. ftl_loop_serve returns what the run returns.
static void stop_in_on_start_and_run_again(void)
{
    static const struct ftl_loop_ops ops = {.on_start = stop_at_start, .on_data = on_data};
    ftl_handle_t a, b;
    CHECK_OK(ftl_channel_create(&a, &b));
    start_loop(&ops);
    CHECK_OK(ftl_loop_watch_channel(&loop, b, NULL));
    CHECK_OK(ftl_channel_send_data(a, "early", 5));
    CHECK_OK(ftl_loop_run(&loop));
    CHECK(seen.starts == 1 && seen.datas == 0);
    CHECK_OK(ftl_loop_run(&loop)); // on_data stops it
    CHECK(seen.starts == 1 && seen.datas == 1 && strcmp(seen.data, "early") == 0);
    CHECK_OK(ftl_handle_close(a));
    ftl_loop_destroy(&loop);
}

static const struct ftl_env *the_env;

static void serve_returns_when_stopped(void)
{
    static const struct ftl_loop_ops ops = {.on_start = stop_at_start};
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(ftl_loop_serve(the_env, &ops));
    CHECK(seen.starts == 1);
}

void app_main(const struct ftl_env *env)
{
    the_env = env;
    run_test("loop.connect_data_and_peer_closed", connect_data_and_peer_closed);
    run_test("loop.other_messages_reach_on_message", other_messages_reach_on_message);
    run_test("loop.unhandled_message_handles_are_closed", unhandled_message_handles_are_closed);
    run_test("loop.full_send_calls_on_writable_once", full_send_calls_on_writable_once);
    run_test("loop.stop_in_on_start_and_run_again", stop_in_on_start_and_run_again);
    run_test("loop.serve_returns_when_stopped", serve_returns_when_stopped);
    lifecycle_tests();
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
