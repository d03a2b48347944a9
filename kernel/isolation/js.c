// isolation: js. The app is main.js run by QuickJS (kernel/js) on a kernel thread of
// its own, like a wasm app. What holds it in:
// - memory: every byte the engine allocates comes from the app's arena, pages
//   charged to the app's kernel-memory account, up to limits.heap_kib (4 MiB by
//   default); past it the engine throws "out of memory" in that app only;
// - stack: a 256 KiB kernel stack in pages of its own with an unmapped guard below
//   (arch_kstack_map), charged to the app; the engine may use 192 KiB of it (it
//   checks on every JS call, in the parser and in regexps: "stack overflow"); the
//   bottom 16 KiB are a guard zone, checked too (see guard_check);
// - CPU: each turn of the event loop (main.js, then each callback) may run
//   limits.cpu_ms (1,000 ms by default) of CPU. The engine's interrupt hook stops a
//   script past it ("cpu budget exceeded", with its JS stack). A script stuck in a
//   native loop that never reaches the hook (a built-in over a huge array) is killed
//   by the kernel at twice the budget, from the timer interrupt: the engine runs with
//   interrupts unmasked and holds no kernel state then, so its thread is ended where
//   it stands, and its arena, stack and handles are freed without calling the engine.
#include "isolation.h"
#include "js/js_app.h"
#include "log.h"
#include "mm.h"

#define JS_CPU_MS_DEFAULT 1000
#define JS_KSTACK_SIZE (256u << 10)   // the engine thread's stack
#define JS_STACK_MARGIN (64u << 10)   // of the thread's stack, never given to the engine
#define JS_GUARD_ZONE (16u << 10)     // the bottom of that margin: filled, and checked
#define JS_GUARD_WORD 0x6a73677561726421ull
#define JS_GUARD_STRIDE 8             // words between checked words (64 bytes)

extern const struct wasm_app_ops process_wasm_ops;

// While the engine runs, its thread is "in the app" (thread->in_app), as an inkernel
// app's is: a fault the CPU reports in engine code (a bug in QuickJS reaching NULL or
// unmapped memory) ends the app with a crash line instead of panicking the kernel.
// The kernel's part of every call runs outside it, so a fault there stays the kernel's.
// A killed app ends on the way back (its arena goes with the process, as below).
#define KERNEL_PART(expr)                         \
    ({                                            \
        thread_current()->in_app = false;         \
        __typeof__(expr) r_ = (expr);             \
        thread_current()->in_app = true;          \
        process_kill_point(thread_current()->proc); \
        r_;                                       \
    })

#define W process_wasm_ops
static ftl_err_t j_handle_close(void *c, ftl_handle_t h)
{
    return KERNEL_PART(W.handle_close(c, h));
}
static ftl_err_t j_channel_create(void *c, ftl_handle_t *a, ftl_handle_t *b)
{
    return KERNEL_PART(W.channel_create(c, a, b));
}
static ftl_err_t j_channel_send(void *c, ftl_handle_t ch, const struct ftl_msg_out *m)
{
    return KERNEL_PART(W.channel_send(c, ch, m));
}
static ftl_err_t j_channel_recv(void *c, ftl_handle_t ch, struct ftl_msg *m)
{
    return KERNEL_PART(W.channel_recv(c, ch, m));
}
static ftl_err_t j_poll_create(void *c, ftl_handle_t *out)
{
    return KERNEL_PART(W.poll_create(c, out));
}
static ftl_err_t j_poll_add(void *c, ftl_handle_t p, ftl_handle_t h, uint32_t ev, uint64_t x)
{
    return KERNEL_PART(W.poll_add(c, p, h, ev, x));
}
static ftl_err_t j_poll_modify(void *c, ftl_handle_t p, ftl_handle_t h, uint32_t ev, uint64_t x)
{
    return KERNEL_PART(W.poll_modify(c, p, h, ev, x));
}
static ftl_err_t j_poll_remove(void *c, ftl_handle_t p, ftl_handle_t h)
{
    return KERNEL_PART(W.poll_remove(c, p, h));
}
static ftl_err_t j_poll_wait(void *c, ftl_handle_t p, int64_t t, struct ftl_event *ev)
{
    return KERNEL_PART(W.poll_wait(c, p, t, ev));
}
static ftl_err_t j_timer_create(void *c, ftl_handle_t *out)
{
    return KERNEL_PART(W.timer_create(c, out));
}
static ftl_err_t j_timer_set(void *c, ftl_handle_t t, int64_t deadline)
{
    return KERNEL_PART(W.timer_set(c, t, deadline));
}
static int64_t j_time_now(void *c)
{
    return KERNEL_PART(W.time_now(c));
}
static ftl_err_t j_log_write(void *c, int level, const char *msg, size_t len)
{
    return KERNEL_PART(W.log_write(c, level, msg, len));
}
#undef W

// The calls the JS API has; the granted ones (spawn, ps, ...) are not in it yet.
static const struct wasm_app_ops js_ops = {
    .handle_close = j_handle_close,
    .channel_create = j_channel_create,
    .channel_send = j_channel_send,
    .channel_recv = j_channel_recv,
    .poll_create = j_poll_create,
    .poll_add = j_poll_add,
    .poll_modify = j_poll_modify,
    .poll_remove = j_poll_remove,
    .poll_wait = j_poll_wait,
    .timer_create = j_timer_create,
    .timer_set = j_timer_set,
    .time_now = j_time_now,
    .log_write = j_log_write,
};

struct js_proc {
    struct js_arena arena;
    void *stack;                     // the engine thread's stack (arch_kstack_map)
    bool soft_zone;                  // the bottom JS_GUARD_ZONE is filled and checked
    int64_t cpu_limit_ns;            // per turn of the event loop
    int64_t turn_start_cpu;          // thread CPU time when the current turn began
};

static void *arena_pages(void *ctx, size_t bytes)
{
    struct process *p = ctx;
    uint64_t flags = arch_irq_save();
    bool in_app = thread_current()->in_app;
    thread_current()->in_app = false;
    void *mem = NULL;
    if (kmem_charge(p->kmem, bytes) == FTL_OK) {
        mem = page_alloc_raw(bytes / PAGE_SIZE);
        if (!mem) {
            kmem_uncharge(p->kmem, bytes);
        }
    }
    thread_current()->in_app = in_app;
    arch_irq_restore(flags);
    return mem;
}

static void arena_release(void *ctx, void *mem, size_t bytes)
{
    struct process *p = ctx;
    uint64_t flags = arch_irq_save();
    struct thread *t = thread_current();
    bool in_app = t->in_app;
    t->in_app = false;
    page_free(mem, bytes / PAGE_SIZE);
    kmem_uncharge(p->kmem, bytes);
    t->in_app = in_app;
    arch_irq_restore(flags);
}

static int64_t turn_cpu(struct js_proc *j)
{
    uint64_t flags = arch_irq_save();
    int64_t used = thread_cpu_ns(thread_current()) - j->turn_start_cpu;
    arch_irq_restore(flags);
    return used;
}

// The engine checks its own depth against cfg.stack_size, 64 KiB above the bottom of
// its stack. Below the stack is an unmapped guard (256 KiB of addresses): running into
// it faults and ends the app ("stack overflow (the guard page below the engine's
// stack)"). In between, the bottom 16 KiB hold a pattern, checked from the interrupt
// hook and the timer tick: a native path that ran past the engine's checks ends the app
// there too, often before it reaches the guard.
static void guard_fill(struct thread *t)
{
    uint64_t *w = t->stack;
    for (size_t i = 0; i < JS_GUARD_ZONE / 8; i++) {
        w[i] = JS_GUARD_WORD;
    }
}

static void guard_check(struct thread *t)
{
    if (!t->proc->js->soft_zone) {
        return;
    }
    const volatile uint64_t *w = t->stack;
    for (size_t i = JS_GUARD_ZONE / 8; i-- > 0;) {
        if (i % JS_GUARD_STRIDE == 0 && w[i] != JS_GUARD_WORD) {
            process_abort("stack overflow",
                          "the engine ran into the guard zone at the bottom of its stack");
        }
    }
}

static bool over_budget(void *ctx)
{
    struct process *p = ctx;
    guard_check(thread_current());
    return turn_cpu(p->js) > p->js->cpu_limit_ns;
}

static void turn_begin(void *ctx)
{
    struct process *p = ctx;
    uint64_t flags = arch_irq_save();
    p->js->turn_start_cpu = thread_cpu_ns(thread_current());
    arch_irq_restore(flags);
}

// From the timer interrupt, interrupts masked, the thread interrupted in the engine.
static void js_tick(struct thread *t)
{
    struct js_proc *j = t->proc->js;
    guard_check(t);
    process_kill_point(t->proc);
    int64_t used = thread_cpu_ns(t) - j->turn_start_cpu;
    if (used > 2 * j->cpu_limit_ns) {
        char detail[160];
        snprintf(detail, sizeof(detail),
                 "%lld ms of CPU in one turn without reaching the engine's interrupt hook "
                 "(limits.cpu_ms %lld)",
                 (long long)(used / 1000000), (long long)(j->cpu_limit_ns / 1000000));
        process_abort("killed by the kernel", detail);
    }
}

#ifdef JS_APP_PROFILE
static int64_t prof_last;
static char prof_buf[400];
void js_app_profile_mark(const char *what)
{
    int64_t now = arch_time_ns();
    size_t n = strlen(prof_buf);
    snprintf(prof_buf + n, sizeof(prof_buf) - n, " %s=%lld", what, (long long)(now - prof_last));
    prof_last = now;
}
#endif

// A test hook: the environ item JS_TEST_STACK_ITEM (a number of KiB) makes the engine
// believe its stack is that big, with no guard zone, so that plain JS recursion runs
// off the real stack into the guard page below it, as a native path that escaped the
// engine's checks would (tests/test_js_guard.py). It can only crash its own app.
#define JS_TEST_STACK_ITEM "ftl_test_engine_stack_kib"

static size_t engine_stack(const struct ftl_env *env)
{
    for (uint32_t i = 0; i < env->nitems; i++) {
        const struct ftl_env_item *it = &env->items[i];
        if (it->kind == FTL_ENV_NUMBER && it->number > 0 && it->number < (1 << 20) &&
            strncmp(it->name, JS_TEST_STACK_ITEM, sizeof(it->name)) == 0) {
            return (size_t)it->number << 10;
        }
    }
    return 0;
}

static void js_thread(void *arg)
{
    struct process *p = arg;
    struct thread *t = thread_current();
    size_t test_stack = engine_stack(p->env);
    struct js_app_config cfg = {.env = p->env,
                                .stack_size = test_stack ? test_stack
                                                         : JS_KSTACK_SIZE - JS_STACK_MARGIN,
                                .interrupt = over_budget,
                                .turn_begin = turn_begin};
    char why[JS_APP_ERROR_MAX];
    struct js_app *app;
    p->js->soft_zone = test_stack == 0;
    if (p->js->soft_zone) {
        guard_fill(t);
    }
    uint64_t flags = arch_irq_save();
    t->metered = true;
    t->ran_since = arch_time_ns();
    t->on_tick = js_tick;
    arch_irq_restore(flags);
    turn_begin(p);
#ifdef JS_APP_PROFILE
    prof_buf[0] = 0;
    prof_last = arch_time_ns();
    js_app_profile_mark("start");
#endif
    t->in_app = true;
    if (js_app_create(&p->js->arena, "main.js", p->wasm, p->wasm_len, &js_ops, p, &cfg, why,
                      sizeof(why), &app) != FTL_OK) {
        process_abort("cannot load main.js", why);
    }
#ifdef JS_APP_PROFILE
    js_app_profile_mark("create");
#endif
    if (js_app_run(app) == JS_APP_FAILED) {
        process_abort(js_app_error_kind(app), js_app_error(app));
    }
#ifdef JS_APP_PROFILE
    js_app_profile_mark("run");
    log_line(p->name, FTL_LOG_INFO, prof_buf, strlen(prof_buf));
#endif
    // The runtime is not freed through the engine: the arena goes with the process.
    process_exit(js_app_exit_code(app));
}

// An arena of lim->heap_size and a CPU budget per event-loop turn of lim->cpu_ms.
static ftl_err_t js_create(const char *name, const void *src, size_t len,
                           const struct process_limits *lim, struct process **out,
                           const char **why)
{
    ftl_err_t err = process_create_engine(PROCESS_JS, name, src, len, lim, out, why);
    if (err != FTL_OK) {
        return err;
    }
    struct process *p = *out;
    p->js = kmem_zalloc(p->kmem, sizeof(*p->js));
    if (!p->js) {
        process_destroy(p);
        *why = "out of kernel memory";
        return FTL_ERR_NO_MEMORY;
    }
    struct js_arena_pages pages = {arena_pages, arena_release, p};
    js_arena_init(&p->js->arena, &pages, lim->heap_size ? lim->heap_size : JS_APP_HEAP_DEFAULT);
    p->js->cpu_limit_ns = (int64_t)(lim->cpu_ms ? lim->cpu_ms : JS_CPU_MS_DEFAULT) * 1000000;
    return FTL_OK;
}

// The engine thread's stack: pages of its own above an unmapped guard, charged to the app.
static void *js_kstack(struct process *p)
{
    if (kmem_charge(p->kmem, JS_KSTACK_SIZE) != FTL_OK) {
        return NULL;
    }
    p->js->stack = arch_kstack_map(JS_KSTACK_SIZE);
    if (!p->js->stack) {
        kmem_uncharge(p->kmem, JS_KSTACK_SIZE);
    }
    return p->js->stack;
}

// What the engine held (its arena and stack), freed without calling the engine.
static void js_release(struct process *p)
{
    if (!p->js) {
        return; // js_create failed before the arena was made
    }
    if (p->js->stack) {
        arch_kstack_unmap(p->js->stack, JS_KSTACK_SIZE);
        kmem_uncharge(p->kmem, JS_KSTACK_SIZE);
    }
    js_arena_release_all(&p->js->arena);
    kmem_free(p->kmem, p->js, sizeof(*p->js));
    p->js = NULL;
}

const struct isolation isolation_js = {
    .mode = PROCESS_JS,
    .name = "js",
    .binary = "main.js",
    .host_pointers = true,
    .engine_in_kernel = true,
    .kstack = JS_KSTACK_SIZE,
    .kstack_alloc = js_kstack,
    .create = js_create,
    .thread = js_thread,
    .release = js_release,
};
