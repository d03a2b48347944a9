// The kernel side of every app call. Each sys_* validates all its arguments before
// changing anything, copies app memory only through app_copy_in / app_copy_out,
// and returns an FTL_ERR_* code for anything an app can get wrong.
#pragma once

#include "process.h"

typedef uint64_t uaddr_t;  // an address in the app's view of memory; never dereferenced

struct poll;

// App memory is reached through the kernel's own view of it (process_range), never
// through the app's pointer: the same code serves every isolation mode. Inline: on the
// message path a copy of a fixed size becomes a few loads and stores.

/// Copies `len` bytes from the app's `src` into the kernel. FTL_ERR_BAD_ADDRESS if
/// the range is not app memory.
static inline FTL_MUST_CHECK ftl_err_t app_copy_in(struct process *p, void *dst, uaddr_t src,
                                                   size_t len)
{
    if (len == 0) {
        return FTL_OK; // an empty buffer may be NULL
    }
    const void *from = process_range(p, src, len, ARCH_PROT_READ);
    if (!from) {
        return FTL_ERR_BAD_ADDRESS;
    }
    memcpy(dst, from, len);
    return FTL_OK;
}

/// Copies `len` bytes from the kernel to the app's `dst`. FTL_ERR_BAD_ADDRESS likewise.
static inline FTL_MUST_CHECK ftl_err_t app_copy_out(struct process *p, uaddr_t dst,
                                                    const void *src, size_t len)
{
    if (len == 0) {
        return FTL_OK;
    }
    void *to = process_range(p, dst, len, ARCH_PROT_WRITE);
    if (!to) {
        return FTL_ERR_BAD_ADDRESS;
    }
    memcpy(to, src, len);
    return FTL_OK;
}

ftl_err_t sys_handle_close(struct process *p, ftl_handle_t h);
ftl_err_t sys_channel_create(struct process *p, uaddr_t out_a, uaddr_t out_b);
ftl_err_t sys_channel_send(struct process *p, ftl_handle_t h, uaddr_t umsg);
ftl_err_t sys_channel_recv(struct process *p, ftl_handle_t h, uaddr_t umsg);
// The same, always inlined into the caller (inkernel apps' calls).
ftl_err_t sys_channel_send_inline(struct process *p, ftl_handle_t h, uaddr_t umsg);
ftl_err_t sys_channel_recv_inline(struct process *p, ftl_handle_t h, uaddr_t umsg);
ftl_err_t sys_poll_wait_inline(struct process *p, ftl_handle_t ph, int64_t timeout_ns,
                               uaddr_t out);
ftl_err_t sys_channel_call_inline(struct process *p, ftl_handle_t h, uaddr_t umsg,
                                  int64_t timeout_ns, uaddr_t ureply);
ftl_err_t sys_poll_wait_msg_inline(struct process *p, ftl_handle_t ph, int64_t timeout_ns,
                                   uaddr_t out, uaddr_t umsg);
ftl_err_t sys_poll_create(struct process *p, uaddr_t out);
ftl_err_t sys_poll_add(struct process *p, ftl_handle_t poll, ftl_handle_t h, uint32_t events,
                       uint64_t ctx);
ftl_err_t sys_poll_modify(struct process *p, ftl_handle_t poll, ftl_handle_t h, uint32_t events,
                          uint64_t ctx);
ftl_err_t sys_poll_remove(struct process *p, ftl_handle_t poll, ftl_handle_t h);
ftl_err_t sys_poll_wait(struct process *p, ftl_handle_t poll, int64_t timeout_ns, uaddr_t out);
/// Sends `umsg` on `h`, waits for a message on it and receives it into `ureply`.
ftl_err_t sys_channel_call(struct process *p, ftl_handle_t h, uaddr_t umsg, int64_t timeout_ns,
                           uaddr_t ureply);
/// poll_wait that also receives the message of a channel watched with FTL_RECEIVE.
ftl_err_t sys_poll_wait_msg(struct process *p, ftl_handle_t poll, int64_t timeout_ns,
                            uaddr_t out, uaddr_t umsg);
ftl_err_t sys_timer_create(struct process *p, uaddr_t out);
ftl_err_t sys_timer_set(struct process *p, ftl_handle_t h, int64_t deadline_ns);
ftl_err_t sys_log_write(struct process *p, int level, uaddr_t msg, size_t len);
ftl_err_t sys_process_spawn(struct process *p, uaddr_t name, size_t len, uaddr_t out);
ftl_err_t sys_process_status(struct process *p, ftl_handle_t process, uaddr_t out_code);
ftl_err_t sys_process_spawn_ex(struct process *p, uaddr_t name, size_t len, uaddr_t opts,
                               uaddr_t out);
ftl_err_t sys_stats(struct process *p, uaddr_t out);
ftl_err_t sys_dma_alloc(struct process *p, size_t size, uaddr_t out_va, uaddr_t out_bus);
ftl_err_t sys_irq_ack(struct process *p, ftl_handle_t irq);
ftl_err_t sys_process_kill(struct process *p, ftl_handle_t process);
ftl_err_t sys_ps(struct process *p, uaddr_t out, size_t max, uaddr_t out_n);
ftl_err_t sys_log_read(struct process *p, uaddr_t buf, size_t len, uaddr_t out_len);
ftl_err_t sys_log_since(struct process *p, uaddr_t pos, uaddr_t buf, size_t len, uaddr_t out_len);
ftl_err_t sys_apps(struct process *p, uaddr_t out, size_t max, uaddr_t out_n);
// The controller's calls (control.c, <ftl/control.h>).
ftl_err_t sys_app_check(struct process *p, uaddr_t spec, size_t len, uaddr_t out);
ftl_err_t sys_app_spawn(struct process *p, uaddr_t args, uaddr_t out);
ftl_err_t sys_app_adopt(struct process *p, uaddr_t name, size_t len, uaddr_t out);
ftl_err_t sys_app_route(struct process *p, ftl_handle_t process);
ftl_err_t sys_service_connect(struct process *p, uaddr_t name, size_t len, uaddr_t out);
ftl_err_t sys_process_info(struct process *p, ftl_handle_t process, uaddr_t out);
ftl_err_t sys_trace_attach(struct process *p, uaddr_t name, size_t len, uaddr_t out); // trace.c
ftl_err_t sys_channel_graph(struct process *p, uaddr_t out, size_t max, uaddr_t out_n);
/// The poll named by `h` in `p`'s table (it needs the WAIT right).
static inline FTL_MUST_CHECK ftl_err_t app_poll(struct process *p, ftl_handle_t h,
                                                struct poll **out)
{
    struct handle_entry *e;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_POLL, FTL_RIGHT_WAIT, &e);
    if (err == FTL_OK) {
        *out = (struct poll *)(void *)e->obj;
    }
    return err;
}
/// Adds `obj` to `p`'s table and writes the handle to the app's `out`; on failure the
/// object is released.
FTL_MUST_CHECK ftl_err_t app_give_handle(struct process *p, struct object *obj, uaddr_t out);

/// Runs call `no` (its position in struct ftl_calls) with arguments `a` for a
/// user-mode app and returns what goes back in x0. Unknown numbers get
/// FTL_ERR_UNSUPPORTED; CALL_EXIT does not return.
int64_t syscall_dispatch(struct process *p, uint64_t no, const uint64_t a[6]);
