// The virtio-mmio console (virtio 1.1 §4.2.2 registers, §5.3 console): version 2,
// device ID 3, VIRTIO_F_VERSION_1 and VIRTIO_CONSOLE_F_MULTIPORT (no EVENT_IDX, no
// indirect descriptors). Without MULTIPORT the agent's bytes use port 0 (queues 0, 1:
// the guest's hvc0, whose driver sends 2 KiB per notify and spins until it is used).
// With it, the device adds one generic port, port 1 named VCON_PORT_NAME (queues 4, 5;
// the guest's /dev/vport0p1), over the control queues (2, 3): the guest writes up to
// 32 KiB per notify and does not wait. Transmit buffers are consumed at the QueueNotify
// exit itself, so no transmit interrupt is ever needed (the driver reclaims used
// buffers on its next write). A bad queue sets DEVICE_NEEDS_RESET and stops the
// device until the driver resets it: logged, never fatal to the app.
#include "vmm.h"

#include <string.h>

#define VIRTIO_MAGIC 0x74726976u  // "virt"
#define VIRTIO_VENDOR 0x46544c00u // "FTL"
#define VIRTIO_ID_CONSOLE 3u
#define VIRTIO_F_VERSION_1_HI 1u      // feature bit 32: bit 0 of the high word
#define VIRTIO_CONSOLE_F_MULTIPORT 2u // feature bit 1

// Control messages (virtio 1.1 §5.3.6.2): u32 port id, u16 event, u16 value.
enum {
    CTRL_DEVICE_READY = 0,
    CTRL_PORT_ADD = 1,
    CTRL_PORT_READY = 3,
    CTRL_PORT_OPEN = 6,
    CTRL_PORT_NAME = 7,
};
#define CTRL_RXQ 2u
#define CTRL_TXQ 3u

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
    struct vcon_counts counts = v->counts; // they survive resets
    memset(v, 0, sizeof(*v));
    v->counts = counts;
    v->g = g;
    v->sink = sink;
    v->sink_ctx = sink_ctx;
    v->out = out;
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
    v->counts.bad_queues++;
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

// The queues of the agent's bytes: port 1's under MULTIPORT, else port 0's.
static unsigned data_rxq(const struct vcon *v)
{
    return v->multiport ? 2 * VCON_AGENT_PORT + 2 : 0;
}

static unsigned data_txq(const struct vcon *v)
{
    return data_rxq(v) + 1;
}

// Queues a control message to the guest (a full queue drops it: only a guest that
// repeats DEVICE_READY or PORT_READY without reading gets there).
static void ctrl_send(struct vcon *v, uint16_t event, uint16_t value, const char *name)
{
    if (v->nctrl == VCON_CTRL_MAX) {
        v->counts.bad_control++;
        return;
    }
    struct vcon_ctrl *c = &v->ctrl[v->nctrl++];
    uint32_t id = VCON_AGENT_PORT;
    memcpy(c->buf, &id, 4); // the guest is little endian, as is the app
    memcpy(c->buf + 4, &event, 2);
    memcpy(c->buf + 6, &value, 2);
    c->len = 8;
    if (name) {
        memcpy(c->buf + 8, name, strlen(name)); // fits: sized for VCON_PORT_NAME
        c->len = (uint8_t)(8 + strlen(name));
    }
}

// A control message from the guest's driver (Linux's order: DEVICE_READY, then
// PORT_READY for each port we add, then PORT_OPEN when a program opens it).
static void on_control(struct vcon *v, const uint8_t *m)
{
    uint32_t id;
    uint16_t event, value;
    memcpy(&id, m, 4);
    memcpy(&event, m + 4, 2);
    memcpy(&value, m + 6, 2);
    if (event == CTRL_DEVICE_READY && value == 1 && !v->port_added) {
        v->port_added = true;
        ctrl_send(v, CTRL_PORT_ADD, 0, NULL);
    } else if (event == CTRL_PORT_READY && id == VCON_AGENT_PORT && value == 1) {
        ctrl_send(v, CTRL_PORT_NAME, 0, VCON_PORT_NAME);
        ctrl_send(v, CTRL_PORT_OPEN, 1, NULL); // the host end is connected
    } else if (event == CTRL_PORT_OPEN && id == VCON_AGENT_PORT) {
        v->counts.port_closes += v->port_open && !value;
        v->port_open = value != 0;
    } else {
        v->counts.bad_control++;
    }
}

// Takes every available chain of transmit queue `qi`: the agent's bytes go to the
// sink, control messages (the first 8 bytes of a chain) to on_control.
static void drain_tx(struct vcon *v, unsigned qi)
{
    static struct virtq_chain chain; // 2 KiB: not on the stack
    struct virtq *q = &v->q[qi];
    for (;;) {
        ftl_err_t err = virtq_pop(q, v->g, false, &chain);
        if (err == FTL_ERR_EMPTY) {
            break;
        }
        if (err != FTL_OK || virtq_push(q, v->g, chain.head, 0) != FTL_OK) {
            fail(v, qi, "descriptor chain");
            return;
        }
        if (qi == CTRL_TXQ) {
            uint8_t m[8];
            size_t got = 0;
            for (uint16_t i = 0; i < chain.nsegs && got < sizeof(m); i++) {
                size_t n =
                    sizeof(m) - got < chain.segs[i].len ? sizeof(m) - got : chain.segs[i].len;
                memcpy(m + got, chain.segs[i].ptr, n);
                got += n;
            }
            if (got == sizeof(m)) {
                on_control(v, m);
            } else {
                v->counts.bad_control++;
            }
            continue;
        }
        for (uint16_t i = 0; i < chain.nsegs; i++) {
            v->tx_bytes += chain.segs[i].len;
            v->sink(v->sink_ctx, chain.segs[i].ptr, chain.segs[i].len);
        }
    }
    // No interrupt for transmitted buffers: Linux's hvc driver polls the used ring as
    // soon as it notified, and a generic port's writer reclaims them on its next write,
    // so an interrupt would only cost four more exits (the GIC's acknowledge and end,
    // the device's status read and acknowledge) per buffer.
}

// Gives the guest's receive buffers of queue `qi` what waits: bytes of `out`, or the
// control messages. Returns false if the device stopped.
static bool fill_queue(struct vcon *v, unsigned qi, bool *used)
{
    static struct virtq_chain chain;
    struct virtq *q = &v->q[qi];
    bool ctrl = qi == CTRL_RXQ;
    while (q->ready && (ctrl ? v->nctrl > 0 : v->out->len > 0)) {
        ftl_err_t err = virtq_pop(q, v->g, true, &chain);
        if (err == FTL_ERR_EMPTY) {
            break;
        }
        if (err != FTL_OK) {
            fail(v, qi, "descriptor chain");
            return false;
        }
        uint64_t written = 0;
        if (ctrl) { // one message per buffer, whole
            const struct vcon_ctrl *c = &v->ctrl[0];
            for (uint16_t i = 0; i < chain.nsegs && written < c->len; i++) {
                size_t n =
                    c->len - written < chain.segs[i].len ? c->len - written : chain.segs[i].len;
                memcpy(chain.segs[i].ptr, c->buf + written, n);
                written += n;
            }
            if (written < c->len) {
                fail(v, qi, "control buffer (too small)");
                return false;
            }
            memmove(v->ctrl, v->ctrl + 1, --v->nctrl * sizeof(v->ctrl[0]));
        } else {
            for (uint16_t i = 0; i < chain.nsegs; i++) {
                written += ring_get(v->out, chain.segs[i].ptr, chain.segs[i].len);
            }
            v->rx_bytes += written;
        }
        if (virtq_push(q, v->g, chain.head, (uint32_t)written) != FTL_OK) {
            fail(v, qi, "used ring");
            return false;
        }
        *used = *used || virtq_wants_interrupt(q, v->g);
    }
    return true;
}

void vcon_fill_rx(struct vcon *v)
{
    if (!is_live(v)) {
        return;
    }
    bool used = false;
    // A generic port drops what comes before a program opened it.
    if (v->multiport && !fill_queue(v, CTRL_RXQ, &used)) {
        return;
    }
    if ((!v->multiport || v->port_open) && !fill_queue(v, data_rxq(v), &used)) {
        return;
    }
    if (used) {
        interrupt(v, ISR_USED);
    }
}

static void set_status(struct vcon *v, uint32_t s)
{
    if (s == 0) {
        v->counts.driver_resets += (v->status & STATUS_DRIVER_OK) != 0;
        vcon_reset(v, v->g, v->sink, v->sink_ctx, v->out);
        return;
    }
    // FEATURES_OK only for a subset of what we offer that includes VERSION_1 (a legacy
    // driver would not): the driver reads it back and gives up otherwise.
    if ((s & STATUS_FEATURES_OK) &&
        (v->driver_features & ~(uint64_t)VIRTIO_CONSOLE_F_MULTIPORT) != (1ull << 32)) {
        s &= ~STATUS_FEATURES_OK;
    }
    v->multiport = (v->driver_features & VIRTIO_CONSOLE_F_MULTIPORT) != 0;
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
        v->counts.ignored_writes++;
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

// The config space (§5.3.4): cols, rows (u16, 0: no size), max_nr_ports, emerg_wr.
static uint32_t read_config(uint64_t off)
{
    uint8_t cfg[12 + 4] = {0};
    uint32_t ports = VCON_PORTS;
    memcpy(cfg + 4, &ports, 4);
    uint32_t val = 0;
    if (off < 12) {
        memcpy(&val, cfg + off, 4); // a narrower load keeps the low bytes (main.c)
    }
    return val;
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
        return v->dev_features_sel == 1   ? VIRTIO_F_VERSION_1_HI
               : v->dev_features_sel == 0 ? VIRTIO_CONSOLE_F_MULTIPORT
                                          : 0;
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
        return off >= 0x100 ? read_config(off - 0x100) : 0; // write-only registers: 0
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
        if (val == data_txq(v) || (v->multiport && val == CTRL_TXQ)) {
            if (v->q[val].ready) {
                drain_tx(v, val);
            }
            vcon_fill_rx(v); // the answers to control messages
        } else if (val == data_rxq(v) || (v->multiport && val == CTRL_RXQ)) {
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
