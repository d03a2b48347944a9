// Channel ends and their message queues.
#include "channel.h"
#include "mm.h"

// Payloads up to this size share the header's heap block; bigger ones take a page.
#define MSG_INLINE_MAX (2048 - HEAP_HEADER_BYTES - sizeof(struct msg))
_Static_assert(FTL_MSG_DATA_MAX <= PAGE_SIZE, "a message payload fits in one page");

static uint32_t channel_poll_state(struct object *obj)
{
    struct channel *ch = (struct channel *)obj;
    uint32_t state = 0;
    if (ch->count > 0) {
        state |= FTL_READABLE;
    }
    if (!ch->peer) {
        state |= FTL_PEER_CLOSED;
    } else if (!channel_is_full(ch->peer)) {
        state |= FTL_WRITABLE;
    }
    return state;
}

static void channel_destroy(struct object *obj)
{
    struct channel *ch = (struct channel *)obj;
    struct channel *peer = ch->peer;
    if (peer) {
        peer->peer = NULL;
        ch->peer = NULL;
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

// msg_alloc and msg_free are on every message's path: inlined into the calls (across
// files, by LTO), they save a call and its register spills per message.
__attribute__((always_inline)) inline struct msg *msg_alloc(struct kmem *k, size_t len)
{
    size_t charge = msg_footprint(len);
    if (len > PAGE_SIZE || kmem_charge(k, charge) != FTL_OK) {
        return NULL;
    }
    bool is_inline = len <= MSG_INLINE_MAX;
    struct msg *m = kmalloc(sizeof(*m) + (is_inline ? len : 0));
    uint8_t *data = !m ? NULL : is_inline ? m->inline_data : page_alloc_raw(1);
    if (!data) {
        kfree(m);
        kmem_uncharge(k, charge);
        return NULL;
    }
    m->charged = (uint32_t)charge;
    m->type = 0;
    m->len = (uint32_t)len;
    m->cookie = 0;
    m->nhandles = 0;
    m->kmem = k;
    m->data = data;
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
    }
    kfree(m);
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

bool channel_is_full(const struct channel *ch)
{
    return ch->count >= FTL_CHANNEL_QUEUE_MAX;
}

ftl_err_t channel_send(struct channel *ch, struct msg *m)
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
    object_notify(&peer->obj);
    return FTL_OK;
}

ftl_err_t channel_recv(struct channel *ch, struct msg **out)
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
