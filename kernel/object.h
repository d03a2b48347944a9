// Kernel objects: the common header every handle points at, reference counting,
// and the list of poll registrations watching the object.
#pragma once

#include "kernel.h"
#include "kmem.h"

enum obj_type {
    OBJ_CHANNEL = FTL_OBJ_CHANNEL,
    OBJ_POLL = FTL_OBJ_POLL,
    OBJ_TIMER = FTL_OBJ_TIMER,
    OBJ_PROCESS = FTL_OBJ_PROCESS,
    OBJ_IRQ = FTL_OBJ_IRQ,
    OBJ_VM = FTL_OBJ_VM,
};

struct object;

struct object_ops {
    /// Frees the object; called when the last reference goes.
    void (*destroy)(struct object *obj);
    /// Current readiness: FTL_READABLE / FTL_WRITABLE / FTL_PEER_CLOSED bits.
    uint32_t (*poll_state)(struct object *obj);
};

struct object {
    enum obj_type type;
    uint32_t refs;
    const struct object_ops *ops;
    struct list watchers;            // struct poll_reg.obj_link
    struct kmem *kmem;               // account charged for the object (NULL: the kernel)
};

/// Initializes `obj` with one reference.
static inline void object_init(struct object *obj, enum obj_type type,
                               const struct object_ops *ops)
{
    obj->type = type;
    obj->refs = 1;
    obj->ops = ops;
    obj->kmem = NULL;
    list_init(&obj->watchers);
}

static inline void object_ref(struct object *obj)
{
    obj->refs++;
}

// The slow paths of the inline functions below (kernel/poll.c).
void object_unref_last(struct object *obj);
void object_notify_watchers(struct object *obj);
void object_notify_watchers_inline(struct object *obj); // the same, inlined (channel_send)

/// Drops a reference; destroys the object when it was the last.
static inline void object_unref(struct object *obj)
{
    if (obj->refs <= 1) {
        object_unref_last(obj); // also panics on an object without references
        return;
    }
    obj->refs--;
}

/// Tells every poll watching `obj` that its state may have changed.
static inline void object_notify(struct object *obj)
{
    if (!list_is_empty(&obj->watchers)) {
        object_notify_watchers(obj);
    }
}
