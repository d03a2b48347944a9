// libFuzzer target: the input is a JS app's main.js, run by the JS app runtime
// (kernel/js/js_app.c) as the kernel runs it, over the in-process FTL of wasm-run
// (host_ftl.c): an arena of 4 MiB, 100 ms of CPU per turn, a virtual clock that
// jumps a second at every wait (so timers fire at once) and at most 200 waits.
// Every run must end cleanly, leave the arena empty once the runtime is freed (no
// object leaked by the glue: QuickJS asserts it) and never touch memory it should not.
#define _GNU_SOURCE
#include "../js_app.h"
#include "../../wasm/tests/host_ftl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct host_ftl hf = {.name = "fuzz"};
static struct wasm_app_ops ops;
static int64_t virtual_now;
static int waits;
static int64_t turn_start;

void wasm_app_stop(struct wasm_app *app, int code)
{
    (void)app;
    (void)code;
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool over_budget(void *ctx)
{
    (void)ctx;
    return cpu_ns() - turn_start > 100 * 1000000;
}

static void turn_begin(void *ctx)
{
    (void)ctx;
    turn_start = cpu_ns();
}

static int64_t fuzz_now(void *ctx)
{
    (void)ctx;
    return virtual_now;
}

static ftl_err_t fuzz_poll_wait(void *ctx, ftl_handle_t poll, int64_t timeout_ns,
                                struct ftl_event *ev)
{
    if (++waits > 200) {
        return FTL_ERR_BUSY; // ends the app: "event loop: poll_wait: FTL_ERR_BUSY"
    }
    virtual_now += 1000000000;
    (void)timeout_ns; // never sleeps: the clock is virtual
    return host_ftl_ops.poll_wait(ctx, poll, 0, ev);
}

static void *pages_alloc(void *ctx, size_t bytes)
{
    (void)ctx;
    return aligned_alloc(4096, bytes);
}

static void pages_release(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    (void)bytes;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ops = host_ftl_ops;
    ops.poll_wait = fuzz_poll_wait;
    ops.time_now = fuzz_now;
    virtual_now = 1000000000;
    waits = 0;
    static _Alignas(16) uint8_t env_mem[sizeof(struct ftl_env) + 2 * sizeof(struct ftl_env_item)];
    memset(env_mem, 0, sizeof(env_mem));
    struct ftl_env *env = (struct ftl_env *)(void *)env_mem;
    struct host_chan *system, *far;
    if (host_ftl_channel_pair(&hf, &env->system, &system) != FTL_OK ||
        host_ftl_channel_pair(&hf, &env->items[0].handle, &far) != FTL_OK) {
        abort();
    }
    snprintf(env->app_name, sizeof(env->app_name), "fuzz");
    snprintf(env->items[0].name, sizeof(env->items[0].name), "peer");
    env->items[0].kind = FTL_ENV_CHANNEL;
    snprintf(env->items[1].name, sizeof(env->items[1].name), "n");
    env->items[1].kind = FTL_ENV_NUMBER;
    env->items[1].number = 42;
    env->nitems = 2;
    host_chan_send(far, FTL_MSG_DATA, "hello", 5, NULL);

    struct js_arena arena;
    struct js_arena_pages pages = {pages_alloc, pages_release, NULL};
    js_arena_init(&arena, &pages, 4u << 20);
    struct js_app_config cfg = {.env = env,
                                .stack_size = 256u << 10,
                                .interrupt = over_budget,
                                .turn_begin = turn_begin};
    struct js_app *app;
    char err[JS_APP_ERROR_MAX];
    if (js_app_create(&arena, "main.js", (const char *)data, size, &ops, &hf, &cfg, err,
                      sizeof(err), &app) == FTL_OK) {
        js_app_run(app);
        js_app_destroy(app);
    }
    if (arena.in_use != 0) {
        abort(); // the runtime left blocks behind
    }
    js_arena_release_all(&arena);
    host_ftl_cleanup();
    return 0;
}
