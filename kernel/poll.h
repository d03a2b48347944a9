// Poll objects (the event loop): watch channels, timers and other polls for
// readable / writable / peer-closed; wait for the next event with a timeout.
// Level-triggered: an event is reported as long as the condition holds.
#pragma once

#include "object.h"

struct thread;

struct poll_reg {
    struct list obj_link;            // in obj->watchers
    struct list poll_link;           // in poll->regs
    struct list ready_link;          // in poll->ready while `ready`
    struct poll *poll;
    struct object *obj;
    const void *owner;               // process that registered it (handles are per process)
    struct kmem *kmem;               // account charged for the registration
    ftl_handle_t handle;
    uint32_t events;                 // interest: FTL_READABLE | FTL_WRITABLE (PEER_CLOSED
                                     // always); FTL_RECEIVE: sys_poll_wait_msg receives
    uint64_t ctx;                    // the app's value, returned with events
    bool ready;
};

// Where a thread blocked in ftl_poll_wait_msg takes its next event and message: the
// kernel's views of the app's buffers, checked before it blocked. A sender may write
// both there itself (handoff.c).
struct poll_handoff {
    struct process *proc;            // the waiting process
    struct ftl_event *ev_to;
    uint8_t *msg_to;
    bool delivered;                  // a sender wrote the event and message
};

struct poll {
    struct object obj;
    struct list regs;
    struct list ready;               // registrations that may have events
    struct thread *waiter;           // thread in poll_wait, or NULL
    struct poll_handoff *handoff;    // its buffers while blocked in ftl_poll_wait_msg, or NULL
    size_t nregs;
};

#define POLL_REGS_MAX 1024
#define POLL_EVENTS_ALL (FTL_READABLE | FTL_WRITABLE | FTL_PEER_CLOSED | FTL_RECEIVE)

/// Creates a poll object with one reference, charged to `k`. FTL_ERR_NO_MEMORY on
/// failure or past k's limit.
FTL_MUST_CHECK ftl_err_t poll_create(struct kmem *k, struct poll **out);

/// Watches `obj` (named `h` in process `owner`) for `events`, reporting `ctx`; the
/// registration is charged to `k` (the owner's account) until it goes.
/// FTL_ERR_ALREADY_EXISTS if `h` is already watched by this poll,
/// FTL_ERR_INVALID_ARG for unknown event bits, watching the poll itself or
/// FTL_RECEIVE on anything but a channel (the caller checks the READ right),
/// FTL_ERR_TOO_MANY past POLL_REGS_MAX, FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t poll_add(struct kmem *k, struct poll *p, struct object *obj,
                                  const void *owner, ftl_handle_t h, uint32_t events,
                                  uint64_t ctx);
/// Changes the interest and context of a watch. FTL_ERR_NOT_FOUND if not watched,
/// FTL_ERR_INVALID_ARG as for poll_add.
FTL_MUST_CHECK ftl_err_t poll_modify(struct poll *p, const void *owner, ftl_handle_t h,
                                     uint32_t events, uint64_t ctx);
/// Stops watching `h`. FTL_ERR_NOT_FOUND if not watched.
FTL_MUST_CHECK ftl_err_t poll_remove(struct poll *p, const void *owner, ftl_handle_t h);

/// Drops every watch made through handle `h` of `owner` on `obj` (the handle closed or moved).
void poll_forget_handle(struct object *obj, const void *owner, ftl_handle_t h);

/// True if the poll has an event now; takes none (the app's poll_wait will).
bool poll_ready(struct poll *p);
/// Blocks the calling thread until the poll may have an event, sched_wake, or
/// `deadline_ns`; takes no event. Returns false on timeout. Interrupts masked.
bool poll_block(struct poll *p, int64_t deadline_ns);

/// Returns the next event, waiting until `deadline_ns` (INT64_MAX: forever).
/// FTL_ERR_TIMED_OUT if the deadline passed first, FTL_ERR_BUSY if another thread
/// is already waiting on this poll.
FTL_MUST_CHECK ftl_err_t poll_wait(struct poll *p, int64_t deadline_ns, ftl_handle_t *out_h,
                                   uint32_t *out_events, uint64_t *out_ctx);
/// The same, returning the registration that has the event (valid until the caller
/// next blocks or changes the poll). With `handoff` (NULL: none), a sender may write
/// an event and message into its buffers while the caller blocks: then FTL_OK with
/// *out_reg NULL and handoff->delivered set.
FTL_MUST_CHECK ftl_err_t poll_wait_reg(struct poll *p, int64_t deadline_ns,
                                       struct poll_handoff *handoff, struct poll_reg **out_reg,
                                       uint32_t *out_events);
