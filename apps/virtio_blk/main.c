// virtio_blk: the driver for virtio block devices on virtio-mmio (modern, virtio 1.x,
// and legacy, virtio 0.9.5) or virtio-pci (modern), through libs/c/virtio. It exports
// the `blk` service and serves the block protocol of <ftl/blk.h> to one client at a
// time (the fs server): reads, writes and flushes of 512-byte sectors, up to
// FTL_BLK_INFLIGHT_MAX of them in the device at once, finished by interrupt. Documented
// in docs/fs.md; the virtio steps follow apps/virtio_net (docs/writing-drivers.md).
#include <ftl.h>
#include <ftl/blk.h>
#include <string.h>

#include "virtio_blk.h"

#define QUEUE_SIZE_MAX 128 // descriptors (the device may offer fewer); 3 per request
#define SLOT_BYTES 8192    // per request: header at 0, status at 16, data at 4096
#define SLOT_DATA 4096
#define SLOT_STATUS 16

// One request slot: descriptors 3k, 3k+1, 3k+2 and SLOT_BYTES of DMA memory.
struct slot {
    bool busy;       // in the device, or its reply waits to be sent
    bool done;       // the device finished it; the reply is queued
    uint64_t cookie; // the client's, echoed in the reply
    uint32_t op;     // FTL_BLK_*
    uint32_t len;    // data bytes
    ftl_err_t err;   // the outcome, once done
    uint64_t gen;    // the client generation it belongs to (stale ones are dropped)
};

// A reply waiting to be sent, in order: from a slot, or an immediate error.
struct reply {
    int slot; // -1: no data (an error found before the device saw it, INFO)
    uint64_t cookie;
    ftl_err_t err;
    bool info;
};

#define REPLIES_MAX (FTL_BLK_INFLIGHT_MAX * 2)

struct disk {
    struct virtio dev;
    bool read_only;
    bool can_flush;
    uint64_t sectors;
    ftl_handle_t irq, system, poll;
    ftl_handle_t client;  // 0: none
    ftl_handle_t waiting; // a client that connected while the last one's requests drained
    uint64_t gen;         // bumped when a client goes
    uint32_t client_events;
    struct virtq q; // the request queue: 3 descriptors per slot
    uint8_t *slots_va;
    uint64_t slots_bus;
    uint32_t nslots;
    struct slot slots[FTL_BLK_INFLIGHT_MAX];
    uint32_t inflight; // slots busy
    struct reply replies[REPLIES_MAX];
    uint32_t reply_head, nreplies;
    bool reply_blocked; // the client's queue was full
    uint64_t reads, writes, flushes, errors;
};

// Spec 3.1.1 steps 1-6, as in virtio_net; the block device offers FLUSH and RO.
static void negotiate(struct disk *d, const struct ftl_device *dev)
{
    virtio_open(&d->dev, dev, VIRTIO_ID_BLOCK, "virtio-blk");
    uint32_t want =
        (uint32_t)virtio_features(&d->dev) & ((1u << VIRTIO_BLK_F_RO) | (1u << VIRTIO_BLK_F_FLUSH));
    d->read_only = want & (1u << VIRTIO_BLK_F_RO);
    d->can_flush = want & (1u << VIRTIO_BLK_F_FLUSH);
    virtio_set_features(&d->dev, want);
    uint64_t lo_cap = virtio_config_read32(&d->dev, VIRTIO_BLK_CONFIG_CAPACITY);
    uint64_t hi_cap = virtio_config_read32(&d->dev, VIRTIO_BLK_CONFIG_CAPACITY + 4);
    d->sectors = lo_cap | hi_cap << 32;
}

// Queue 0 (the only one), its rings and one DMA area per request slot.
static void queue_setup(struct disk *d)
{
    virtio_queue_setup(&d->dev, 0, QUEUE_SIZE_MAX, &d->q);
    if (d->q.size < 4) {
        virtio_fail(&d->dev, "queue too small");
    }
    d->nslots = d->q.size / 3 < FTL_BLK_INFLIGHT_MAX ? d->q.size / 3 : FTL_BLK_INFLIGHT_MAX;
    void *va;
    FTL_CHECK(ftl_dma_alloc((size_t)d->nslots * SLOT_BYTES, &va, &d->slots_bus));
    d->slots_va = va;
    for (uint32_t k = 0; k < d->nslots; k++) {
        uint64_t s = d->slots_bus + (uint64_t)k * SLOT_BYTES;
        struct virtq_desc *t = &d->q.desc[3 * k];
        t[0] = (struct virtq_desc){
            .addr = s, .len = 16, .flags = VIRTQ_DESC_F_NEXT, .next = (uint16_t)(3 * k + 1)};
        t[1] = (struct virtq_desc){
            .addr = s + SLOT_DATA, .flags = VIRTQ_DESC_F_NEXT, .next = (uint16_t)(3 * k + 2)};
        t[2] = (struct virtq_desc){.addr = s + SLOT_STATUS, .len = 1, .flags = VIRTQ_DESC_F_WRITE};
    }
}

static void reply_push(struct disk *d, int slot, uint64_t cookie, ftl_err_t err, bool info)
{
    // Never full: a request is read only while fewer than REPLIES_MAX / 2 are queued.
    uint32_t i = (d->reply_head + d->nreplies) % REPLIES_MAX;
    d->replies[i] = (struct reply){.slot = slot, .cookie = cookie, .err = err, .info = info};
    d->nreplies++;
}

// Sends queued replies in order until the client's queue is full. A slot becomes free
// once its reply is out.
static void replies_send(struct disk *d)
{
    d->reply_blocked = false;
    while (d->nreplies > 0 && d->client) {
        struct reply *r = &d->replies[d->reply_head];
        static uint8_t data[FTL_BLK_IO_MAX]; // messages are copied from app memory, not DMA
        size_t len = 0;
        uint32_t type = FTL_MSG_DATA;
        if (r->err != FTL_OK) {
            type = FTL_MSG_ERROR_REPLY;
            memcpy(data, &r->err, sizeof(r->err));
            len = sizeof(r->err);
        } else if (r->info) {
            struct ftl_blk_info info = {.sectors = d->sectors,
                                        .read_only = d->read_only,
                                        .inflight = d->nslots,
                                        .can_flush = d->can_flush};
            memcpy(data, &info, sizeof(info));
            len = sizeof(info);
        } else if (r->slot >= 0 && d->slots[r->slot].op == FTL_BLK_READ) {
            len = d->slots[r->slot].len;
            memcpy(data, d->slots_va + (size_t)r->slot * SLOT_BYTES + SLOT_DATA, len);
        }
        ftl_err_t err = ftl_channel_send(d->client, type, r->cookie, data, len, NULL, 0);
        if (err == FTL_ERR_FULL) {
            d->reply_blocked = true;
            return;
        }
        if (err != FTL_OK && err != FTL_ERR_PEER_CLOSED) {
            FTL_CHECK(err);
        }
        if (r->slot >= 0) {
            d->slots[r->slot].busy = false;
            d->inflight--;
        }
        d->reply_head = (d->reply_head + 1) % REPLIES_MAX;
        d->nreplies--;
    }
}

static ftl_err_t check_request(struct disk *d, const struct ftl_msg *m, uint32_t *out_len)
{
    uint32_t op = ftl_blk_cookie_op(m->cookie);
    uint64_t sector = ftl_blk_cookie_sector(m->cookie);
    uint32_t len = 0;
    if (m->type != FTL_MSG_DATA) {
        return FTL_ERR_INVALID_ARG;
    }
    if (op == FTL_BLK_READ) {
        if (m->len != 4) {
            return FTL_ERR_INVALID_ARG;
        }
        memcpy(&len, m->data, 4);
    } else if (op == FTL_BLK_WRITE) {
        len = m->len;
        if (d->read_only) {
            return FTL_ERR_DENIED;
        }
    } else if (op == FTL_BLK_FLUSH || op == FTL_BLK_INFO) {
        *out_len = 0;
        return m->len == 0 ? FTL_OK : FTL_ERR_INVALID_ARG;
    } else {
        return FTL_ERR_INVALID_ARG;
    }
    if (len == 0 || len > FTL_BLK_IO_MAX || len % FTL_BLK_SECTOR != 0) {
        return FTL_ERR_INVALID_ARG;
    }
    if (sector > d->sectors || len / FTL_BLK_SECTOR > d->sectors - sector) {
        return FTL_ERR_TOO_LARGE;
    }
    *out_len = len;
    return FTL_OK;
}

// Puts one request into the device: slot k's header, data and status descriptors.
static void submit(struct disk *d, uint32_t k, const struct ftl_msg *m, uint32_t len)
{
    struct slot *s = &d->slots[k];
    uint32_t op = ftl_blk_cookie_op(m->cookie);
    *s = (struct slot){.busy = true, .cookie = m->cookie, .op = op, .len = len, .gen = d->gen};
    uint8_t *va = d->slots_va + (size_t)k * SLOT_BYTES;
    struct virtio_blk_req_hdr hdr = {.sector = ftl_blk_cookie_sector(m->cookie)};
    struct virtq_desc *t = &d->q.desc[3 * k];
    if (op == FTL_BLK_FLUSH) {
        hdr.type = VIRTIO_BLK_T_FLUSH;
        hdr.sector = 0;
        t[0].next = (uint16_t)(3 * k + 2); // no data descriptor
        d->flushes++;
    } else {
        hdr.type = op == FTL_BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
        t[0].next = (uint16_t)(3 * k + 1);
        t[1].len = len;
        t[1].flags = VIRTQ_DESC_F_NEXT | (op == FTL_BLK_READ ? VIRTQ_DESC_F_WRITE : 0);
        if (op == FTL_BLK_WRITE) {
            memcpy(va + SLOT_DATA, m->data, len);
            d->writes++;
        } else {
            d->reads++;
        }
    }
    memcpy(va, &hdr, sizeof(hdr));
    va[SLOT_STATUS] = 0xff;
    virtq_push(&d->q, (uint16_t)(3 * k));
    d->inflight++;
}

// Reads requests while a slot is free and replies have room; one doorbell for all.
static void client_readable(struct disk *d)
{
    static struct ftl_msg msg;
    bool submitted = false;
    while (d->client && d->inflight < d->nslots && d->nreplies < REPLIES_MAX / 2) {
        ftl_err_t err = ftl_channel_recv(d->client, &msg);
        if (err == FTL_ERR_EMPTY || err == FTL_ERR_PEER_CLOSED) {
            break;
        }
        FTL_CHECK(err);
        for (uint32_t i = 0; i < msg.nhandles; i++) {
            (void)ftl_handle_close(msg.handles[i]); // the protocol carries no handles
        }
        uint32_t len = 0;
        ftl_err_t bad = check_request(d, &msg, &len);
        if (bad != FTL_OK) {
            d->errors++;
            reply_push(d, -1, msg.cookie, bad, false);
            continue;
        }
        if (ftl_blk_cookie_op(msg.cookie) == FTL_BLK_INFO) {
            reply_push(d, -1, msg.cookie, FTL_OK, true);
            continue;
        }
        uint32_t k = 0;
        while (d->slots[k].busy) {
            k++;
        }
        submit(d, k, &msg, len);
        submitted = true;
    }
    if (submitted) {
        virtio_notify(&d->dev, &d->q); // one doorbell for all
    }
    replies_send(d);
}

// Finished requests: their replies are queued (or dropped for a client that is gone).
static void used_drain(struct disk *d)
{
    while (virtq_used_pending(&d->q)) {
        uint32_t id = d->q.used->ring[d->q.last_used % d->q.size].id;
        d->q.last_used++;
        uint32_t k = id / 3;
        if (id % 3 != 0 || k >= d->nslots || !d->slots[k].busy || d->slots[k].done) {
            FTL_WARN("virtio-blk: the device returned descriptor %u, not a request", (unsigned)id);
            continue;
        }
        struct slot *s = &d->slots[k];
        uint8_t status = d->slots_va[(size_t)k * SLOT_BYTES + SLOT_STATUS];
        s->err = status == VIRTIO_BLK_S_OK       ? FTL_OK
                 : status == VIRTIO_BLK_S_UNSUPP ? FTL_ERR_UNSUPPORTED
                                                 : FTL_ERR_BUSY;
        s->done = true;
        if (s->err != FTL_OK) {
            d->errors++;
        }
        if (s->gen != d->gen) { // its client went away: nobody to tell
            s->busy = false;
            d->inflight--;
            continue;
        }
        reply_push(d, (int)k, s->cookie, s->err, false);
    }
}

static void irq_fired(struct disk *d)
{
    (void)virtio_irq_status(&d->dev);
    used_drain(d);
    FTL_CHECK(ftl_irq_ack(d->irq));
}

static void watch_client(struct disk *d)
{
    if (!d->client) {
        return;
    }
    uint32_t want = (d->inflight < d->nslots && d->nreplies < REPLIES_MAX / 2 ? FTL_READABLE : 0) |
                    (d->reply_blocked ? FTL_WRITABLE : 0);
    if (want != d->client_events) {
        FTL_CHECK(ftl_poll_modify(d->poll, d->client, want, &d->client));
        d->client_events = want;
    }
}

static void client_start(struct disk *d, ftl_handle_t ch)
{
    d->client = ch;
    d->client_events = FTL_READABLE;
    FTL_CHECK(ftl_poll_add(d->poll, ch, FTL_READABLE, &d->client));
}

// The client closed its channel: replies it will never read are dropped; requests the
// device still works on finish first (their slots free up in used_drain).
static void client_gone(struct disk *d)
{
    FTL_INFO("virtio-blk: client gone (%u requests were still in the device)",
             (unsigned)(d->inflight - d->nreplies));
    FTL_CHECK(ftl_handle_close(d->client));
    d->client = 0;
    d->gen++;
    while (d->nreplies > 0) {
        struct reply *r = &d->replies[d->reply_head];
        if (r->slot >= 0) {
            d->slots[r->slot].busy = false;
            d->inflight--;
        }
        d->reply_head = (d->reply_head + 1) % REPLIES_MAX;
        d->nreplies--;
    }
    d->reply_blocked = false;
}

static void system_readable(struct disk *d)
{
    static struct ftl_msg msg;
    while (ftl_channel_recv(d->system, &msg) == FTL_OK) {
        if (msg.type != FTL_MSG_CONNECT || msg.nhandles != 1) {
            for (uint32_t i = 0; i < msg.nhandles; i++) {
                (void)ftl_handle_close(msg.handles[i]);
            }
            continue;
        }
        if (!d->client && !d->waiting && d->inflight == 0) {
            client_start(d, msg.handles[0]);
        } else if (!d->waiting && !d->client) {
            d->waiting = msg.handles[0]; // starts once the last client's requests drained
        } else {
            FTL_WARN("virtio-blk: serves one client at a time; refusing another");
            FTL_CHECK(ftl_handle_close(msg.handles[0]));
        }
    }
}

void app_main(const struct ftl_env *env)
{
    static struct disk disk;
    struct disk *d = &disk;
    struct ftl_device dev;
    FTL_CHECK(ftl_env_device(env, "disk", &dev));
    d->irq = dev.irq;
    d->system = ftl_env_system(env);

    negotiate(d, &dev);
    queue_setup(d);
    virtio_driver_ok(&d->dev);
    FTL_INFO("virtio-blk: %llu MiB disk%s (%s, %u requests in flight%s)",
             (unsigned long long)(d->sectors / 2048), d->read_only ? ", read-only" : "",
             virtio_transport_name(&d->dev), (unsigned)d->nslots,
             d->can_flush ? ", write cache flushed on request" : "");

    FTL_CHECK(ftl_poll_create(&d->poll));
    FTL_CHECK(ftl_poll_add(d->poll, d->irq, FTL_READABLE, &d->irq));
    FTL_CHECK(ftl_poll_add(d->poll, d->system, FTL_READABLE, &d->system));
    for (;;) {
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(d->poll, FTL_NO_TIMEOUT, &ev));
        if (ev.handle == d->irq) {
            irq_fired(d);
        } else if (ev.handle == d->system) {
            system_readable(d);
        } else if (ev.handle == d->client && d->client) {
            if (ev.events & FTL_READABLE) {
                client_readable(d); // queued requests first, then the close
            }
            if ((ev.events & FTL_PEER_CLOSED) && !(ev.events & FTL_READABLE)) {
                client_gone(d);
            }
        }
        if (!d->client && d->waiting && d->inflight == 0) {
            client_start(d, d->waiting);
            d->waiting = 0;
        }
        if (d->client) {
            replies_send(d);
            client_readable(d);
        }
        watch_client(d);
    }
}
