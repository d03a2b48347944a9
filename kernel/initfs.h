// The boot image's file archive (built by tools/mkinitfs.py): app ELFs and specs.
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
/// Number of files.
size_t initfs_count(void);
/// The i-th file.
struct initfs_file initfs_get(size_t i);
/// Finds a file by name. FTL_ERR_NOT_FOUND if absent.
FTL_MUST_CHECK ftl_err_t initfs_find(const char *name, struct initfs_file *out);
