// LZ4 frames (the format of the `lz4` command, lz4_Frame_format.md in LZ4's source):
// the compressed kernel image and the initfs. Blocks are decoded by LZ4's own
// LZ4_decompress_safe (lib/lz4.c from Debian's lz4 package, kernel/lz4/lz4.mk); this
// file reads the frame around them, checking every length against both buffers.
// Frames this reader takes: independent blocks, the content size in the header, no
// checksums and no dictionary (`lz4 -BI --content-size --no-frame-crc`).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <ftl/abi.h>

/// Reads the header of the frame at [src, src+len): its content size in *size.
/// FTL_ERR_PARSE if it is not a frame this reader takes; *why then says why.
FTL_MUST_CHECK ftl_err_t unlz4_size(const void *src, size_t len, uint64_t *size, const char **why);

/// Decompresses the frame at [src, src+len) into dst, which holds `size` bytes: the
/// frame's content size, which the data must fill exactly. Writes nothing outside
/// dst[0, size) and reads nothing outside the frame, whatever the input.
/// FTL_ERR_PARSE if the frame is malformed, truncated or corrupt; *why says how.
FTL_MUST_CHECK ftl_err_t unlz4(const void *src, size_t len, void *dst, size_t size, const char **why);
