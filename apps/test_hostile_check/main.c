// test_hostile_check: runs every attack of test_hostile (user) and
// test_hostile_wasm (wasm) against the running system. For each one it spawns a
// fresh hostile app, tells it the attack, checks the kernel refused it with a clean
// error, spawns echo_client (which must still complete), then logs
// "HOLD <app> <attack>" and waits while the host checks the apiserver still
// answers; the host's connection to `port` says go on. Then the hostile app is let
// go, and free pages, kernel heap, charged kernel memory and the process count must
// come back to what they were before it started.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

static struct ftl_msg msg;
static ftl_handle_t poll_h;
static int passed, failed;

static void result(bool ok, const char *app, const char *attack, const char *what,
                   const char *detail)
{
    ok ? passed++ : failed++;
    FTL_INFO("TEST %s hostile.%s.%s.%s%s%s", ok ? "PASS" : "FAIL", app, attack, what,
             ok ? "" : ": ", ok ? "" : detail);
}

// Waits until `h` is readable (or its peer closed); false after `timeout_ms`.
static bool wait_on(ftl_handle_t h, int64_t timeout_ms)
{
    FTL_CHECK(ftl_poll_add(poll_h, h, FTL_READABLE, NULL));
    struct ftl_event ev;
    ftl_err_t err = ftl_poll_wait(poll_h, timeout_ms * 1000000, &ev);
    FTL_CHECK(ftl_poll_remove(poll_h, h));
    return err == FTL_OK;
}

// Receives the next message on `ch`, waiting up to `timeout_ms`.
static ftl_err_t recv_wait(ftl_handle_t ch, int64_t timeout_ms)
{
    ftl_err_t err = ftl_channel_recv(ch, &msg);
    if (err == FTL_ERR_EMPTY && wait_on(ch, timeout_ms)) {
        err = ftl_channel_recv(ch, &msg);
    }
    return err;
}

static ftl_handle_t listen_on(const struct ftl_env *env)
{
    ftl_handle_t tcpip;
    int64_t port;
    FTL_CHECK(ftl_env_channel(env, "tcpip", &tcpip));
    FTL_CHECK(ftl_env_number(env, "port", &port));
    char uri[48];
    int n = snprintf(uri, sizeof(uri), "tcp-listen:0.0.0.0:%lld", (long long)port);
    FTL_CHECK(ftl_channel_send(tcpip, FTL_MSG_OPEN, 1, uri, (size_t)n, NULL, 0));
    for (;;) {
        FTL_CHECK(recv_wait(tcpip, 60000));
        if (msg.type == FTL_MSG_OPEN_REPLY && msg.nhandles == 1) {
            return msg.handles[0];
        }
        if (msg.type == FTL_MSG_ERROR_REPLY) {
            FTL_ERROR("cannot listen on %s", uri);
            ftl_exit(1);
        }
    }
}

// Free pages (the kernel trims its heap first), heap, charged memory, processes.
struct snapshot {
    uint64_t pages, heap, kmem, processes;
};

static struct snapshot snap(void)
{
    struct ftl_sys_stats st;
    FTL_CHECK(ftl_sys_stats(&st));
    return (struct snapshot){st.free_pages, st.heap_used, st.kmem_charged,
                             st.processes};
}

static bool same(struct snapshot a, struct snapshot b)
{
    return a.pages == b.pages && a.heap == b.heap && a.kmem == b.kmem &&
           a.processes == b.processes;
}

// Spawns `app` and waits for it to end; false if it could not start or never ended.
static bool spawn_and_wait(const char *app, ftl_err_t *out_err)
{
    ftl_handle_t child;
    *out_err = ftl_process_spawn(app, &child);
    if (*out_err != FTL_OK) {
        return false;
    }
    bool ended = wait_on(child, 60000);
    FTL_CHECK(ftl_handle_close(child));
    return ended;
}

static void run_round(ftl_handle_t system, ftl_handle_t listener, const char *app,
                      const char *attack)
{
    char detail[200];
    struct snapshot before = snap();
    ftl_handle_t child;
    ftl_err_t err = ftl_process_spawn(app, &child);
    if (err != FTL_OK) {
        snprintf(detail, sizeof(detail), "spawn: %s", ftl_err_str(err));
        result(false, app, attack, "spawned", detail);
        return;
    }
    // The spawn queued the new app's CONNECT on our system channel; its first
    // message is its name.
    FTL_CHECK(recv_wait(system, 1000));
    ftl_handle_t ch = msg.handles[0];
    FTL_CHECK(recv_wait(ch, 60000));
    FTL_CHECK(ftl_channel_send_data(ch, attack, strlen(attack)));
    err = recv_wait(ch, 120000);
    char report[96] = "";
    if (err == FTL_OK) {
        snprintf(report, sizeof(report), "%.*s", (int)msg.len, (const char *)msg.data);
    }
    // Every attack must end in a clean refusal (or, for log spam, in no error).
    bool clean = err == FTL_OK && (strstr(report, "FTL_ERR_NO_MEMORY") ||
                                   strstr(report, "FTL_ERR_TOO_MANY") ||
                                   strstr(report, "FTL_ERR_DENIED") ||
                                   (strcmp(attack, "log") == 0 && strstr(report, " FTL_OK")));
    snprintf(detail, sizeof(detail), "report \"%s\" (%s)", report, ftl_err_str(err));
    FTL_INFO("%s %s", app, report);
    result(clean, app, attack, "refused_cleanly", detail);

    ftl_err_t spawn_err;
    bool echoed = spawn_and_wait("echo_client", &spawn_err);
    result(echoed, app, attack, "echo_client_still_completes", ftl_err_str(spawn_err));

    FTL_INFO("HOLD %s %s", app, attack);
    if (recv_wait(listener, 600000) == FTL_OK && msg.type == FTL_MSG_CONNECT) {
        FTL_CHECK(ftl_handle_close(msg.handles[0]));
    }

    FTL_CHECK(ftl_handle_close(ch)); // let go: the app exits when it sees the close
    bool ended = wait_on(child, 60000);
    FTL_CHECK(ftl_handle_close(child));
    result(ended, app, attack, "exits_when_let_go", "still running after 60 s");

    // Its spawned children and queued messages may take a moment to go.
    struct snapshot after = snap();
    for (int i = 0; i < 100 && !same(before, after); i++) {
        ftl_sleep_ns(20 * 1000000);
        after = snap();
    }
    snprintf(detail, sizeof(detail),
             "free pages %llu -> %llu, heap %llu -> %llu, kmem %llu -> %llu, processes %llu -> "
             "%llu",
             (unsigned long long)before.pages, (unsigned long long)after.pages,
             (unsigned long long)before.heap, (unsigned long long)after.heap,
             (unsigned long long)before.kmem, (unsigned long long)after.kmem,
             (unsigned long long)before.processes, (unsigned long long)after.processes);
    result(same(before, after), app, attack, "gives_everything_back", detail);
}

void app_main(const struct ftl_env *env)
{
    static const char *const native[] = {"channels", "handles", "timers", "polls",
                                         "malloc",   "spawn",   "dma",    "log"};
    static const char *const wasm[] = {"channels", "handles", "timers", "polls",
                                       "malloc",   "spawn",   "log"};
    ftl_handle_t system = ftl_env_system(env);
    FTL_CHECK(ftl_poll_create(&poll_h));
    // Instances started at boot connected already: dismiss them.
    while (ftl_channel_recv(system, &msg) == FTL_OK) {
        if (msg.type == FTL_MSG_CONNECT && msg.nhandles == 1) {
            FTL_CHECK(ftl_handle_close(msg.handles[0]));
        }
    }
    ftl_handle_t listener = listen_on(env);
    // Let the apps started at boot finish (test_idle sleeps, echo_client talks): the
    // process count must hold still for a second.
    uint64_t count = snap().processes;
    for (int still = 0; still < 10;) {
        ftl_sleep_ns(100 * 1000000);
        uint64_t now = snap().processes;
        still = now == count ? still + 1 : 0;
        count = now;
    }
    FTL_INFO("hostile checks: listening for the host");
    for (size_t i = 0; i < sizeof(native) / sizeof(native[0]); i++) {
        run_round(system, listener, "test_hostile", native[i]);
    }
    for (size_t i = 0; i < sizeof(wasm) / sizeof(wasm[0]); i++) {
        run_round(system, listener, "test_hostile_wasm", wasm[i]);
    }
    FTL_INFO("TEST DONE passed=%d failed=%d", passed, failed);
}
