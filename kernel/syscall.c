// App calls, independent of how the app entered the kernel (function call today,
// svc for user mode next).
#include "syscall.h"
#include "channel.h"
#include "console.h"
#include "log.h"
#include "mm.h"
#include "startup.h"
#include "poll.h"
#include "timer.h"
#include "vm/vm.h"
#include "trace.h"

#define LOG_LINE_MAX 1024

static bool app_writable(struct process *p, uaddr_t addr, size_t len)
{
    return process_range(p, addr, len, ARCH_PROT_WRITE) != NULL;
}

// Adds a new object to the table and writes the handle to the app; on any failure
// the object is released and nothing stays in the table.
static ftl_err_t give_handle(struct process *p, struct object *obj, uaddr_t out)
{
    ftl_handle_t h;
    ftl_err_t err = handle_table_add(&p->handles, obj, FTL_RIGHTS_ALL, &h);
    if (err != FTL_OK) {
        object_unref(obj);
        return err;
    }
    err = app_copy_out(p, out, &h, sizeof(h));
    if (err != FTL_OK) {
        (void)handle_table_close(&p->handles, h);
    }
    return err;
}

ftl_err_t app_give_handle(struct process *p, struct object *obj, uaddr_t out)
{
    return give_handle(p, obj, out);
}

ftl_err_t sys_handle_close(struct process *p, ftl_handle_t h)
{
    return handle_table_close(&p->handles, h);
}

ftl_err_t sys_channel_create(struct process *p, uaddr_t out_a, uaddr_t out_b)
{
    if (!app_writable(p, out_a, sizeof(ftl_handle_t)) ||
        !app_writable(p, out_b, sizeof(ftl_handle_t))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (p->handles.count + 2 > p->handles.limit) {
        return FTL_ERR_TOO_MANY;
    }
    struct channel *a, *b;
    ftl_err_t err = channel_create_pair(p->kmem, &a, &b);
    if (err != FTL_OK) {
        return err;
    }
    err = give_handle(p, &a->obj, out_a);
    if (err != FTL_OK) {
        object_unref(&b->obj);
        return err;
    }
    return give_handle(p, &b->obj, out_b);
}

ftl_err_t sys_poll_create(struct process *p, uaddr_t out)
{
    if (!app_writable(p, out, sizeof(ftl_handle_t))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    struct poll *poll;
    ftl_err_t err = poll_create(p->kmem, &poll);
    if (err != FTL_OK) {
        return err;
    }
    return give_handle(p, &poll->obj, out);
}

ftl_err_t sys_poll_add(struct process *p, ftl_handle_t ph, ftl_handle_t h, uint32_t events,
                       uint64_t ctx)
{
    struct poll *poll;
    ftl_err_t err = app_poll(p, ph, &poll);
    if (err != FTL_OK) {
        return err;
    }
    struct handle_entry *e;
    uint32_t rights = FTL_RIGHT_WAIT | (events & FTL_RECEIVE ? FTL_RIGHT_READ : 0);
    err = handle_table_get(&p->handles, h, 0, rights, &e);
    if (err != FTL_OK) {
        return err;
    }
    return poll_add(p->kmem, poll, e->obj, p, h, events, ctx);
}

ftl_err_t sys_poll_modify(struct process *p, ftl_handle_t ph, ftl_handle_t h, uint32_t events,
                          uint64_t ctx)
{
    struct poll *poll;
    ftl_err_t err = app_poll(p, ph, &poll);
    if (err != FTL_OK) {
        return err;
    }
    if (events & FTL_RECEIVE) { // receiving needs the right to (poll_add checks it too)
        struct handle_entry *e;
        err = handle_table_get(&p->handles, h, 0, FTL_RIGHT_READ, &e);
        if (err != FTL_OK) {
            return err;
        }
    }
    return poll_modify(poll, p, h, events, ctx);
}

ftl_err_t sys_poll_remove(struct process *p, ftl_handle_t ph, ftl_handle_t h)
{
    struct poll *poll;
    ftl_err_t err = app_poll(p, ph, &poll);
    if (err != FTL_OK) {
        return err;
    }
    return poll_remove(poll, p, h);
}

ftl_err_t sys_timer_create(struct process *p, uaddr_t out)
{
    if (!app_writable(p, out, sizeof(ftl_handle_t))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    struct ktimer *t;
    ftl_err_t err = ktimer_create(p->kmem, &t);
    if (err != FTL_OK) {
        return err;
    }
    return give_handle(p, &t->obj, out);
}

ftl_err_t sys_timer_set(struct process *p, ftl_handle_t h, int64_t deadline_ns)
{
    struct handle_entry *e;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_TIMER, FTL_RIGHT_WRITE, &e);
    if (err != FTL_OK) {
        return err;
    }
    if (deadline_ns < 0) {
        return FTL_ERR_INVALID_ARG;
    }
    ktimer_set((struct ktimer *)e->obj, deadline_ns);
    return FTL_OK;
}

// Log flooding: each app may write LOG_BURST_LINES lines at once and
// LOG_LINES_PER_S a second after that; past it lines are dropped and counted, and the
// count is logged with the next line that gets through. The console and the log
// ring stay usable by every other app.
static bool log_take_token(struct process *p)
{
    int64_t now = arch_time_ns();
    int64_t per_line = 1000000000 / LOG_LINES_PER_S;
    if (p->log_tokens >= LOG_BURST_LINES) {
        p->log_refill_ns = now;
    } else if (now - p->log_refill_ns >= per_line) {
        int64_t add = (now - p->log_refill_ns) / per_line;
        p->log_tokens = add >= LOG_BURST_LINES - p->log_tokens ? LOG_BURST_LINES
                                                               : p->log_tokens + (uint32_t)add;
        p->log_refill_ns += add * per_line;
    }
    if (p->log_tokens == 0) {
        p->log_dropped++;
        return false;
    }
    p->log_tokens--;
    process_report_dropped_logs(p);
    return true;
}

ftl_err_t sys_log_write(struct process *p, int level, uaddr_t msg, size_t len)
{
    if (level < FTL_LOG_DEBUG || level > FTL_LOG_ERROR) {
        return FTL_ERR_INVALID_ARG;
    }
    if (len > LOG_LINE_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    char buf[LOG_LINE_MAX];
    ftl_err_t err = app_copy_in(p, buf, msg, len);
    if (err != FTL_OK) {
        return err;
    }
    if (log_take_token(p)) {
        log_line(p->name, level, buf, len);
    }
    return FTL_OK; // a dropped line is not the app's error: it is counted and reported
}

ftl_err_t sys_process_kill(struct process *p, ftl_handle_t h)
{
    struct handle_entry *e;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_PROCESS, FTL_RIGHT_WRITE, &e);
    if (err != FTL_OK) {
        return err;
    }
    struct process *target = ((struct process_watch *)e->obj)->proc;
    if (target) {
        process_kill(target, p->name);
    }
    return FTL_OK;
}

ftl_err_t sys_process_status(struct process *p, ftl_handle_t h, uaddr_t out_code)
{
    struct handle_entry *e;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_PROCESS, FTL_RIGHT_READ, &e);
    if (err != FTL_OK) {
        return err;
    }
    const struct process_watch *w = (const struct process_watch *)e->obj;
    if (!w->exited) {
        return FTL_ERR_EMPTY;
    }
    int32_t code = w->code;
    return app_copy_out(p, out_code, &code, sizeof(code));
}

static bool is_terminated(const char *s, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (s[i] == '\0') {
            return true;
        }
    }
    return false;
}

// Checks the extra environ items a spawner hands its child: known kinds, names that
// are names and not repeated nor used by the app's spec, strings terminated, channel
// handles open with every right (they move as they are) and not repeated. Fills
// objs[i] for CHANNEL items. Nothing moves yet.
static ftl_err_t check_spawn_items(struct process *p, const char *app,
                                   const struct ftl_spawn_opts *o,
                                   struct object *objs[FTL_SPAWN_ITEMS_MAX])
{
    if (o->nitems > FTL_SPAWN_ITEMS_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    if (o->isolation < FTL_SPAWN_SPEC_MODE) {
        return FTL_ERR_INVALID_ARG;
    }
    for (uint32_t i = 0; i < o->nitems; i++) {
        const struct ftl_spawn_item *it = &o->items[i];
        objs[i] = NULL;
        if (!is_terminated(it->name, sizeof(it->name)) ||
            !is_terminated(it->str, sizeof(it->str)) || !spec_name_is_valid(it->name) ||
            startup_env_uses(app, it->name)) {
            return FTL_ERR_INVALID_ARG;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(o->items[j].name, it->name) == 0 ||
                (it->kind == FTL_ENV_CHANNEL && o->items[j].kind == FTL_ENV_CHANNEL &&
                 o->items[j].handle == it->handle)) {
                return FTL_ERR_INVALID_ARG;
            }
        }
        if (it->kind == FTL_ENV_CHANNEL) {
            struct handle_entry *e;
            ftl_err_t err = handle_table_get(&p->handles, it->handle, OBJ_CHANNEL,
                                             FTL_RIGHTS_ALL, &e);
            if (err != FTL_OK) {
                return err;
            }
            objs[i] = e->obj;
        } else if (it->kind != FTL_ENV_STRING) {
            return FTL_ERR_INVALID_ARG;
        }
    }
    return FTL_OK;
}

// Spawns `app` (its name at [name, name+len)) with the options at `uopts` (0: none):
// the spec's environ, then the extra items; the channels among them leave the caller's
// table only once the child has started.
static ftl_err_t spawn(struct process *p, uaddr_t name, size_t len, uaddr_t uopts, uaddr_t out)
{
    if (!process_has_grant(p, SPEC_GRANT_SPAWN)) {
        return FTL_ERR_DENIED;
    }
    char app[FTL_ENV_NAME_MAX];
    if (len >= sizeof(app)) {
        return FTL_ERR_TOO_LARGE;
    }
    if (!app_writable(p, out, sizeof(ftl_handle_t))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    ftl_err_t err = app_copy_in(p, app, name, len);
    if (err != FTL_OK) {
        return err;
    }
    app[len] = '\0';
    // Before the name is looked up: an app learns nothing about names it may not spawn.
    if (!spec_grants_spawn(&p->grants, app)) {
        return FTL_ERR_DENIED;
    }
    struct ftl_spawn_opts o = {.isolation = FTL_SPAWN_SPEC_MODE};
    struct object *objs[FTL_SPAWN_ITEMS_MAX];
    if (uopts) {
        err = app_copy_in(p, &o, uopts, sizeof(o));
        if (err == FTL_OK) {
            err = check_spawn_items(p, app, &o, objs);
        }
        if (err != FTL_OK) {
            return err;
        }
    }
    if (p->handles.count >= p->handles.limit) {
        return FTL_ERR_TOO_MANY;
    }
    struct process *child;
    err = startup_spawn(app, o.isolation, p->kmem, &child);
    if (err != FTL_OK) {
        return err;
    }
    for (uint32_t i = 0; i < o.nitems && err == FTL_OK; i++) {
        const struct ftl_spawn_item *it = &o.items[i];
        if (objs[i]) {
            object_ref(objs[i]); // the child's reference; the caller's goes below
        }
        err = process_env_add(child, it->name, it->kind, objs[i] ? "" : it->str, 0, objs[i]);
        if (err != FTL_OK && objs[i]) {
            object_unref(objs[i]);
        }
    }
    struct process_watch *w = NULL;
    if (err == FTL_OK) {
        err = process_watch(child, &w);
    }
    if (err != FTL_OK) {
        process_destroy(child);
        return err;
    }
    err = process_start(child);
    if (err != FTL_OK) {
        object_unref(&w->obj);
        process_destroy(child);
        return err;
    }
    // Started: the channels are the child's now, so they leave the caller's table.
    for (uint32_t i = 0; i < o.nitems; i++) {
        if (objs[i]) {
            (void)handle_table_close(&p->handles, o.items[i].handle);
        }
    }
    return give_handle(p, &w->obj, out);
}

ftl_err_t sys_process_spawn(struct process *p, uaddr_t name, size_t len, uaddr_t out)
{
    return spawn(p, name, len, 0, out);
}

ftl_err_t sys_process_spawn_ex(struct process *p, uaddr_t name, size_t len, uaddr_t opts,
                               uaddr_t out)
{
    if (!opts) {
        return FTL_ERR_BAD_ADDRESS;
    }
    return spawn(p, name, len, opts, out);
}

ftl_err_t sys_stats(struct process *p, uaddr_t out)
{
    if (!process_has_grant(p, SPEC_GRANT_STATS)) {
        return FTL_ERR_DENIED;
    }
    msg_cache_drain();
    heap_trim(); // free pages then include what the heap could give back
    struct ftl_sys_stats st = {
        .free_pages = page_free_count(),
        .heap_used = heap_used_bytes(),
        .processes = process_count(),
        .uptime_ns = arch_time_ns(),
        .kmem_reserve = kmem_reserve_bytes(),
        .kmem_charged = kmem_charged_total(),
        .kmem_refusals = kmem_refusals(),
    };
    return app_copy_out(p, out, &st, sizeof(st));
}

#define PS_MAX 64

ftl_err_t sys_ps(struct process *p, uaddr_t out, size_t max, uaddr_t out_n)
{
    if (!process_has_grant(p, SPEC_GRANT_PS)) {
        return FTL_ERR_DENIED;
    }
    if (max > PS_MAX) {
        max = PS_MAX;
    }
    if (!app_writable(p, out, max * sizeof(struct ftl_ps_entry)) ||
        !app_writable(p, out_n, sizeof(size_t))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    struct ftl_ps_entry *list = kmalloc(PS_MAX * sizeof(*list));
    if (!list) {
        return FTL_ERR_NO_MEMORY;
    }
    size_t n = process_list(list, max);
    ftl_err_t err = app_copy_out(p, out, list, n * sizeof(*list));
    kfree(list);
    if (err == FTL_OK) {
        err = app_copy_out(p, out_n, &n, sizeof(n));
    }
    return err;
}

ftl_err_t sys_apps(struct process *p, uaddr_t out, size_t max, uaddr_t out_n)
{
    if (!process_has_grant(p, SPEC_GRANT_PS)) {
        return FTL_ERR_DENIED;
    }
    if (max > APPS_MAX) {
        max = APPS_MAX;
    }
    if (!app_writable(p, out, max * sizeof(struct ftl_app_entry)) ||
        !app_writable(p, out_n, sizeof(size_t))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    struct ftl_app_entry *list = kmalloc(APPS_MAX * sizeof(*list));
    if (!list) {
        return FTL_ERR_NO_MEMORY;
    }
    size_t n = startup_list(list, max);
    ftl_err_t err = app_copy_out(p, out, list, n * sizeof(*list));
    kfree(list);
    if (err == FTL_OK) {
        err = app_copy_out(p, out_n, &n, sizeof(n));
    }
    return err;
}

ftl_err_t sys_log_read(struct process *p, uaddr_t buf, size_t len, uaddr_t out_len)
{
    if (!process_has_grant(p, SPEC_GRANT_LOG_READ)) {
        return FTL_ERR_DENIED;
    }
    if (len > LOG_RING_SIZE) {
        len = LOG_RING_SIZE;
    }
    char *to = process_range(p, buf, len, ARCH_PROT_WRITE);
    if ((!to && len) || !app_writable(p, out_len, sizeof(size_t))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    size_t n = len ? log_ring_read(to, len) : 0;
    return app_copy_out(p, out_len, &n, sizeof(n));
}

ftl_err_t sys_log_since(struct process *p, uaddr_t pos, uaddr_t buf, size_t len, uaddr_t out_len)
{
    if (!process_has_grant(p, SPEC_GRANT_LOG_READ)) {
        return FTL_ERR_DENIED;
    }
    if (len > LOG_RING_SIZE) {
        len = LOG_RING_SIZE;
    }
    uint64_t at;
    char *to = process_range(p, buf, len, ARCH_PROT_WRITE);
    if ((!to && len) || !app_writable(p, out_len, sizeof(size_t)) ||
        app_copy_in(p, &at, pos, sizeof(at)) != FTL_OK || !app_writable(p, pos, sizeof(at))) {
        return FTL_ERR_BAD_ADDRESS;
    }
    size_t n = log_ring_read_since(&at, to ? to : (char *)&at, len);
    (void)app_copy_out(p, pos, &at, sizeof(at));
    return app_copy_out(p, out_len, &n, sizeof(n));
}

// Call numbers are the positions of the entries in struct ftl_calls.
enum call_no {
    CALL_HANDLE_CLOSE,
    CALL_CHANNEL_CREATE,
    CALL_CHANNEL_SEND,
    CALL_CHANNEL_RECV,
    CALL_POLL_CREATE,
    CALL_POLL_ADD,
    CALL_POLL_MODIFY,
    CALL_POLL_REMOVE,
    CALL_POLL_WAIT,
    CALL_TIMER_CREATE,
    CALL_TIMER_SET,
    CALL_TIME_NOW,
    CALL_LOG_WRITE,
    CALL_YIELD,
    CALL_EXIT,
    CALL_PROCESS_SPAWN,
    CALL_SYS_STATS,
    CALL_DMA_ALLOC,
    CALL_IRQ_ACK,
    CALL_PS,
    CALL_LOG_READ,
    CALL_PROCESS_KILL,
    CALL_CONSOLE_WRITE,
    CALL_APPS,
    CALL_VM_CREATE,
    CALL_VM_LOAD,
    CALL_VM_BOOT,
    CALL_VM_RUN,
    CALL_VM_IRQ,
    CALL_VM_STATS,
    CALL_PROCESS_SPAWN_EX,
    CALL_PROCESS_STATUS,
    CALL_APP_CHECK,
    CALL_APP_SPAWN,
    CALL_APP_ADOPT,
    CALL_APP_ROUTE,
    CALL_SERVICE_CONNECT,
    CALL_PROCESS_INFO,
    CALL_TRACE_ATTACH,
    CALL_CHANNEL_GRAPH,
    CALL_LOG_SINCE,
    CALL_CONSOLE_MUTE,
    CALL_CHANNEL_CALL,
    CALL_POLL_WAIT_MSG,
    CALL_COUNT,
};

#define CALL_SLOT(field) ((offsetof(struct ftl_calls, field) - 8) / sizeof(void *))
_Static_assert(CALL_SLOT(handle_close) == CALL_HANDLE_CLOSE, "call numbers");
_Static_assert(CALL_SLOT(poll_wait) == CALL_POLL_WAIT, "call numbers");
_Static_assert(CALL_SLOT(time_now) == CALL_TIME_NOW, "call numbers");
_Static_assert(CALL_SLOT(exit) == CALL_EXIT, "call numbers");
_Static_assert(CALL_SLOT(poll_wait_msg) == CALL_POLL_WAIT_MSG, "call numbers");
_Static_assert(CALL_COUNT == (sizeof(struct ftl_calls) - 8) / sizeof(void *), "call numbers");

// Inlined into the svc path (across files, by LTO): it saves a call per app call.
__attribute__((always_inline)) inline int64_t syscall_dispatch(struct process *p, uint64_t no,
                                                               const uint64_t a[6])
{
    // Handles and levels are 32-bit in the ABI: only the low halves count.
    ftl_handle_t h0 = (ftl_handle_t)a[0], h1 = (ftl_handle_t)a[1];
    switch (no) {
    case CALL_HANDLE_CLOSE:
        return sys_handle_close(p, h0);
    case CALL_CHANNEL_CREATE:
        return sys_channel_create(p, a[0], a[1]);
    case CALL_CHANNEL_SEND:
        return sys_channel_send(p, h0, a[1]);
    case CALL_CHANNEL_RECV:
        return sys_channel_recv(p, h0, a[1]);
    case CALL_POLL_CREATE:
        return sys_poll_create(p, a[0]);
    case CALL_POLL_ADD:
        return sys_poll_add(p, h0, h1, (uint32_t)a[2], a[3]);
    case CALL_POLL_MODIFY:
        return sys_poll_modify(p, h0, h1, (uint32_t)a[2], a[3]);
    case CALL_POLL_REMOVE:
        return sys_poll_remove(p, h0, h1);
    case CALL_POLL_WAIT:
        return sys_poll_wait(p, h0, (int64_t)a[1], a[2]);
    case CALL_TIMER_CREATE:
        return sys_timer_create(p, a[0]);
    case CALL_TIMER_SET:
        return sys_timer_set(p, h0, (int64_t)a[1]);
    case CALL_TIME_NOW:
        return arch_time_ns();
    case CALL_LOG_WRITE:
        return sys_log_write(p, (int)a[0], a[1], a[2]);
    case CALL_YIELD:
        thread_yield();
        return FTL_OK;
    case CALL_EXIT:
        process_exit((int)a[0]);
    case CALL_PROCESS_SPAWN:
        return sys_process_spawn(p, a[0], a[1], a[2]);
    case CALL_SYS_STATS:
        return sys_stats(p, a[0]);
    case CALL_DMA_ALLOC:
        return sys_dma_alloc(p, a[0], a[1], a[2]);
    case CALL_IRQ_ACK:
        return sys_irq_ack(p, h0);
    case CALL_PS:
        return sys_ps(p, a[0], a[1], a[2]);
    case CALL_PROCESS_KILL:
        return sys_process_kill(p, h0);
    case CALL_LOG_READ:
        return sys_log_read(p, a[0], a[1], a[2]);
    case CALL_CONSOLE_WRITE:
        return sys_console_write(p, a[0], a[1]);
    case CALL_APPS:
        return sys_apps(p, a[0], a[1], a[2]);
    case CALL_VM_CREATE:
        return sys_vm_create(p, a[0], a[1], a[2]);
    case CALL_VM_LOAD:
        return sys_vm_load(p, h0, a[1], a[2], a[3], a[4]);
    case CALL_VM_BOOT:
        return sys_vm_boot(p, h0, a[1], a[2]);
    case CALL_VM_RUN:
        return sys_vm_run(p, h0, h1, a[2]);
    case CALL_VM_IRQ:
        return sys_vm_irq(p, h0, (uint32_t)a[1], (uint32_t)a[2]);
    case CALL_VM_STATS:
        return sys_vm_stats(p, h0, a[1]);
    case CALL_PROCESS_SPAWN_EX:
        return sys_process_spawn_ex(p, a[0], a[1], a[2], a[3]);
    case CALL_PROCESS_STATUS:
        return sys_process_status(p, h0, a[1]);
    case CALL_APP_CHECK:
        return sys_app_check(p, a[0], a[1], a[2]);
    case CALL_APP_SPAWN:
        return sys_app_spawn(p, a[0], a[1]);
    case CALL_APP_ADOPT:
        return sys_app_adopt(p, a[0], a[1], a[2]);
    case CALL_APP_ROUTE:
        return sys_app_route(p, h0);
    case CALL_SERVICE_CONNECT:
        return sys_service_connect(p, a[0], a[1], a[2]);
    case CALL_PROCESS_INFO:
        return sys_process_info(p, h0, a[1]);
    case CALL_TRACE_ATTACH:
        return sys_trace_attach(p, a[0], a[1], a[2]);
    case CALL_CHANNEL_GRAPH:
        return sys_channel_graph(p, a[0], a[1], a[2]);
    case CALL_LOG_SINCE:
        return sys_log_since(p, a[0], a[1], a[2], a[3]);
    case CALL_CONSOLE_MUTE:
        return sys_console_mute(p, (uint32_t)a[0]);
    case CALL_CHANNEL_CALL:
        return sys_channel_call(p, h0, a[1], (int64_t)a[2], a[3]);
    case CALL_POLL_WAIT_MSG:
        return sys_poll_wait_msg(p, h0, (int64_t)a[1], a[2], a[3]);
    default:
        return FTL_ERR_UNSUPPORTED;
    }
}
