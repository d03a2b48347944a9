#!/usr/bin/env python3
"""Packs files into an FTL initfs archive (the format kernel/initfs.c reads).

usage: mkinitfs.py OUT NAME=PATH...
"""
import struct
import sys

NAME_MAX = 56


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, pairs = sys.argv[1], sys.argv[2:]
    files = []
    for pair in pairs:
        name, _, path = pair.partition("=")
        if len(name.encode()) >= NAME_MAX:
            print(f"mkinitfs: name too long (max {NAME_MAX - 1} bytes): {name}", file=sys.stderr)
            return 1
        with open(path, "rb") as f:
            files.append((name, f.read()))
    offset = 16 + 64 * len(files)
    header = bytearray(b"FTLINITF" + struct.pack("<II", len(files), 0))
    blobs = bytearray()
    for name, data in files:
        pad = (-(offset + len(blobs))) % 16
        blobs += b"\0" * pad
        header += struct.pack(f"<{NAME_MAX}sII", name.encode(), offset + len(blobs), len(data))
        blobs += data
    with open(out, "wb") as f:
        f.write(header + blobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
