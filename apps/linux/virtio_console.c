// The virtio-mmio console (virtio 1.1 §4.2.2 registers, §5.3 console): version 2,
// device ID 3, VIRTIO_F_VERSION_1 only (no multiport, no EVENT_IDX, no indirect
// descriptors), queues receiveq 0 and transmitq 1. The guest's hvc driver sends
// synchronously (it spins until its buffer is used), so transmit buffers are consumed
// at the QueueNotify exit itself. A bad queue sets DEVICE_NEEDS_RESET and stops the
// device until the driver resets it: logged, never fatal to the app.
#include "vmm.h"

#include <string.h>

#define VIRTIO_MAGIC 0x74726976u  // "virt"
#define VIRTIO_VENDOR 0x46544c00u // "FTL"
#define VIRTIO_ID_CONSOLE 3u
#define VIRTIO_F_VERSION_1_HI 1u // feature bit 32: bit 0 of the high word

#define STATUS_FEATURES_OK 8u
#define STATUS_DRIVER_OK 4u
#define STATUS_NEEDS_RESET 64u

#define ISR_USED 1u
#define ISR_CONFIG 2u

enum {
    REG_MAGIC = 0x000,
    REG_VERSION = 0x004,
    REG_DEVICE_ID = 0x008,
    REG_VENDOR_ID = 0x00c,
    REG_DEV_FEATURES = 0x010,
    REG_DEV_FEATURES_SEL = 0x014,
    REG_DRV_FEATURES = 0x020,
    REG_DRV_FEATURES_SEL = 0x024,
    REG_QUEUE_SEL = 0x030,
    REG_QUEUE_NUM_MAX = 0x034,
    REG_QUEUE_NUM = 0x038,
    REG_QUEUE_READY = 0x044,
    REG_QUEUE_NOTIFY = 0x050,
    REG_INT_STATUS = 0x060,
    REG_INT_ACK = 0x064,
    REG_STATUS = 0x070,
    REG_QUEUE_DESC_LO = 0x080,
    REG_QUEUE_DESC_HI = 0x084,
    REG_QUEUE_DRIVER_LO = 0x090,
    REG_QUEUE_DRIVER_HI = 0x094,
    REG_QUEUE_DEVICE_LO = 0x0a0,
    REG_QUEUE_DEVICE_HI = 0x0a4,
    REG_CONFIG_GEN = 0x0fc,
};

void vcon_reset(struct vcon *v, struct guest_ram *g, vcon_sink_fn sink, void *sink_ctx,
                struct byte_ring *out)
{
    // Counters survive resets.
    uint64_t bad = v->bad_queues, ignored = v->ignored_writes, resets = v->driver_resets;
    memset(v, 0, sizeof(*v));
    v->driver_resets = resets;
    v->g = g;
    v->sink = sink;
    v->sink_ctx = sink_ctx;
    v->out = out;
    v->bad_queues = bad;
    v->ignored_writes = ignored;
}

// Used buffers or a config change: InterruptStatus, then an edge on the SPI.
static void interrupt(struct vcon *v, uint32_t why)
{
    v->isr |= why;
    v->interrupts++;
    ftl_err_t err = ftl_vm_irq(v->g->vm, LINUX_VIRTIO_SPI, 1);
    if (err == FTL_OK) {
        err = ftl_vm_irq(v->g->vm, LINUX_VIRTIO_SPI, 0);
    }
    (void)err; // SPI 16 is valid: it cannot fail for a live VM
}

static void fail(struct vcon *v, unsigned queue, const char *why)
{
    if (v->broken) {
        return;
    }
    v->broken = true;
    v->bad_queues++;
    v->status |= STATUS_NEEDS_RESET;
    FTL_WARN("linux: virtio console: bad %s (queue %u): device stopped until the guest "
             "resets it",
             why, queue);
    interrupt(v, ISR_CONFIG);
}

static bool is_live(const struct vcon *v)
{
    return !v->broken && (v->status & STATUS_DRIVER_OK);
}

// The guest notified the transmit queue: consume every available buffer now.
static void drain_tx(struct vcon *v)
{
    static struct virtq_chain chain; // 2 KiB: not on the stack
    struct virtq *q = &v->q[1];
    bool used = false;
    for (;;) {
        ftl_err_t err = virtq_pop(q, v->g, false, &chain);
        if (err == FTL_ERR_EMPTY) {
            break;
        }
        if (err != FTL_OK || virtq_push(q, v->g, chain.head, 0) != FTL_OK) {
            fail(v, 1, "descriptor chain");
            return;
        }
        for (uint16_t i = 0; i < chain.nsegs; i++) {
            v->tx_bytes += chain.segs[i].len;
            v->sink(v->sink_ctx, chain.segs[i].ptr, chain.segs[i].len);
        }
        used = true;
    }
    // No interrupt for transmitted buffers: the guest's console driver (hvc) waits for
    // them by polling the used ring as soon as it notified, so an interrupt would only
    // cost it four more exits (the GIC's acknowledge and end, the device's status read
    // and acknowledge) per 2 KiB it writes.
    (void)used;
}

void vcon_fill_rx(struct vcon *v)
{
    static struct virtq_chain chain;
    struct virtq *q = &v->q[0];
    bool used = false;
    while (is_live(v) && q->ready && v->out->len > 0) {
        ftl_err_t err = virtq_pop(q, v->g, true, &chain);
        if (err == FTL_ERR_EMPTY) {
            break;
        }
        if (err != FTL_OK) {
            fail(v, 0, "descriptor chain");
            return;
        }
        uint64_t written = 0;
        for (uint16_t i = 0; i < chain.nsegs; i++) {
            written += ring_get(v->out, chain.segs[i].ptr, chain.segs[i].len);
        }
        if (virtq_push(q, v->g, chain.head, (uint32_t)written) != FTL_OK) {
            fail(v, 0, "used ring");
            return;
        }
        v->rx_bytes += written;
        used = true;
    }
    if (used && virtq_wants_interrupt(q, v->g)) {
        interrupt(v, ISR_USED);
    }
}

static void set_status(struct vcon *v, uint32_t s)
{
    if (s == 0) {
        v->driver_resets += (v->status & STATUS_DRIVER_OK) != 0;
        vcon_reset(v, v->g, v->sink, v->sink_ctx, v->out);
        return;
    }
    // FEATURES_OK only for a subset of what we offer that includes VERSION_1 (a legacy
    // driver would not): the driver reads it back and gives up otherwise.
    if ((s & STATUS_FEATURES_OK) && v->driver_features != (1ull << 32)) {
        s &= ~STATUS_FEATURES_OK;
    }
    v->status = (s & 0xff & ~STATUS_NEEDS_RESET) | (v->status & STATUS_NEEDS_RESET);
    if (is_live(v)) {
        vcon_fill_rx(v);
    }
}

static void set_queue_ready(struct vcon *v, struct virtq *q, uint32_t ready)
{
    if (!ready) {
        q->ready = false;
        return;
    }
    if (q->ready) {
        return;
    }
    if (virtq_check(q, v->g) != FTL_OK) {
        fail(v, (unsigned)(q - v->q), "queue size or ring address");
        return;
    }
    q->ready = true;
    q->last_avail = 0;
    q->used_idx = 0;
}

// Ring addresses and sizes may change only while the queue is not ready (§4.2.2.3).
static void set_queue_reg(struct vcon *v, struct virtq *q, uint64_t off, uint32_t val)
{
    if (q->ready) {
        v->ignored_writes++;
        return;
    }
    uint64_t *addr = NULL;
    switch (off & ~4ull) {
    case REG_QUEUE_DESC_LO:
        addr = &q->desc_gpa;
        break;
    case REG_QUEUE_DRIVER_LO:
        addr = &q->avail_gpa;
        break;
    case REG_QUEUE_DEVICE_LO:
        addr = &q->used_gpa;
        break;
    default:
        q->num = val;
        return; // REG_QUEUE_NUM
    }
    if (off & 4) {
        *addr = (*addr & 0xffffffffull) | (uint64_t)val << 32;
    } else {
        *addr = (*addr & ~0xffffffffull) | val;
    }
}

static uint32_t read_reg(struct vcon *v, uint64_t off)
{
    struct virtq *q = v->queue_sel < VCON_QUEUES ? &v->q[v->queue_sel] : NULL;
    switch (off) {
    case REG_MAGIC:
        return VIRTIO_MAGIC;
    case REG_VERSION:
        return 2;
    case REG_DEVICE_ID:
        return VIRTIO_ID_CONSOLE;
    case REG_VENDOR_ID:
        return VIRTIO_VENDOR;
    case REG_DEV_FEATURES:
        return v->dev_features_sel == 1 ? VIRTIO_F_VERSION_1_HI : 0;
    case REG_QUEUE_NUM_MAX:
        return q ? VIRTQ_NUM_MAX : 0;
    case REG_QUEUE_READY:
        return q && q->ready;
    case REG_INT_STATUS:
        return v->isr;
    case REG_STATUS:
        return v->status;
    case REG_CONFIG_GEN:
        return 0;
    default:
        return 0; // write-only registers, config space (no feature enables any)
    }
}

static void write_reg(struct vcon *v, uint64_t off, uint32_t val)
{
    struct virtq *q = v->queue_sel < VCON_QUEUES ? &v->q[v->queue_sel] : NULL;
    switch (off) {
    case REG_DEV_FEATURES_SEL:
        v->dev_features_sel = val;
        break;
    case REG_DRV_FEATURES_SEL:
        v->drv_features_sel = val;
        break;
    case REG_DRV_FEATURES:
        if (v->drv_features_sel < 2) {
            unsigned shift = 32 * v->drv_features_sel;
            v->driver_features = (v->driver_features & ~(0xffffffffull << shift)) | (uint64_t)val
                                                                                        << shift;
        }
        break;
    case REG_QUEUE_SEL:
        v->queue_sel = val;
        break;
    case REG_QUEUE_NUM:
    case REG_QUEUE_DESC_LO:
    case REG_QUEUE_DESC_HI:
    case REG_QUEUE_DRIVER_LO:
    case REG_QUEUE_DRIVER_HI:
    case REG_QUEUE_DEVICE_LO:
    case REG_QUEUE_DEVICE_HI:
        if (q) {
            set_queue_reg(v, q, off, val);
        }
        break;
    case REG_QUEUE_READY:
        if (q && !v->broken) {
            set_queue_ready(v, q, val);
        }
        break;
    case REG_QUEUE_NOTIFY:
        v->notifies++;
        if (!is_live(v)) {
            break;
        }
        if (val == 1 && v->q[1].ready) {
            drain_tx(v);
        } else if (val == 0) {
            vcon_fill_rx(v);
        }
        break;
    case REG_INT_ACK:
        v->isr &= ~val;
        break;
    case REG_STATUS:
        set_status(v, val);
        break;
    default:
        break; // read-only registers, config space
    }
}

void vcon_access(struct vcon *v, uint64_t off, bool write, uint64_t *data)
{
    if (write) {
        write_reg(v, off, (uint32_t)*data);
    } else {
        *data = read_reg(v, off);
    }
}
