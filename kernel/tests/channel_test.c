// Host unit tests of channels (kernel/channel.c): ordering, backpressure, peer
// closing, handles carried in messages, and the poll state of an end.
#include "test_util.h"

#include "channel.h"

static struct channel *a, *b;

static int setup(void **state)
{
    test_kernel_setup(state);
    assert_int_equal(channel_create_pair(NULL, &a, &b), FTL_OK);
    return 0;
}

// Drops whichever ends the test left open; LeakSanitizer checks nothing else stays.
static int teardown(void **state)
{
    (void)state;
    if (a) {
        object_unref(&a->obj);
        a = NULL;
    }
    if (b) {
        object_unref(&b->obj);
        b = NULL;
    }
    return 0;
}

static void close_end(struct channel **ch)
{
    object_unref(&(*ch)->obj);
    *ch = NULL;
}

static uint32_t state_of(struct channel *ch)
{
    return ch->obj.ops->poll_state(&ch->obj);
}

// Sends a message from `from` that carries `obj` (moving the caller's reference).
static ftl_err_t send_with_handle(struct channel *from, struct object *obj)
{
    struct msg *m = msg_alloc(NULL, 0);
    assert_non_null(m);
    m->nhandles = 1;
    m->handles[0].obj = obj;
    m->handles[0].rights = FTL_RIGHTS_ALL;
    ftl_err_t err = channel_send(from, m);
    if (err != FTL_OK) {
        msg_free(m);
    }
    return err;
}

static void new_pair_ends_are_each_others_peer(void **state)
{
    (void)state;
    assert_ptr_equal(a->peer, b);
    assert_ptr_equal(b->peer, a);
    assert_int_equal(a->obj.type, OBJ_CHANNEL);
    assert_int_equal(a->obj.refs, 1);
}

static void msg_alloc_sets_length_and_no_handles(void **state)
{
    (void)state;
    struct msg *m = msg_alloc(NULL, FTL_MSG_DATA_MAX);
    assert_non_null(m);
    assert_int_equal(m->len, FTL_MSG_DATA_MAX);
    assert_int_equal(m->nhandles, 0);
    assert_int_equal(m->type, 0);
    memset(m->data, 0xab, FTL_MSG_DATA_MAX); // ASan: the data room really is there
    msg_free(m);
}

static void recv_returns_sent_bytes_and_type(void **state)
{
    (void)state;
    assert_int_equal(test_send(a, "hello", 5), FTL_OK);
    struct msg *m = NULL;
    assert_int_equal(channel_recv(b, &m), FTL_OK);
    assert_int_equal(m->type, FTL_MSG_DATA);
    assert_int_equal(m->len, 5);
    assert_memory_equal(m->data, "hello", 5);
    msg_free(m);
}

static void messages_are_received_in_send_order(void **state)
{
    (void)state;
    for (uint8_t i = 0; i < 10; i++) {
        assert_int_equal(test_send_byte(a, i), FTL_OK);
    }
    for (uint8_t i = 0; i < 10; i++) {
        assert_int_equal(test_recv_byte(b), i);
    }
}

static void order_is_kept_when_the_ring_wraps_around(void **state)
{
    (void)state;
    uint8_t next_sent = 0, next_recv = 0;
    for (int round = 0; round < 5; round++) {
        while (test_send_byte(a, next_sent) == FTL_OK) {
            next_sent++;
        }
        for (int i = 0; i < FTL_CHANNEL_QUEUE_MAX / 2 + 3; i++) {
            assert_int_equal(test_recv_byte(b), next_recv++);
        }
    }
    while (b->count > 0) {
        assert_int_equal(test_recv_byte(b), next_recv++);
    }
    assert_int_equal(next_recv, next_sent);
}

static void each_direction_has_its_own_queue(void **state)
{
    (void)state;
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    assert_int_equal(test_send_byte(b, 2), FTL_OK);
    assert_int_equal(test_recv_byte(a), 2);
    assert_int_equal(test_recv_byte(b), 1);
}

static void recv_on_empty_queue_is_empty(void **state)
{
    (void)state;
    struct msg *m = NULL;
    assert_int_equal(channel_recv(b, &m), FTL_ERR_EMPTY);
    assert_null(m);
}

static void recv_after_draining_is_empty_again(void **state)
{
    (void)state;
    assert_int_equal(test_send_byte(a, 7), FTL_OK);
    assert_int_equal(test_recv_byte(b), 7);
    struct msg *m = NULL;
    assert_int_equal(channel_recv(b, &m), FTL_ERR_EMPTY);
}

static void send_to_full_queue_fails_and_drops_nothing(void **state)
{
    (void)state;
    for (int i = 0; i < FTL_CHANNEL_QUEUE_MAX; i++) {
        assert_int_equal(test_send_byte(a, (uint8_t)i), FTL_OK);
    }
    assert_true(channel_is_full(b));
    assert_int_equal(test_send_byte(a, 0xff), FTL_ERR_FULL);
    assert_int_equal(b->count, FTL_CHANNEL_QUEUE_MAX);
    for (int i = 0; i < FTL_CHANNEL_QUEUE_MAX; i++) {
        assert_int_equal(test_recv_byte(b), (uint8_t)i);
    }
}

static void failed_send_leaves_message_with_caller(void **state)
{
    (void)state;
    while (!channel_is_full(b)) {
        assert_int_equal(test_send_byte(a, 0), FTL_OK);
    }
    struct msg *m = msg_alloc(NULL, 1);
    assert_non_null(m);
    assert_int_equal(channel_send(a, m), FTL_ERR_FULL);
    m->data[0] = 1; // still ours: ASan would flag a use after free
    msg_free(m);
}

static void queue_is_full_only_at_queue_max(void **state)
{
    (void)state;
    for (int i = 0; i < FTL_CHANNEL_QUEUE_MAX - 1; i++) {
        assert_int_equal(test_send_byte(a, 0), FTL_OK);
    }
    assert_false(channel_is_full(b));
    assert_int_equal(test_send_byte(a, 0), FTL_OK);
    assert_true(channel_is_full(b));
    assert_false(channel_is_full(a));
}

static void recv_from_full_queue_makes_room_for_one_more(void **state)
{
    (void)state;
    while (!channel_is_full(b)) {
        assert_int_equal(test_send_byte(a, 0), FTL_OK);
    }
    test_recv_byte(b);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    assert_int_equal(test_send_byte(a, 2), FTL_ERR_FULL);
}

static void recv_after_peer_closed_drains_queue_then_reports_peer_closed(void **state)
{
    (void)state;
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    assert_int_equal(test_send_byte(a, 2), FTL_OK);
    close_end(&a);
    assert_int_equal(test_recv_byte(b), 1);
    assert_int_equal(test_recv_byte(b), 2);
    struct msg *m = NULL;
    assert_int_equal(channel_recv(b, &m), FTL_ERR_PEER_CLOSED);
    assert_null(m);
}

static void peer_pointer_is_cleared_when_peer_is_destroyed(void **state)
{
    (void)state;
    close_end(&a);
    assert_null(b->peer);
}

static void send_to_closed_peer_is_peer_closed(void **state)
{
    (void)state;
    close_end(&b);
    assert_int_equal(test_send_byte(a, 1), FTL_ERR_PEER_CLOSED);
}

static void peer_stays_open_while_another_reference_exists(void **state)
{
    (void)state;
    object_ref(&a->obj);
    object_unref(&a->obj);
    assert_ptr_equal(b->peer, a);
    assert_int_equal(test_send_byte(b, 1), FTL_OK);
}

static void carried_handle_keeps_its_object_alive(void **state)
{
    (void)state;
    struct channel *c, *d;
    assert_int_equal(channel_create_pair(NULL, &c, &d), FTL_OK);
    assert_int_equal(send_with_handle(a, &c->obj), FTL_OK); // our reference to c moved
    assert_ptr_equal(d->peer, c);
    assert_int_equal(state_of(d) & FTL_PEER_CLOSED, 0);
    object_unref(&d->obj);
}

static void received_handle_is_the_sent_object_with_its_rights(void **state)
{
    (void)state;
    struct channel *c, *d;
    assert_int_equal(channel_create_pair(NULL, &c, &d), FTL_OK);
    assert_int_equal(send_with_handle(a, &c->obj), FTL_OK);
    struct msg *m = NULL;
    assert_int_equal(channel_recv(b, &m), FTL_OK);
    assert_int_equal(m->nhandles, 1);
    assert_ptr_equal(m->handles[0].obj, &c->obj);
    assert_int_equal(m->handles[0].rights, FTL_RIGHTS_ALL);
    msg_free(m);
    object_unref(&d->obj);
}

static void freeing_a_message_releases_its_handles(void **state)
{
    (void)state;
    struct channel *c, *d;
    assert_int_equal(channel_create_pair(NULL, &c, &d), FTL_OK);
    assert_int_equal(send_with_handle(a, &c->obj), FTL_OK);
    struct msg *m = NULL;
    assert_int_equal(channel_recv(b, &m), FTL_OK);
    msg_free(m);
    assert_null(d->peer);
    assert_true(state_of(d) & FTL_PEER_CLOSED);
    object_unref(&d->obj);
}

static void destroying_end_with_queued_handles_closes_carried_channels(void **state)
{
    (void)state;
    struct channel *c, *d;
    assert_int_equal(channel_create_pair(NULL, &c, &d), FTL_OK);
    assert_int_equal(send_with_handle(a, &c->obj), FTL_OK);
    close_end(&b); // c is only referenced by the message queued on b
    assert_null(d->peer);
    struct msg *m = NULL;
    assert_int_equal(channel_recv(d, &m), FTL_ERR_PEER_CLOSED);
    object_unref(&d->obj);
}

static void closing_cascades_through_nested_messages(void **state)
{
    (void)state;
    // b's queue holds c; c's queue holds e; dropping b must close e's peer f too.
    struct channel *c, *d, *e, *f;
    assert_int_equal(channel_create_pair(NULL, &c, &d), FTL_OK);
    assert_int_equal(channel_create_pair(NULL, &e, &f), FTL_OK);
    assert_int_equal(send_with_handle(d, &e->obj), FTL_OK);
    object_unref(&d->obj);
    assert_int_equal(send_with_handle(a, &c->obj), FTL_OK);
    close_end(&b);
    assert_null(f->peer);
    object_unref(&f->obj);
}

static void new_end_is_writable_only(void **state)
{
    (void)state;
    assert_int_equal(state_of(a), FTL_WRITABLE);
}

static void end_is_readable_while_a_message_is_queued(void **state)
{
    (void)state;
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    assert_true(state_of(b) & FTL_READABLE);
    assert_false(state_of(a) & FTL_READABLE);
    test_recv_byte(b);
    assert_false(state_of(b) & FTL_READABLE);
}

static void end_is_not_writable_while_peer_queue_is_full(void **state)
{
    (void)state;
    while (!channel_is_full(b)) {
        assert_int_equal(test_send_byte(a, 0), FTL_OK);
    }
    assert_false(state_of(a) & FTL_WRITABLE);
    test_recv_byte(b);
    assert_true(state_of(a) & FTL_WRITABLE);
}

static void end_reports_peer_closed_and_not_writable_after_peer_destroyed(void **state)
{
    (void)state;
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    close_end(&a);
    assert_int_equal(state_of(b), FTL_READABLE | FTL_PEER_CLOSED);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(new_pair_ends_are_each_others_peer),
        T(msg_alloc_sets_length_and_no_handles),
        T(recv_returns_sent_bytes_and_type),
        T(messages_are_received_in_send_order),
        T(order_is_kept_when_the_ring_wraps_around),
        T(each_direction_has_its_own_queue),
        T(recv_on_empty_queue_is_empty),
        T(recv_after_draining_is_empty_again),
        T(send_to_full_queue_fails_and_drops_nothing),
        T(failed_send_leaves_message_with_caller),
        T(queue_is_full_only_at_queue_max),
        T(recv_from_full_queue_makes_room_for_one_more),
        T(recv_after_peer_closed_drains_queue_then_reports_peer_closed),
        T(peer_pointer_is_cleared_when_peer_is_destroyed),
        T(send_to_closed_peer_is_peer_closed),
        T(peer_stays_open_while_another_reference_exists),
        T(carried_handle_keeps_its_object_alive),
        T(received_handle_is_the_sent_object_with_its_rights),
        T(freeing_a_message_releases_its_handles),
        T(destroying_end_with_queued_handles_closes_carried_channels),
        T(closing_cascades_through_nested_messages),
        T(new_end_is_writable_only),
        T(end_is_readable_while_a_message_is_queued),
        T(end_is_not_writable_while_peer_queue_is_full),
        T(end_reports_peer_closed_and_not_writable_after_peer_destroyed),
    };
#undef T
    return cmocka_run_group_tests_name("channel", tests, NULL, NULL);
}
