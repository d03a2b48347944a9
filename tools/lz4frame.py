"""LZ4 frames as FTL's boot image holds them (kernel/lz4/unlz4.h): Debian's `lz4`
command, independent blocks, the content size in the header, no checksums."""
import os
import subprocess
import tempfile

LZ4_ARGS = ["-9", "-BI", "-B7", "--content-size", "--no-frame-crc"]


def compress(data: bytes) -> bytes:
    """`data` as one LZ4 frame (lz4 -9: within 0.3% of -12, the smallest, in a quarter of
    the time; decoding is as fast)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "in.lz4")
        with open(src, "wb") as f:
            f.write(data)
        try:
            subprocess.run(["lz4", "-q", *LZ4_ARGS, src, dst], check=True)
        except FileNotFoundError:
            raise SystemExit("the lz4 command is missing: make setup installs it (Debian's lz4)")
        with open(dst, "rb") as f:
            return f.read()


def decompress(frame: bytes) -> bytes:
    """What `lz4 -d` makes of a frame."""
    r = subprocess.run(["lz4", "-d", "-q", "-c"], input=frame, capture_output=True, check=True)
    return r.stdout
