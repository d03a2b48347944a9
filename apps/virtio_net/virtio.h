// The virtio-net facts this driver needs (virtio spec 5.1): its device ID, feature bit
// and frame header. The transports, status bits and split virtqueues are in
// libs/c/virtio (<ftl/virtio.h>), shared with virtio_blk.
#pragma once

#include <ftl/virtio.h>
#include <stdint.h>

#define VIRTIO_ID_NET 1

// Feature bits (spec 5.1.3).
#define VIRTIO_NET_F_MAC 5 // the device has a MAC address in its config space

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
