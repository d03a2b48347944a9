// The message calls: send, receive, a request and its reply (call), and the poll
// waits, with the handoff to a waiting receiver (handoff.c). The hot path of every
// round trip: each body is inlined into the inkernel call table (across files, by
// LTO); the svc, wasm and vmm paths call the out-of-line sys_* versions.
#include "syscall.h"
#include "channel.h"
#include "handoff.h"
#include "poll.h"
#include "trace.h"

// Checks the handles to send: open, transferable, not the sending channel itself
// nor its peer (either would queue a channel end inside its own pair, which then
// could never close), and no duplicates. Nothing moves yet.
static ftl_err_t check_transfer(struct process *p, const struct channel *ch,
                                const ftl_handle_t *hs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct handle_entry *e;
        ftl_err_t err = handle_table_get(&p->handles, hs[i], 0, FTL_RIGHT_TRANSFER, &e);
        if (err != FTL_OK) {
            return err;
        }
        if (e->obj == &ch->obj || e->obj == &ch->peer->obj) {
            return FTL_ERR_INVALID_ARG;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (hs[j] == hs[i]) {
                return FTL_ERR_INVALID_ARG;
            }
        }
    }
    return FTL_OK;
}

// The absolute deadline of a wait of `timeout_ns` (>= 0; FTL_NO_TIMEOUT: INT64_MAX).
static inline int64_t deadline_after(int64_t timeout_ns)
{
    if (timeout_ns == FTL_NO_TIMEOUT) {
        return INT64_MAX; // no clock read for the common wait without a timeout
    }
    int64_t now = arch_time_ns();
    return timeout_ns >= INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

// Copies the app's message description in and checks its fields.
__attribute__((always_inline)) static inline ftl_err_t msg_out_from_app(struct process *p,
                                                                        uaddr_t umsg,
                                                                        struct ftl_msg_out *mo)
{
    ftl_err_t err = app_copy_in(p, mo, umsg, sizeof(*mo));
    if (err != FTL_OK) {
        return err;
    }
    if (mo->type < FTL_MSG_CONNECT || mo->type > FTL_MSG_ERROR_REPLY || mo->reserved != 0) {
        return FTL_ERR_INVALID_ARG;
    }
    if (mo->len > FTL_MSG_DATA_MAX || mo->nhandles > FTL_MSG_HANDLES_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    return FTL_OK;
}

// Sends the checked message `mo` of the app on `ch`: the body of every send (send,
// call), inlined into each.
__attribute__((always_inline)) static inline ftl_err_t send_from_app(struct process *p,
                                                                     struct channel *ch,
                                                                     const struct ftl_msg_out *mo)
{
    if (!ch->peer) {
        return FTL_ERR_PEER_CLOSED;
    }
    if (channel_is_full(ch->peer)) {
        return FTL_ERR_FULL;
    }
    bool done;
    ftl_err_t err = handoff_send(p, ch->peer, mo, &done); // straight to a waiting receiver?
    if (err != FTL_OK || done) {
        return err;
    }
    ftl_handle_t hs[FTL_MSG_HANDLES_MAX];
    if (mo->nhandles > 0) {
        err = app_copy_in(p, hs, (uaddr_t)(uintptr_t)mo->handles, mo->nhandles * sizeof(hs[0]));
        if (err == FTL_OK) {
            err = check_transfer(p, ch, hs, mo->nhandles);
        }
        if (err != FTL_OK) {
            return err;
        }
    }
    struct msg *m = msg_alloc(p->kmem, mo->len);
    if (!m) {
        return FTL_ERR_NO_MEMORY;
    }
    if (mo->len > 0) {
        err = app_copy_in(p, m->data, (uaddr_t)(uintptr_t)mo->data, mo->len);
        if (err != FTL_OK) {
            msg_free(m);
            return err;
        }
    }
    m->type = mo->type;
    m->cookie = mo->cookie;
    // Everything is checked: from here on the send cannot fail.
    for (uint32_t i = 0; i < mo->nhandles; i++) {
        err = handle_table_take(&p->handles, hs[i], &m->handles[i]);
        if (err != FTL_OK) {
            panic("channel_send: handle %d vanished after its check", hs[i]);
        }
        m->nhandles++;
    }
    err = channel_send_inline(ch, m);
    if (err != FTL_OK) {
        panic("channel_send failed (%d) after its checks", err);
    }
    return FTL_OK;
}

// The body, inlined into inkernel apps' calls (across files, by LTO): it saves a call
// and a frame per call there.
__attribute__((always_inline)) inline ftl_err_t sys_channel_send_inline(struct process *p,
                                                                  ftl_handle_t h, uaddr_t umsg)
{
    struct ftl_msg_out mo;
    ftl_err_t err = msg_out_from_app(p, umsg, &mo);
    if (err != FTL_OK) {
        return err;
    }
    struct handle_entry *che;
    err = handle_table_get(&p->handles, h, OBJ_CHANNEL, FTL_RIGHT_WRITE, &che);
    if (err != FTL_OK) {
        return err;
    }
    return send_from_app(p, (struct channel *)che->obj, &mo);
}

// Out of line for the svc, wasm and vmm paths (inlined there, it costs user apps more
// in spills than the call saves).
__attribute__((noinline)) ftl_err_t sys_channel_send(struct process *p, ftl_handle_t h,
                                                 uaddr_t umsg)
{
    return sys_channel_send_inline(p, h, umsg);
}

// Receives the oldest message queued on `ch` (there is one) into `to`, the kernel's
// view of the app's struct ftl_msg, checked for the header and the message's bytes:
// the body of every receive (recv, call, poll_wait_msg), inlined into each.
__attribute__((always_inline)) static inline ftl_err_t recv_to(struct process *p,
                                                               struct channel *ch, uint8_t *to)
{
    struct msg *m = ch->queue[ch->head];
    if (p->handles.count + m->nhandles > p->handles.limit) {
        return FTL_ERR_TOO_MANY; // the message stays queued
    }
    ftl_err_t err = channel_recv(ch, &m);
    if (err != FTL_OK) {
        panic("channel_recv failed (%d) after its checks", err);
    }
    struct msg_header head = {.type = m->type, .len = m->len, .cookie = m->cookie,
                              .nhandles = m->nhandles};
    for (uint32_t i = 0; i < m->nhandles; i++) {
        if (handle_table_add(&p->handles, m->handles[i].obj, m->handles[i].rights,
                             &head.handles[i]) != FTL_OK) {
            panic("channel_recv: handle table full after its check");
        }
    }
    if (__builtin_expect(trace_watches != 0, 0)) { // a watch is open: does it want m? (trace.c)
        trace_message(p, m);
    }
    m->nhandles = 0; // the references now belong to the handle table
    size_t data_off = offsetof(struct ftl_msg, data);
    __builtin_memcpy(to, &head, data_off); // (a few stores, not a call to memcpy)
    if (m->len > 0) {
        memcpy(to + data_off, m->data, m->len);
    }
    msg_free(m);
    return FTL_OK;
}

// The kernel's view of a whole struct ftl_msg of the app (what call and poll_wait_msg
// take: any message fits), or NULL.
static inline uint8_t *msg_buffer(struct process *p, uaddr_t umsg)
{
    return process_range(p, umsg, sizeof(struct ftl_msg), ARCH_PROT_WRITE);
}

// The body, inlined into inkernel apps' calls (across files, by LTO): it saves a call
// and a frame per call there.
__attribute__((always_inline)) inline ftl_err_t sys_channel_recv_inline(struct process *p,
                                                                  ftl_handle_t h, uaddr_t umsg)
{
    struct handle_entry *che;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_CHANNEL, FTL_RIGHT_READ, &che);
    if (err != FTL_OK) {
        return err;
    }
    struct channel *ch = (struct channel *)che->obj;
    if (ch->count == 0) {
        return ch->peer ? FTL_ERR_EMPTY : FTL_ERR_PEER_CLOSED;
    }
    // Only as much of the app's buffer as the message needs.
    uint8_t *to = process_range(p, umsg, offsetof(struct ftl_msg, data) + ch->queue[ch->head]->len,
                                ARCH_PROT_WRITE);
    if (!to) {
        return FTL_ERR_BAD_ADDRESS; // the message stays queued
    }
    return recv_to(p, ch, to);
}

// Out of line for the svc, wasm and vmm paths (inlined there, it costs user apps more
// in spills than the call saves).
__attribute__((noinline)) ftl_err_t sys_channel_recv(struct process *p, ftl_handle_t h,
                                                 uaddr_t umsg)
{
    return sys_channel_recv_inline(p, h, umsg);
}

// Send, wait for the channel, receive: one call for a request and its reply. Every
// check that can fail without side effects comes before the send; what fails after it
// (the wait, or the reply's receive) leaves the request sent.
__attribute__((always_inline)) inline ftl_err_t sys_channel_call_inline(struct process *p,
                                                                  ftl_handle_t h, uaddr_t umsg,
                                                                  int64_t timeout_ns,
                                                                  uaddr_t ureply)
{
    if (timeout_ns < 0) {
        return FTL_ERR_INVALID_ARG;
    }
    struct ftl_msg_out mo;
    ftl_err_t err = msg_out_from_app(p, umsg, &mo);
    if (err != FTL_OK) {
        return err;
    }
    struct handle_entry *che;
    err = handle_table_get(&p->handles, h, OBJ_CHANNEL, FTL_RIGHT_READ | FTL_RIGHT_WRITE, &che);
    if (err != FTL_OK) {
        return err;
    }
    struct channel *ch = (struct channel *)che->obj;
    if (ch->reader) {
        return FTL_ERR_BUSY;
    }
    uint8_t *to = msg_buffer(p, ureply); // (an app's memory does not change while it waits)
    if (!to) {
        return FTL_ERR_BAD_ADDRESS;
    }
    err = send_from_app(p, ch, &mo);
    if (err != FTL_OK) {
        return err;
    }
    if (ch->count == 0) {
        int64_t deadline = deadline_after(timeout_ns);
        struct chan_reader rd = {.thread = thread_current(), .msg_to = to};
        err = channel_wait_readable(ch, deadline, &rd);
        if (err != FTL_OK || rd.delivered) {
            return err; // (delivered: the reply is in the app's buffer already)
        }
        // Another thread of the app may have closed the handle meanwhile (and reused it).
        if (handle_table_get(&p->handles, h, OBJ_CHANNEL, FTL_RIGHT_READ, &che) != FTL_OK ||
            che->obj != &ch->obj) {
            return FTL_ERR_BAD_HANDLE;
        }
    }
    return recv_to(p, ch, to);
}

__attribute__((noinline)) ftl_err_t sys_channel_call(struct process *p, ftl_handle_t h,
                                                 uaddr_t umsg, int64_t timeout_ns, uaddr_t ureply)
{
    return sys_channel_call_inline(p, h, umsg, timeout_ns, ureply);
}

// The poll a wait of `timeout_ns` (>= 0) names.
static inline ftl_err_t wait_poll(struct process *p, ftl_handle_t ph, int64_t timeout_ns,
                                  struct poll **out)
{
    return timeout_ns < 0 ? FTL_ERR_INVALID_ARG : app_poll(p, ph, out);
}

// The body, inlined into inkernel apps' calls (across files, by LTO), as for send.
__attribute__((always_inline)) inline ftl_err_t sys_poll_wait_inline(struct process *p,
                                                               ftl_handle_t ph, int64_t timeout_ns,
                                                               uaddr_t out)
{
    // `out` is checked when the event is written: polls are level-triggered, so an
    // event that cannot be delivered is reported again on the next wait.
    struct poll *poll;
    ftl_err_t err = wait_poll(p, ph, timeout_ns, &poll);
    if (err != FTL_OK) {
        return err;
    }
    int64_t deadline = deadline_after(timeout_ns);
    struct ftl_event ev = {0};
    err = poll_wait(poll, deadline, &ev.handle, &ev.events, &ev.ctx);
    if (err != FTL_OK) {
        return err;
    }
    return app_copy_out(p, out, &ev, sizeof(ev));
}

__attribute__((noinline)) ftl_err_t sys_poll_wait(struct process *p, ftl_handle_t ph,
                                              int64_t timeout_ns, uaddr_t out)
{
    return sys_poll_wait_inline(p, ph, timeout_ns, out);
}

// A poll wait that also receives: when the event is for a channel watched with
// FTL_RECEIVE by this process and readable, its oldest message goes to `umsg` and the
// event carries FTL_RECEIVE. If it cannot be received (the buffer, the handle table),
// the event comes without it and the app's ftl_channel_recv reports why.
__attribute__((always_inline)) inline ftl_err_t sys_poll_wait_msg_inline(struct process *p,
                                                                   ftl_handle_t ph,
                                                                   int64_t timeout_ns,
                                                                   uaddr_t out, uaddr_t umsg)
{
    struct poll *poll;
    ftl_err_t err = wait_poll(p, ph, timeout_ns, &poll);
    if (err != FTL_OK) {
        return err;
    }
    // Both buffers are checked before the wait: a message received for an event that
    // cannot be written would be lost. (An app's memory does not change while it waits.)
    struct ftl_event *to = process_range(p, out, sizeof(*to), ARCH_PROT_WRITE);
    uint8_t *msg_to = msg_buffer(p, umsg);
    if (!to || !msg_to) {
        return FTL_ERR_BAD_ADDRESS;
    }
    int64_t deadline = deadline_after(timeout_ns);
    struct poll_reg *r;
    struct ftl_event ev = {0};
    struct poll_handoff handoff = {.proc = p, .ev_to = to, .msg_to = msg_to};
    err = poll_wait_reg(poll, deadline, &handoff, &r, &ev.events);
    if (err != FTL_OK || !r) {
        return err; // (no registration: a sender wrote the event and message already)
    }
    ev.handle = r->handle;
    ev.ctx = r->ctx;
    // The registration exists only while its handle is open in its owner's table, and
    // FTL_RECEIVE was allowed with the READ right: only the owner may receive.
    if ((r->events & FTL_RECEIVE) && (ev.events & FTL_READABLE) && r->owner == p &&
        recv_to(p, (struct channel *)r->obj, msg_to) == FTL_OK) {
        ev.events |= FTL_RECEIVE;
    }
    *to = ev;
    return FTL_OK;
}

__attribute__((noinline)) ftl_err_t sys_poll_wait_msg(struct process *p, ftl_handle_t ph,
                                                  int64_t timeout_ns, uaddr_t out, uaddr_t umsg)
{
    return sys_poll_wait_msg_inline(p, ph, timeout_ns, out, umsg);
}
