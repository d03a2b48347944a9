// test_grants: checks that each call reaching beyond the app (spawn, log, processes,
// system stats, DMA, interrupts) is denied without its grant, and that spawning works
// for exactly the apps the spec names. One TEST line per check, then TEST DONE.
#include <ftl.h>
#include <stdio.h>

static int passed;
static int failed;

static void check_err(const char *name, ftl_err_t got, ftl_err_t want)
{
    bool ok = got == want;
    passed += ok;
    failed += !ok;
    if (ok) {
        FTL_INFO("TEST PASS %s", name);
    } else {
        FTL_INFO("TEST FAIL %s: want %s got %s", name, ftl_err_str(want), ftl_err_str(got));
    }
}

// Spawns `app` and waits for it to end; FTL_OK once it has.
static ftl_err_t spawn_and_wait(const char *app)
{
    ftl_handle_t child;
    ftl_err_t err = ftl_process_spawn(app, &child);
    if (err != FTL_OK) {
        return err;
    }
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, child, FTL_READABLE, NULL));
    struct ftl_event ev;
    err = ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev);
    FTL_CHECK(ftl_handle_close(poll));
    FTL_CHECK(ftl_handle_close(child));
    return err;
}

static void ungranted_calls_are_denied(const struct ftl_env *env)
{
    struct ftl_ps_entry list[4];
    size_t n = 0;
    check_err("grants.ps_is_denied", ftl_ps(list, 4, &n), FTL_ERR_DENIED);
    char buf[256];
    check_err("grants.log_read_is_denied", ftl_log_read(buf, sizeof(buf), &n), FTL_ERR_DENIED);
    struct ftl_sys_stats st;
    check_err("grants.sys_stats_is_denied", ftl_sys_stats(&st), FTL_ERR_DENIED);
    void *va;
    uint64_t bus;
    check_err("grants.dma_alloc_is_denied", ftl_dma_alloc(4096, &va, &bus), FTL_ERR_DENIED);
    // The grant is checked before the handle: no grant, no way to learn about handles.
    check_err("grants.irq_ack_is_denied", ftl_irq_ack(ftl_env_system(env)), FTL_ERR_DENIED);
    check_err("grants.console_write_is_denied", ftl_console_write("x", 1), FTL_ERR_DENIED);
    struct ftl_app_entry apps[4];
    check_err("grants.apps_is_denied", ftl_apps(apps, 4, &n), FTL_ERR_DENIED);
    ftl_handle_t console;
    check_err("grants.no_console_item", ftl_env_channel(env, "console", &console),
              FTL_ERR_NOT_FOUND);
}

static void spawn_needs_the_name_granted(void)
{
    ftl_handle_t h;
    // hello is in the image but not granted; no_such_app is neither: both get the same
    // answer, so the call tells nothing about which apps exist.
    check_err("grants.spawn_of_ungranted_app_is_denied", ftl_process_spawn("hello", &h),
              FTL_ERR_DENIED);
    check_err("grants.spawn_of_unknown_name_is_denied", ftl_process_spawn("no_such_app", &h),
              FTL_ERR_DENIED);
    check_err("grants.spawn_of_granted_prefix_is_denied", ftl_process_spawn("test_exi", &h),
              FTL_ERR_DENIED);
    check_err("grants.spawn_of_granted_app_works", spawn_and_wait("test_exit"), FTL_OK);
    // The child checks, and logs, that it has its own spec's grants (none), not ours.
    check_err("grants.spawned_child_runs", spawn_and_wait("test_grants_child"), FTL_OK);
}

void app_main(const struct ftl_env *env)
{
    ungranted_calls_are_denied(env);
    spawn_needs_the_name_granted();
    FTL_INFO("TEST DONE passed=%d failed=%d", passed, failed);
}
