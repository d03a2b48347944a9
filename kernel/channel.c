// Channel ends and their message queues.
#include "channel.h"
#include "mm.h"
#include "sched.h"

// Payloads up to this size share the header's heap block; bigger ones take a page.
#define MSG_INLINE_MAX (2048 - HEAP_HEADER_BYTES - sizeof(struct msg))
_Static_assert(FTL_MSG_DATA_MAX <= PAGE_SIZE, "a message payload fits in one page");

static uint32_t channel_poll_state(struct object *obj)
{
    return channel_state((struct channel *)obj);
}

static void channel_destroy(struct object *obj)
{
    struct channel *ch = (struct channel *)obj;
    struct channel *peer = ch->peer;
    if (peer) {
        peer->peer = NULL;
        ch->peer = NULL;
        if (peer->reader) {
            sched_wake(peer->reader->thread); // its ftl_channel_call sees PEER_CLOSED
        }
        object_notify(&peer->obj);
    }
    // Free queued messages; handles inside them close, which may close other channels.
    while (ch->count > 0) {
        struct msg *m = ch->queue[ch->head];
        ch->head = (ch->head + 1) % FTL_CHANNEL_QUEUE_MAX;
        ch->count--;
        msg_free(m);
    }
    kmem_free(ch->obj.kmem, ch, sizeof(*ch));
}

static const struct object_ops channel_ops = {
    .destroy = channel_destroy,
    .poll_state = channel_poll_state,
};

size_t msg_footprint(size_t len)
{
    if (len <= MSG_INLINE_MAX) {
        return heap_block_bytes(sizeof(struct msg) + len);
    }
    return heap_block_bytes(sizeof(struct msg)) + PAGE_SIZE;
}

// Freed messages with inline data are kept, up to MSG_CACHE_MAX per heap size class,
// and handed out again: a steady flow of messages then never touches the heap. A
// cached block is kernel memory (nobody is charged for it); at most 8 blocks of each
// class up to 2 KiB, 31 KiB in all, given back when free memory is counted.
#define MSG_CACHE_MAX 8
static struct msg *msg_cache[HEAP_CLASS_COUNT];
static uint32_t msg_cache_count[HEAP_CLASS_COUNT];

void msg_cache_drain(void)
{
    for (int c = 0; c < HEAP_CLASS_COUNT; c++) {
        while (msg_cache[c]) {
            struct msg *m = msg_cache[c];
            msg_cache[c] = m->next_free;
            kfree(m);
        }
        msg_cache_count[c] = 0;
    }
}

// msg_alloc and msg_free are on every message's path: inlined into the calls (across
// files, by LTO), they save a call and its register spills per message.
__attribute__((always_inline)) inline struct msg *msg_alloc(struct kmem *k, size_t len)
{
    struct msg *m;
    size_t charge;
    if (len <= MSG_INLINE_MAX) {
        int c = heap_class(HEAP_HEADER_BYTES + sizeof(*m) + len);
        charge = (size_t)1 << (c + HEAP_CLASS_MIN_SHIFT); // == msg_footprint(len)
        if (kmem_charge(k, charge) != FTL_OK) {
            return NULL;
        }
        m = msg_cache[c];
        if (m) {
            msg_cache[c] = m->next_free;
            msg_cache_count[c]--;
        } else if (!(m = kmalloc(charge - HEAP_HEADER_BYTES))) {
            // (the whole block: once cached, it serves any length of its class)
            kmem_uncharge(k, charge);
            return NULL;
        }
        m->data = m->inline_data;
    } else {
        charge = msg_footprint(len);
        if (len > PAGE_SIZE || kmem_charge(k, charge) != FTL_OK) {
            return NULL;
        }
        m = kmalloc(sizeof(*m));
        uint8_t *data = m ? page_alloc_raw(1) : NULL;
        if (!data) {
            kfree(m);
            kmem_uncharge(k, charge);
            return NULL;
        }
        m->data = data;
    }
    m->charged = (uint32_t)charge;
    m->type = 0;
    m->len = (uint32_t)len;
    m->cookie = 0;
    m->nhandles = 0;
    m->kmem = k;
    return m;
}

__attribute__((always_inline)) inline void msg_free(struct msg *m)
{
    for (uint32_t i = 0; i < m->nhandles; i++) {
        object_unref(m->handles[i].obj);
    }
    struct kmem *k = m->kmem;
    size_t charged = m->charged;
    if (m->data != m->inline_data) {
        page_free(m->data, 1);
        kfree(m);
    } else {
        // An inline message's charge is its block's size: a power of two.
        int c = __builtin_ctzll(charged) - HEAP_CLASS_MIN_SHIFT;
        if (msg_cache_count[c] < MSG_CACHE_MAX) {
            m->next_free = msg_cache[c];
            msg_cache[c] = m;
            msg_cache_count[c]++;
        } else {
            kfree(m);
        }
    }
    kmem_uncharge(k, charged);
}

ftl_err_t channel_create_pair(struct kmem *k, struct channel **out_a, struct channel **out_b)
{
    struct channel *a = kmem_zalloc(k, sizeof(*a));
    struct channel *b = kmem_zalloc(k, sizeof(*b));
    if (!a || !b) {
        kmem_free(k, a, sizeof(*a));
        kmem_free(k, b, sizeof(*b));
        return FTL_ERR_NO_MEMORY;
    }
    object_init(&a->obj, OBJ_CHANNEL, &channel_ops);
    object_init(&b->obj, OBJ_CHANNEL, &channel_ops);
    a->obj.kmem = k;
    b->obj.kmem = k;
    a->peer = b;
    b->peer = a;
    *out_a = a;
    *out_b = b;
    return FTL_OK;
}

// The body, inlined into sys_channel_send (across files, by LTO).
__attribute__((always_inline)) inline ftl_err_t channel_send_inline(struct channel *ch,
                                                                   struct msg *m)
{
    struct channel *peer = ch->peer;
    if (!peer) {
        return FTL_ERR_PEER_CLOSED;
    }
    if (channel_is_full(peer)) {
        return FTL_ERR_FULL; // backpressure: fail now, never block, never drop
    }
    peer->queue[(peer->head + peer->count) % FTL_CHANNEL_QUEUE_MAX] = m;
    peer->count++;
    peer->received++;
    if (peer->reader) { // a thread in ftl_channel_call: woken directly, no poll
        sched_wake(peer->reader->thread);
    }
    if (!list_is_empty(&peer->obj.watchers)) {
        object_notify_watchers_inline(&peer->obj);
    }
    return FTL_OK;
}

ftl_err_t channel_send(struct channel *ch, struct msg *m)
{
    return channel_send_inline(ch, m);
}

// Inlined into ftl_channel_call's body (across files, by LTO).
__attribute__((always_inline)) inline ftl_err_t channel_wait_readable(struct channel *ch,
                                                                      int64_t deadline_ns,
                                                                      struct chan_reader *rd)
{
    while (ch->count == 0) {
        if (!ch->peer) {
            return FTL_ERR_PEER_CLOSED;
        }
        if (ch->reader) {
            return FTL_ERR_BUSY;
        }
        rd->delivered = false;
        ch->reader = rd;
        object_ref(&ch->obj); // the handle may be closed by another thread meanwhile
        bool woken = sched_block(deadline_ns);
        ch->reader = NULL;
        bool last = ch->obj.refs == 1;
        object_unref(&ch->obj);
        bool killed = rd->thread->killed;
        if (rd->delivered && !killed) {
            return FTL_OK; // the message is the app's now
        }
        if (last || killed) {
            return FTL_ERR_BAD_HANDLE; // closed meanwhile; killed: the way back ends the app
        }
        if (!woken && ch->count == 0) {
            return ch->peer ? FTL_ERR_TIMED_OUT : FTL_ERR_PEER_CLOSED;
        }
    }
    return FTL_OK;
}

// Inlined into every receive (across files, by LTO).
__attribute__((always_inline)) inline ftl_err_t channel_recv(struct channel *ch, struct msg **out)
{
    if (ch->count == 0) {
        return ch->peer ? FTL_ERR_EMPTY : FTL_ERR_PEER_CLOSED;
    }
    *out = ch->queue[ch->head];
    ch->head = (ch->head + 1) % FTL_CHANNEL_QUEUE_MAX;
    ch->count--;
    if (ch->peer && ch->count == FTL_CHANNEL_QUEUE_MAX - 1) {
        object_notify(&ch->peer->obj); // the peer may be waiting to write again
    }
    return FTL_OK;
}
