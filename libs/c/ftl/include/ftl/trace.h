// Message tracing (docs/tracing.md): an app with `grants: { trace: true }` watches the
// messages of the apps of one name. Each message such an app sends or receives comes to
// the watcher as one DATA message holding a struct ftl_trace_record, when the message is
// received (a message never received is never traced).
#pragma once

#include <ftl/abi.h>

#define FTL_TRACE_FIRST_BYTES 32 // bytes of each message's data kept in its record

struct ftl_trace_record {
    int64_t time_ns;                    // when it was received (ftl_time_now's clock)
    uint32_t seq;                       // records of this watch, from 1
    uint32_t dropped;                   // records lost before this one (the watcher's queue was full)
    uint32_t type;                      // FTL_MSG_*
    uint32_t len;                       // bytes of data
    uint64_t cookie;
    uint32_t nhandles;
    uint32_t dir;                       // 0: the traced app sent it, 1: it received it
    char from[FTL_ENV_NAME_MAX];        // the sender's app name ("kernel" for the startup code)
    char to[FTL_ENV_NAME_MAX];          // the receiver's app name
    uint8_t first[FTL_TRACE_FIRST_BYTES]; // the first min(len, 32) bytes of data
};

// Two apps joined by channels, from ftl_channel_graph.
struct ftl_channel_edge {
    char a[FTL_ENV_NAME_MAX];
    char b[FTL_ENV_NAME_MAX];
    uint32_t channels;                  // open channels between them
    uint32_t reserved;
    uint64_t messages;                  // messages sent over those channels since each was made
};

/// The graph of apps and the channels between them (channels with an end held by the
/// kernel, like system channels, are left out): up to `max` edges into `out`. Needs the
/// `ps` grant.
FTL_MUST_CHECK ftl_err_t ftl_channel_graph(struct ftl_channel_edge *out, size_t max,
                                           size_t *out_n);

/// Watches app `name` (its running instances and every later one) and returns the
/// channel its trace records arrive on; closing it stops the watch. At most 4 watches
/// in the whole system (FTL_ERR_TOO_MANY). Needs the `trace` grant.
FTL_MUST_CHECK ftl_err_t ftl_trace_attach(const char *name, size_t len, ftl_handle_t *out_channel);
