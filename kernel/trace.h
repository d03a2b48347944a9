// Message tracing (<ftl/trace.h>, docs/tracing.md). Costs one load and branch per
// received message while nobody watches.
#pragma once

#include "channel.h"
#include "process.h"

#define TRACE_WATCHES_MAX 4

extern int trace_watches; // watches open: the receive path looks further only if nonzero

/// Called by the receive path for message `m` just received by `receiver` (before the
/// message is freed), only while trace_watches is nonzero.
__attribute__((cold, noinline)) void trace_message(const struct process *receiver,
                                                  const struct msg *m);
