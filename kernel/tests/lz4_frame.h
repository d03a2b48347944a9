// Builds LZ4 frames for the host tests and fuzzers of kernel/lz4/unlz4.c, with LZ4's
// own compressor (lib/lz4.c): the layout `lz4 -BI --content-size --no-frame-crc`
// writes, in an exactly sized malloc'd buffer.
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lz4.h"

// A frame of `data` in blocks of at most 64 KiB (BD code 4); a block LZ4 cannot
// shrink is stored (bit 31 of its word). *len gets the frame's size.
static inline uint8_t *lz4_frame(const uint8_t *data, size_t n, size_t *len)
{
    const size_t block = 64 << 10;
    size_t cap = 15 + 4 + (n / block + 1) * (4 + (size_t)LZ4_compressBound((int)block));
    uint8_t *f = malloc(cap), *p = f;
    if (f == NULL) {
        return NULL;
    }
    const uint8_t header[7] = {0x04, 0x22, 0x4d, 0x18, 0x68, 0x40}; // magic, FLG, BD
    memcpy(p, header, 6);
    uint64_t size = n;
    memcpy(p + 6, &size, 8);
    p[14] = 0; // header checksum: not checked by unlz4
    p += 15;
    for (size_t off = 0; off < n; off += block) {
        size_t chunk = n - off < block ? n - off : block;
        int c = LZ4_compress_default((const char *)data + off, (char *)p + 4, (int)chunk,
                                     LZ4_compressBound((int)block));
        uint32_t word = (uint32_t)c;
        if (c <= 0 || (size_t)c >= chunk) {
            word = 0x80000000u | (uint32_t)chunk;
            memcpy(p + 4, data + off, chunk);
            c = (int)chunk;
        }
        memcpy(p, &word, 4);
        p += 4 + c;
    }
    memset(p, 0, 4);
    p += 4;
    *len = (size_t)(p - f);
    uint8_t *exact = malloc(*len);
    if (exact != NULL) {
        memcpy(exact, f, *len);
    }
    free(f);
    return exact;
}
