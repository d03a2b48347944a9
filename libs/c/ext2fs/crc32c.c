// CRC32C for libext2fs (metadata_csum: every inode, directory block, bitmap and group
// descriptor it reads or writes) with the CPU's CRC32 instructions, 8 bytes each; FTL
// needs ARMv8.1, which always has them. It replaces e2fsprogs' lib/ext2fs/crc32c.c
// (tables, about 3 instructions a byte: ~12,000 for a 4 KiB directory block), which
// libs/c/ext2fs/ext2fs.mk leaves out. Same result: the raw, reflected CRC32C update
// without the final inversion, as Linux's crc32c_le.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

uint32_t ext2fs_crc32c_le(uint32_t crc, unsigned char const *p, size_t len);

uint32_t ext2fs_crc32c_le(uint32_t crc, unsigned char const *p, size_t len)
{
    while (len > 0 && ((uintptr_t)p & 7) != 0) {
        crc = __builtin_arm_crc32cb(crc, *p++);
        len--;
    }
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        crc = __builtin_arm_crc32cd(crc, v);
    }
    while (len-- > 0) {
        crc = __builtin_arm_crc32cb(crc, *p++);
    }
    return crc;
}
