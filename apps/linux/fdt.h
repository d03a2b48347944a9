// A small flattened-device-tree writer (devicetree specification v0.4, chapter 5):
// nodes and properties in order, then fdt_finish fills in the header. It never
// allocates and never writes past its buffer; an overflow shows in fdt_finish.
#pragma once

#include <ftl/abi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_STRINGS_MAX 1024 // bytes of property names (deduplicated)

struct fdt_writer {
    uint8_t *buf;
    size_t cap;
    size_t off;       // end of the structure block written so far
    int depth;        // open nodes
    bool overflow;    // something did not fit: fdt_finish fails
    bool bad_nesting; // end_node without begin_node, or a property at depth 0
    char strings[FDT_STRINGS_MAX];
    size_t strings_len;
};

/// Starts a tree in `buf` (`cap` bytes, 8-byte aligned).
void fdt_begin(struct fdt_writer *w, void *buf, size_t cap);
/// Opens a node; the root's name is "".
void fdt_begin_node(struct fdt_writer *w, const char *name);
void fdt_end_node(struct fdt_writer *w);
/// A property with raw bytes (big-endian cells are the caller's business).
void fdt_prop(struct fdt_writer *w, const char *name, const void *data, size_t len);
void fdt_prop_empty(struct fdt_writer *w, const char *name);
void fdt_prop_u32(struct fdt_writer *w, const char *name, uint32_t v);
void fdt_prop_u64(struct fdt_writer *w, const char *name, uint64_t v);
/// `n` 32-bit cells, converted to big endian.
void fdt_prop_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, size_t n);
/// A NUL-terminated string.
void fdt_prop_str(struct fdt_writer *w, const char *name, const char *s);
/// A string list: `list` holds NUL-separated strings, `len` bytes with the last NUL.
void fdt_prop_strs(struct fdt_writer *w, const char *name, const char *list, size_t len);

/// Ends the structure block, appends the strings and writes the header. `*out_len` is
/// the blob's size. FTL_ERR_BUFFER_TOO_SMALL if anything did not fit,
/// FTL_ERR_INVALID_ARG if nodes are not balanced.
FTL_MUST_CHECK ftl_err_t fdt_finish(struct fdt_writer *w, size_t *out_len);
