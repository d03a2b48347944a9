#!/usr/bin/env python3
"""Makes the boot image build/kernel.bin: the self-extracting stub
(kernel/arch/arm64/zimage/) followed by the kernel (build/kernel-raw.bin) as an LZ4
frame. The stub's Image header gets an image_size reaching the end of the kernel's bss
where the stub decompresses it, so a loader keeps the DTB and initrd clear of it.

usage: mkzimage.py STUB KERNEL OUT
"""
import struct
import sys

import lz4frame

TEXT_OFFSET = 0x80000
ALIGN = 2 << 20
INFO_OFFSET = 64
# The stub's page table (a page, after the kernel's bytes) and stack (at the top) live
# in the kernel's bss, unused until the kernel runs.
STUB_BSS_BYTES = (4 << 10) + (4 << 10) + (16 << 10)


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    stub_path, kernel_path, out = sys.argv[1:]
    stub = bytearray(open(stub_path, "rb").read())
    kernel = open(kernel_path, "rb").read()
    for name, img in (("stub", stub), ("kernel", kernel)):
        if img[56:60] != b"ARM\x64" or struct.unpack_from("<Q", img, 8)[0] != TEXT_OFFSET:
            print(f"mkzimage: {name} has no arm64 Image header with text_offset 0x80000",
                  file=sys.stderr)
            return 1
    if struct.unpack_from("<5Q", stub, INFO_OFFSET) != (0,) * 5:
        print("mkzimage: the stub's zimage_info is not at offset 64", file=sys.stderr)
        return 1
    kernel_image_size = struct.unpack_from("<Q", kernel, 16)[0]
    if kernel_image_size < len(kernel) + STUB_BSS_BYTES:
        print("mkzimage: the kernel's bss is too small for the stub's page table and stack",
              file=sys.stderr)
        return 1
    frame = lz4frame.compress(kernel)
    payload_offset = (len(stub) + 15) & ~15
    end = payload_offset + len(frame)
    dest_offset = (end + ALIGN - 1) // ALIGN * ALIGN
    stub += b"\0" * (payload_offset - len(stub))
    struct.pack_into("<Q", stub, 16, dest_offset + kernel_image_size)
    struct.pack_into("<5Q", stub, INFO_OFFSET, payload_offset, len(frame), dest_offset,
                     len(kernel), kernel_image_size)
    with open(out, "wb") as f:
        f.write(stub + frame)
    return 0


if __name__ == "__main__":
    sys.exit(main())
