// In-OS tests of channels: ordering, backpressure, peer close, handle transfer and
// argument checking, on the real kernel.
#include "tests.h"

#include <string.h>

static struct ftl_msg msg;

static void pair(ftl_handle_t *a, ftl_handle_t *b)
{
    CHECK_OK(ftl_channel_create(a, b));
}

static void close_all(ftl_handle_t a, ftl_handle_t b)
{
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(b));
}

static void messages_arrive_in_order(void)
{
    ftl_handle_t a, b;
    pair(&a, &b);
    for (int i = 0; i < 10; i++) {
        CHECK_OK(ftl_channel_send(a, FTL_MSG_DATA, (uint64_t)i, &i, sizeof(i), NULL, 0));
    }
    for (int i = 0; i < 10; i++) {
        CHECK_OK(ftl_channel_recv(b, &msg));
        int got;
        memcpy(&got, msg.data, sizeof(got));
        CHECK(got == i && msg.cookie == (uint64_t)i && msg.len == sizeof(int));
        CHECK(msg.type == FTL_MSG_DATA && msg.nhandles == 0);
    }
    CHECK_ERR(ftl_channel_recv(b, &msg), FTL_ERR_EMPTY);
    close_all(a, b);
}

static void full_queue_fails_and_drops_nothing(void)
{
    ftl_handle_t a, b;
    pair(&a, &b);
    int sent = 0;
    while (ftl_channel_send_data(a, &sent, sizeof(sent)) == FTL_OK) {
        sent++;
    }
    CHECK(sent == FTL_CHANNEL_QUEUE_MAX);
    CHECK_ERR(ftl_channel_send_data(a, "x", 1), FTL_ERR_FULL);
    // The other direction is independent.
    CHECK_OK(ftl_channel_send_data(b, "y", 1));
    for (int i = 0; i < sent; i++) {
        CHECK_OK(ftl_channel_recv(b, &msg));
        int got;
        memcpy(&got, msg.data, sizeof(got));
        CHECK(got == i);
    }
    CHECK_OK(ftl_channel_send_data(a, "x", 1)); // room again
    close_all(a, b);
}

static void max_size_message_round_trips(void)
{
    ftl_handle_t a, b;
    pair(&a, &b);
    static uint8_t big[FTL_MSG_DATA_MAX];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 7);
    }
    CHECK_OK(ftl_channel_send_data(a, big, sizeof(big)));
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK(msg.len == sizeof(big) && memcmp(msg.data, big, sizeof(big)) == 0);
    CHECK_ERR(ftl_channel_send_data(a, big, sizeof(big) + 1), FTL_ERR_TOO_LARGE);
    close_all(a, b);
}

static void closing_peer_gives_peer_closed_after_queued_messages(void)
{
    ftl_handle_t a, b;
    pair(&a, &b);
    CHECK_OK(ftl_channel_send_data(a, "last words", 10));
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK(msg.len == 10);
    CHECK_ERR(ftl_channel_recv(b, &msg), FTL_ERR_PEER_CLOSED);
    CHECK_ERR(ftl_channel_send_data(b, "x", 1), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(b));
}

static void peer_closed_wakes_poll(void)
{
    ftl_handle_t a, b, poll;
    pair(&a, &b);
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_poll_add(poll, b, FTL_READABLE, (void *)0x1234));
    CHECK_OK(ftl_handle_close(a));
    struct ftl_event ev;
    CHECK_OK(ftl_poll_wait(poll, 1000000000, &ev));
    CHECK(ev.handle == b && (ev.events & FTL_PEER_CLOSED) && ev.ctx == 0x1234);
    CHECK_OK(ftl_handle_close(b));
    CHECK_OK(ftl_handle_close(poll));
}

static void sent_handle_moves_to_receiver(void)
{
    ftl_handle_t a, b, c, d;
    pair(&a, &b);
    pair(&c, &d);
    CHECK_OK(ftl_channel_send(a, FTL_MSG_DATA, 0, "take this", 9, &d, 1));
    // d left the sender's table with the message.
    CHECK_ERR(ftl_handle_close(d), FTL_ERR_BAD_HANDLE);
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK(msg.nhandles == 1);
    ftl_handle_t moved = msg.handles[0];
    // The moved end still talks to c.
    CHECK_OK(ftl_channel_send_data(c, "through", 7));
    CHECK_OK(ftl_channel_recv(moved, &msg));
    CHECK(msg.len == 7 && memcmp(msg.data, "through", 7) == 0);
    close_all(a, b);
    close_all(c, moved);
}

static void failed_send_keeps_handles(void)
{
    ftl_handle_t a, b, c, d;
    pair(&a, &b);
    pair(&c, &d);
    ftl_handle_t hs[2] = {d, 999};
    CHECK_ERR(ftl_channel_send(a, FTL_MSG_DATA, 0, NULL, 0, hs, 2), FTL_ERR_BAD_HANDLE);
    ftl_handle_t dup[2] = {d, d};
    CHECK_ERR(ftl_channel_send(a, FTL_MSG_DATA, 0, NULL, 0, dup, 2), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_channel_send(a, FTL_MSG_DATA, 0, NULL, 0, &a, 1), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_channel_send(a, FTL_MSG_DATA, 0, NULL, 0, &b, 1), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_channel_recv(b, &msg), FTL_ERR_EMPTY);
    // d is still ours and still works.
    CHECK_OK(ftl_channel_send_data(d, "ok", 2));
    CHECK_OK(ftl_channel_recv(c, &msg));
    close_all(a, b);
    close_all(c, d);
}

static void closing_end_with_queued_handles_closes_them(void)
{
    ftl_handle_t a, b, c, d;
    pair(&a, &b);
    pair(&c, &d);
    CHECK_OK(ftl_channel_send(a, FTL_MSG_DATA, 0, NULL, 0, &d, 1));
    CHECK_OK(ftl_handle_close(b)); // d is in b's queue: it closes with it
    CHECK_ERR(ftl_channel_recv(c, &msg), FTL_ERR_PEER_CLOSED);
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(c));
}

static void bad_arguments_get_error_codes(void)
{
    ftl_handle_t a, b, poll;
    pair(&a, &b);
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_ERR(ftl_channel_recv(0, &msg), FTL_ERR_BAD_HANDLE);
    CHECK_ERR(ftl_channel_recv(-1, &msg), FTL_ERR_BAD_HANDLE);
    CHECK_ERR(ftl_channel_recv(100000, &msg), FTL_ERR_BAD_HANDLE);
    CHECK_ERR(ftl_channel_recv(poll, &msg), FTL_ERR_WRONG_TYPE);
    CHECK_ERR(ftl_channel_send(a, 99, 0, NULL, 0, NULL, 0), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_channel_send_data(a, (const void *)0x10, 8), FTL_ERR_BAD_ADDRESS);
    CHECK_ERR(ftl_channel_send_data(a, (const void *)0xffffff8040080000ull, 8),
              FTL_ERR_BAD_ADDRESS);
    CHECK_OK(ftl_channel_send_data(a, "x", 1));
    CHECK_ERR(ftl_channel_recv(b, NULL), FTL_ERR_BAD_ADDRESS);
    CHECK_OK(ftl_channel_recv(b, &msg)); // the message waited for a good buffer
    CHECK_ERR(ftl_handle_close(a), FTL_OK);
    CHECK_ERR(ftl_handle_close(a), FTL_ERR_BAD_HANDLE);
    CHECK_OK(ftl_handle_close(b));
    CHECK_OK(ftl_handle_close(poll));
}

static void handle_table_limit_is_enforced(void)
{
    static ftl_handle_t hs[FTL_PROCESS_HANDLES_MAX + 2];
    size_t n = 0;
    ftl_err_t err;
    while ((err = ftl_channel_create(&hs[n], &hs[n + 1])) == FTL_OK) {
        n += 2;
    }
    CHECK_ERR(err, FTL_ERR_TOO_MANY);
    CHECK(n > FTL_PROCESS_HANDLES_MAX - 16);
    for (size_t i = 0; i < n; i++) {
        CHECK_OK(ftl_handle_close(hs[i]));
    }
    ftl_handle_t a, b;
    pair(&a, &b);
    close_all(a, b);
}

void channel_tests(void)
{
    run_test("channel.messages_arrive_in_order", messages_arrive_in_order);
    run_test("channel.full_queue_fails_and_drops_nothing", full_queue_fails_and_drops_nothing);
    run_test("channel.max_size_message_round_trips", max_size_message_round_trips);
    run_test("channel.peer_closed_after_queued_messages",
             closing_peer_gives_peer_closed_after_queued_messages);
    run_test("channel.peer_closed_wakes_poll", peer_closed_wakes_poll);
    run_test("channel.sent_handle_moves_to_receiver", sent_handle_moves_to_receiver);
    run_test("channel.failed_send_keeps_handles", failed_send_keeps_handles);
    run_test("channel.closing_end_closes_queued_handles",
             closing_end_with_queued_handles_closes_them);
    run_test("channel.bad_arguments_get_error_codes", bad_arguments_get_error_codes);
    run_test("handle.table_limit_is_enforced", handle_table_limit_is_enforced);
}
