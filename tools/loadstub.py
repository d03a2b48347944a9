#!/usr/bin/env python3
"""Writes a tiny arm64 Linux-style Image that jumps to another address: booted with
QEMU's -kernel (which passes its DTB in x0), it enters the kernel that QEMU's
`-device loader` placed at KERNEL_ADDR, as U-Boot's booti or another VMM's loader
would, optionally handing over a DTB of our own loaded at DTB_ADDR instead.

    tools/loadstub.py OUT KERNEL_ADDR [DTB_ADDR]
"""
import struct
import sys


def stub(kernel_addr: int, dtb_addr: int = 0) -> bytes:
    header = struct.pack("<II QQQ QQQ 4sI",
                         0x14000010,          # b 0x40: over the header
                         0,
                         0x80000,             # text_offset
                         0x1000,              # image_size
                         0xa,                 # flags: LE, 4K pages, anywhere
                         0, 0, 0,
                         b"ARM\x64", 0)
    code = struct.pack("<6I",
                       0x580000C1,            # 0x40: ldr x1, 0x58 (kernel address)
                       0x580000E2,            # 0x44: ldr x2, 0x60 (DTB address or 0)
                       0xB4000042,            # 0x48: cbz x2, 0x50
                       0xAA0203E0,            # 0x4c: mov x0, x2
                       0xD61F0020,            # 0x50: br x1
                       0xD503201F)            # 0x54: nop
    return header + code + struct.pack("<QQ", kernel_addr, dtb_addr)


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    dtb = int(sys.argv[3], 0) if len(sys.argv) == 4 else 0
    with open(sys.argv[1], "wb") as f:
        f.write(stub(int(sys.argv[2], 0), dtb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
