// Host unit tests of kernel-memory accounting (kernel/kmem.c) and of the objects
// that charge it: queued messages, channels, polls and their watches, timers.
#include "test_util.h"

#include "channel.h"
#include "kmem.h"
#include "mm.h"
#include "poll.h"
#include "timer.h"

#define OWNER ((const void *)0x1000)

static struct kmem *app, *other;

static int setup(void **state)
{
    test_kernel_setup(state);
    host_set_free_pages(65536);
    kmem_init();
    assert_int_equal(kmem_create(NULL, 1u << 20, &app), FTL_OK);
    assert_int_equal(kmem_create(NULL, 1u << 20, &other), FTL_OK);
    return 0;
}

// Every test returns all it charged: releasing then frees the accounts, and
// LeakSanitizer reports any account or object left behind.
static int teardown(void **state)
{
    (void)state;
    assert_int_equal(kmem_in_use(app), 0);
    assert_int_equal(kmem_in_use(other), 0);
    kmem_release(app);
    kmem_release(other);
    return 0;
}

static struct msg *data_msg(struct kmem *k, size_t len)
{
    struct msg *m = msg_alloc(k, len);
    assert_non_null(m);
    m->type = FTL_MSG_DATA;
    memset(m->data, 'x', len);
    return m;
}

static void charge_within_limit_counts_and_uncharge_returns_it(void **state)
{
    (void)state;
    size_t total = kmem_charged_total();
    assert_int_equal(kmem_charge(app, 1000), FTL_OK);
    assert_int_equal(kmem_in_use(app), 1000);
    assert_int_equal(kmem_charged_total(), total + 1000);
    // A batch of credit was taken from the limit with it: the next charges are cheap.
    assert_int_equal(app->used, 1000 + KMEM_BATCH);
    assert_int_equal(app->peak, 1000 + KMEM_BATCH);
    kmem_uncharge(app, 1000);
    assert_int_equal(kmem_in_use(app), 0);
    assert_int_equal(kmem_charged_total(), total);
}

static void charge_past_limit_fails_and_charges_nothing(void **state)
{
    (void)state;
    assert_int_equal(kmem_charge(app, app->limit - 10), FTL_OK);
    uint64_t refused = kmem_refusals();
    assert_int_equal(kmem_charge(app, 11), FTL_ERR_NO_MEMORY);
    assert_int_equal(kmem_in_use(app), app->limit - 10);
    assert_int_equal(kmem_refusals(), refused + 1);
    assert_int_equal(kmem_charge(app, 10), FTL_OK); // exactly at the limit is fine
    assert_int_equal(app->used, app->limit);
    kmem_uncharge(app, app->limit);
    assert_true(app->used <= KMEM_BATCH); // surplus credit went back to the limit
}

static void charge_is_refused_when_it_would_eat_the_reserve(void **state)
{
    (void)state;
    size_t reserve_pages = kmem_reserve_bytes() / PAGE_SIZE;
    host_set_free_pages(reserve_pages + 1);
    assert_int_equal(kmem_charge(app, 2 * PAGE_SIZE), FTL_ERR_NO_MEMORY);
    assert_int_equal(kmem_charge(app, PAGE_SIZE), FTL_OK); // no room for a batch too
    assert_int_equal(app->credit, 0);
    kmem_uncharge(app, PAGE_SIZE);
    // Credit already taken is the account's; anything past it meets the reserve.
    host_set_free_pages(reserve_pages - 1);
    assert_int_equal(kmem_charge(app, PAGE_SIZE), FTL_OK);
    assert_int_equal(kmem_charge(app, 1), FTL_ERR_NO_MEMORY);
    kmem_uncharge(app, PAGE_SIZE);
    assert_int_equal(kmem_charge(NULL, 1 << 30), FTL_OK); // the kernel's own: never refused
    host_set_free_pages(65536);
}

static void child_charges_count_against_the_parent_too(void **state)
{
    (void)state;
    struct kmem *child;
    assert_int_equal(kmem_create(app, 1u << 30, &child), FTL_OK);
    assert_int_equal(kmem_charge(child, 4096), FTL_OK);
    assert_int_equal(app->used, child->used); // the child's take, credit and all
    // The child's own limit is high, but the parent's bounds the pair.
    assert_int_equal(kmem_charge(child, app->limit), FTL_ERR_NO_MEMORY);
    assert_int_equal(kmem_in_use(child), 4096);
    kmem_uncharge(child, 4096);
    kmem_release(child); // gives its credit back to the parent too
    assert_int_equal(app->used, 0);
}

static void account_outlives_its_owner_while_charged(void **state)
{
    (void)state;
    struct kmem *gone;
    assert_int_equal(kmem_create(app, 1u << 20, &gone), FTL_OK);
    struct msg *m = data_msg(gone, 10);
    kmem_release(gone);                   // the process exited; its message is still queued
    assert_int_equal(gone->used, msg_footprint(10)); // credit returned, the message not
    assert_int_equal(app->used, msg_footprint(10));
    msg_free(m);                          // received: the account goes (ASan checks)
    assert_int_equal(app->used, 0);
}

static void queued_message_is_charged_to_sender_until_received(void **state)
{
    (void)state;
    struct channel *a, *b;
    assert_int_equal(channel_create_pair(other, &a, &b), FTL_OK);
    size_t pair = kmem_in_use(other);
    struct msg *m = data_msg(app, 100);
    assert_int_equal(kmem_in_use(app), msg_footprint(100));
    assert_int_equal(channel_send(a, m), FTL_OK);
    assert_int_equal(kmem_in_use(app), msg_footprint(100));
    assert_int_equal(kmem_in_use(other), pair);
    struct msg *got;
    assert_int_equal(channel_recv(b, &got), FTL_OK);
    msg_free(got);
    assert_int_equal(kmem_in_use(app), 0);
    object_unref(&a->obj);
    object_unref(&b->obj);
    assert_int_equal(kmem_in_use(other), 0);
}

static void closing_a_channel_with_queued_messages_uncharges_them(void **state)
{
    (void)state;
    struct channel *a, *b;
    assert_int_equal(channel_create_pair(app, &a, &b), FTL_OK);
    for (int i = 0; i < FTL_CHANNEL_QUEUE_MAX; i++) {
        assert_int_equal(channel_send(a, data_msg(other, FTL_MSG_DATA_MAX)), FTL_OK);
    }
    assert_int_equal(kmem_in_use(other), FTL_CHANNEL_QUEUE_MAX * msg_footprint(FTL_MSG_DATA_MAX));
    object_unref(&a->obj);
    object_unref(&b->obj); // b's queue held the messages
    assert_int_equal(kmem_in_use(other), 0);
    assert_int_equal(kmem_in_use(app), 0);
}

static void full_page_message_costs_one_page_plus_its_header(void **state)
{
    (void)state;
    size_t full = msg_footprint(FTL_MSG_DATA_MAX);
    assert_true(full <= FTL_MSG_DATA_MAX + 256);  // not the 8 KiB one block would take
    assert_true(msg_footprint(0) <= 128);
    struct msg *m = data_msg(app, FTL_MSG_DATA_MAX);
    assert_int_equal(m->data[FTL_MSG_DATA_MAX - 1], 'x');
    assert_int_equal(kmem_in_use(app), full);
    msg_free(m);
    struct msg *small = data_msg(app, 1000); // inline payload
    assert_ptr_equal(small->data, small->inline_data);
    msg_free(small);
}

static void message_past_the_limit_is_refused(void **state)
{
    (void)state;
    struct kmem *tiny;
    assert_int_equal(kmem_create(NULL, msg_footprint(0), &tiny), FTL_OK);
    struct msg *m = msg_alloc(tiny, 0);
    assert_non_null(m);
    assert_null(msg_alloc(tiny, 0));
    msg_free(m);
    kmem_release(tiny);
}

static void transferred_end_stays_charged_to_its_creator(void **state)
{
    (void)state;
    // `app` makes a pair and sends one end to `other` over a channel `other` made.
    struct channel *x, *y, *a, *b;
    assert_int_equal(channel_create_pair(app, &x, &y), FTL_OK);
    size_t pair = kmem_in_use(app);
    assert_int_equal(channel_create_pair(other, &a, &b), FTL_OK);
    size_t other_pair = kmem_in_use(other);
    struct msg *m = msg_alloc(app, 0);
    m->type = FTL_MSG_CONNECT;
    m->nhandles = 1;
    m->handles[0] = (struct handle_entry){&y->obj, FTL_RIGHTS_ALL};
    assert_int_equal(channel_send(a, m), FTL_OK);
    struct msg *got;
    assert_int_equal(channel_recv(b, &got), FTL_OK);
    struct object *moved = got->handles[0].obj;
    got->nhandles = 0; // the receiver's handle table now holds the reference
    msg_free(got);
    assert_int_equal(kmem_in_use(app), pair); // the message went, the pair is still app's
    assert_int_equal(kmem_in_use(other), other_pair);
    object_unref(moved); // the receiver closes its end
    object_unref(&x->obj);
    assert_int_equal(kmem_in_use(app), 0);
    object_unref(&a->obj);
    object_unref(&b->obj);
}

static void polls_watches_and_timers_are_charged_until_they_go(void **state)
{
    (void)state;
    struct poll *p;
    struct ktimer *t;
    assert_int_equal(poll_create(app, &p), FTL_OK);
    assert_int_equal(ktimer_create(app, &t), FTL_OK);
    size_t objects = kmem_in_use(app);
    assert_true(objects >= heap_block_bytes(sizeof(*p)) + heap_block_bytes(sizeof(*t)));
    assert_int_equal(poll_add(app, p, &t->obj, OWNER, 3, FTL_READABLE, 0), FTL_OK);
    assert_int_equal(kmem_in_use(app), objects + heap_block_bytes(sizeof(struct poll_reg)));
    poll_forget_handle(&t->obj, OWNER, 3);
    assert_int_equal(kmem_in_use(app), objects);
    assert_int_equal(poll_add(app, p, &t->obj, OWNER, 3, FTL_READABLE, 0), FTL_OK);
    object_unref(&p->obj); // the poll goes with its watch
    object_unref(&t->obj);
    assert_int_equal(kmem_in_use(app), 0);
}

static void poll_and_timer_over_the_limit_fail_cleanly(void **state)
{
    (void)state;
    struct kmem *tiny;
    assert_int_equal(kmem_create(NULL, 16, &tiny), FTL_OK);
    struct poll *p;
    struct ktimer *t;
    struct channel *a, *b;
    assert_int_equal(poll_create(tiny, &p), FTL_ERR_NO_MEMORY);
    assert_int_equal(ktimer_create(tiny, &t), FTL_ERR_NO_MEMORY);
    assert_int_equal(channel_create_pair(tiny, &a, &b), FTL_ERR_NO_MEMORY);
    assert_int_equal(tiny->used, 0);
    kmem_release(tiny);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(charge_within_limit_counts_and_uncharge_returns_it),
        T(charge_past_limit_fails_and_charges_nothing),
        T(charge_is_refused_when_it_would_eat_the_reserve),
        T(child_charges_count_against_the_parent_too),
        T(account_outlives_its_owner_while_charged),
        T(queued_message_is_charged_to_sender_until_received),
        T(closing_a_channel_with_queued_messages_uncharges_them),
        T(full_page_message_costs_one_page_plus_its_header),
        T(message_past_the_limit_is_refused),
        T(transferred_end_stays_charged_to_its_creator),
        T(polls_watches_and_timers_are_charged_until_they_go),
        T(poll_and_timer_over_the_limit_fail_cleanly),
    };
#undef T
    return cmocka_run_group_tests_name("kmem", tests, NULL, NULL);
}
