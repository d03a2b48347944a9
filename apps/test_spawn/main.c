// test_spawn: spawns test_exit `rounds` times, waiting for each to end, and checks
// that free pages, kernel heap and the process count return to where they were.
// Also prints the average spawn-to-exit time for the benchmarks.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

static int failed;

static void result(const char *name, bool ok, const char *detail)
{
    failed += !ok;
    FTL_INFO("TEST %s %s%s%s", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : detail);
}

// Spawns test_exit and waits until it has ended.
static ftl_err_t spawn_and_wait(ftl_handle_t poll)
{
    ftl_handle_t child;
    ftl_err_t err = ftl_process_spawn("test_exit", &child);
    if (err != FTL_OK) {
        return err;
    }
    FTL_CHECK(ftl_poll_add(poll, child, FTL_READABLE, NULL));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    return ftl_handle_close(child);
}

static void spawn_errors(void)
{
    ftl_handle_t h;
    result("spawn.unknown_app_is_not_found",
           ftl_process_spawn("no_such_app", &h) == FTL_ERR_NOT_FOUND, "want FTL_ERR_NOT_FOUND");
    result("spawn.long_name_is_too_large",
           ftl_process_spawn("a_name_that_is_far_too_long_for_any_app", &h) == FTL_ERR_TOO_LARGE,
           "want FTL_ERR_TOO_LARGE");
    result("spawn.bad_out_pointer_is_rejected",
           ftl_process_spawn("test_exit", (ftl_handle_t *)0x10) == FTL_ERR_BAD_ADDRESS,
           "want FTL_ERR_BAD_ADDRESS");
}

void app_main(const struct ftl_env *env)
{
    int64_t rounds;
    FTL_CHECK(ftl_env_number(env, "rounds", &rounds));
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    spawn_errors();

    for (int i = 0; i < 3; i++) {
        FTL_CHECK(spawn_and_wait(poll)); // warm the kernel heap's free lists
    }
    struct ftl_sys_stats before, after;
    FTL_CHECK(ftl_sys_stats(&before));
    int64_t start = ftl_time_now();
    for (int64_t i = 0; i < rounds; i++) {
        FTL_CHECK(spawn_and_wait(poll));
    }
    int64_t ns = (ftl_time_now() - start) / rounds;
    FTL_CHECK(ftl_sys_stats(&after));

    char detail[160];
    snprintf(detail, sizeof(detail), "free pages %llu -> %llu, heap %llu -> %llu, processes %llu -> %llu",
             (unsigned long long)before.free_pages, (unsigned long long)after.free_pages,
             (unsigned long long)before.heap_used, (unsigned long long)after.heap_used,
             (unsigned long long)before.processes, (unsigned long long)after.processes);
    FTL_INFO("after %lld spawns: %s", (long long)rounds, detail);
    result("spawn.thousand_processes_leak_nothing",
           before.free_pages == after.free_pages && before.heap_used == after.heap_used &&
               before.processes == after.processes,
           detail);
    FTL_INFO("BENCH spawn mode=user ns_spawn_to_exit=%lld", (long long)ns);
    FTL_INFO("TEST DONE passed=%d failed=%d", 4 - failed, failed);
}
