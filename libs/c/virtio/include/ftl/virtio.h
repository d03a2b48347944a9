// The virtio transports and split virtqueues for driver apps (libs/c/virtio): one
// interface over virtio-mmio (modern and legacy, spec 4.2) and virtio-pci (modern,
// spec 4.1), so a driver is written once. apps/virtio_net and apps/virtio_blk use it;
// docs/writing-drivers.md#transports. An app links it with, in its app.mk:
//   APP_SRCS_<app> += libs/c/virtio/virtio.c
//   APP_CFLAGS_<app> += -Ilibs/c/virtio/include
#pragma once

#include <ftl.h>
#include <stdbool.h>
#include <stdint.h>

// Device status bits (spec 2.1).
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_F_VERSION_1 32 // virtio 1.x: little endian, the modern layouts

// Split virtqueue (spec 2.6). The device reads descriptors and the available ring and
// writes the used ring; all three live in DMA memory, little endian (aarch64 is too).
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2 // the device writes this buffer (receive)

struct virtq_desc {
    uint64_t addr; // bus address
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;    // where the driver puts the next entry (mod queue size), free-running
    uint16_t ring[]; // descriptor heads
};

struct virtq_used_elem {
    uint32_t id;  // descriptor head
    uint32_t len; // bytes the device wrote
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx; // where the device puts the next entry, free-running
    struct virtq_used_elem ring[];
};

// One device, whichever transport brought it.
struct virtio {
    const char *name;    // "virtio-net": the prefix of its log lines
    volatile void *regs; // the register block (mmio) or the BAR (pci)
    size_t regs_size;
    uint32_t transport; // FTL_DEVICE_VIRTIO_MMIO or FTL_DEVICE_VIRTIO_PCI
    bool legacy;        // virtio-mmio version 1 (virtio 0.9.5): QueuePFN, 32 feature bits
    uint32_t common, isr, device, notify, notify_mult; // pci: offsets in regs
};

// One split virtqueue: descriptors at 0 of an 8 KiB DMA block, the available ring
// after them, the used ring at 4 KiB (a legacy device's QueueAlign).
struct virtq {
    uint16_t index;
    uint16_t size; // descriptors, a power of 2
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    volatile struct virtq_used *used;
    uint16_t last_used; // the next used entry the driver has not handled
    size_t notify_at;   // the doorbell's offset in regs
};

/// Takes the device `dev` (from ftl_env_device) as virtio device `device_id`, resets
/// it and sets ACKNOWLEDGE and DRIVER (spec 3.1.1 steps 1-3). Ends the app with a
/// log line if it is not such a device.
void virtio_open(struct virtio *v, const struct ftl_device *dev, uint32_t device_id,
                 const char *name);

/// Logs `why`, sets FAILED and ends the app.
_Noreturn void virtio_fail(struct virtio *v, const char *why);

/// The feature bits the device offers (legacy: the low 32 only).
uint64_t virtio_features(struct virtio *v);

/// Accepts `features` (VERSION_1 is added on modern transports) and completes the
/// negotiation with FEATURES_OK (steps 4-6); ends the app if the device refuses.
void virtio_set_features(struct virtio *v, uint64_t features);

/// Reads the device-specific configuration at `off`.
uint8_t virtio_config_read8(struct virtio *v, size_t off);
uint32_t virtio_config_read32(struct virtio *v, size_t off);

/// Sets up queue `index` with at most `size_max` (a power of 2) descriptors in fresh
/// DMA memory and hands it to the device (step 7). Ends the app if the queue is absent.
void virtio_queue_setup(struct virtio *v, uint16_t index, uint16_t size_max, struct virtq *q);

/// Sets DRIVER_OK: the device is live (step 8).
void virtio_driver_ok(struct virtio *v);

/// Resets the device (it stops using the queues).
void virtio_reset(struct virtio *v);

/// Reads and acknowledges the interrupt status (bit 0: a used ring was updated, bit 1:
/// the configuration changed). Call it before looking at the used rings.
uint32_t virtio_irq_status(struct virtio *v);

/// Tells the device queue `q` has new available entries.
void virtio_notify(struct virtio *v, const struct virtq *q);

/// Hands descriptor chain `id` to the device (the entry is published after it is written).
void virtq_push(struct virtq *q, uint16_t id);

/// Whether the device has used an entry the driver has not handled yet; what is read
/// from the ring after it returns true is what the device wrote.
bool virtq_used_pending(const struct virtq *q);

/// The description of the transport for log lines: "modern virtio-pci", "legacy
/// virtio-mmio", ...
const char *virtio_transport_name(const struct virtio *v);
