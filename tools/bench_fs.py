#!/usr/bin/env python3
"""`make bench`, storage part: sequential write and read MB/s and the small-file create
rate through FTL's fs server, against Debian's Linux on the same virtio-blk device in
the same QEMU, both under -icount shift=0,sleep=on (guest clock: 1 ns = 1 guest
instruction; while the guest idles waiting for the disk, its clock runs with the host's).

FTL: apps/test_fs_bench with mib = FS_MIB on a fresh image made like build/disk.img: it writes
FS_MIB MiB in 4 KiB writes and syncs the file, reads them back in 4 KiB reads (the fs
server's cache holds 8 MiB), creates 200 files of 100 bytes and syncs the file system.
Linux: tools/linux-baseline/run.py --fs-mib FS_MIB (fsbench.c) does the same on a fresh
ext4 image made the same way, with its caches dropped before the read.

Prints a table and `BENCH fs ...` lines. Never fails on a figure.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import ROOT, Qemu, make_initfs  # noqa: E402

FS_MIB = int(os.environ.get("FTL_BENCH_FS_MIB", "64"))
FS_FILES = 200
# sleep=on (QEMU's default): while the guest idles waiting for the disk, its clock runs
# with the host's. sleep=off (what the other benchmarks use) would jump it to the next
# timer deadline instead, however far, which makes waits for I/O cost whatever timer
# happens to be pending (tens of seconds seen for Linux's syncfs).
ICOUNT = os.environ.get("FTL_BENCH_FS_ICOUNT", "shift=0,sleep=on")
FS_APPS = ["virtio_blk", "fs", "test_fs_bench"]
LINUX_OUT = ROOT / "build" / "linux-baseline" / "fs-results.json"


def fresh_disk(disk):
    """A new ext4 image made like build/disk.img (tools/disk.mk) and like the Linux
    side's (tools/linux-baseline/run.py): 256 MiB, no journal, 4 KiB blocks, from disk/."""
    subprocess.run(["truncate", "-s", "256M", str(disk)], check=True)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-O", "^has_journal", "-b", "4096",
                    "-m", "0", "-L", "ftl", "-E", "root_owner=0:0", "-d", str(ROOT / "disk"),
                    str(disk)], check=True)
    return disk


def run_ftl():
    """Boots test_fs_bench under -icount on a fresh image; returns
    (write MB/s, read MB/s, files/s, e2fsck clean)."""
    spec = (ROOT / "apps" / "test_fs_bench" / "spec.yaml").read_text()
    spec = re.sub(r"mib: \{ number: \d+ \}", f"mib: {{ number: {FS_MIB} }}", spec)
    spec = re.sub(r"files: \{ number: \d+ \}", f"files: {{ number: {FS_FILES} }}", spec)
    with tempfile.TemporaryDirectory() as tmp:
        disk = fresh_disk(Path(tmp) / "disk.img")
        initfs = make_initfs(Path(tmp) / "initfs.bin", FS_APPS, {"test_fs_bench": spec})
        # tools/run.sh adds no -icount of its own with icount=False.
        q = Qemu(initfs, timeout_s=1500, disk=disk, extra=["-icount", ICOUNT])
        try:
            q.wait_for(r"BENCH (done|error=)", timeout_s=1400)
        finally:
            q.stop()
        fsck = subprocess.run(["e2fsck", "-fn", str(disk)], capture_output=True)
    vals = {}
    for line in q.lines:
        m = re.search(r"BENCH (fs_\w+) \w+=(\d+) ns=(\d+)", line)
        if m:
            vals[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    if len(vals) != 3:
        print("\n".join(q.lines[-30:]), file=sys.stderr)
        raise SystemExit("bench_fs: test_fs_bench did not log its three figures")
    (wb, wns), (rb, rns), (n, cns) = vals["fs_write"], vals["fs_read"], vals["fs_create"]
    return wb / wns * 1e3, rb / rns * 1e3, n / cns * 1e9, fsck.returncode == 0


def run_linux():
    """Returns (write MB/s, read MB/s, files/s, e2fsck clean, kernel), or None."""
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "linux-baseline" / "run.py"),
                        "--fs-mib", str(FS_MIB), "--fs-files", str(FS_FILES),
                        "--fs-icount", ICOUNT, "--out", str(LINUX_OUT)],
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        return None
    res = json.loads(LINUX_OUT.read_text())
    size = res["fs_mib"] << 20
    return (size / res["fs_write_ns"] * 1e3, size / res["fs_read_ns"] * 1e3,
            res["fs_files"] / res["fs_create_ns"] * 1e9, res["e2fsck_clean"],
            res["kernel_version"])


def main() -> int:
    ftl = run_ftl()
    linux = run_linux()
    print()
    print(f"Storage: {FS_MIB} MiB sequential in 4 KiB calls (write ends with fsync; read "
          f"after caches are dropped), {FS_FILES} small files of 100 bytes (create, write, "
          f"close; then sync); ext4 on a 256 MiB virtio-blk image; -icount {ICOUNT}")
    if linux is None:
        print("Linux baseline: could not run (see above); FTL's figures only")
    else:
        print(f"Linux baseline: measured in this run ({linux[4]})")
    print(f"{'':22}{'FTL':>12}{'Linux':>12}{'FTL/Linux':>11}")
    rows = [("write MB/s", 0, "{:.1f}"), ("read MB/s", 1, "{:.1f}"),
            ("small files / s", 2, "{:.0f}")]
    for name, i, fmt in rows:
        lin = fmt.format(linux[i]) if linux else "-"
        ratio = f"{ftl[i] / linux[i]:.2f}x" if linux else "-"
        print(f"{name:22}{fmt.format(ftl[i]):>12}{lin:>12}{ratio:>11}")
    print(f"e2fsck -fn afterwards: FTL {'clean' if ftl[3] else 'NOT CLEAN'}, Linux "
          f"{'-' if not linux else 'clean' if linux[3] else 'NOT CLEAN'}")
    for side, f in (("ftl", ftl), ("linux", linux)):
        if f:
            print(f"BENCH fs side={side} mib={FS_MIB} write_mb_per_s={f[0]:.1f} "
                  f"read_mb_per_s={f[1]:.1f} files={FS_FILES} files_per_s={f[2]:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
