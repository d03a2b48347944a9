// The block protocol: what apps/virtio_blk serves on its `blk` service and what a block
// client (apps/fs) speaks. Documented in docs/fs.md ("The block protocol").
//
// Every request is a DATA message whose cookie packs the operation, a tag of the
// client's choosing and the first 512-byte sector; the reply carries the same cookie.
//   READ   data: 4 bytes, the byte count (a multiple of 512, 512 .. 4096), little endian
//          reply: DATA with the bytes
//   WRITE  data: the bytes (a multiple of 512, 512 .. 4096)      reply: empty DATA
//   FLUSH  data: empty; replies once every write replied to before is on stable storage
//          reply: empty DATA
//   INFO   data: empty                                          reply: struct ftl_blk_info
// A request that fails gets an ERROR_REPLY with the same cookie and an ftl_err_t:
// FTL_ERR_INVALID_ARG (unknown operation, bad length), FTL_ERR_TOO_LARGE (past the
// end of the disk), FTL_ERR_DENIED (a write to a read-only disk), FTL_ERR_UNSUPPORTED
// (the device refused it), FTL_ERR_BUSY (the device reported an I/O error).
// A client keeps at most FTL_BLK_INFLIGHT_MAX requests without a reply; the driver
// reads further requests only as replies go out. Replies to different tags may come
// in any order; a FLUSH is answered after the writes it covers.
#pragma once

#include <stdint.h>

#define FTL_BLK_READ 1
#define FTL_BLK_WRITE 2
#define FTL_BLK_FLUSH 3
#define FTL_BLK_INFO 4

#define FTL_BLK_SECTOR 512
#define FTL_BLK_IO_MAX 4096     // bytes per READ or WRITE
#define FTL_BLK_INFLIGHT_MAX 32 // requests a client may have without a reply
#define FTL_BLK_SECTOR_MAX ((1ull << 40) - 1)

// INFO's reply.
struct ftl_blk_info {
    uint64_t sectors;   // the disk's size in 512-byte sectors
    uint32_t read_only; // 1: writes fail with FTL_ERR_DENIED
    uint32_t inflight;  // requests the driver works on at once
    uint32_t can_flush; // 1: FLUSH reaches the device; 0: the device has no cache to flush
    uint32_t reserved;
};

/// The cookie of a request: operation (8 bits), tag (16 bits), first sector (40 bits).
static inline uint64_t ftl_blk_cookie(uint32_t op, uint32_t tag, uint64_t sector)
{
    return ((uint64_t)(op & 0xff) << 56) | ((uint64_t)(tag & 0xffff) << 40) |
           (sector & FTL_BLK_SECTOR_MAX);
}
static inline uint32_t ftl_blk_cookie_op(uint64_t cookie)
{
    return (uint32_t)(cookie >> 56);
}
static inline uint32_t ftl_blk_cookie_tag(uint64_t cookie)
{
    return (uint32_t)(cookie >> 40) & 0xffff;
}
static inline uint64_t ftl_blk_cookie_sector(uint64_t cookie)
{
    return cookie & FTL_BLK_SECTOR_MAX;
}
