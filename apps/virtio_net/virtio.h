// The virtio 1.x facts this driver needs: virtio-mmio registers (virtio spec 4.2.2),
// device status and feature bits (2.1, 2.2, 6), split virtqueues (2.6) and the
// virtio-net header (5.1.6). Names follow the spec.
#pragma once

#include <stdint.h>

// virtio-mmio register offsets (spec 4.2.2, "MMIO Device Register Layout").
#define VIRTIO_MMIO_MAGIC 0x000     // "virt" = 0x74726976
#define VIRTIO_MMIO_VERSION 0x004   // 2: modern (virtio 1.x), 1: legacy
#define VIRTIO_MMIO_DEVICE_ID 0x008 // 1: network card
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014 // which 32 bits DEVICE_FEATURES shows
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060 // bit 0: used buffer, bit 1: config change
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090 // the available ring
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0 // the used ring
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG 0x100 // device-specific configuration
// Legacy (version 1) only, spec 4.2.4: the queue is one block found by page number.
#define VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE 0x028
#define VIRTIO_MMIO_LEGACY_QUEUE_ALIGN 0x03c
#define VIRTIO_MMIO_LEGACY_QUEUE_PFN 0x040

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u
#define VIRTIO_ID_NET 1

// Device status bits (spec 2.1).
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED 128

// Feature bits (spec 5.1.3 and 6).
#define VIRTIO_NET_F_MAC 5    // the device has a MAC address in its config space
#define VIRTIO_F_VERSION_1 32 // virtio 1.x: little endian, the modern header layout

#define VIRTIO_INT_USED 1u // InterruptStatus: a used ring was updated

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

// Every frame is preceded by this header (spec 5.1.6). With VERSION_1 it is 12 bytes,
// num_buffers included; legacy devices without merged buffers use the first 10. The driver asks for
// no offloads, so all fields stay 0 on TX.
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};
