// Channels: connected pairs of ends, each with a bounded queue of messages.
// Sending to a full queue fails with FTL_ERR_FULL: it never blocks and never drops.
#pragma once

#include "handle.h"

// A queued message. Small payloads live inline after the header; payloads too big
// for the 2 KiB heap class get a page of their own, so a full 4 KiB message takes
// 4 KiB + 128 B of RAM rather than the 8 KiB a single block would round up to.
struct msg {
    uint32_t type;                              // FTL_MSG_*
    uint32_t len;                               // bytes in data
    uint64_t cookie;
    uint32_t nhandles;
    uint32_t charged;                           // bytes charged to kmem (msg_footprint)
    union {
        struct kmem *kmem;                      // charged until received (the sender's)
        struct msg *next_free;                  // in the message cache (channel.c)
    };
    struct handle_entry handles[FTL_MSG_HANDLES_MAX]; // references owned by the message
    uint8_t *data;                              // inline_data or a page
    uint8_t inline_data[];
};

/// Bytes of RAM a message with `len` data bytes takes (what its sender is charged).
size_t msg_footprint(size_t len);

// A thread blocked in ftl_channel_call for the next message of a channel end, and where
// that message goes: the kernel's view of the app's struct ftl_msg, checked before it
// blocked. A sender may write the message there itself (handoff.c).
struct chan_reader {
    struct thread *thread;
    uint8_t *msg_to;
    bool delivered;                             // a sender wrote the message into msg_to
};

struct channel {
    struct object obj;
    struct channel *peer;                       // NULL once the other end is gone
    struct msg *queue[FTL_CHANNEL_QUEUE_MAX];   // ring of messages waiting to be received
    uint32_t head;                              // index of the oldest message
    uint32_t count;                             // messages queued
    uint64_t received;                          // messages queued on this end since it was
                                                // made (ftl_channel_graph's rates)
    struct chan_reader *reader;                 // blocked in ftl_channel_call for a message
                                                // on this end, or NULL
};

/// Allocates a message with room for `len` (<= FTL_MSG_DATA_MAX) data bytes and no
/// handles, charged to `k` until freed. NULL if out of memory or over k's limit.
struct msg *msg_alloc(struct kmem *k, size_t len);
/// Frees a message, uncharges it and drops the references of the handles it carries.
void msg_free(struct msg *m);
/// Gives the blocks of freed messages kept for reuse back to the heap.
void msg_cache_drain(void);

/// Creates two connected ends, one reference each, charged to `k` (NULL: the
/// kernel). FTL_ERR_NO_MEMORY on failure or past k's limit.
FTL_MUST_CHECK ftl_err_t channel_create_pair(struct kmem *k, struct channel **out_a,
                                             struct channel **out_b);

/// Queues `m` on the peer of `ch`. On success the queue owns `m`; on error the
/// caller still does. FTL_ERR_PEER_CLOSED if the peer is gone, FTL_ERR_FULL if its
/// queue holds FTL_CHANNEL_QUEUE_MAX messages.
FTL_MUST_CHECK ftl_err_t channel_send(struct channel *ch, struct msg *m);
/// The same, inlined into the caller (sys_channel_send).
FTL_MUST_CHECK ftl_err_t channel_send_inline(struct channel *ch, struct msg *m);

/// Blocks the calling thread (`rd`: it and its buffer) until `ch` has a message, its
/// peer is gone, the thread is killed, or `deadline_ns` (INT64_MAX: none). FTL_OK if
/// a message is queued or was written into rd->msg_to (rd->delivered),
/// FTL_ERR_PEER_CLOSED (nothing queued, peer gone), FTL_ERR_TIMED_OUT, FTL_ERR_BUSY
/// (another thread waits on it), FTL_ERR_BAD_HANDLE (killed, or the channel went
/// while waiting). Interrupts masked.
FTL_MUST_CHECK ftl_err_t channel_wait_readable(struct channel *ch, int64_t deadline_ns,
                                               struct chan_reader *rd);

/// Takes the oldest message queued on `ch`; the caller owns it. FTL_ERR_EMPTY if
/// none is queued, FTL_ERR_PEER_CLOSED if none is queued and the peer is gone.
FTL_MUST_CHECK ftl_err_t channel_recv(struct channel *ch, struct msg **out);

/// True if the queue of `ch` itself is full (a sender to it would get FTL_ERR_FULL).
static inline bool channel_is_full(const struct channel *ch)
{
    return ch->count >= FTL_CHANNEL_QUEUE_MAX;
}

/// The channel end's poll state (FTL_READABLE / FTL_WRITABLE / FTL_PEER_CLOSED).
static inline uint32_t channel_state(const struct channel *ch)
{
    uint32_t state = ch->count > 0 ? FTL_READABLE : 0;
    if (!ch->peer) {
        state |= FTL_PEER_CLOSED;
    } else if (!channel_is_full(ch->peer)) {
        state |= FTL_WRITABLE;
    }
    return state;
}
