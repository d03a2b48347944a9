// test_kill: spawns test_victim and kills it while it spins in app code, then while
// it waits in a kernel call. Each kill must end the victim within a second (its
// handle turns READABLE) and leave free memory, heap and the process count where
// they were. Tests run test_victim in every isolation mode (tests/test_kill.py).
#include <ftl.h>
#include <ftl/test.h>

static ftl_handle_t poll;
static const char *victim;

// Waits up to `ms` for `child` to end; true if it did.
static bool ended_within(ftl_handle_t child, int64_t ms)
{
    struct ftl_event ev;
    ftl_err_t err = ftl_poll_wait(poll, ms * 1000000, &ev);
    return err == FTL_OK && ev.handle == child && (ev.events & FTL_READABLE);
}

static void kill_after(int64_t delay_ms)
{
    struct ftl_sys_stats before, after;
    CHECK_OK(ftl_sys_stats(&before));
    ftl_handle_t child;
    CHECK_OK(ftl_process_spawn(victim, &child));
    CHECK_OK(ftl_poll_add(poll, child, FTL_READABLE, NULL));
    CHECK(!ended_within(child, delay_ms)); // it does not end by itself
    CHECK_OK(ftl_process_kill(child));
    CHECK(ended_within(child, 1000));
    CHECK_OK(ftl_process_kill(child)); // again, once it ended: nothing to do
    CHECK_OK(ftl_handle_close(child));
    CHECK_OK(ftl_sys_stats(&after));
    CHECK(after.processes == before.processes);
    CHECK(after.free_pages == before.free_pages);
    CHECK(after.kmem_charged == before.kmem_charged);
}

static void kill_while_spinning(void)
{
    kill_after(20); // the victim spins for 300 ms first
}

static void kill_while_waiting(void)
{
    kill_after(600);
}

static void kill_needs_a_process_handle(void)
{
    CHECK_ERR(ftl_process_kill(poll), FTL_ERR_WRONG_TYPE);
    CHECK_ERR(ftl_process_kill(0), FTL_ERR_BAD_HANDLE);
    CHECK_ERR(ftl_process_kill(999), FTL_ERR_BAD_HANDLE);
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_env_string(env, "victim", &victim));
    FTL_CHECK(ftl_poll_create(&poll));
    // The image starts the victim at boot too: let it reach its wait first, so it
    // changes no figure while the tests compare them.
    ftl_sleep_ns(500 * 1000000ll);
    kill_after(20); // warm the kernel heap's free lists
    test_state.passed = test_state.failed = 0;
    run_test("kill.while_spinning", kill_while_spinning);
    run_test("kill.while_waiting", kill_while_waiting);
    run_test("kill.needs_a_process_handle", kill_needs_a_process_handle);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
