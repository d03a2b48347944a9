// test_call: ftl_channel_call and ftl_poll_wait_msg on the real kernel, against echo
// (blocked in its loop's ftl_poll_wait_msg, so well-formed sends to it are handed
// straight into its buffer) and against channel pairs of our own.
#include <ftl.h>
#include <ftl/test.h>
#include <string.h>

#define MS 1000000ll

extern const struct ftl_calls *ftl_calls_;

static ftl_handle_t echo;
static struct ftl_msg reply, msg;
static uint8_t payload[FTL_MSG_DATA_MAX];

static void pair(ftl_handle_t *a, ftl_handle_t *b)
{
    CHECK_OK(ftl_channel_create(a, b));
}

static void close_all(ftl_handle_t a, ftl_handle_t b)
{
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(b));
}

// A request to echo comes back whole, for every size.
static void call_round_trips_through_echo(void)
{
    static const size_t sizes[] = {0, 1, 64, 1000, FTL_MSG_DATA_MAX};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t j = 0; j < sizes[i]; j++) {
            payload[j] = (uint8_t)(i * 31 + j);
        }
        memset(&reply, 0xa5, sizeof(reply));
        CHECK_OK(ftl_channel_call_data(echo, payload, sizes[i], &reply));
        CHECK(reply.type == FTL_MSG_DATA && reply.len == sizes[i] && reply.nhandles == 0);
        CHECK(memcmp(reply.data, payload, sizes[i]) == 0);
    }
}

// Bad arguments fail before anything is sent: the next call's reply is its own.
static void bad_calls_send_nothing(void)
{
    const struct ftl_calls *c = ftl_calls_;
    struct ftl_msg_out m = {.type = FTL_MSG_DATA, .len = 8, .data = (const void *)0x10};
    CHECK_ERR(c->channel_call(echo, &m, FTL_NO_TIMEOUT, &reply), FTL_ERR_BAD_ADDRESS);
    m.data = (const void *)0xffffff8040080000ull; // the kernel's memory
    CHECK_ERR(c->channel_call(echo, &m, FTL_NO_TIMEOUT, &reply), FTL_ERR_BAD_ADDRESS);
    m.data = "12345678";
    CHECK_ERR(c->channel_call(echo, &m, FTL_NO_TIMEOUT, NULL), FTL_ERR_BAD_ADDRESS);
    CHECK_ERR(c->channel_call(echo, &m, FTL_NO_TIMEOUT, (struct ftl_msg *)0x10),
              FTL_ERR_BAD_ADDRESS);
    // A reply buffer must be a whole struct ftl_msg: one that runs into the kernel's
    // memory is refused up front.
    CHECK_ERR(c->channel_call(echo, &m, FTL_NO_TIMEOUT,
                              (struct ftl_msg *)(0xffffff8040080000ull - 64)),
              FTL_ERR_BAD_ADDRESS);
    CHECK_ERR(c->channel_call(echo, &m, -1, &reply), FTL_ERR_INVALID_ARG);
    CHECK_ERR(c->channel_call(echo, NULL, FTL_NO_TIMEOUT, &reply), FTL_ERR_BAD_ADDRESS);
    m.type = 99;
    CHECK_ERR(c->channel_call(echo, &m, FTL_NO_TIMEOUT, &reply), FTL_ERR_INVALID_ARG);
    m.type = FTL_MSG_DATA;
    m.len = FTL_MSG_DATA_MAX + 1;
    CHECK_ERR(c->channel_call(echo, &m, FTL_NO_TIMEOUT, &reply), FTL_ERR_TOO_LARGE);
    m.len = 8;
    CHECK_ERR(c->channel_call(0, &m, FTL_NO_TIMEOUT, &reply), FTL_ERR_BAD_HANDLE);
    ftl_handle_t poll;
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_ERR(c->channel_call(poll, &m, FTL_NO_TIMEOUT, &reply), FTL_ERR_WRONG_TYPE);
    CHECK_OK(ftl_handle_close(poll));
    CHECK_OK(ftl_channel_call_data(echo, "good", 4, &reply));
    CHECK(reply.len == 4 && memcmp(reply.data, "good", 4) == 0);
    CHECK_ERR(ftl_channel_recv(echo, &msg), FTL_ERR_EMPTY); // nothing else came back
}

// A call whose peer never replies times out; the request stays sent.
static void call_times_out_with_the_request_sent(void)
{
    ftl_handle_t a, b;
    pair(&a, &b);
    int64_t start = ftl_time_now();
    CHECK_ERR(ftl_channel_call(a, FTL_MSG_DATA, 7, "req", 3, NULL, 0, 5 * MS, &reply),
              FTL_ERR_TIMED_OUT);
    CHECK(ftl_time_now() - start >= 5 * MS);
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK(msg.len == 3 && msg.cookie == 7 && memcmp(msg.data, "req", 3) == 0);
    CHECK_ERR(ftl_channel_call(a, FTL_MSG_DATA, 0, "r", 1, NULL, 0, 0, &reply),
              FTL_ERR_TIMED_OUT);
    close_all(a, b);
}

// The reply is the next message on the channel, even one queued before the call.
static void call_returns_an_already_queued_message(void)
{
    ftl_handle_t a, b;
    pair(&a, &b);
    CHECK_OK(ftl_channel_send_data(b, "early", 5));
    CHECK_OK(ftl_channel_call_data(a, "req", 3, &reply));
    CHECK(reply.len == 5 && memcmp(reply.data, "early", 5) == 0);
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK(msg.len == 3 && memcmp(msg.data, "req", 3) == 0);
    close_all(a, b);
}

// A closed peer fails the send; a full peer too; handles move with a call.
static void call_reports_send_errors_and_moves_handles(void)
{
    ftl_handle_t a, b, c, d;
    pair(&a, &b);
    pair(&c, &d);
    // Handles go the usual way (never handed over): the reply, queued first, comes back.
    CHECK_OK(ftl_channel_send_data(b, "reply", 5));
    CHECK_OK(ftl_channel_call(a, FTL_MSG_DATA, 0, "h", 1, &c, 1, FTL_NO_TIMEOUT, &reply));
    CHECK(reply.len == 5);
    CHECK_ERR(ftl_handle_close(c), FTL_ERR_BAD_HANDLE); // moved
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK(msg.nhandles == 1);
    CHECK_OK(ftl_channel_send_data(msg.handles[0], "via", 3)); // the moved end works
    CHECK_OK(ftl_channel_recv(d, &msg));
    CHECK(msg.len == 3);
    int sent = 0;
    while (ftl_channel_send_data(a, &sent, sizeof(sent)) == FTL_OK) {
        sent++;
    }
    CHECK_ERR(ftl_channel_call_data(a, "x", 1, &reply), FTL_ERR_FULL);
    CHECK_OK(ftl_handle_close(b));
    CHECK_ERR(ftl_channel_call_data(a, "x", 1, &reply), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(d));
}

// ftl_poll_wait_msg receives with the event only where the watch asked for it.
static void wait_msg_receives_only_with_receive_interest(void)
{
    ftl_handle_t a, b, c, d, poll, timer;
    pair(&a, &b);
    pair(&c, &d);
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_timer_create(&timer));
    CHECK_ERR(ftl_poll_add(poll, timer, FTL_READABLE | FTL_RECEIVE, NULL), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_poll_add(poll, timer, FTL_READABLE, NULL));
    CHECK_ERR(ftl_poll_modify(poll, timer, FTL_READABLE | FTL_RECEIVE, NULL),
              FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_poll_add(poll, b, FTL_READABLE | (1u << 4), NULL), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_poll_add(poll, b, FTL_READABLE | FTL_RECEIVE, (void *)1));
    CHECK_OK(ftl_poll_add(poll, d, FTL_READABLE, (void *)2));
    struct ftl_event ev;
    CHECK_ERR(ftl_poll_wait_msg(poll, 0, &ev, &msg), FTL_ERR_TIMED_OUT);
    CHECK_OK(ftl_channel_send_data(a, "one", 3));
    CHECK_OK(ftl_channel_send_data(a, "two", 3));
    memset(&msg, 0, sizeof(msg));
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK(ev.handle == b && ev.events == (FTL_READABLE | FTL_RECEIVE));
    CHECK(ev.ctx == 1 && msg.len == 3 && memcmp(msg.data, "one", 3) == 0);
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK(ev.handle == b && (ev.events & FTL_RECEIVE) && memcmp(msg.data, "two", 3) == 0);
    CHECK_ERR(ftl_channel_recv(b, &msg), FTL_ERR_EMPTY);
    // Without FTL_RECEIVE: the event only; the message waits for ftl_channel_recv.
    CHECK_OK(ftl_channel_send_data(c, "three", 5));
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK(ev.handle == d && ev.events == FTL_READABLE && ev.ctx == 2);
    CHECK_OK(ftl_channel_recv(d, &msg));
    CHECK(msg.len == 5);
    // FTL_RECEIVE can be taken away and given back.
    CHECK_OK(ftl_poll_modify(poll, b, FTL_READABLE, (void *)1));
    CHECK_OK(ftl_channel_send_data(a, "four", 4));
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK(ev.handle == b && !(ev.events & FTL_RECEIVE));
    CHECK_OK(ftl_poll_modify(poll, b, FTL_READABLE | FTL_RECEIVE, (void *)1));
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK(ev.handle == b && (ev.events & FTL_RECEIVE) && memcmp(msg.data, "four", 4) == 0);
    // FTL_RECEIVE without FTL_READABLE: no event, nothing received.
    CHECK_OK(ftl_poll_modify(poll, b, FTL_RECEIVE, (void *)1));
    CHECK_OK(ftl_channel_send_data(a, "five", 4));
    CHECK_ERR(ftl_poll_wait_msg(poll, 0, &ev, &msg), FTL_ERR_TIMED_OUT);
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK(msg.len == 4 && memcmp(msg.data, "five", 4) == 0);
    // A peer gone with nothing queued: PEER_CLOSED, nothing received.
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK(ev.handle == b && ev.events == FTL_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(b));
    CHECK_OK(ftl_handle_close(c));
    CHECK_OK(ftl_handle_close(d));
    CHECK_OK(ftl_handle_close(timer));
    CHECK_OK(ftl_handle_close(poll));
}

// Bad buffers fail the wait at once and receive nothing.
static void wait_msg_checks_both_buffers_first(void)
{
    const struct ftl_calls *c = ftl_calls_;
    ftl_handle_t a, b, poll;
    pair(&a, &b);
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_poll_add(poll, b, FTL_READABLE | FTL_RECEIVE, NULL));
    CHECK_OK(ftl_channel_send_data(a, "kept", 4));
    struct ftl_event ev;
    CHECK_ERR(c->poll_wait_msg(poll, 0, &ev, NULL), FTL_ERR_BAD_ADDRESS);
    CHECK_ERR(c->poll_wait_msg(poll, 0, NULL, &msg), FTL_ERR_BAD_ADDRESS);
    CHECK_ERR(c->poll_wait_msg(poll, 0, &ev, (struct ftl_msg *)(0xffffff8040080000ull - 64)),
              FTL_ERR_BAD_ADDRESS);
    CHECK_ERR(c->poll_wait_msg(poll, -5, &ev, &msg), FTL_ERR_INVALID_ARG);
    CHECK_ERR(c->poll_wait_msg(a, 0, &ev, &msg), FTL_ERR_WRONG_TYPE);
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK((ev.events & FTL_RECEIVE) && msg.len == 4 && memcmp(msg.data, "kept", 4) == 0);
    close_all(a, b);
    CHECK_OK(ftl_handle_close(poll));
}

// A message whose handles do not fit the table stays queued; the event says so by
// coming without FTL_RECEIVE, and ftl_channel_recv tells why.
static void wait_msg_leaves_a_message_it_cannot_take(void)
{
    static ftl_handle_t hs[FTL_PROCESS_HANDLES_MAX + 2];
    ftl_handle_t a, b, x, y, poll;
    pair(&a, &b);
    pair(&x, &y);
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_poll_add(poll, b, FTL_READABLE | FTL_RECEIVE, NULL));
    CHECK_OK(ftl_channel_send(a, FTL_MSG_DATA, 0, "h", 1, &x, 1));
    size_t n = 0;
    while (ftl_channel_create(&hs[n], &hs[n + 1]) == FTL_OK) {
        n += 2;
    }
    while (n < FTL_PROCESS_HANDLES_MAX + 2 && ftl_timer_create(&hs[n]) == FTL_OK) {
        n++; // the last free slots
    }
    struct ftl_event ev;
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK(ev.handle == b && ev.events == FTL_READABLE);
    CHECK_ERR(ftl_channel_recv(b, &msg), FTL_ERR_TOO_MANY);
    for (size_t i = 0; i < n; i++) {
        CHECK_OK(ftl_handle_close(hs[i]));
    }
    CHECK_OK(ftl_poll_wait_msg(poll, 0, &ev, &msg));
    CHECK((ev.events & FTL_RECEIVE) && msg.nhandles == 1);
    CHECK_OK(ftl_handle_close(msg.handles[0]));
    close_all(a, b);
    CHECK_OK(ftl_handle_close(y));
    CHECK_OK(ftl_handle_close(poll));
}

// Many calls in a row: every reply matches its request (no message lost, doubled or
// swapped by the handoff).
static void thousands_of_calls_match_their_replies(void)
{
    for (uint32_t i = 0; i < 5000; i++) {
        uint32_t len = i % 97;
        for (uint32_t j = 0; j < len; j++) {
            payload[j] = (uint8_t)(i + j);
        }
        CHECK_OK(ftl_channel_call_data(echo, payload, len, &reply));
        CHECK(reply.len == len && memcmp(reply.data, payload, len) == 0);
        if (reply.len != len) {
            return;
        }
    }
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    run_test("call.round_trips_through_echo", call_round_trips_through_echo);
    run_test("call.bad_calls_send_nothing", bad_calls_send_nothing);
    run_test("call.times_out_with_the_request_sent", call_times_out_with_the_request_sent);
    run_test("call.returns_an_already_queued_message", call_returns_an_already_queued_message);
    run_test("call.reports_send_errors_and_moves_handles",
             call_reports_send_errors_and_moves_handles);
    run_test("wait_msg.receives_only_with_receive_interest",
             wait_msg_receives_only_with_receive_interest);
    run_test("wait_msg.checks_both_buffers_first", wait_msg_checks_both_buffers_first);
    run_test("wait_msg.leaves_a_message_it_cannot_take", wait_msg_leaves_a_message_it_cannot_take);
    run_test("call.thousands_of_calls_match_their_replies", thousands_of_calls_match_their_replies);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
