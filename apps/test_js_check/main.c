// test_js_check: runs every fault of test_js_fault (isolation: js) against the
// running system. For each it spawns a fresh test_js_fault, sends it the fault's
// name on the channel the spawn connected to our `js_check` service, waits for it to
// end, and checks: the channel reports FTL_ERR_PEER_CLOSED, and free pages, kernel
// heap, charged kernel memory and the process count are back where they were. Then
// a fresh instance must still answer "hello", and `rounds` spawns of one that exits
// at once must leave memory where it was (the spawn-to-exit time is a benchmark).
#include <ftl.h>
#include <stdio.h>
#include <string.h>

static struct ftl_msg msg;
static ftl_handle_t poll_h, system_h;
static int passed, failed;

static void result(bool ok, const char *name, const char *detail)
{
    ok ? passed++ : failed++;
    FTL_INFO("TEST %s %s%s%s", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : detail);
}

static bool wait_on(ftl_handle_t h, int64_t timeout_ms)
{
    FTL_CHECK(ftl_poll_add(poll_h, h, FTL_READABLE, NULL));
    struct ftl_event ev;
    ftl_err_t err = ftl_poll_wait(poll_h, timeout_ms * 1000000, &ev);
    FTL_CHECK(ftl_poll_remove(poll_h, h));
    return err == FTL_OK;
}

static ftl_err_t recv_wait(ftl_handle_t ch, int64_t timeout_ms)
{
    ftl_err_t err = ftl_channel_recv(ch, &msg);
    if (err == FTL_ERR_EMPTY && wait_on(ch, timeout_ms)) {
        err = ftl_channel_recv(ch, &msg);
    }
    return err;
}

struct snapshot {
    uint64_t pages, heap, kmem, processes;
};

static struct snapshot snap(void)
{
    struct ftl_sys_stats st;
    FTL_CHECK(ftl_sys_stats(&st));
    return (struct snapshot){st.free_pages, st.heap_used, st.kmem_charged, st.processes};
}

static bool same(struct snapshot a, struct snapshot b)
{
    return a.pages == b.pages && a.heap == b.heap && a.kmem == b.kmem &&
           a.processes == b.processes;
}

// Spawns `app` (test_js_fault or test_js_guard) and sends it `kind`; its channel in
// *out_ch. With `waiting`, the figures are taken once it waits for that message
// first. false on failure.
static bool start_app(const char *app, const char *kind, ftl_handle_t *out_child,
                      ftl_handle_t *out_ch, struct snapshot *waiting)
{
    ftl_err_t err = ftl_process_spawn(app, out_child);
    if (err != FTL_OK) {
        FTL_ERROR("spawn: %s", ftl_err_str(err));
        return false;
    }
    if (recv_wait(system_h, 10000) != FTL_OK || msg.type != FTL_MSG_CONNECT) {
        FTL_ERROR("no CONNECT from the new %s", app);
        return false;
    }
    *out_ch = msg.handles[0];
    if (waiting) {
        ftl_sleep_ns(20 * 1000000); // it runs until it waits for its message
        *waiting = snap();
    }
    FTL_CHECK(ftl_channel_send_data(*out_ch, kind, strlen(kind)));
    return true;
}

static bool start(const char *kind, ftl_handle_t *out_child, ftl_handle_t *out_ch)
{
    return start_app("test_js_fault", kind, out_child, out_ch, NULL);
}

static void run_fault_in(const char *app, const char *kind)
{
    char name[64], detail[200];
    struct snapshot before = snap();
    ftl_handle_t child, ch;
    snprintf(name, sizeof(name), "js.fault.%s.ends_only_that_app", kind);
    if (!start_app(app, kind, &child, &ch, NULL)) {
        result(false, name, "could not start it");
        return;
    }
    bool ended = wait_on(child, 60000);
    result(ended, name, "still running after 60 s");
    ftl_err_t err;
    while ((err = ftl_channel_recv(ch, &msg)) == FTL_OK) {
    }
    snprintf(name, sizeof(name), "js.fault.%s.peer_sees_peer_closed", kind);
    result(err == FTL_ERR_PEER_CLOSED, name, ftl_err_str(err));
    FTL_CHECK(ftl_handle_close(ch));
    FTL_CHECK(ftl_handle_close(child));
    struct snapshot after = snap();
    for (int i = 0; i < 100 && !same(before, after); i++) {
        ftl_sleep_ns(20 * 1000000);
        after = snap();
    }
    snprintf(detail, sizeof(detail),
             "pages %llu -> %llu, heap %llu -> %llu, kmem %llu -> %llu, processes %llu -> %llu",
             (unsigned long long)before.pages, (unsigned long long)after.pages,
             (unsigned long long)before.heap, (unsigned long long)after.heap,
             (unsigned long long)before.kmem, (unsigned long long)after.kmem,
             (unsigned long long)before.processes, (unsigned long long)after.processes);
    snprintf(name, sizeof(name), "js.fault.%s.everything_freed", kind);
    result(same(before, after), name, detail);
}

static void run_fault(const char *kind)
{
    run_fault_in("test_js_fault", kind);
}

static void spawn_after(void)
{
    ftl_handle_t child, ch;
    bool ok = start("hello", &child, &ch) && recv_wait(ch, 30000) == FTL_OK &&
              msg.type == FTL_MSG_DATA && msg.len == 5 && memcmp(msg.data, "hello", 5) == 0;
    result(ok, "js.spawned_afterwards_runs", "no \"hello\" from a fresh test_js_fault");
    if (ok) {
        wait_on(child, 30000);
        FTL_CHECK(ftl_handle_close(ch));
        FTL_CHECK(ftl_handle_close(child));
    }
}

static void spawn_rounds(int64_t rounds)
{
    // Warm the kernel heap's free lists first. The first one also says what a JS app
    // that waits for a message (its API made, one channel read) makes the kernel hold:
    // the kernel memory charged to it (arena, stack, process, thread, environ) and the
    // free pages it takes.
    for (int i = 0; i < 3; i++) {
        ftl_handle_t child, ch;
        struct snapshot before = snap(), waiting;
        if (start_app("test_js_fault", "exit", &child, &ch, i == 0 ? &waiting : NULL)) {
            if (i == 0) {
                FTL_INFO("BENCH js_waiting_app kmem_bytes=%lld pages=%lld",
                         (long long)(waiting.kmem - before.kmem),
                         (long long)(before.pages - waiting.pages));
            }
            wait_on(child, 30000);
            FTL_CHECK(ftl_handle_close(ch));
            FTL_CHECK(ftl_handle_close(child));
        }
    }
    struct snapshot before = snap();
    int64_t t0 = ftl_time_now();
    int64_t done = 0;
    for (; done < rounds; done++) {
        ftl_handle_t child, ch;
        if (!start("exit", &child, &ch)) {
            break;
        }
        wait_on(child, 30000);
        FTL_CHECK(ftl_handle_close(ch));
        FTL_CHECK(ftl_handle_close(child));
    }
    int64_t ns = done ? (ftl_time_now() - t0) / done : 0;
    struct snapshot after = snap();
    char detail[200];
    snprintf(detail, sizeof(detail),
             "%lld spawns: pages %llu -> %llu, heap %llu -> %llu, processes %llu -> %llu",
             (long long)done, (unsigned long long)before.pages, (unsigned long long)after.pages,
             (unsigned long long)before.heap, (unsigned long long)after.heap,
             (unsigned long long)before.processes, (unsigned long long)after.processes);
    FTL_INFO("%s", detail);
    result(done == rounds && same(before, after), "js.spawns_leak_nothing", detail);
    FTL_INFO("BENCH spawn mode=js ns_spawn_to_exit=%lld", (long long)ns);
}

// `rounds` spawns of test_js_hello (console.log('hello')), each waited for: the
// spawn-to-exit time of a JS hello (a benchmark), and nothing may leak.
static void hello_rounds(int64_t rounds)
{
    struct snapshot before = snap();
    int64_t t0 = ftl_time_now();
    int64_t done = 0;
    for (; done < rounds; done++) {
        ftl_handle_t child;
        if (ftl_process_spawn("test_js_hello", &child) != FTL_OK) {
            break;
        }
        wait_on(child, 30000);
        FTL_CHECK(ftl_handle_close(child));
    }
    int64_t ns = done ? (ftl_time_now() - t0) / done : 0;
    struct snapshot after = snap();
    for (int i = 0; i < 100 && !same(before, after); i++) {
        ftl_sleep_ns(20 * 1000000);
        after = snap();
    }
    char detail[200];
    snprintf(detail, sizeof(detail), "%lld hello spawns: pages %llu -> %llu, heap %llu -> %llu",
             (long long)done, (unsigned long long)before.pages, (unsigned long long)after.pages,
             (unsigned long long)before.heap, (unsigned long long)after.heap);
    result(done == rounds && same(before, after), "js.hello_spawns_leak_nothing", detail);
    FTL_INFO("BENCH spawn mode=js_hello ns_spawn_to_exit=%lld", (long long)ns);
}

void app_main(const struct ftl_env *env)
{
    int64_t rounds;
    FTL_CHECK(ftl_env_number(env, "rounds", &rounds));
    system_h = ftl_env_system(env);
    FTL_CHECK(ftl_poll_create(&poll_h));
    // The test_js_fault started at boot connects too: let it go (it sees the close
    // and ends), and give it time to.
    if (recv_wait(system_h, 10000) == FTL_OK && msg.type == FTL_MSG_CONNECT) {
        FTL_CHECK(ftl_handle_close(msg.handles[0]));
    }
    // Start from a quiet system: the other apps of the boot image may still be busy.
    struct snapshot prev = snap();
    for (int i = 0; i < 100; i++) {
        ftl_sleep_ns(300 * 1000000);
        struct snapshot now = snap();
        if (same(prev, now)) {
            break;
        }
        prev = now;
    }
    static const char *const kinds[] = {"loop", "builtin", "throw", "oom", "recurse", "reject"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        run_fault(kinds[i]);
    }
    // Off the bottom of the engine's stack, into the guard page below it.
    run_fault_in("test_js_guard", "guard_page");
    spawn_after();
    spawn_rounds(rounds);
    hello_rounds(rounds);
    FTL_INFO("TEST DONE passed=%d failed=%d", passed, failed);
}
