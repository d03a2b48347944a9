// Host unit tests of poll objects (kernel/poll.c): which events are reported and
// when, registration errors, cleanup when handles or objects go, and fairness.
// The host build has no threads, so every wait uses a deadline already passed.
#include "test_util.h"

#include "channel.h"
#include "poll.h"

// Two processes' worth of owner tags (handles are per process).
static const int owner_a, owner_b;
#define OWNER (&owner_a)
#define OTHER_OWNER (&owner_b)
#define NOW 1000 // the fake clock during every test; waits use it as their deadline

static struct poll *p;
static struct channel *a, *b;

static int setup(void **state)
{
    test_kernel_setup(state);
    host_time_set_ns(NOW);
    assert_int_equal(poll_create(NULL, &p), FTL_OK);
    assert_int_equal(channel_create_pair(NULL, &a, &b), FTL_OK);
    return 0;
}

static void close_channel(struct channel **ch)
{
    if (*ch) {
        object_unref(&(*ch)->obj);
        *ch = NULL;
    }
}

static void close_poll(struct poll **poll)
{
    if (*poll) {
        object_unref(&(*poll)->obj);
        *poll = NULL;
    }
}

// Drops whatever the test left open; LeakSanitizer checks nothing else stays.
static int teardown(void **state)
{
    (void)state;
    close_poll(&p);
    close_channel(&a);
    close_channel(&b);
    return 0;
}

struct event {
    ftl_handle_t h;
    uint32_t events;
    uint64_t ctx;
};

// One non-blocking wait (the deadline has already passed).
static ftl_err_t wait_now(struct event *ev)
{
    ev->h = -1;
    ev->events = 0;
    ev->ctx = 0;
    return poll_wait(p, NOW, &ev->h, &ev->events, &ev->ctx);
}

static void expect_event(ftl_handle_t h, uint32_t events)
{
    struct event ev;
    assert_int_equal(wait_now(&ev), FTL_OK);
    assert_int_equal(ev.h, h);
    assert_int_equal(ev.events, events);
}

static void expect_timeout(void)
{
    struct event ev;
    assert_int_equal(wait_now(&ev), FTL_ERR_TIMED_OUT);
}

static void empty_poll_with_past_deadline_times_out(void **state)
{
    (void)state;
    expect_timeout();
    assert_null(p->waiter);
}

static void deadline_before_now_times_out_without_blocking(void **state)
{
    (void)state;
    ftl_handle_t h;
    uint32_t events;
    uint64_t ctx;
    assert_int_equal(poll_wait(p, 0, &h, &events, &ctx), FTL_ERR_TIMED_OUT);
}

static void quiet_channel_times_out(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    expect_timeout();
}

static void channel_is_readable_after_peer_sends(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    expect_event(1, FTL_READABLE);
}

static void object_ready_before_add_is_reported(void **state)
{
    (void)state;
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    expect_event(1, FTL_READABLE);
}

static void wait_returns_the_registered_handle_and_ctx(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 42, FTL_READABLE, 0xfeedface12345678u), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    struct event ev;
    assert_int_equal(wait_now(&ev), FTL_OK);
    assert_int_equal(ev.h, 42);
    assert_int_equal(ev.ctx, 0xfeedface12345678u);
}

static void writable_is_reported_while_peer_has_room(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &a->obj, OWNER, 1, FTL_WRITABLE, 0), FTL_OK);
    expect_event(1, FTL_WRITABLE);
}

static void writable_is_not_reported_while_peer_queue_is_full(void **state)
{
    (void)state;
    while (!channel_is_full(b)) {
        assert_int_equal(test_send_byte(a, 0), FTL_OK);
    }
    assert_int_equal(poll_add(NULL, p, &a->obj, OWNER, 1, FTL_WRITABLE, 0), FTL_OK);
    expect_timeout();
}

static void writable_returns_when_peer_drains_a_full_queue(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &a->obj, OWNER, 1, FTL_WRITABLE, 0), FTL_OK);
    while (!channel_is_full(b)) {
        assert_int_equal(test_send_byte(a, 0), FTL_OK);
    }
    expect_timeout();
    test_recv_byte(b);
    expect_event(1, FTL_WRITABLE);
}

static void only_asked_events_are_reported(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    expect_timeout(); // b is writable, but nobody asked
}

static void peer_closed_is_reported_even_when_not_asked(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    close_channel(&a);
    expect_event(1, FTL_PEER_CLOSED);
}

static void peer_closed_is_reported_with_zero_interest(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, 0, 0), FTL_OK);
    expect_timeout();
    close_channel(&a);
    expect_event(1, FTL_PEER_CLOSED);
}

static void events_are_reported_again_until_handled(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    expect_event(1, FTL_READABLE);
    expect_event(1, FTL_READABLE);
    expect_event(1, FTL_READABLE);
}

static void handled_event_is_not_reported_again(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    expect_event(1, FTL_READABLE);
    test_recv_byte(b);
    expect_timeout();
}

static void event_after_a_quiet_period_is_reported(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    test_recv_byte(b);
    expect_timeout();
    assert_int_equal(test_send_byte(a, 2), FTL_OK);
    expect_event(1, FTL_READABLE);
}

static void two_ready_channels_are_reported_in_turn(void **state)
{
    (void)state;
    struct channel *c, *d;
    assert_int_equal(channel_create_pair(NULL, &c, &d), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &d->obj, OWNER, 2, FTL_READABLE, 0), FTL_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(test_send_byte(a, 0), FTL_OK);
        assert_int_equal(test_send_byte(c, 0), FTL_OK);
    }
    // Never handled, both stay ready: a fair poll alternates instead of starving one.
    struct event first, second;
    assert_int_equal(wait_now(&first), FTL_OK);
    assert_int_equal(wait_now(&second), FTL_OK);
    assert_int_not_equal(first.h, second.h);
    for (int i = 0; i < 4; i++) {
        expect_event(first.h, FTL_READABLE);
        expect_event(second.h, FTL_READABLE);
    }
    object_unref(&c->obj);
    object_unref(&d->obj);
}

static void add_same_handle_twice_is_already_exists(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_WRITABLE, 0), FTL_ERR_ALREADY_EXISTS);
    assert_int_equal(p->nregs, 1);
}

static void same_handle_number_of_another_owner_is_a_separate_watch(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &a->obj, OTHER_OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(p->nregs, 2);
}

static void add_with_unknown_event_bits_is_invalid_arg(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE | (1u << 7), 0),
                     FTL_ERR_INVALID_ARG);
    assert_int_equal(p->nregs, 0);
    assert_true(list_is_empty(&b->obj.watchers));
}

static void add_poll_to_itself_is_invalid_arg(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &p->obj, OWNER, 1, FTL_READABLE, 0), FTL_ERR_INVALID_ARG);
    assert_int_equal(p->nregs, 0);
}

static void add_past_regs_max_is_too_many(void **state)
{
    (void)state;
    for (int h = 1; h <= POLL_REGS_MAX; h++) {
        assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, h, FTL_READABLE, 0), FTL_OK);
    }
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, POLL_REGS_MAX + 1, FTL_READABLE, 0),
                     FTL_ERR_TOO_MANY);
    assert_int_equal(p->nregs, POLL_REGS_MAX);
}

static void modify_unknown_handle_is_not_found(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_modify(p, OWNER, 2, FTL_READABLE, 0), FTL_ERR_NOT_FOUND);
    assert_int_equal(poll_modify(p, OTHER_OWNER, 1, FTL_READABLE, 0), FTL_ERR_NOT_FOUND);
}

static void modify_with_unknown_event_bits_is_invalid_arg(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_modify(p, OWNER, 1, 0x80000000u, 0), FTL_ERR_INVALID_ARG);
}

static void modify_changes_interest_and_ctx(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &a->obj, OWNER, 1, FTL_READABLE, 1), FTL_OK);
    expect_timeout();
    assert_int_equal(poll_modify(p, OWNER, 1, FTL_WRITABLE, 99), FTL_OK);
    struct event ev;
    assert_int_equal(wait_now(&ev), FTL_OK);
    assert_int_equal(ev.events, FTL_WRITABLE);
    assert_int_equal(ev.ctx, 99);
}

static void remove_unknown_handle_is_not_found(void **state)
{
    (void)state;
    assert_int_equal(poll_remove(p, OWNER, 1), FTL_ERR_NOT_FOUND);
}

static void removed_watch_is_no_longer_reported(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    assert_int_equal(poll_remove(p, OWNER, 1), FTL_OK);
    expect_timeout();
    assert_int_equal(p->nregs, 0);
    assert_true(list_is_empty(&b->obj.watchers));
}

static void forget_handle_removes_the_watch(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    poll_forget_handle(&b->obj, OWNER, 1);
    assert_int_equal(p->nregs, 0);
    expect_timeout();
    assert_int_equal(poll_remove(p, OWNER, 1), FTL_ERR_NOT_FOUND);
}

static void forget_handle_keeps_other_owners_watches(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &b->obj, OTHER_OWNER, 1, FTL_READABLE, 0), FTL_OK);
    poll_forget_handle(&b->obj, OWNER, 1);
    assert_int_equal(p->nregs, 1);
    assert_int_equal(poll_remove(p, OTHER_OWNER, 1), FTL_OK);
}

static void forget_handle_drops_the_watch_in_every_poll(void **state)
{
    (void)state;
    struct poll *q;
    assert_int_equal(poll_create(NULL, &q), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_add(NULL, q, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    poll_forget_handle(&b->obj, OWNER, 1);
    assert_int_equal(p->nregs, 0);
    assert_int_equal(q->nregs, 0);
    object_unref(&q->obj);
}

static void destroying_a_watched_object_drops_its_watch(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(test_send_byte(a, 1), FTL_OK); // b is on the ready list
    close_channel(&b);
    assert_int_equal(p->nregs, 0);
    expect_timeout(); // ASan: the ready list must not point at the freed registration
}

static void destroying_a_poll_unlinks_it_from_watched_objects(void **state)
{
    (void)state;
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    close_poll(&p);
    assert_true(list_is_empty(&b->obj.watchers));
    // ASan: notifying b's (former) watchers must not touch the freed poll.
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
}

static void poll_is_readable_while_a_watched_object_has_events(void **state)
{
    (void)state;
    struct poll *outer;
    assert_int_equal(poll_create(NULL, &outer), FTL_OK);
    assert_int_equal(poll_add(NULL, outer, &p->obj, OWNER, 7, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &b->obj, OWNER, 1, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(p->obj.ops->poll_state(&p->obj), 0);
    assert_int_equal(test_send_byte(a, 1), FTL_OK);
    ftl_handle_t h = 0;
    uint32_t events = 0;
    uint64_t ctx = 0;
    assert_int_equal(poll_wait(outer, NOW, &h, &events, &ctx), FTL_OK);
    assert_int_equal(h, 7);
    assert_int_equal(events, FTL_READABLE);
    object_unref(&outer->obj);
}

static void wait_on_poll_with_a_waiter_is_busy(void **state)
{
    (void)state;
    p->waiter = thread_current(); // as if another thread were blocked in poll_wait
    struct event ev;
    assert_int_equal(wait_now(&ev), FTL_ERR_BUSY);
    p->waiter = NULL;
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(empty_poll_with_past_deadline_times_out),
        T(deadline_before_now_times_out_without_blocking),
        T(quiet_channel_times_out),
        T(channel_is_readable_after_peer_sends),
        T(object_ready_before_add_is_reported),
        T(wait_returns_the_registered_handle_and_ctx),
        T(writable_is_reported_while_peer_has_room),
        T(writable_is_not_reported_while_peer_queue_is_full),
        T(writable_returns_when_peer_drains_a_full_queue),
        T(only_asked_events_are_reported),
        T(peer_closed_is_reported_even_when_not_asked),
        T(peer_closed_is_reported_with_zero_interest),
        T(events_are_reported_again_until_handled),
        T(handled_event_is_not_reported_again),
        T(event_after_a_quiet_period_is_reported),
        T(two_ready_channels_are_reported_in_turn),
        T(add_same_handle_twice_is_already_exists),
        T(same_handle_number_of_another_owner_is_a_separate_watch),
        T(add_with_unknown_event_bits_is_invalid_arg),
        T(add_poll_to_itself_is_invalid_arg),
        T(add_past_regs_max_is_too_many),
        T(modify_unknown_handle_is_not_found),
        T(modify_with_unknown_event_bits_is_invalid_arg),
        T(modify_changes_interest_and_ctx),
        T(remove_unknown_handle_is_not_found),
        T(removed_watch_is_no_longer_reported),
        T(forget_handle_removes_the_watch),
        T(forget_handle_keeps_other_owners_watches),
        T(forget_handle_drops_the_watch_in_every_poll),
        T(destroying_a_watched_object_drops_its_watch),
        T(destroying_a_poll_unlinks_it_from_watched_objects),
        T(poll_is_readable_while_a_watched_object_has_events),
        T(wait_on_poll_with_a_waiter_is_busy),
    };
#undef T
    return cmocka_run_group_tests_name("poll", tests, NULL, NULL);
}
