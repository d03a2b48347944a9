// Loading apps: static position-independent aarch64 ELF files (ET_DYN with only
// R_AARCH64_RELATIVE relocations). Portable: unit-tested on the host.
#pragma once

#include "klib.h"
#include <ftl/abi.h>

struct elf_info {
    size_t mem_size;         // bytes from address 0 to the end of the last segment
    uint64_t entry;          // entry point, relative to the load base
};

/// Checks that `file` is an app ELF we can load and measures it. FTL_ERR_PARSE
/// with a reason in *why otherwise.
FTL_MUST_CHECK ftl_err_t elf_inspect(const void *file, size_t len, struct elf_info *out,
                                     const char **why);

/// Copies the segments into `dest` (info.mem_size bytes, zeroed by the caller) and
/// applies relocations for the image running at address `base`. FTL_ERR_PARSE with
/// a reason for a relocation it does not support or that points outside the image.
FTL_MUST_CHECK ftl_err_t elf_load(const void *file, size_t len, const struct elf_info *info,
                                  uint8_t *dest, uint64_t base, const char **why);
