// Host unit tests of timer objects (kernel/timer.c) and the timeout list under them
// (kernel/sched.c), driven by the host's fake clock.
#include "test_util.h"

#include "poll.h"
#include "timer.h"

static struct ktimer *t;

static int setup(void **state)
{
    test_kernel_setup(state);
    assert_int_equal(ktimer_create(NULL, &t), FTL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (t) {
        object_unref(&t->obj);
        t = NULL;
    }
    return 0;
}

static bool is_readable(struct ktimer *timer)
{
    return timer->obj.ops->poll_state(&timer->obj) & FTL_READABLE;
}

// Sets the fake clock and runs the timer interrupt.
static void tick_at(int64_t now_ns)
{
    host_time_set_ns(now_ns);
    timeout_tick();
}

// Plain timeouts that record the order they fired in.
struct probe {
    struct timeout to;
    int id;
};

static int fired_ids[8];
static int nfired;

static void probe_fire(struct timeout *to)
{
    fired_ids[nfired++] = container_of(to, struct probe, to)->id;
}

static void probe_init(struct probe *pr, int id)
{
    memset(pr, 0, sizeof(*pr));
    list_init(&pr->to.link);
    pr->to.fire = probe_fire;
    pr->id = id;
}

static int probe_setup(void **state)
{
    nfired = 0;
    memset(fired_ids, 0, sizeof(fired_ids));
    return setup(state);
}

static void new_timer_is_not_readable_or_armed(void **state)
{
    (void)state;
    assert_int_equal(t->obj.type, OBJ_TIMER);
    assert_false(is_readable(t));
    assert_false(t->timeout.armed);
}

static void set_arms_the_timeout_and_the_hardware_timer(void **state)
{
    (void)state;
    ktimer_set(t, 5000);
    assert_true(t->timeout.armed);
    assert_int_equal(host_timer_deadline(), 5000);
}

static void tick_before_the_deadline_does_not_fire(void **state)
{
    (void)state;
    ktimer_set(t, 5000);
    tick_at(4999);
    assert_false(is_readable(t));
    assert_true(t->timeout.armed);
}

static void tick_at_the_deadline_fires_and_makes_readable(void **state)
{
    (void)state;
    ktimer_set(t, 5000);
    tick_at(5000);
    assert_true(is_readable(t));
    assert_false(t->timeout.armed);
}

static void fired_timer_stays_readable_on_later_ticks(void **state)
{
    (void)state;
    ktimer_set(t, 10);
    tick_at(20);
    tick_at(30);
    assert_true(is_readable(t));
}

static void set_again_clears_fired(void **state)
{
    (void)state;
    ktimer_set(t, 10);
    tick_at(10);
    ktimer_set(t, 100);
    assert_false(is_readable(t));
    tick_at(100);
    assert_true(is_readable(t));
}

static void set_in_the_past_fires_on_the_next_tick(void **state)
{
    (void)state;
    host_time_set_ns(1000);
    ktimer_set(t, 500);
    assert_int_equal(host_timer_deadline(), 500);
    timeout_tick();
    assert_true(is_readable(t));
}

static void set_to_int64_max_disarms(void **state)
{
    (void)state;
    ktimer_set(t, 100);
    ktimer_set(t, INT64_MAX);
    assert_false(t->timeout.armed);
    tick_at(INT64_MAX - 1);
    assert_false(is_readable(t));
}

static void set_to_int64_max_clears_fired(void **state)
{
    (void)state;
    ktimer_set(t, 100);
    tick_at(100);
    ktimer_set(t, INT64_MAX);
    assert_false(is_readable(t));
}

static void rearming_moves_the_deadline(void **state)
{
    (void)state;
    ktimer_set(t, 100);
    ktimer_set(t, 300);
    tick_at(200);
    assert_false(is_readable(t));
    tick_at(300);
    assert_true(is_readable(t));
}

static void fired_timer_is_reported_by_poll(void **state)
{
    (void)state;
    struct poll *p;
    assert_int_equal(poll_create(NULL, &p), FTL_OK);
    assert_int_equal(poll_add(NULL, p, &t->obj, NULL, 3, FTL_READABLE, 33), FTL_OK);
    ktimer_set(t, 100);
    ftl_handle_t h = 0;
    uint32_t events = 0;
    uint64_t ctx = 0;
    host_time_set_ns(50);
    assert_int_equal(poll_wait(p, 50, &h, &events, &ctx), FTL_ERR_TIMED_OUT);
    tick_at(100);
    assert_int_equal(poll_wait(p, 100, &h, &events, &ctx), FTL_OK);
    assert_int_equal(h, 3);
    assert_int_equal(events, FTL_READABLE);
    assert_int_equal(ctx, 33);
    object_unref(&p->obj);
}

static void destroying_an_armed_timer_cancels_its_timeout(void **state)
{
    (void)state;
    ktimer_set(t, 100);
    object_unref(&t->obj);
    t = NULL;
    tick_at(200); // ASan: the freed timer must not be on the timeout list
    assert_int_equal(host_timer_deadline(), INT64_MAX);
}

static void timeouts_fire_in_deadline_order(void **state)
{
    (void)state;
    struct probe pr[3];
    probe_init(&pr[0], 0);
    probe_init(&pr[1], 1);
    probe_init(&pr[2], 2);
    timeout_arm(&pr[0].to, 300);
    timeout_arm(&pr[1].to, 100);
    timeout_arm(&pr[2].to, 200);
    tick_at(1000);
    assert_int_equal(nfired, 3);
    assert_int_equal(fired_ids[0], 1);
    assert_int_equal(fired_ids[1], 2);
    assert_int_equal(fired_ids[2], 0);
}

static void equal_deadlines_fire_in_arm_order(void **state)
{
    (void)state;
    struct probe pr[3];
    for (int i = 0; i < 3; i++) {
        probe_init(&pr[i], i);
        timeout_arm(&pr[i].to, 100);
    }
    tick_at(100);
    assert_int_equal(nfired, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fired_ids[i], i);
    }
}

static void tick_fires_only_expired_timeouts(void **state)
{
    (void)state;
    struct probe early, late;
    probe_init(&early, 1);
    probe_init(&late, 2);
    timeout_arm(&late.to, 200);
    timeout_arm(&early.to, 100);
    tick_at(150);
    assert_int_equal(nfired, 1);
    assert_int_equal(fired_ids[0], 1);
    assert_true(late.to.armed);
    timeout_cancel(&late.to);
}

static void hardware_timer_follows_the_earliest_deadline(void **state)
{
    (void)state;
    struct probe early, late;
    probe_init(&early, 1);
    probe_init(&late, 2);
    timeout_arm(&late.to, 200);
    assert_int_equal(host_timer_deadline(), 200);
    timeout_arm(&early.to, 100);
    assert_int_equal(host_timer_deadline(), 100);
    tick_at(100);
    assert_int_equal(host_timer_deadline(), 200);
    tick_at(200);
    assert_int_equal(host_timer_deadline(), INT64_MAX);
}

static void cancelled_timeout_does_not_fire(void **state)
{
    (void)state;
    struct probe pr;
    probe_init(&pr, 1);
    timeout_arm(&pr.to, 100);
    timeout_cancel(&pr.to);
    assert_false(pr.to.armed);
    tick_at(1000);
    assert_int_equal(nfired, 0);
}

static void cancel_of_unarmed_timeout_is_harmless(void **state)
{
    (void)state;
    struct probe pr;
    probe_init(&pr, 1);
    timeout_cancel(&pr.to);
    timeout_cancel(&pr.to);
    assert_false(pr.to.armed);
    tick_at(1000);
    assert_int_equal(nfired, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define P(name) cmocka_unit_test_setup_teardown(name, probe_setup, teardown)
    const struct CMUnitTest tests[] = {
        T(new_timer_is_not_readable_or_armed),
        T(set_arms_the_timeout_and_the_hardware_timer),
        T(tick_before_the_deadline_does_not_fire),
        T(tick_at_the_deadline_fires_and_makes_readable),
        T(fired_timer_stays_readable_on_later_ticks),
        T(set_again_clears_fired),
        T(set_in_the_past_fires_on_the_next_tick),
        T(set_to_int64_max_disarms),
        T(set_to_int64_max_clears_fired),
        T(rearming_moves_the_deadline),
        T(fired_timer_is_reported_by_poll),
        T(destroying_an_armed_timer_cancels_its_timeout),
        P(timeouts_fire_in_deadline_order),
        P(equal_deadlines_fire_in_arm_order),
        P(tick_fires_only_expired_timeouts),
        P(hardware_timer_follows_the_earliest_deadline),
        P(cancelled_timeout_does_not_fire),
        P(cancel_of_unarmed_timeout_is_harmless),
    };
#undef T
#undef P
    return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
