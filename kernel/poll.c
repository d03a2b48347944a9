// Poll objects, object notification and reference dropping.
#include "poll.h"
#include "channel.h"
#include "sched.h"

// Channels, the common case, without the indirect call.
static inline uint32_t reg_state(const struct poll_reg *r)
{
    struct object *obj = r->obj;
    uint32_t state = obj->type == OBJ_CHANNEL ? channel_state((struct channel *)obj)
                                              : obj->ops->poll_state(obj);
    return state & (r->events | FTL_PEER_CLOSED);
}

static void reg_mark_ready(struct poll_reg *r)
{
    if (r->ready) {
        return;
    }
    r->ready = true;
    list_push_back(&r->poll->ready, &r->ready_link);
    object_notify(&r->poll->obj);
    if (r->poll->waiter) {
        sched_wake(r->poll->waiter);
    }
}

// The body, inlined into channel_send (across files, by LTO): a call and a frame less
// per message.
__attribute__((always_inline)) inline void object_notify_watchers_inline(struct object *obj)
{
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &obj->watchers) {
        struct poll_reg *r = container_of(pos, struct poll_reg, obj_link);
        if (!r->ready && reg_state(r)) {
            reg_mark_ready(r);
        }
    }
}

void object_notify_watchers(struct object *obj)
{
    object_notify_watchers_inline(obj);
}

static void reg_free(struct poll_reg *r)
{
    list_remove(&r->obj_link);
    list_remove(&r->poll_link);
    if (r->ready) {
        list_remove(&r->ready_link);
    }
    r->poll->nregs--;
    kmem_free(r->kmem, r, sizeof(*r));
}

void object_unref_last(struct object *obj)
{
    if (obj->refs == 0) {
        panic("object_unref: object %p of type %d has no references left", (void *)obj,
              obj->type);
    }
    obj->refs = 0;
    // Normally every watch went when its handle closed; kernel-held references may not
    // have had handles, so drop any left before the object goes.
    while (!list_is_empty(&obj->watchers)) {
        reg_free(container_of(obj->watchers.next, struct poll_reg, obj_link));
    }
    obj->ops->destroy(obj);
}

static uint32_t poll_poll_state(struct object *obj)
{
    struct poll *p = (struct poll *)obj;
    return list_is_empty(&p->ready) ? 0 : FTL_READABLE;
}

static void poll_destroy(struct object *obj)
{
    struct poll *p = (struct poll *)obj;
    while (!list_is_empty(&p->regs)) {
        reg_free(container_of(p->regs.next, struct poll_reg, poll_link));
    }
    kmem_free(p->obj.kmem, p, sizeof(*p));
}

static const struct object_ops poll_ops = {
    .destroy = poll_destroy,
    .poll_state = poll_poll_state,
};

ftl_err_t poll_create(struct kmem *k, struct poll **out)
{
    struct poll *p = kmem_zalloc(k, sizeof(*p));
    if (!p) {
        return FTL_ERR_NO_MEMORY;
    }
    object_init(&p->obj, OBJ_POLL, &poll_ops);
    p->obj.kmem = k;
    list_init(&p->regs);
    list_init(&p->ready);
    *out = p;
    return FTL_OK;
}

static struct poll_reg *find_reg(struct poll *p, const void *owner, ftl_handle_t h)
{
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &p->regs) {
        struct poll_reg *r = container_of(pos, struct poll_reg, poll_link);
        if (r->owner == owner && r->handle == h) {
            return r;
        }
    }
    return NULL;
}

ftl_err_t poll_add(struct kmem *k, struct poll *p, struct object *obj, const void *owner,
                   ftl_handle_t h, uint32_t events, uint64_t ctx)
{
    if ((events & ~POLL_EVENTS_ALL) || obj == &p->obj ||
        ((events & FTL_RECEIVE) && obj->type != OBJ_CHANNEL)) {
        return FTL_ERR_INVALID_ARG;
    }
    if (find_reg(p, owner, h)) {
        return FTL_ERR_ALREADY_EXISTS;
    }
    if (p->nregs >= POLL_REGS_MAX) {
        return FTL_ERR_TOO_MANY;
    }
    struct poll_reg *r = kmem_zalloc(k, sizeof(*r));
    if (!r) {
        return FTL_ERR_NO_MEMORY;
    }
    r->kmem = k;
    r->poll = p;
    r->obj = obj;
    r->owner = owner;
    r->handle = h;
    r->events = events;
    r->ctx = ctx;
    list_push_back(&obj->watchers, &r->obj_link);
    list_push_back(&p->regs, &r->poll_link);
    list_init(&r->ready_link);
    p->nregs++;
    if (reg_state(r)) {
        reg_mark_ready(r);
    }
    return FTL_OK;
}

ftl_err_t poll_modify(struct poll *p, const void *owner, ftl_handle_t h, uint32_t events,
                      uint64_t ctx)
{
    if (events & ~POLL_EVENTS_ALL) {
        return FTL_ERR_INVALID_ARG;
    }
    struct poll_reg *r = find_reg(p, owner, h);
    if (!r) {
        return FTL_ERR_NOT_FOUND;
    }
    if ((events & FTL_RECEIVE) && r->obj->type != OBJ_CHANNEL) {
        return FTL_ERR_INVALID_ARG;
    }
    r->events = events;
    r->ctx = ctx;
    if (reg_state(r)) {
        reg_mark_ready(r);
    }
    return FTL_OK;
}

ftl_err_t poll_remove(struct poll *p, const void *owner, ftl_handle_t h)
{
    struct poll_reg *r = find_reg(p, owner, h);
    if (!r) {
        return FTL_ERR_NOT_FOUND;
    }
    reg_free(r);
    return FTL_OK;
}

void poll_forget_handle(struct object *obj, const void *owner, ftl_handle_t h)
{
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &obj->watchers) {
        struct poll_reg *r = container_of(pos, struct poll_reg, obj_link);
        if (r->owner == owner && r->handle == h) {
            reg_free(r);
        }
    }
}

// Takes the first ready registration that still has an event; registrations whose
// condition went away leave the ready list. Reported ones move to the back (fairness).
__attribute__((always_inline)) static inline struct poll_reg *take_event(struct poll *p,
                                                                        uint32_t *out_events)
{
    while (!list_is_empty(&p->ready)) {
        struct poll_reg *r = container_of(p->ready.next, struct poll_reg, ready_link);
        uint32_t state = reg_state(r);
        if (!state) {
            list_remove(&r->ready_link);
            r->ready = false;
            continue;
        }
        if (r->ready_link.next != &p->ready) { // not alone: to the back
            list_remove(&r->ready_link);
            list_push_back(&p->ready, &r->ready_link);
        }
        *out_events = state;
        return r;
    }
    return NULL;
}

bool poll_ready(struct poll *p)
{
    while (!list_is_empty(&p->ready)) {
        struct poll_reg *r = container_of(p->ready.next, struct poll_reg, ready_link);
        if (reg_state(r)) {
            return true;
        }
        list_remove(&r->ready_link);
        r->ready = false;
    }
    return false;
}

bool poll_block(struct poll *p, int64_t deadline_ns)
{
    if (p->waiter) {
        return sched_block(deadline_ns); // someone else watches it: only the deadline
    }
    p->waiter = thread_current();
    object_ref(&p->obj);
    bool woken = sched_block(deadline_ns);
    p->waiter = NULL;
    object_unref(&p->obj);
    return woken;
}

// Inlined into its callers (across files, by LTO): one call less per wait.
__attribute__((always_inline)) inline ftl_err_t poll_wait_reg(struct poll *p, int64_t deadline_ns,
                                                              struct poll_handoff *handoff,
                                                              struct poll_reg **out_reg,
                                                              uint32_t *out_events)
{
    if (p->waiter) {
        return FTL_ERR_BUSY;
    }
    for (;;) {
        if ((*out_reg = take_event(p, out_events))) {
            return FTL_OK;
        }
        p->waiter = thread_current();
        p->handoff = handoff;
        if (handoff) {
            handoff->delivered = false;
        }
        object_ref(&p->obj); // the poll may be closed by another thread while we sleep
        bool woken = sched_block(deadline_ns);
        p->waiter = NULL;
        p->handoff = NULL;
        bool last = p->obj.refs == 1;
        object_unref(&p->obj);
        bool killed = thread_current()->killed;
        if (handoff && handoff->delivered && !killed) {
            return FTL_OK; // *out_reg is NULL: the event and message are the app's now
        }
        if (last || killed) {
            return FTL_ERR_BAD_HANDLE; // closed meanwhile; killed: the way back ends the app
        }
        if (!woken && !(*out_reg = take_event(p, out_events))) {
            return FTL_ERR_TIMED_OUT;
        }
        if (!woken) {
            return FTL_OK;
        }
    }
}

__attribute__((always_inline)) inline ftl_err_t poll_wait(struct poll *p, int64_t deadline_ns,
                                                          ftl_handle_t *out_h,
                                                          uint32_t *out_events, uint64_t *out_ctx)
{
    struct poll_reg *r;
    ftl_err_t err = poll_wait_reg(p, deadline_ns, NULL, &r, out_events);
    if (err == FTL_OK) {
        *out_h = r->handle;
        *out_ctx = r->ctx;
    }
    return err;
}
