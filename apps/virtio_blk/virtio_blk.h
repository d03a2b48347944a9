// The virtio facts this driver needs: the block device's feature bits, configuration
// space and request layout (virtio spec 5.2). Transports, status bits and ring layouts
// are the same for every virtio device and come from libs/c/virtio (<ftl/virtio.h>).
#pragma once

#include <stdint.h>

#include <ftl/virtio.h>

#define VIRTIO_ID_BLOCK 2

// Feature bits (5.2.3). FLUSH is bit 9 in both modes (legacy calls it WCE).
#define VIRTIO_BLK_F_RO 5    // the disk is read-only
#define VIRTIO_BLK_F_FLUSH 9 // the device has a write cache and takes FLUSH requests

// Configuration space (5.2.4): the capacity in 512-byte sectors comes first.
#define VIRTIO_BLK_CONFIG_CAPACITY 0

// Request types (5.2.6).
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4

// Status byte the device writes last (5.2.6).
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

// Every request is three descriptors: this header (device reads), the data (device
// reads for OUT, writes for IN; absent for FLUSH) and one status byte (device writes).
struct virtio_blk_req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
