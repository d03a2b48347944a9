#!/usr/bin/env python3
"""`make bench`, developer-loop part: the size of the default boot image (kernel +
initfs) with a line per app, and edit->boot: touch apps/hello/main.c, rebuild
(`make default-image`), boot the kernel with the new initfs and wait for hello's first
log line. Host wall time: noisy on a shared machine, never a pass/fail.

usage: bench_devloop.py [ROUNDS]     (also: make bench-devloop)
"""
import os
import re
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import BUILD, DEFAULT_INITFS, KERNEL, ROOT, Qemu  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import mkinitfs  # noqa: E402

KERNEL_RAW = BUILD / "kernel-raw.bin"
# The Linux VM, which the 1 MiB goal leaves out (tests/test_devloop.py).
LINUX_VM_PREFIXES = ("apps/linux/", "apps/uname/", "apps/linux_run/")

EDITED = ROOT / "apps" / "hello" / "main.c"
FIRST_LINE = r"\[hello +\] INFO   Hello from FTL!"


def default_apps():
    """The apps in the default initfs, from its directory of entries."""
    data = DEFAULT_INITFS.read_bytes()
    count = struct.unpack_from("<I", data, 8)[0]
    names = [data[16 + 64 * i:16 + 64 * i + 56].split(b"\0")[0].decode() for i in range(count)]
    return sorted({n.split("/")[1] for n in names if n.startswith("apps/")})


def code_bytes(elf: Path) -> int:
    """Bytes of the executable PT_LOAD segments of an ELF."""
    data = elf.read_bytes()
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    total = 0
    for i in range(phnum):
        ptype, flags, _, _, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", data,
                                                                 phoff + i * phentsize)
        if ptype == 1 and flags & 1:
            total += filesz
    return total


def isolation(app: str) -> str:
    m = re.search(r"(?m)^isolation: *(\w+)", (ROOT / "apps" / app / "spec.yaml").read_text())
    return m.group(1) if m else "?"


def size_table():
    kernel = KERNEL.stat().st_size
    kernel_raw = KERNEL_RAW.stat().st_size
    initfs = DEFAULT_INITFS.stat().st_size
    files = mkinitfs.read(DEFAULT_INITFS)
    initfs_raw = 16 + 64 * len(files) + sum(len(d) for _, d in files)
    rest = [(n, d) for n, d in files if not n.startswith(LINUX_VM_PREFIXES)]
    goal_initfs = len(mkinitfs.pack(rest))
    goal_initfs_raw = 16 + 64 * len(rest) + sum(len(d) for _, d in rest)
    print("Default boot image: what make run boots (kernel + initfs with -initrd), compressed "
          "(LZ4) and raw")
    print(f"{'file':<44}{'bytes':>11}{'raw':>11}{'KiB':>7}")
    for name, size, raw in (("build/kernel.bin (self-extracting)", kernel, kernel_raw),
                            ("build/images/default/initfs.bin", initfs, initfs_raw),
                            ("total", kernel + initfs, kernel_raw + initfs_raw),
                            ("initfs without the Linux VM", goal_initfs, goal_initfs_raw),
                            ("kernel + initfs without the Linux VM", kernel + goal_initfs,
                             kernel_raw + goal_initfs_raw)):
        print(f"{name:<44}{size:>11,}{raw:>11,}{size / 1024:>7.0f}")
    goal = kernel + goal_initfs
    print(f"  goal <= 1 MiB (1,048,576 bytes) for the last line: "
          f"{'met' if goal <= 1 << 20 else 'missed'}")
    print()
    print(f"{'app':<14}{'isolation':>10}{'code':>9}{'packed':>9}{'unstripped':>12}")
    rows = []
    for app in default_apps():
        full = next(p for p in (BUILD / "apps" / f"{app}.elf", BUILD / "apps" / f"{app}.wasm",
                                ROOT / "apps" / app / "main.js") if p.exists())
        packed = full if full.suffix == ".js" else BUILD / "apps" / "packed" / full.name
        code = code_bytes(full) if full.suffix == ".elf" else None
        rows.append((app, isolation(app), code, packed.stat().st_size, full.stat().st_size))
        print(f"{app:<14}{rows[-1][1]:>10}{code if code is not None else '-':>9}"
              f"{rows[-1][3]:>9,}{rows[-1][4]:>12,}")
    print("(code: bytes of executable segments; packed: the stripped copy in the initfs, "
          "before LZ4)")
    print()
    print(f"BENCH image kernel_bytes={kernel} kernel_raw_bytes={kernel_raw} initfs_bytes={initfs} "
          f"initfs_raw_bytes={initfs_raw} total_bytes={kernel + initfs} "
          f"boot_image_bytes={goal} boot_image_raw_bytes={kernel_raw + goal_initfs_raw}")
    for app, iso, code, packed, full in rows:
        print(f"BENCH image_app app={app} isolation={iso} code_bytes={code or 0} "
              f"packed_bytes={packed} unstripped_bytes={full}")


def make_env():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def edit_to_boot_once():
    """(build s, boot s, kernel relinked?) for one touch of apps/hello/main.c."""
    kernel_mtime = (BUILD / "kernel.elf").stat().st_mtime_ns
    now = time.time()
    os.utime(EDITED, (now, now))
    start = time.monotonic()
    r = subprocess.run(["make", "-j2", "--no-print-directory", "default-image"], cwd=ROOT,
                       env=make_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"bench_devloop: make default-image failed:\n{r.stdout}{r.stderr}")
    built = time.monotonic()
    q = Qemu(DEFAULT_INITFS, timeout_s=120)
    try:
        q.wait_for(FIRST_LINE, timeout_s=100)
        booted = time.monotonic()
    finally:
        q.stop()
    relinked = (BUILD / "kernel.elf").stat().st_mtime_ns != kernel_mtime
    return built - start, booted - built, relinked


def edit_to_boot(rounds):
    runs = [edit_to_boot_once() for _ in range(rounds)]
    total = [b + t for b, t, _ in runs]
    med = statistics.median(total)
    print(f"Edit -> boot: touch apps/hello/main.c, make default-image, boot to hello's first "
          f"log line (host wall time, {rounds} rounds; noisy while others build)")
    print(f"{'round':>6}{'build s':>9}{'boot s':>8}{'total s':>9}{'kernel relinked':>17}")
    for i, (b, t, relinked) in enumerate(runs, 1):
        print(f"{i:>6}{b:>9.2f}{t:>8.2f}{b + t:>9.2f}{'yes' if relinked else 'no':>17}")
    print(f"  median {med:.2f} s (target <= 3 s: {'met' if med <= 3 else 'missed'})")
    print()
    print(f"BENCH edit_to_boot median_s={med:.2f} build_s={statistics.median(r[0] for r in runs):.2f} "
          f"boot_s={statistics.median(r[1] for r in runs):.2f} "
          f"kernel_relinked={int(any(r[2] for r in runs))}")


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print()
    size_table()
    print()
    edit_to_boot(rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
