// test_grants_wasm: test_grants as a WebAssembly module. Each call reaching beyond the
// app is denied without its grant; spawning works for exactly the apps the spec names.
// With env `granted: { string: "yes" }` (and the grants), checks the calls work instead.
#include <ftl_wasm.h>

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

static bool contains(const char *buf, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(buf + i, word, n) == 0) {
            return true;
        }
    }
    return false;
}

static void check(const char *name, bool ok)
{
    check_err(name, ok ? FTL_OK : FTL_ERR_INVALID_ARG, FTL_OK);
}

// The spec grants ps, log_read and stats: the calls work and fill in wasm32 memory.
static void granted_calls_work(void)
{
    static struct ftl_ps_entry list[16];
    size_t n = 0;
    check_err("grants.granted_ps_works", ftl_ps(list, 16, &n), FTL_OK);
    bool me = false;
    for (size_t i = 0; i < n && i < 16; i++) {
        me = me || strcmp(list[i].name, "test_grants_wasm") == 0;
    }
    check("grants.granted_ps_lists_this_app", me && list[0].name[0] != '\0');
    static char buf[4096];
    size_t len = 0;
    check_err("grants.granted_log_read_works", ftl_log_read(buf, sizeof(buf), &len), FTL_OK);
    check("grants.granted_log_read_returns_the_log",
          len > 0 && len <= sizeof(buf) && contains(buf, len, "startup:"));
    struct ftl_sys_stats st = {0};
    check_err("grants.granted_sys_stats_works", ftl_sys_stats(&st), FTL_OK);
    check("grants.granted_sys_stats_counts_processes", st.processes >= 1 && st.free_pages > 0);
}

int main(void)
{
    const struct ftl_env *env = ftl_env_load();
    if (!env) {
        FTL_ERROR("no environ");
        return 1;
    }
    const char *granted = getenv("granted");
    if (granted && strcmp(granted, "yes") == 0) {
        granted_calls_work();
        FTL_INFO("TEST DONE passed=%d failed=%d", passed, failed);
        return 0;
    }
    static struct ftl_ps_entry list[4];
    size_t n = 0;
    check_err("grants.ps_is_denied", ftl_ps(list, 4, &n), FTL_ERR_DENIED);
    static char buf[256];
    check_err("grants.log_read_is_denied", ftl_log_read(buf, sizeof(buf), &n), FTL_ERR_DENIED);
    struct ftl_sys_stats st;
    check_err("grants.sys_stats_is_denied", ftl_sys_stats(&st), FTL_ERR_DENIED);
    check_err("grants.irq_ack_is_denied", ftl_irq_ack(ftl_env_system(env)), FTL_ERR_DENIED);
    ftl_handle_t h;
    check_err("grants.spawn_of_ungranted_app_is_denied", ftl_process_spawn("hello", &h),
              FTL_ERR_DENIED);
    check_err("grants.spawn_of_unknown_name_is_denied", ftl_process_spawn("no_such_app", &h),
              FTL_ERR_DENIED);
    check_err("grants.spawn_of_granted_app_works", spawn_and_wait("test_exit"), FTL_OK);
    FTL_INFO("TEST DONE passed=%d failed=%d", passed, failed);
    return 0;
}
