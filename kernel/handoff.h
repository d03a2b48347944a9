// Handing a message straight to a thread that waits for it: when the receiver of a
// send is blocked in ftl_channel_call or ftl_poll_wait_msg for exactly this message,
// the sender copies it from its own memory into the receiver's buffer and wakes it.
// Nothing is allocated, queued, charged or received: one copy instead of two, and
// the receiver's call returns as soon as it runs.
#pragma once

#include "channel.h"
#include "syscall.h"

// struct ftl_msg without its data: what a receive writes before the bytes.
struct msg_header {
    uint32_t type;
    uint32_t len;
    uint64_t cookie;
    uint32_t nhandles;
    ftl_handle_t handles[FTL_MSG_HANDLES_MAX];
    uint32_t reserved;
};
_Static_assert(sizeof(struct msg_header) == offsetof(struct ftl_msg, data), "ftl_msg layout");
_Static_assert(offsetof(struct msg_header, handles) == offsetof(struct ftl_msg, handles),
               "ftl_msg layout");

/// Gives the checked message `mo` of `p` (no handles) to the thread waiting for the
/// next message of channel end `to`, if one waits for exactly that and nothing is
/// queued before it. *out_done is false if nobody takes it so (send it the usual way).
/// FTL_ERR_BAD_ADDRESS if the message's bytes are not `p`'s memory.
FTL_MUST_CHECK ftl_err_t handoff_send(struct process *p, struct channel *to,
                                      const struct ftl_msg_out *mo, bool *out_done);
