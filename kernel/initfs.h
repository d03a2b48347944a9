// The boot image's file archive (built by tools/mkinitfs.py): app ELFs and specs,
// most of them packed in one LZ4 frame.
#pragma once

#include "klib.h"
#include <ftl/abi.h>

#define INITFS_NAME_MAX 56

struct initfs_file {
    const char *name;        // "apps/echo/spec.yaml"
    const uint8_t *data;
    size_t size;
};

/// Checks the archive at [base, base+len). FTL_ERR_PARSE if malformed.
FTL_MUST_CHECK ftl_err_t initfs_init(const void *base, size_t len);
/// Bytes of packed files (an LZ4 frame) the archive holds once decompressed; 0 if none.
/// Their data is NULL in initfs_get() until initfs_unpack() succeeds.
size_t initfs_unpacked_size(void);
/// Decompresses the packed files into buf, of initfs_unpacked_size() bytes, where
/// they stay. FTL_ERR_PARSE if the frame is corrupt or truncated (*why says how):
/// nothing is written outside buf, and the packed files stay unavailable.
FTL_MUST_CHECK ftl_err_t initfs_unpack(void *buf, size_t size, const char **why);
/// Number of files.
size_t initfs_count(void);
/// The i-th file.
struct initfs_file initfs_get(size_t i);
/// Finds a file by name. FTL_ERR_NOT_FOUND if absent.
FTL_MUST_CHECK ftl_err_t initfs_find(const char *name, struct initfs_file *out);
