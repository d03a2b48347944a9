#!/usr/bin/env python3
"""Packs files into an FTL initfs archive (the format kernel/initfs.c reads).

usage: mkinitfs.py OUT NAME=PATH...

Files smaller than STORE_BYTES (the apps, their specs) are packed together into one
LZ4 frame, which the kernel decompresses at boot; bigger ones (the Linux VM's guest
kernel and initramfs) are stored as they are and read in place. Also a module:
read(path) lists an archive's files, unpacked.
"""
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lz4frame  # noqa: E402

NAME_MAX = 56
ENTRY = f"<{NAME_MAX}sII"
PACKED_BIT = 1 << 31
STORE_BYTES = 1 << 20


def align(n: int, a: int = 16) -> int:
    return (n + a - 1) // a * a


def pack(files) -> bytes:
    """The archive of [(name, data)]."""
    packed = bytearray()
    where = []
    for name, data in files:
        if len(data) < STORE_BYTES:
            packed += b"\0" * (align(len(packed)) - len(packed))
            where.append(PACKED_BIT | len(packed))
            packed += data
        else:
            where.append(None)
    frame = lz4frame.compress(bytes(packed)) if packed else b""
    table_end = 16 + 64 * len(files)
    out = bytearray(b"FTLINITF" + struct.pack("<II", len(files), len(frame)))
    stored = bytearray()
    stored_start = align(table_end + len(frame))
    for i, (name, data) in enumerate(files):
        if where[i] is None:
            stored += b"\0" * (align(len(stored)) - len(stored))
            where[i] = stored_start + len(stored)
            stored += data
        if where[i] & ~PACKED_BIT >= PACKED_BIT:
            raise SystemExit("mkinitfs: the archive is over 2 GiB")
        out += struct.pack(ENTRY, name.encode(), where[i], len(data))
    out += frame
    out += b"\0" * (stored_start - len(out))
    return bytes(out + stored)


def read(path):
    """[(name, data)] of the archive at `path`, packed files decompressed."""
    return read_bytes(Path(path).read_bytes())


def read_bytes(data: bytes):
    """[(name, data)] of an archive, packed files decompressed."""
    count, packed = struct.unpack_from("<II", data, 8)
    table_end = 16 + 64 * count
    unpacked = lz4frame.decompress(data[table_end:table_end + packed]) if packed else b""
    files = []
    for i in range(count):
        name, off, size = struct.unpack_from(ENTRY, data, 16 + 64 * i)
        src = unpacked if off & PACKED_BIT else data
        off &= ~PACKED_BIT
        files.append((name.rstrip(b"\0").decode(), src[off:off + size]))
    return files


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
    with open(out, "wb") as f:
        f.write(pack(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
