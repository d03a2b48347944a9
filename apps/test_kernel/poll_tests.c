// In-OS tests of poll, timers and preemption.
#include "tests.h"

#define MS 1000000ll

static struct ftl_msg msg;

static void wait_times_out_after_the_timeout(void)
{
    ftl_handle_t poll;
    CHECK_OK(ftl_poll_create(&poll));
    struct ftl_event ev;
    int64_t start = ftl_time_now();
    CHECK_ERR(ftl_poll_wait(poll, 20 * MS, &ev), FTL_ERR_TIMED_OUT);
    CHECK(ftl_time_now() - start >= 20 * MS);
    CHECK_ERR(ftl_poll_wait(poll, 0, &ev), FTL_ERR_TIMED_OUT);
    CHECK_ERR(ftl_poll_wait(poll, -1, &ev), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_handle_close(poll));
}

static void readable_is_level_triggered(void)
{
    ftl_handle_t a, b, poll;
    CHECK_OK(ftl_channel_create(&a, &b));
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_poll_add(poll, b, FTL_READABLE, NULL));
    CHECK_ERR(ftl_poll_add(poll, b, FTL_READABLE, NULL), FTL_ERR_ALREADY_EXISTS);
    CHECK_OK(ftl_channel_send_data(a, "1", 1));
    struct ftl_event ev;
    CHECK_OK(ftl_poll_wait(poll, 0, &ev));
    CHECK(ev.handle == b && ev.events == FTL_READABLE);
    CHECK_OK(ftl_poll_wait(poll, 0, &ev)); // not received yet: reported again
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK_ERR(ftl_poll_wait(poll, 0, &ev), FTL_ERR_TIMED_OUT);
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(b));
    CHECK_OK(ftl_handle_close(poll));
}

static void writable_returns_when_peer_drains(void)
{
    ftl_handle_t a, b, poll;
    CHECK_OK(ftl_channel_create(&a, &b));
    CHECK_OK(ftl_poll_create(&poll));
    while (ftl_channel_send_data(a, "x", 1) == FTL_OK) {
    }
    CHECK_OK(ftl_poll_add(poll, a, FTL_WRITABLE, NULL));
    struct ftl_event ev;
    CHECK_ERR(ftl_poll_wait(poll, 0, &ev), FTL_ERR_TIMED_OUT);
    CHECK_OK(ftl_channel_recv(b, &msg));
    CHECK_OK(ftl_poll_wait(poll, 0, &ev));
    CHECK(ev.handle == a && ev.events == FTL_WRITABLE);
    CHECK_OK(ftl_poll_modify(poll, a, FTL_READABLE, NULL));
    CHECK_ERR(ftl_poll_wait(poll, 0, &ev), FTL_ERR_TIMED_OUT);
    CHECK_OK(ftl_poll_remove(poll, a));
    CHECK_ERR(ftl_poll_remove(poll, a), FTL_ERR_NOT_FOUND);
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(b));
    CHECK_OK(ftl_handle_close(poll));
}

static void closing_a_handle_removes_its_watch(void)
{
    ftl_handle_t a, b, poll;
    CHECK_OK(ftl_channel_create(&a, &b));
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_poll_add(poll, b, FTL_READABLE, NULL));
    CHECK_OK(ftl_channel_send_data(a, "x", 1));
    CHECK_OK(ftl_handle_close(b));
    struct ftl_event ev;
    CHECK_ERR(ftl_poll_wait(poll, 0, &ev), FTL_ERR_TIMED_OUT);
    CHECK_ERR(ftl_poll_remove(poll, b), FTL_ERR_NOT_FOUND);
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(poll));
}

static void timer_fires_at_its_deadline(void)
{
    ftl_handle_t timer, poll;
    CHECK_OK(ftl_timer_create(&timer));
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_poll_add(poll, timer, FTL_READABLE, (void *)7));
    int64_t deadline = ftl_time_now() + 15 * MS;
    CHECK_OK(ftl_timer_set(timer, deadline));
    struct ftl_event ev;
    CHECK_OK(ftl_poll_wait(poll, 1000 * MS, &ev));
    CHECK(ev.handle == timer && ev.ctx == 7 && ftl_time_now() >= deadline);
    CHECK_OK(ftl_timer_set(timer, INT64_MAX)); // disarm clears "fired"
    CHECK_ERR(ftl_poll_wait(poll, 0, &ev), FTL_ERR_TIMED_OUT);
    CHECK_ERR(ftl_timer_set(timer, -5), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_handle_close(timer));
    CHECK_OK(ftl_handle_close(poll));
}

void poll_tests(void)
{
    run_test("poll.wait_times_out_after_the_timeout", wait_times_out_after_the_timeout);
    run_test("poll.readable_is_level_triggered", readable_is_level_triggered);
    run_test("poll.writable_returns_when_peer_drains", writable_returns_when_peer_drains);
    run_test("poll.closing_a_handle_removes_its_watch", closing_a_handle_removes_its_watch);
    run_test("timer.fires_at_its_deadline", timer_fires_at_its_deadline);
}

// The spinner never yields. If preemption works, we keep getting time (our sleeps
// end) and so does the spinner (its ticks arrive while we sleep in between).
static ftl_handle_t spinner_channel;

static void busy_app_does_not_freeze_others(void)
{
    ftl_handle_t poll;
    CHECK_OK(ftl_poll_create(&poll));
    CHECK_OK(ftl_poll_add(poll, spinner_channel, FTL_READABLE, NULL));
    int ticks = 0;
    int64_t start = ftl_time_now();
    while (ticks < 3 && ftl_time_now() - start < 20000 * MS) {
        ftl_sleep_ns(5 * MS);
        struct ftl_event ev;
        ftl_err_t err = ftl_poll_wait(poll, 100 * MS, &ev);
        if (err == FTL_OK && ftl_channel_recv(spinner_channel, &msg) == FTL_OK) {
            ticks++;
        }
    }
    CHECK(ticks == 3);
    CHECK_OK(ftl_handle_close(poll));
}

void sched_tests(ftl_handle_t spinner)
{
    spinner_channel = spinner;
    run_test("sched.busy_app_does_not_freeze_others", busy_app_does_not_freeze_others);
}
