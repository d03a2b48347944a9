// initfs: "FTLINITF", u32 count, u32 reserved, then `count` entries of
// {char name[56]; u32 offset; u32 size} and the file data (offsets from the start,
// 8-byte aligned: app ELF headers are read in place).
#include "initfs.h"

struct entry {
    char name[INITFS_NAME_MAX];
    uint32_t offset;
    uint32_t size;
};

static const uint8_t *archive;
static uint32_t nfiles;

ftl_err_t initfs_init(const void *base, size_t len)
{
    const uint8_t *b = base;
    if (len < 16 || memcmp(b, "FTLINITF", 8) != 0) {
        return FTL_ERR_PARSE;
    }
    uint32_t n;
    memcpy(&n, b + 8, 4);
    if (n > (len - 16) / sizeof(struct entry)) {
        return FTL_ERR_PARSE;
    }
    const struct entry *e = (const struct entry *)(const void *)(b + 16);
    for (uint32_t i = 0; i < n; i++) {
        if (e[i].offset > len || e[i].size > len - e[i].offset || (e[i].offset & 7) ||
            e[i].name[INITFS_NAME_MAX - 1] != '\0') {
            return FTL_ERR_PARSE;
        }
    }
    archive = b;
    nfiles = n;
    return FTL_OK;
}

size_t initfs_count(void)
{
    return nfiles;
}

struct initfs_file initfs_get(size_t i)
{
    const struct entry *e = (const struct entry *)(const void *)(archive + 16) + i;
    return (struct initfs_file){e->name, archive + e->offset, e->size};
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
