// Loading apps: static position-independent aarch64 ELF files (ET_DYN with only
// R_AARCH64_RELATIVE relocations). Portable: unit-tested on the host.
#pragma once

#include "klib.h"
#include <ftl/abi.h>

#define ELF_SEGMENTS_MAX 8
#define ELF_PROT_EXEC 1u     // the ELF p_flags bits
#define ELF_PROT_WRITE 2u
#define ELF_PROT_READ 4u

struct elf_segment {
    uint64_t vaddr;          // relative to the load base
    uint64_t memsz;
    uint32_t prot;           // ELF_PROT_*
};

struct elf_info {
    size_t mem_size;         // bytes from address 0 to the end of the last segment
    uint64_t entry;          // entry point, relative to the load base
    struct elf_segment segments[ELF_SEGMENTS_MAX]; // the PT_LOAD segments
    size_t nsegments;
};

/// Checks that `file` is an app ELF we can load and measures it. FTL_ERR_PARSE
/// with a reason in *why otherwise (including a segment both writable and
/// executable, and more than ELF_SEGMENTS_MAX loadable segments).
FTL_MUST_CHECK ftl_err_t elf_inspect(const void *file, size_t len, struct elf_info *out,
                                     const char **why);

/// Copies the segments into `dest` (info.mem_size bytes, zeroed by the caller) and
/// applies relocations for the image running at address `base`. FTL_ERR_PARSE with
/// a reason for a relocation it does not support or that points outside the image.
FTL_MUST_CHECK ftl_err_t elf_load(const void *file, size_t len, const struct elf_info *info,
                                  uint8_t *dest, uint64_t base, const char **why);
