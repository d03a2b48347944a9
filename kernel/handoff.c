// Handing a message straight to a waiting receiver (see handoff.h).
#include "handoff.h"
#include "poll.h"
#include "sched.h"
#include "trace.h"

// Copies the message into the receiver's struct ftl_msg (the kernel's view, checked
// for a whole struct ftl_msg when it blocked).
__attribute__((always_inline)) static inline ftl_err_t write_msg(struct process *p,
                                                                 const struct ftl_msg_out *mo,
                                                                 uint8_t *msg_to)
{
    if (mo->len > 0) {
        const void *from = process_range(p, (uaddr_t)(uintptr_t)mo->data, mo->len,
                                         ARCH_PROT_READ);
        if (!from) {
            return FTL_ERR_BAD_ADDRESS;
        }
        memcpy(msg_to + offsetof(struct ftl_msg, data), from, mo->len);
    }
    struct msg_header head = {.type = mo->type, .len = mo->len, .cookie = mo->cookie};
    __builtin_memcpy(msg_to, &head, sizeof(head)); // (a few stores, not a call to memcpy)
    return FTL_OK;
}

// The one registration watching `ch` if it is a poll_wait_msg waiting for exactly the
// next message of `ch` (interest READABLE | RECEIVE), else NULL. Anything else
// watching (another poll, a poll that is itself watched, interest in WRITABLE, which
// would stay reported) takes the usual way, where every watcher hears of the message.
static inline struct poll_reg *waiting_reg(struct channel *ch)
{
    struct list *first = ch->obj.watchers.next;
    if (first == &ch->obj.watchers || first->next != &ch->obj.watchers) {
        return NULL; // none, or more than one
    }
    struct poll_reg *r = container_of(first, struct poll_reg, obj_link);
    struct poll *poll = r->poll;
    struct poll_handoff *h = poll->handoff;
    if (!h || h->delivered || poll->waiter->state != THREAD_BLOCKED || r->owner != h->proc ||
        (r->events & (FTL_READABLE | FTL_WRITABLE | FTL_RECEIVE)) != (FTL_READABLE | FTL_RECEIVE) ||
        !list_is_empty(&poll->obj.watchers)) {
        return NULL;
    }
    return r;
}

__attribute__((always_inline)) inline ftl_err_t handoff_send(struct process *p, struct channel *to,
                                                             const struct ftl_msg_out *mo,
                                                             bool *out_done)
{
    *out_done = false;
    // Only where the receiver would take this very message next: nothing queued, no
    // handles to move, no trace watch that wants to see messages go by.
    if (to->count != 0 || mo->nhandles != 0 || trace_watches != 0) {
        return FTL_OK;
    }
    struct chan_reader *rd = to->reader;
    if (rd) { // a thread in ftl_channel_call
        if (rd->delivered || rd->thread->state != THREAD_BLOCKED) {
            return FTL_OK;
        }
        ftl_err_t err = write_msg(p, mo, rd->msg_to);
        if (err != FTL_OK) {
            return err;
        }
        rd->delivered = true;
        to->received++;
        sched_wake(rd->thread);
        *out_done = true;
        return FTL_OK;
    }
    struct poll_reg *r = waiting_reg(to);
    if (!r) {
        return FTL_OK;
    }
    struct poll_handoff *h = r->poll->handoff;
    ftl_err_t err = write_msg(p, mo, h->msg_to);
    if (err != FTL_OK) {
        return err;
    }
    // What poll_wait_msg would have reported: readable (its only interest; the sender's
    // end is open), and received.
    *h->ev_to = (struct ftl_event){
        .handle = r->handle, .events = FTL_READABLE | FTL_RECEIVE, .ctx = r->ctx};
    h->delivered = true;
    to->received++;
    sched_wake(r->poll->waiter);
    *out_done = true;
    return FTL_OK;
}
