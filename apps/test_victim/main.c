// test_victim: spins (no kernel calls) for `spin_ms`, then blocks in a wait that
// nothing ends. test_kill kills it in each phase; it never exits by itself.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    int64_t ms;
    FTL_CHECK(ftl_env_number(env, "spin_ms", &ms));
    FTL_INFO("spinning");
    // The counter is read without a kernel call; the loop body stays in the app.
    uint64_t hz;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(hz));
    uint64_t start, now;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(start));
    do {
        __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
    } while ((now - start) * 1000 < (uint64_t)ms * hz);
    FTL_INFO("waiting");
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    struct ftl_event ev;
    (void)ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev); // an empty poll: never an event
    FTL_INFO("still here after the wait: not killed");
}
