// The LZ4 frame reader (unlz4.h). Layout, from lz4_Frame_format.md:
//   magic 0x184D2204 (LE), FLG, BD, content size (u64 LE, when FLG says so),
//   header checksum byte; then blocks: u32 LE word (bit 31: stored as is; the rest:
//   the block's bytes), the block; a zero word ends the frame.
#include "unlz4.h"

#include "lz4.h"

#define FRAME_MAGIC 0x184D2204u
#define HEADER_BYTES 15 // magic, FLG, BD, content size, header checksum

#define FLG_VERSION_MASK 0xc0
#define FLG_VERSION_01 0x40
#define FLG_BLOCK_INDEP 0x20
#define FLG_BLOCK_CHECKSUM 0x10
#define FLG_CONTENT_SIZE 0x08
#define FLG_CONTENT_CHECKSUM 0x04
#define FLG_RESERVED 0x02
#define FLG_DICT_ID 0x01
#define BLOCK_STORED 0x80000000u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

// Checks the header; the largest block the frame may hold in *block_max.
static ftl_err_t read_header(const uint8_t *b, size_t len, uint64_t *size, size_t *block_max,
                             const char **why)
{
    if (len < 4 || le32(b) != FRAME_MAGIC) {
        *why = "not an LZ4 frame (bad magic)";
        return FTL_ERR_PARSE;
    }
    if (len < HEADER_BYTES) {
        *why = "LZ4 frame truncated in its header";
        return FTL_ERR_PARSE;
    }
    uint8_t flg = b[4], bd = b[5];
    if ((flg & FLG_VERSION_MASK) != FLG_VERSION_01 || (flg & FLG_RESERVED) || (bd & 0x8f)) {
        *why = "LZ4 frame of an unknown version or with reserved bits set";
        return FTL_ERR_PARSE;
    }
    if (!(flg & FLG_BLOCK_INDEP) || (flg & (FLG_BLOCK_CHECKSUM | FLG_CONTENT_CHECKSUM | FLG_DICT_ID)) ||
        !(flg & FLG_CONTENT_SIZE)) {
        *why = "LZ4 frame with linked blocks, checksums, a dictionary or no content size "
               "(pack with lz4 -BI --content-size --no-frame-crc)";
        return FTL_ERR_PARSE;
    }
    unsigned code = (bd >> 4) & 7;
    if (code < 4) {
        *why = "LZ4 frame with an unknown block size";
        return FTL_ERR_PARSE;
    }
    *block_max = (size_t)1 << (2 * code + 8); // 64 KiB, 256 KiB, 1 MiB, 4 MiB
    *size = le64(b + 6);
    return FTL_OK;
}

ftl_err_t unlz4_size(const void *src, size_t len, uint64_t *size, const char **why)
{
    size_t block_max;
    return read_header(src, len, size, &block_max, why);
}

ftl_err_t unlz4(const void *src, size_t len, void *dst, size_t size, const char **why)
{
    const uint8_t *b = src;
    uint8_t *out = dst;
    uint64_t content;
    size_t block_max;
    ftl_err_t err = read_header(b, len, &content, &block_max, why);
    if (err != FTL_OK) {
        return err;
    }
    if (content != size) {
        *why = "LZ4 frame's content size is not the size expected";
        return FTL_ERR_PARSE;
    }
    size_t pos = HEADER_BYTES, done = 0;
    for (;;) {
        if (len - pos < 4) {
            *why = "LZ4 frame truncated (no end mark)";
            return FTL_ERR_PARSE;
        }
        uint32_t word = le32(b + pos);
        pos += 4;
        if (word == 0) {
            break;
        }
        size_t n = word & ~BLOCK_STORED;
        if (n > block_max) {
            *why = "LZ4 block larger than the frame's block size";
            return FTL_ERR_PARSE;
        }
        if (n > len - pos) {
            *why = "LZ4 frame truncated in a block";
            return FTL_ERR_PARSE;
        }
        size_t room = size - done < block_max ? size - done : block_max;
        if (word & BLOCK_STORED) {
            if (n > room) {
                *why = "LZ4 frame holds more data than its content size";
                return FTL_ERR_PARSE;
            }
            __builtin_memcpy(out + done, b + pos, n);
            done += n;
        } else {
            int r = LZ4_decompress_safe((const char *)b + pos, (char *)out + done, (int)n, (int)room);
            if (r < 0) {
                *why = "LZ4 block corrupt (or more data than the frame's content size)";
                return FTL_ERR_PARSE;
            }
            done += (size_t)r;
        }
        pos += n;
    }
    if (done != size) {
        *why = "LZ4 frame holds less data than its content size";
        return FTL_ERR_PARSE;
    }
    if (pos != len) {
        *why = "bytes after the LZ4 frame's end mark";
        return FTL_ERR_PARSE;
    }
    return FTL_OK;
}
