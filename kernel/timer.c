// Timer objects on top of the scheduler's timeouts.
#include "timer.h"

static void ktimer_fire(struct timeout *to)
{
    struct ktimer *t = container_of(to, struct ktimer, timeout);
    t->fired = true;
    object_notify(&t->obj);
}

static uint32_t ktimer_poll_state(struct object *obj)
{
    return ((struct ktimer *)obj)->fired ? FTL_READABLE : 0;
}

static void ktimer_destroy(struct object *obj)
{
    struct ktimer *t = (struct ktimer *)obj;
    timeout_cancel(&t->timeout);
    kmem_free(t->obj.kmem, t, sizeof(*t));
}

static const struct object_ops ktimer_ops = {
    .destroy = ktimer_destroy,
    .poll_state = ktimer_poll_state,
};

ftl_err_t ktimer_create(struct kmem *k, struct ktimer **out)
{
    struct ktimer *t = kmem_zalloc(k, sizeof(*t));
    if (!t) {
        return FTL_ERR_NO_MEMORY;
    }
    object_init(&t->obj, OBJ_TIMER, &ktimer_ops);
    t->obj.kmem = k;
    list_init(&t->timeout.link);
    t->timeout.fire = ktimer_fire;
    *out = t;
    return FTL_OK;
}

void ktimer_set(struct ktimer *t, int64_t deadline_ns)
{
    t->fired = false;
    if (deadline_ns == INT64_MAX) {
        timeout_cancel(&t->timeout);
        return;
    }
    timeout_arm(&t->timeout, deadline_ns);
}
