// isolation: inkernel. The app's ELF runs in the kernel's address space at the
// kernel's level, on its own stack; its call table holds plain function calls into
// the sys_* layer.
// Each entry masks interrupts for the kernel's part (the kernel runs one thing at a
// time). A fault while in here is the kernel's: fault.c tells by the program counter.
#include "isolation.h"
#include "../sched.h"
#include "../vm/vm.h"
#include "../console.h"
#include "../syscall.h"

struct kcall {
    uint64_t irq;
    struct process *p;
};

static inline struct kcall kenter(void)
{
    struct kcall k = {.irq = arch_irq_save()};
    k.p = thread_current()->proc;
    return k;
}

static inline ftl_err_t kleave(struct kcall k, ftl_err_t err)
{
    process_kill_point(k.p);
    arch_irq_restore(k.irq);
    return err;
}

static inline uaddr_t ua(const volatile void *p)
{
    return (uaddr_t)(uintptr_t)p;
}

static ftl_err_t k_handle_close(ftl_handle_t h)
{
    struct kcall k = kenter();
    return kleave(k, sys_handle_close(k.p, h));
}

static ftl_err_t k_channel_create(ftl_handle_t *a, ftl_handle_t *b)
{
    struct kcall k = kenter();
    return kleave(k, sys_channel_create(k.p, ua(a), ua(b)));
}

static ftl_err_t k_channel_send(ftl_handle_t h, const struct ftl_msg_out *m)
{
    struct kcall k = kenter();
    return kleave(k, sys_channel_send_inline(k.p, h, ua(m)));
}

static ftl_err_t k_channel_recv(ftl_handle_t h, struct ftl_msg *m)
{
    struct kcall k = kenter();
    return kleave(k, sys_channel_recv_inline(k.p, h, ua(m)));
}

static ftl_err_t k_poll_create(ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_poll_create(k.p, ua(out)));
}

static ftl_err_t k_poll_add(ftl_handle_t poll, ftl_handle_t h, uint32_t events, uint64_t ctx)
{
    struct kcall k = kenter();
    return kleave(k, sys_poll_add(k.p, poll, h, events, ctx));
}

static ftl_err_t k_poll_modify(ftl_handle_t poll, ftl_handle_t h, uint32_t events, uint64_t ctx)
{
    struct kcall k = kenter();
    return kleave(k, sys_poll_modify(k.p, poll, h, events, ctx));
}

static ftl_err_t k_poll_remove(ftl_handle_t poll, ftl_handle_t h)
{
    struct kcall k = kenter();
    return kleave(k, sys_poll_remove(k.p, poll, h));
}

static ftl_err_t k_poll_wait(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *ev)
{
    struct kcall k = kenter();
    return kleave(k, sys_poll_wait_inline(k.p, poll, timeout_ns, ua(ev)));
}

static ftl_err_t k_channel_call(ftl_handle_t h, const struct ftl_msg_out *m, int64_t timeout_ns,
                                struct ftl_msg *reply)
{
    struct kcall k = kenter();
    return kleave(k, sys_channel_call_inline(k.p, h, ua(m), timeout_ns, ua(reply)));
}

static ftl_err_t k_poll_wait_msg(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *ev,
                                 struct ftl_msg *m)
{
    struct kcall k = kenter();
    return kleave(k, sys_poll_wait_msg_inline(k.p, poll, timeout_ns, ua(ev), ua(m)));
}

static ftl_err_t k_timer_create(ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_timer_create(k.p, ua(out)));
}

static ftl_err_t k_timer_set(ftl_handle_t h, int64_t deadline_ns)
{
    struct kcall k = kenter();
    return kleave(k, sys_timer_set(k.p, h, deadline_ns));
}

static int64_t k_time_now(void)
{
    return arch_time_ns();
}

static ftl_err_t k_log_write(int level, const char *msg, size_t len)
{
    struct kcall k = kenter();
    return kleave(k, sys_log_write(k.p, level, ua(msg), len));
}

static ftl_err_t k_yield(void)
{
    struct kcall k = kenter();
    thread_yield();
    return kleave(k, FTL_OK);
}

static ftl_err_t k_process_spawn(const char *app, size_t len, ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_process_spawn(k.p, ua(app), len, ua(out)));
}

static ftl_err_t k_sys_stats(struct ftl_sys_stats *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_stats(k.p, ua(out)));
}

static ftl_err_t k_dma_alloc(size_t size, void **out_va, uint64_t *out_bus)
{
    struct kcall k = kenter();
    return kleave(k, sys_dma_alloc(k.p, size, ua(out_va), ua(out_bus)));
}

static ftl_err_t k_irq_ack(ftl_handle_t irq)
{
    struct kcall k = kenter();
    return kleave(k, sys_irq_ack(k.p, irq));
}

static ftl_err_t k_ps(struct ftl_ps_entry *out, size_t max, size_t *out_n)
{
    struct kcall k = kenter();
    return kleave(k, sys_ps(k.p, ua(out), max, ua(out_n)));
}

static ftl_err_t k_process_kill(ftl_handle_t process)
{
    struct kcall k = kenter();
    return kleave(k, sys_process_kill(k.p, process));
}

static ftl_err_t k_log_read(char *buf, size_t len, size_t *out_len)
{
    struct kcall k = kenter();
    return kleave(k, sys_log_read(k.p, ua(buf), len, ua(out_len)));
}

static ftl_err_t k_console_write(const void *buf, size_t len)
{
    struct kcall k = kenter();
    return kleave(k, sys_console_write(k.p, ua(buf), len));
}

static ftl_err_t k_apps(struct ftl_app_entry *out, size_t max, size_t *out_n)
{
    struct kcall k = kenter();
    return kleave(k, sys_apps(k.p, ua(out), max, ua(out_n)));
}

static ftl_err_t k_vm_create(size_t ram_bytes, ftl_handle_t *out_vm, void **out_ram)
{
    struct kcall k = kenter();
    return kleave(k, sys_vm_create(k.p, ram_bytes, ua(out_vm), ua(out_ram)));
}

static ftl_err_t k_vm_load(ftl_handle_t vm, const char *name, size_t name_len, uint64_t gpa,
                           size_t *out_size)
{
    struct kcall k = kenter();
    return kleave(k, sys_vm_load(k.p, vm, ua(name), name_len, gpa, ua(out_size)));
}

static ftl_err_t k_vm_boot(ftl_handle_t vm, uint64_t pc, uint64_t x0)
{
    struct kcall k = kenter();
    return kleave(k, sys_vm_boot(k.p, vm, pc, x0));
}

static ftl_err_t k_vm_run(ftl_handle_t vm, ftl_handle_t poll, struct ftl_vm_exit *exit)
{
    struct kcall k = kenter();
    return kleave(k, sys_vm_run(k.p, vm, poll, ua(exit)));
}

static ftl_err_t k_vm_irq(ftl_handle_t vm, uint32_t spi, uint32_t level)
{
    struct kcall k = kenter();
    return kleave(k, sys_vm_irq(k.p, vm, spi, level));
}

static ftl_err_t k_vm_stats(ftl_handle_t vm, struct ftl_vm_stats *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_vm_stats(k.p, vm, ua(out)));
}

static ftl_err_t k_process_spawn_ex(const char *app, size_t len, const struct ftl_spawn_opts *o,
                                    ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_process_spawn_ex(k.p, ua(app), len, ua(o), ua(out)));
}

static ftl_err_t k_process_status(ftl_handle_t process, int32_t *out_code)
{
    struct kcall k = kenter();
    return kleave(k, sys_process_status(k.p, process, ua(out_code)));
}

static ftl_err_t k_app_check(const char *spec, size_t len, struct ftl_spec_info *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_app_check(k.p, ua(spec), len, ua(out)));
}

static ftl_err_t k_app_spawn(const struct ftl_app_spawn_args *args, ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_app_spawn(k.p, ua(args), ua(out)));
}

static ftl_err_t k_app_adopt(const char *name, size_t len, ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_app_adopt(k.p, ua(name), len, ua(out)));
}

static ftl_err_t k_app_route(ftl_handle_t process)
{
    struct kcall k = kenter();
    return kleave(k, sys_app_route(k.p, process));
}

static ftl_err_t k_service_connect(const char *name, size_t len, ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_service_connect(k.p, ua(name), len, ua(out)));
}

static ftl_err_t k_process_info(ftl_handle_t process, struct ftl_process_info *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_process_info(k.p, process, ua(out)));
}

static ftl_err_t k_trace_attach(const char *name, size_t len, ftl_handle_t *out)
{
    struct kcall k = kenter();
    return kleave(k, sys_trace_attach(k.p, ua(name), len, ua(out)));
}

static ftl_err_t k_channel_graph(struct ftl_channel_edge *out, size_t max, size_t *out_n)
{
    struct kcall k = kenter();
    return kleave(k, sys_channel_graph(k.p, ua(out), max, ua(out_n)));
}

static ftl_err_t k_log_since(uint64_t *pos, char *buf, size_t len, size_t *out_len)
{
    struct kcall k = kenter();
    return kleave(k, sys_log_since(k.p, ua(pos), ua(buf), len, ua(out_len)));
}

static ftl_err_t k_console_mute(uint32_t on)
{
    struct kcall k = kenter();
    return kleave(k, sys_console_mute(k.p, on));
}

static _Noreturn void k_exit(int code)
{
    process_exit(code);
}

static const struct ftl_calls inkernel_calls = {
    .version = FTL_CALLS_VERSION,
    .size = sizeof(struct ftl_calls),
    .handle_close = k_handle_close,
    .channel_create = k_channel_create,
    .channel_send = k_channel_send,
    .channel_recv = k_channel_recv,
    .poll_create = k_poll_create,
    .poll_add = k_poll_add,
    .poll_modify = k_poll_modify,
    .poll_remove = k_poll_remove,
    .poll_wait = k_poll_wait,
    .timer_create = k_timer_create,
    .timer_set = k_timer_set,
    .time_now = k_time_now,
    .log_write = k_log_write,
    .yield = k_yield,
    .exit = k_exit,
    .process_spawn = k_process_spawn,
    .sys_stats = k_sys_stats,
    .dma_alloc = k_dma_alloc,
    .irq_ack = k_irq_ack,
    .ps = k_ps,
    .log_read = k_log_read,
    .process_kill = k_process_kill,
    .console_write = k_console_write,
    .apps = k_apps,
    .vm_create = k_vm_create,
    .vm_load = k_vm_load,
    .vm_boot = k_vm_boot,
    .vm_run = k_vm_run,
    .vm_irq = k_vm_irq,
    .vm_stats = k_vm_stats,
    .process_spawn_ex = k_process_spawn_ex,
    .process_status = k_process_status,
    .app_check = k_app_check,
    .app_spawn = k_app_spawn,
    .app_adopt = k_app_adopt,
    .app_route = k_app_route,
    .service_connect = k_service_connect,
    .process_info = k_process_info,
    .trace_attach = k_trace_attach,
    .channel_graph = k_channel_graph,
    .log_since = k_log_since,
    .console_mute = k_console_mute,
    .channel_call = k_channel_call,
    .poll_wait_msg = k_poll_wait_msg,
};

static ftl_err_t inkernel_create(const char *name, const void *elf, size_t len,
                                 const struct process_limits *lim, struct process **out,
                                 const char **why)
{
    return process_create_native(&isolation_inkernel, name, elf, len, lim, out, why);
}

// Calls the app's entry point like a function; its return is the app's exit.
static void inkernel_thread(void *arg)
{
    struct process *p = arg;
    void (*entry)(uint64_t) = (void (*)(uint64_t))(uintptr_t)p->entry;
    thread_current()->in_app = true;
    entry(process_start_arg(p));
    thread_current()->in_app = false;
    process_exit(0);
}

const struct isolation isolation_inkernel = {
    .mode = PROCESS_INKERNEL,
    .name = "inkernel",
    .binary = "app.elf",
    .native = true,
    .calls = &inkernel_calls,
    .create = inkernel_create,
    .thread = inkernel_thread,
};
