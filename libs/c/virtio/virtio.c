// virtio-mmio (spec 4.2) and virtio-pci modern (spec 4.1) behind one interface, and the
// split virtqueue's driver side (2.6). Every register access goes through here.
#include <ftl/virtio.h>
#include <stdio.h>

// virtio-mmio registers (4.2.2).
#define MMIO_MAGIC 0x000   // "virt"
#define MMIO_VERSION 0x004 // 2: modern, 1: legacy
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_LEGACY_GUEST_PAGE_SIZE 0x028
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_LEGACY_QUEUE_ALIGN 0x03c
#define MMIO_LEGACY_QUEUE_PFN 0x040
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC 0x080   // low, high at +4
#define MMIO_QUEUE_DRIVER 0x090 // the available ring
#define MMIO_QUEUE_DEVICE 0x0a0 // the used ring
#define MMIO_CONFIG 0x100
#define MMIO_MAGIC_VALUE 0x74726976u

// virtio-pci common configuration (4.1.4.3), offsets in the common structure.
#define PCI_DEVICE_FEATURE_SELECT 0x00
#define PCI_DEVICE_FEATURE 0x04
#define PCI_DRIVER_FEATURE_SELECT 0x08
#define PCI_DRIVER_FEATURE 0x0c
#define PCI_DEVICE_STATUS 0x14 // 8 bits
#define PCI_QUEUE_SELECT 0x16  // 16 bits, as the queue fields below
#define PCI_QUEUE_SIZE 0x18
#define PCI_QUEUE_ENABLE 0x1c
#define PCI_QUEUE_NOTIFY_OFF 0x1e
#define PCI_QUEUE_DESC 0x20 // 64 bits, as the two below
#define PCI_QUEUE_DRIVER 0x28
#define PCI_QUEUE_DEVICE 0x30

#define RING_USED_OFF 4096
#define RING_BYTES 8192

static bool is_pci(const struct virtio *v)
{
    return v->transport == FTL_DEVICE_VIRTIO_PCI;
}

static uint32_t rd32(struct virtio *v, size_t off)
{
    return ftl_mmio_read32(v->regs, off);
}

static void wr32(struct virtio *v, size_t off, uint32_t val)
{
    ftl_mmio_write32(v->regs, off, val);
}

static uint8_t status(struct virtio *v)
{
    return is_pci(v) ? ftl_mmio_read8(v->regs, v->common + PCI_DEVICE_STATUS)
                     : (uint8_t)rd32(v, MMIO_STATUS);
}

static void status_write(struct virtio *v, uint8_t s)
{
    if (is_pci(v)) {
        ftl_mmio_write8(v->regs, v->common + PCI_DEVICE_STATUS, s);
    } else {
        wr32(v, MMIO_STATUS, s);
    }
}

static void status_set(struct virtio *v, uint8_t bits)
{
    status_write(v, status(v) | bits);
}

_Noreturn void virtio_fail(struct virtio *v, const char *why)
{
    FTL_ERROR("%s: %s", v->name, why);
    status_set(v, VIRTIO_STATUS_FAILED);
    ftl_exit(1);
}

void virtio_reset(struct virtio *v)
{
    status_write(v, 0); // reads 0 once the reset is done (4.1.4.3.2, 4.2.3.1.1)
    while (status(v) != 0) {
        ftl_yield();
    }
}

void virtio_open(struct virtio *v, const struct ftl_device *dev, uint32_t device_id,
                 const char *name)
{
    *v = (struct virtio){
        .name = name, .regs = dev->mmio, .regs_size = dev->mmio_size, .transport = dev->transport};
    if (is_pci(v)) {
        // The kernel matched the PCI device ID and found the structures inside the BAR.
        v->common = dev->pci.common;
        v->isr = dev->pci.isr;
        v->device = dev->pci.device;
        v->notify = dev->pci.notify;
        v->notify_mult = dev->pci.notify_mult;
    } else if (v->transport == FTL_DEVICE_VIRTIO_MMIO) {
        if (rd32(v, MMIO_MAGIC) != MMIO_MAGIC_VALUE) {
            FTL_ERROR("%s: no virtio-mmio magic value", name);
            ftl_exit(1);
        }
        uint32_t version = rd32(v, MMIO_VERSION);
        if (version != 1 && version != 2) {
            FTL_ERROR("%s: unknown virtio-mmio version %u", name, (unsigned)version);
            ftl_exit(1);
        }
        v->legacy = version == 1;
        if (rd32(v, MMIO_DEVICE_ID) != device_id) {
            virtio_fail(v, "not the device this driver is for");
        }
    } else {
        FTL_ERROR("%s: the env item is not a virtio device", name);
        ftl_exit(1);
    }
    virtio_reset(v);
    status_set(v, VIRTIO_STATUS_ACKNOWLEDGE);
    status_set(v, VIRTIO_STATUS_DRIVER);
}

uint64_t virtio_features(struct virtio *v)
{
    size_t sel = is_pci(v) ? v->common + PCI_DEVICE_FEATURE_SELECT : MMIO_DEVICE_FEATURES_SEL;
    size_t val = is_pci(v) ? v->common + PCI_DEVICE_FEATURE : MMIO_DEVICE_FEATURES;
    wr32(v, sel, 0);
    uint64_t lo = rd32(v, val);
    if (v->legacy) {
        return lo;
    }
    wr32(v, sel, 1);
    return lo | (uint64_t)rd32(v, val) << 32;
}

void virtio_set_features(struct virtio *v, uint64_t features)
{
    size_t sel = is_pci(v) ? v->common + PCI_DRIVER_FEATURE_SELECT : MMIO_DRIVER_FEATURES_SEL;
    size_t val = is_pci(v) ? v->common + PCI_DRIVER_FEATURE : MMIO_DRIVER_FEATURES;
    if (v->legacy) {
        // Legacy devices have 32 feature bits and no FEATURES_OK handshake; the page
        // size tells them how to read QueuePFN.
        wr32(v, sel, 0);
        wr32(v, val, (uint32_t)features);
        wr32(v, MMIO_LEGACY_GUEST_PAGE_SIZE, 4096);
        return;
    }
    if (!(virtio_features(v) & (1ull << VIRTIO_F_VERSION_1))) {
        virtio_fail(v, "device does not offer VIRTIO_F_VERSION_1");
    }
    features |= 1ull << VIRTIO_F_VERSION_1;
    wr32(v, sel, 0);
    wr32(v, val, (uint32_t)features);
    wr32(v, sel, 1);
    wr32(v, val, (uint32_t)(features >> 32));
    status_set(v, VIRTIO_STATUS_FEATURES_OK);
    if (!(status(v) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_fail(v, "device refused our features");
    }
}

uint8_t virtio_config_read8(struct virtio *v, size_t off)
{
    return ftl_mmio_read8(v->regs, (is_pci(v) ? v->device : MMIO_CONFIG) + off);
}

uint32_t virtio_config_read32(struct virtio *v, size_t off)
{
    return rd32(v, (is_pci(v) ? v->device : MMIO_CONFIG) + off);
}

static void pci_queue_setup(struct virtio *v, struct virtq *q, uint64_t bus, size_t avail_off)
{
    volatile void *c = (volatile uint8_t *)v->regs + v->common;
    ftl_mmio_write16(c, PCI_QUEUE_SIZE, q->size);
    const uint64_t addr[3] = {bus, bus + avail_off, bus + RING_USED_OFF};
    const size_t reg[3] = {PCI_QUEUE_DESC, PCI_QUEUE_DRIVER, PCI_QUEUE_DEVICE};
    for (int i = 0; i < 3; i++) { // 64-bit fields as two 32-bit writes (4.1.3.1)
        ftl_mmio_write32(c, reg[i], (uint32_t)addr[i]);
        ftl_mmio_write32(c, reg[i] + 4, (uint32_t)(addr[i] >> 32));
    }
    uint64_t at =
        (uint64_t)v->notify + (uint64_t)ftl_mmio_read16(c, PCI_QUEUE_NOTIFY_OFF) * v->notify_mult;
    if (at + 2 > v->regs_size) {
        virtio_fail(v, "queue doorbell outside the BAR");
    }
    q->notify_at = (size_t)at;
    ftl_mmio_write16(c, PCI_QUEUE_ENABLE, 1);
}

static void mmio_queue_setup(struct virtio *v, struct virtq *q, uint64_t bus, size_t avail_off)
{
    wr32(v, MMIO_QUEUE_NUM, q->size);
    q->notify_at = MMIO_QUEUE_NOTIFY;
    if (v->legacy) {
        // Legacy devices (4.2.4) take one page number and find the rings by the layout
        // of 2.7 with QueueAlign 4096, which RING_USED_OFF follows.
        wr32(v, MMIO_LEGACY_QUEUE_ALIGN, RING_USED_OFF);
        wr32(v, MMIO_LEGACY_QUEUE_PFN, (uint32_t)(bus / 4096));
        return;
    }
    const uint64_t addr[3] = {bus, bus + avail_off, bus + RING_USED_OFF};
    const size_t reg[3] = {MMIO_QUEUE_DESC, MMIO_QUEUE_DRIVER, MMIO_QUEUE_DEVICE};
    for (int i = 0; i < 3; i++) {
        wr32(v, reg[i], (uint32_t)addr[i]);
        wr32(v, reg[i] + 4, (uint32_t)(addr[i] >> 32));
    }
    wr32(v, MMIO_QUEUE_READY, 1);
}

void virtio_queue_setup(struct virtio *v, uint16_t index, uint16_t size_max, struct virtq *q)
{
    uint32_t max, in_use;
    if (is_pci(v)) {
        ftl_mmio_write16(v->regs, v->common + PCI_QUEUE_SELECT, index);
        max = ftl_mmio_read16(v->regs, v->common + PCI_QUEUE_SIZE);
        in_use = ftl_mmio_read16(v->regs, v->common + PCI_QUEUE_ENABLE);
    } else {
        wr32(v, MMIO_QUEUE_SEL, index);
        max = rd32(v, MMIO_QUEUE_NUM_MAX);
        in_use = rd32(v, v->legacy ? MMIO_LEGACY_QUEUE_PFN : MMIO_QUEUE_READY);
    }
    if (in_use != 0) {
        virtio_fail(v, "queue already in use after reset");
    }
    if (max == 0) {
        virtio_fail(v, "queue not available");
    }
    q->index = index;
    q->size = size_max;
    while (q->size > max) {
        q->size /= 2;
    }
    void *va;
    uint64_t bus;
    FTL_CHECK(ftl_dma_alloc(RING_BYTES, &va, &bus));
    size_t avail_off = (size_t)q->size * sizeof(struct virtq_desc);
    q->desc = va;
    q->avail = (struct virtq_avail *)((uint8_t *)va + avail_off);
    q->used = (volatile struct virtq_used *)((uint8_t *)va + RING_USED_OFF);
    q->last_used = 0;
    if (avail_off + 6 + 2 * (size_t)q->size > RING_USED_OFF) {
        virtio_fail(v, "queue too large for its ring block");
    }
    if (is_pci(v)) {
        pci_queue_setup(v, q, bus, avail_off);
    } else {
        mmio_queue_setup(v, q, bus, avail_off);
    }
}

void virtio_driver_ok(struct virtio *v)
{
    status_set(v, VIRTIO_STATUS_DRIVER_OK);
}

uint32_t virtio_irq_status(struct virtio *v)
{
    if (is_pci(v)) {
        return ftl_mmio_read8(v->regs, v->isr); // reading it acknowledges (4.1.4.5)
    }
    uint32_t s = rd32(v, MMIO_INTERRUPT_STATUS);
    wr32(v, MMIO_INTERRUPT_ACK, s);
    return s;
}

void virtio_notify(struct virtio *v, const struct virtq *q)
{
    ftl_mmio_barrier(); // the avail index before the doorbell
    if (is_pci(v)) {
        ftl_mmio_write16(v->regs, q->notify_at, q->index);
    } else {
        wr32(v, q->notify_at, q->index);
    }
}

void virtq_push(struct virtq *q, uint16_t id)
{
    q->avail->ring[q->avail->idx & (q->size - 1)] = id;
    ftl_mmio_barrier(); // the entry before the index that publishes it (2.6.13)
    q->avail->idx++;
}

bool virtq_used_pending(const struct virtq *q)
{
    bool pending = q->used->idx != q->last_used;
    ftl_mmio_barrier(); // the index before the entry
    return pending;
}

const char *virtio_transport_name(const struct virtio *v)
{
    if (is_pci(v)) {
        return "modern virtio-pci";
    }
    return v->legacy ? "legacy virtio-mmio" : "modern virtio-mmio";
}
