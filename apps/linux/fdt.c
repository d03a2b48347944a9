// The flattened-device-tree writer of fdt.h. Layout: the 40-byte header, an empty
// memory reservation map (one zero entry), the structure block, the strings block.
#include "fdt.h"

#include <string.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_END 9u
#define FDT_HDR_SIZE 40u
#define FDT_RSVMAP_SIZE 16u // the terminating all-zero entry

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

// Appends `len` bytes (NULL: zeros) and pads to 4 bytes with zeros.
static void emit(struct fdt_writer *w, const void *data, size_t len)
{
    size_t padded = (len + 3) & ~(size_t)3;
    if (w->overflow || padded > w->cap - w->off) {
        w->overflow = true;
        return;
    }
    if (data) {
        memcpy(w->buf + w->off, data, len);
    } else {
        memset(w->buf + w->off, 0, len);
    }
    memset(w->buf + w->off + len, 0, padded - len);
    w->off += padded;
}

static void emit_u32(struct fdt_writer *w, uint32_t v)
{
    uint8_t b[4];
    put_be32(b, v);
    emit(w, b, 4);
}

// The offset of `name` in the strings block, added if new.
static uint32_t string_off(struct fdt_writer *w, const char *name)
{
    size_t n = strlen(name) + 1;
    for (size_t i = 0; i + n <= w->strings_len; i++) {
        if (memcmp(w->strings + i, name, n) == 0 && (i == 0 || w->strings[i - 1] == '\0')) {
            return (uint32_t)i;
        }
    }
    if (n > sizeof(w->strings) - w->strings_len) {
        w->overflow = true;
        return 0;
    }
    memcpy(w->strings + w->strings_len, name, n);
    w->strings_len += n;
    return (uint32_t)(w->strings_len - n);
}

void fdt_begin(struct fdt_writer *w, void *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
    if (cap < FDT_HDR_SIZE + FDT_RSVMAP_SIZE) {
        w->overflow = true;
        w->off = cap;
        return;
    }
    memset(w->buf, 0, FDT_HDR_SIZE + FDT_RSVMAP_SIZE);
    w->off = FDT_HDR_SIZE + FDT_RSVMAP_SIZE;
}

void fdt_begin_node(struct fdt_writer *w, const char *name)
{
    emit_u32(w, FDT_BEGIN_NODE);
    emit(w, name, strlen(name) + 1);
    w->depth++;
}

void fdt_end_node(struct fdt_writer *w)
{
    if (w->depth == 0) {
        w->bad_nesting = true;
        return;
    }
    emit_u32(w, FDT_END_NODE);
    w->depth--;
}

void fdt_prop(struct fdt_writer *w, const char *name, const void *data, size_t len)
{
    if (w->depth == 0) {
        w->bad_nesting = true;
        return;
    }
    if (len > UINT32_MAX) {
        w->overflow = true;
        return;
    }
    emit_u32(w, FDT_PROP);
    emit_u32(w, (uint32_t)len);
    emit_u32(w, string_off(w, name));
    emit(w, data, len);
}

void fdt_prop_empty(struct fdt_writer *w, const char *name)
{
    fdt_prop(w, name, NULL, 0);
}

void fdt_prop_u32(struct fdt_writer *w, const char *name, uint32_t v)
{
    fdt_prop_cells(w, name, &v, 1);
}

void fdt_prop_u64(struct fdt_writer *w, const char *name, uint64_t v)
{
    uint32_t cells[2] = {(uint32_t)(v >> 32), (uint32_t)v};
    fdt_prop_cells(w, name, cells, 2);
}

void fdt_prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, size_t n)
{
    uint8_t be[64];
    if (n > sizeof(be) / 4) {
        w->overflow = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        put_be32(be + 4 * i, cells[i]);
    }
    fdt_prop(w, name, be, 4 * n);
}

void fdt_prop_str(struct fdt_writer *w, const char *name, const char *s)
{
    fdt_prop(w, name, s, strlen(s) + 1);
}

void fdt_prop_strs(struct fdt_writer *w, const char *name, const char *list, size_t len)
{
    fdt_prop(w, name, list, len);
}

ftl_err_t fdt_finish(struct fdt_writer *w, size_t *out_len)
{
    if (w->bad_nesting || w->depth != 0) {
        return FTL_ERR_INVALID_ARG;
    }
    emit_u32(w, FDT_END);
    size_t struct_off = FDT_HDR_SIZE + FDT_RSVMAP_SIZE;
    size_t struct_len = w->off - struct_off;
    size_t strings_off = w->off;
    emit(w, w->strings, w->strings_len);
    if (w->overflow) {
        return FTL_ERR_BUFFER_TOO_SMALL;
    }
    size_t total = strings_off + w->strings_len;
    uint8_t *h = w->buf;
    put_be32(h + 0, FDT_MAGIC);
    put_be32(h + 4, (uint32_t)total);
    put_be32(h + 8, (uint32_t)struct_off);      // off_dt_struct
    put_be32(h + 12, (uint32_t)strings_off);    // off_dt_strings
    put_be32(h + 16, FDT_HDR_SIZE);             // off_mem_rsvmap
    put_be32(h + 20, 17);                       // version
    put_be32(h + 24, 16);                       // last_comp_version
    put_be32(h + 28, 0);                        // boot_cpuid_phys
    put_be32(h + 32, (uint32_t)w->strings_len); // size_dt_strings
    put_be32(h + 36, (uint32_t)struct_len);     // size_dt_struct
    *out_len = total;
    return FTL_OK;
}
