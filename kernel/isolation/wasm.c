// isolation: wasm. The app is a WebAssembly module run by the kernel's engine
// (kernel/wasm) on a kernel thread. The engine is the isolation: it checks every
// address the module passes and hands the calls below host pointers it has
// checked, so these wrappers pass them on to the same sys_* functions every other
// mode uses (process_range trusts them for wasm processes).
#include "isolation.h"
#include "log.h"
#include "mm.h"
#include "syscall.h"
#include "wasm/wasm_app.h"

extern const struct wasm_app_ops process_wasm_ops;

#define WASM_KSTACK_SIZE (64u << 10) // the engine thread's stack
#define WASM_FUEL_SLICE 10000000   // between checks for a stop; preemption is by timer

// Enter/leave the kernel's part of a call: interrupts masked, like inkernel calls.
// A killed module unwinds when the call returns (wasm_app_stop); its thread then
// ends it (wasm_thread).
#define WASM_CALL(expr)                      \
    ({                                       \
        uint64_t flags_ = arch_irq_save();   \
        ftl_err_t err_ = (expr);             \
        stop_if_killed(ctx);                 \
        arch_irq_restore(flags_);            \
        err_;                                \
    })

static inline void stop_if_killed(void *ctx)
{
    struct process *p = ctx;
    if (p->killed && p->wasm_app) {
        wasm_app_stop(p->wasm_app, -1);
    }
}

static inline uaddr_t ua(const volatile void *p)
{
    return (uaddr_t)(uintptr_t)p;
}

static ftl_err_t w_handle_close(void *ctx, ftl_handle_t h)
{
    return WASM_CALL(sys_handle_close(ctx, h));
}

static ftl_err_t w_channel_create(void *ctx, ftl_handle_t *a, ftl_handle_t *b)
{
    return WASM_CALL(sys_channel_create(ctx, ua(a), ua(b)));
}

static ftl_err_t w_channel_send(void *ctx, ftl_handle_t ch, const struct ftl_msg_out *m)
{
    return WASM_CALL(sys_channel_send(ctx, ch, ua(m)));
}

static ftl_err_t w_channel_recv(void *ctx, ftl_handle_t ch, struct ftl_msg *m)
{
    return WASM_CALL(sys_channel_recv(ctx, ch, ua(m)));
}

static ftl_err_t w_poll_create(void *ctx, ftl_handle_t *out)
{
    return WASM_CALL(sys_poll_create(ctx, ua(out)));
}

static ftl_err_t w_poll_add(void *ctx, ftl_handle_t poll, ftl_handle_t h, uint32_t ev,
                            uint64_t ev_ctx)
{
    return WASM_CALL(sys_poll_add(ctx, poll, h, ev, ev_ctx));
}

static ftl_err_t w_poll_modify(void *ctx, ftl_handle_t poll, ftl_handle_t h, uint32_t ev,
                               uint64_t ev_ctx)
{
    return WASM_CALL(sys_poll_modify(ctx, poll, h, ev, ev_ctx));
}

static ftl_err_t w_poll_remove(void *ctx, ftl_handle_t poll, ftl_handle_t h)
{
    return WASM_CALL(sys_poll_remove(ctx, poll, h));
}

static ftl_err_t w_poll_wait(void *ctx, ftl_handle_t poll, int64_t timeout_ns,
                             struct ftl_event *ev)
{
    return WASM_CALL(sys_poll_wait(ctx, poll, timeout_ns, ua(ev)));
}

static ftl_err_t w_channel_call(void *ctx, ftl_handle_t ch, const struct ftl_msg_out *m,
                                int64_t timeout_ns, struct ftl_msg *reply)
{
    return WASM_CALL(sys_channel_call(ctx, ch, ua(m), timeout_ns, ua(reply)));
}

static ftl_err_t w_poll_wait_msg(void *ctx, ftl_handle_t poll, int64_t timeout_ns,
                                 struct ftl_event *ev, struct ftl_msg *m)
{
    return WASM_CALL(sys_poll_wait_msg(ctx, poll, timeout_ns, ua(ev), ua(m)));
}

static ftl_err_t w_timer_create(void *ctx, ftl_handle_t *out)
{
    return WASM_CALL(sys_timer_create(ctx, ua(out)));
}

static ftl_err_t w_timer_set(void *ctx, ftl_handle_t t, int64_t deadline_ns)
{
    return WASM_CALL(sys_timer_set(ctx, t, deadline_ns));
}

static int64_t w_time_now(void *ctx)
{
    stop_if_killed(ctx); // a module spinning on the clock unwinds at its next read
    return arch_time_ns();
}

static ftl_err_t w_log_write(void *ctx, int level, const char *msg, size_t len)
{
    return WASM_CALL(sys_log_write(ctx, level, ua(msg), len));
}

// Not cryptographic: a splitmix64 stream seeded from the clock. Good enough for
// hash seeds and test data; apps needing secrets need a real entropy source first.
static void w_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    static uint64_t state;
    if (!state) {
        state = (uint64_t)arch_time_ns() | 1;
    }
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        b[i] = (uint8_t)(z ^ (z >> 31));
    }
}

// The calls below check the process's grants in sys_*, as for every other mode. Host
// pointers into linear memory (checked by the runtime) pass as app addresses.
static ftl_err_t w_process_spawn(void *ctx, const char *app, size_t len, ftl_handle_t *out)
{
    return WASM_CALL(sys_process_spawn(ctx, ua(app), len, ua(out)));
}

static ftl_err_t w_sys_stats(void *ctx, struct ftl_sys_stats *out)
{
    return WASM_CALL(sys_stats(ctx, ua(out)));
}

static ftl_err_t w_ps(void *ctx, struct ftl_ps_entry *out, size_t max, size_t *out_n)
{
    return WASM_CALL(sys_ps(ctx, ua(out), max, ua(out_n)));
}

static ftl_err_t w_log_read(void *ctx, char *buf, size_t len, size_t *out_len)
{
    return WASM_CALL(sys_log_read(ctx, ua(buf), len, ua(out_len)));
}

static ftl_err_t w_process_kill(void *ctx, ftl_handle_t process)
{
    return WASM_CALL(sys_process_kill(ctx, process));
}

static ftl_err_t w_irq_ack(void *ctx, ftl_handle_t irq)
{
    return WASM_CALL(sys_irq_ack(ctx, irq));
}

// Also the JS runtime's ops (kernel/isolation/js.c): both pass host pointers.
const struct wasm_app_ops process_wasm_ops = {
    .handle_close = w_handle_close,
    .channel_create = w_channel_create,
    .channel_send = w_channel_send,
    .channel_recv = w_channel_recv,
    .poll_create = w_poll_create,
    .poll_add = w_poll_add,
    .poll_modify = w_poll_modify,
    .poll_remove = w_poll_remove,
    .poll_wait = w_poll_wait,
    .timer_create = w_timer_create,
    .timer_set = w_timer_set,
    .time_now = w_time_now,
    .log_write = w_log_write,
    .random = w_random,
    .process_spawn = w_process_spawn,
    .sys_stats = w_sys_stats,
    .ps = w_ps,
    .log_read = w_log_read,
    .irq_ack = w_irq_ack,
    .process_kill = w_process_kill,
    .channel_call = w_channel_call,
    .poll_wait_msg = w_poll_wait_msg,
};

// The engine's linear memories and tables are charged to the app like its other
// kernel memory.
static bool w_charge(void *ctx, size_t bytes)
{
    struct process *p = ctx;
    return WASM_CALL(kmem_charge(p->kmem, bytes)) == FTL_OK;
}

static void w_uncharge(void *ctx, size_t bytes)
{
    struct process *p = ctx;
    uint64_t flags = arch_irq_save();
    kmem_uncharge(p->kmem, bytes);
    arch_irq_restore(flags);
}

// The app's thread: load, then run until the module exits or traps. The engine runs
// with interrupts unmasked, so a module in an endless loop is preempted like any app.
static void wasm_thread(void *arg)
{
    struct process *p = arg;
    struct wasm_app_config cfg = {.env = p->env, .charge = w_charge, .uncharge = w_uncharge};
    char why[160];
    struct wasm_app *app;
    if (wasm_app_create(p->wasm, p->wasm_len, &process_wasm_ops, p, &cfg, why, sizeof(why), &app) !=
        FTL_OK) {
        process_abort("cannot load module", why);
    }
    p->wasm_app = app;
    enum wasm_app_status st;
    while ((st = wasm_app_run(app, WASM_FUEL_SLICE)) == WASM_APP_RUNNING && !p->killed) {
    }
    p->wasm_app = NULL;
    if (p->killed) { // a slice ended, or the module unwound from a call (WASM_CALL)
        wasm_app_destroy(app);
        process_end_killed(p);
    }
    if (st == WASM_APP_TRAPPED) {
        char reason[160];
        snprintf(reason, sizeof(reason), "%s", wasm_app_error(app));
        wasm_app_destroy(app);
        process_abort("trapped", reason);
    }
    int code = wasm_app_exit_code(app);
    wasm_app_destroy(app);
    process_exit(code);
}

ftl_err_t process_create_engine(enum process_mode mode, const char *name, const void *module,
                                size_t len, const struct process_limits *lim,
                                struct process **out, const char **why)
{
    struct process *p = kzalloc(sizeof(*p));
    if (!p) {
        *why = "out of kernel memory";
        return FTL_ERR_NO_MEMORY;
    }
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->mode = mode;
    p->wasm = module;
    p->wasm_len = len;
    list_init(&p->link);
    // The environ lives in kernel memory; the engine copies what the module needs.
    if (process_account(p, lim, PROCESS_ENV_PAGES * PAGE_SIZE, why) != FTL_OK) {
        kfree(p);
        return FTL_ERR_NO_MEMORY;
    }
    p->mem_pages = PROCESS_ENV_PAGES;
    p->mem = page_alloc(p->mem_pages);
    if (!p->mem) {
        kmem_uncharge(p->kmem, p->kmem_self);
        kmem_release(p->kmem);
        kfree(p);
        *why = "out of memory for the environ";
        return FTL_ERR_NO_MEMORY;
    }
    process_init_common(p);
    p->env = (struct ftl_env *)(void *)p->mem;
    p->env_capacity = (PROCESS_ENV_PAGES * PAGE_SIZE - sizeof(struct ftl_env)) /
                      sizeof(struct ftl_env_item);
    snprintf(p->env->app_name, sizeof(p->env->app_name), "%s", name);
    *out = p;
    return FTL_OK;
}

// The module is loaded when the app starts; one the engine rejects ends the app with
// the reason.
static ftl_err_t wasm_create(const char *name, const void *module, size_t len,
                             const struct process_limits *lim, struct process **out,
                             const char **why)
{
    return process_create_engine(PROCESS_WASM, name, module, len, lim, out, why);
}

const struct isolation isolation_wasm = {
    .mode = PROCESS_WASM,
    .name = "wasm",
    .binary = "app.wasm",
    .host_pointers = true,
    .kstack = WASM_KSTACK_SIZE,
    .create = wasm_create,
    .thread = wasm_thread,
};
