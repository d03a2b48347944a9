// Timer objects: readable once their deadline has passed, until set again.
#pragma once

#include "object.h"
#include "sched.h"

struct ktimer {
    struct object obj;
    struct timeout timeout;
    bool fired;
};

/// Creates a disarmed timer with one reference, charged to `k`. FTL_ERR_NO_MEMORY
/// on failure or past k's limit.
FTL_MUST_CHECK ftl_err_t ktimer_create(struct kmem *k, struct ktimer **out);
/// Arms the timer for absolute time `deadline_ns` (INT64_MAX: disarm) and clears
/// its fired state.
void ktimer_set(struct ktimer *t, int64_t deadline_ns);
