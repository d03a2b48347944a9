// initfs: "FTLINITF", u32 count, u32 packed (bytes), then `count` entries of
// {char name[56]; u32 offset; u32 size}, then `packed` bytes: one LZ4 frame holding
// the packed files (kernel/lz4/unlz4.h), then the stored files. An entry whose offset
// has bit 31 set lies in the frame's decompressed bytes (initfs_unpack), at the offset
// in the other bits; any other lies in the archive. Offsets are 8-byte aligned: app
// ELF headers are read in place. tools/mkinitfs.py packs the small files (the apps,
// their specs) and stores the big ones (the Linux VM's guest kernel), which are read
// in place and would cost more to decompress at every boot than they save.
#include "initfs.h"

#include "lz4/unlz4.h"

#define PACKED_BIT 0x80000000u
#define HEADER_BYTES 16

struct entry {
    char name[INITFS_NAME_MAX];
    uint32_t offset;
    uint32_t size;
};

static const uint8_t *archive;
static uint32_t nfiles;
static const uint8_t *frame;   // the packed files' LZ4 frame, NULL if none
static uint32_t frame_len;
static size_t unpacked_size;   // its content size
static const uint8_t *unpacked; // where initfs_unpack put it

ftl_err_t initfs_init(const void *base, size_t len)
{
    const uint8_t *b = base;
    if (len < HEADER_BYTES || memcmp(b, "FTLINITF", 8) != 0) {
        return FTL_ERR_PARSE;
    }
    uint32_t n, packed;
    memcpy(&n, b + 8, 4);
    memcpy(&packed, b + 12, 4);
    if (n > (len - HEADER_BYTES) / sizeof(struct entry)) {
        return FTL_ERR_PARSE;
    }
    size_t table_end = HEADER_BYTES + n * sizeof(struct entry);
    uint64_t usize = 0;
    if (packed > len - table_end) {
        return FTL_ERR_PARSE;
    }
    if (packed != 0) {
        const char *why;
        if (unlz4_size(b + table_end, packed, &usize, &why) != FTL_OK || usize > PACKED_BIT) {
            return FTL_ERR_PARSE;
        }
    }
    const struct entry *e = (const struct entry *)(const void *)(b + HEADER_BYTES);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t off = e[i].offset & ~PACKED_BIT;
        uint64_t end = (e[i].offset & PACKED_BIT) ? (packed ? usize : 0) : len;
        if (off > end || e[i].size > end - off || (off & 7) ||
            e[i].name[INITFS_NAME_MAX - 1] != '\0') {
            return FTL_ERR_PARSE;
        }
    }
    archive = b;
    nfiles = n;
    frame = packed ? b + table_end : NULL;
    frame_len = packed;
    unpacked_size = (size_t)usize;
    unpacked = NULL;
    return FTL_OK;
}

size_t initfs_unpacked_size(void)
{
    return unpacked_size;
}

ftl_err_t initfs_unpack(void *buf, size_t size, const char **why)
{
    if (frame == NULL || size != unpacked_size) {
        *why = "nothing to unpack, or a buffer of the wrong size";
        return FTL_ERR_INVALID_ARG;
    }
    ftl_err_t err = unlz4(frame, frame_len, buf, size, why);
    if (err == FTL_OK) {
        unpacked = buf;
    }
    return err;
}

size_t initfs_count(void)
{
    return nfiles;
}

struct initfs_file initfs_get(size_t i)
{
    const struct entry *e = (const struct entry *)(const void *)(archive + HEADER_BYTES) + i;
    const uint8_t *data = archive + e->offset;
    if (e->offset & PACKED_BIT) {
        data = unpacked ? unpacked + (e->offset & ~PACKED_BIT) : NULL;
    }
    return (struct initfs_file){e->name, data, e->size};
}

ftl_err_t initfs_find(const char *name, struct initfs_file *out)
{
    for (size_t i = 0; i < nfiles; i++) {
        struct initfs_file f = initfs_get(i);
        if (strcmp(f.name, name) == 0) {
            *out = f;
            return FTL_OK;
        }
    }
    return FTL_ERR_NOT_FOUND;
}
