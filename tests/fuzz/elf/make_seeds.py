#!/usr/bin/env python3
"""Writes the ELF fuzzer's seeds: small aarch64 static-PIE files the loader accepts.

seeds/minimal.elf   one read+exec segment, no relocations
seeds/reloc.elf     text + data segments, a PT_DYNAMIC with DT_RELA, RELASZ, RELAENT
                    and two relocations (R_AARCH64_RELATIVE, R_AARCH64_NONE)
Real apps are 150 KB or more; these few hundred bytes reach the same checks.
Usage: make_seeds.py [DIR]  (default: seeds/ beside this script)
"""
import os
import struct
import sys

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_DYNAMIC = 1, 2
R, W, X = 4, 2, 1


def elf(phdrs, body, entry):
    """ELF header, program headers, then `body` (file offsets count from 0)."""
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    head = EHDR.pack(ident, 3, 183, 1, entry, EHDR.size, 0, 0, EHDR.size, PHDR.size,
                     len(phdrs), 0, 0, 0)
    return head + b"".join(PHDR.pack(*p) for p in phdrs) + body


def minimal():
    size = EHDR.size + PHDR.size + 8
    code = struct.pack("<II", 0xD503201F, 0xD65F03C0)  # nop; ret
    return elf([(PT_LOAD, R | X, 0, 0, 0, size, size, 8)], code, size - 8)


def reloc():
    nph = 3
    text_off = EHDR.size + nph * PHDR.size
    text = struct.pack("<II", 0xD503201F, 0xD65F03C0)
    data_off = text_off + len(text)
    data_off = (data_off + 7) & ~7
    pad = data_off - text_off - len(text)
    data_va = 0x1000 + data_off  # the next page: a page has one segment's permissions
    rela_va = data_va + 4 * 16 + 8  # after the dynamic table and one pointer
    relas = struct.pack("<QQq", data_va + 64, 1027, text_off) + struct.pack("<QQq", 0, 0, 0)
    dyn = struct.pack("<qQqQqQqQ", 7, rela_va, 8, len(relas), 9, 24, 0, 0)
    data = dyn + bytes(8) + relas
    phdrs = [
        (PT_LOAD, R | X, 0, 0, 0, data_off, data_off, 8),
        (PT_LOAD, R | W, data_off, data_va, 0, len(data), len(data) + 16, 8),
        (PT_DYNAMIC, R | W, data_off, data_va, 0, len(dyn), len(dyn), 8),
    ]
    return elf(phdrs, text + bytes(pad) + data, text_off)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "seeds")
    os.makedirs(out, exist_ok=True)
    for name, blob in (("minimal.elf", minimal()), ("reloc.elf", reloc())):
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
