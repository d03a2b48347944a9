#!/usr/bin/env python3
"""Measures the Linux baseline FTL's benchmarks are compared with.

Fetches Debian 12's arm64 cloud kernel (apt, arm64 multiarch), builds static
aarch64 benchmark programs (tools/linux-baseline/bench.c as /init, true.c as
/true) into a newc initramfs, boots them under QEMU with -icount shift=0 (guest
clock: 1 ns = 1 guest instruction) and writes the figures as JSON:

    python3 tools/linux-baseline/run.py --out build/linux-baseline/results.json

    python3 tools/linux-baseline/run.py --fs-mib 64 --out build/linux-baseline/fs-results.json

boots fsbench.c as /init instead, with an ext4 image as a virtio-blk device (storage:
fs_write_ns, fs_read_ns, fs_create_ns; tools/bench_fs.py runs it).

Keys: pipe_rt_1b_ns, pipe_rt_4k_ns, socketpair_rt_1b_ns, fork_exec_wait_ns,
boot_to_init_ns, boottime_at_init_ns, kernel_version, kernel_package,
kernel_package_version, kernel_pinned, qemu_flags.
The kernel and the programs are cached in build/linux-baseline/.
Exit status: 0 on success, 1 when a step fails (the message names the step).
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from linux_fetch import StepError, newc, run  # noqa: E402  (tools/linux_fetch.py)
import linux_fetch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = ROOT / "build" / "linux-baseline"
CC = "aarch64-linux-gnu-gcc"
CFLAGS = ["-static", "-O2", "-Wall", "-Wextra"]
QEMU = "qemu-system-aarch64"
QEMU_FLAGS = ["-M", "virt", "-cpu", "max,pauth-impdef=on", "-smp", "1", "-m", "512M",
              "-nographic", "-no-reboot", "-nic", "none", "-icount", "shift=0"]
APPEND = "console=ttyAMA0 rdinit=/init quiet"
QEMU_TIMEOUT_S = 300
RESULT_KEYS = ["pipe_rt_1b_ns", "pipe_rt_4k_ns", "socketpair_rt_1b_ns",
               "fork_exec_wait_ns", "boot_to_init_ns", "boottime_at_init_ns"]
# --fs-mib: fsbench.c as /init and an ext4 image as a virtio-blk device, with
# --fs-icount as the -icount option (tools/bench_fs.py gives FTL the same).
FS_RESULT_KEYS = ["fs_mib", "fs_write_ns", "fs_read_ns", "fs_files", "fs_create_ns"]
# Debian's cloud kernel has ext4 built in, virtio-mmio and virtio-blk as modules:
# /init loads these (in this order) from /modules.
MODULES = ["drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko",
           "drivers/virtio/virtio_mmio.ko", "drivers/block/virtio_blk.ko"]


def log(msg):
    print(f"linux-baseline: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- 1. kernel

def fetch_kernel():
    """The kernel and MODULES in WORK; tools/linux_fetch.py holds the pinned version."""
    return linux_fetch.fetch_kernel(WORK, MODULES)


# ---------------------------------------------------------------- 2. programs

def check_cross_libc():
    if Path("/usr/aarch64-linux-gnu/lib/libc.a").exists():
        return
    step = "static aarch64 libc"
    if os.geteuid() != 0:
        raise StepError(step, "static glibc for aarch64 is missing. Run as root:\n"
                        "    apt-get install -y libc6-dev-arm64-cross   (or tools/setup.sh)")
    log("installing libc6-dev-arm64-cross")
    run(step, ["apt-get", "install", "-y", "-q", "--no-install-recommends",
               "libc6-dev-arm64-cross"], timeout=900)


def build_initramfs():
    srcs = [HERE / "bench.c", HERE / "true.c", HERE / "fsbench.c"]
    h = hashlib.sha256(" ".join([CC] + CFLAGS).encode() + Path(__file__).read_bytes())
    for s in srcs:
        h.update(s.read_bytes())
    for m in MODULES:
        h.update((WORK / "modules" / Path(m).name).read_bytes())
    stamp, cpio = WORK / "initramfs.stamp", WORK / "initramfs.cpio"
    if cpio.exists() and stamp.exists() and stamp.read_text() == h.hexdigest():
        return cpio
    check_cross_libc()
    bins = {}
    for s in srcs:
        exe = WORK / s.stem
        run(f"compile {s.name}", [CC] + CFLAGS + ["-o", exe, s], timeout=300)
        run(f"compile {s.name}", ["aarch64-linux-gnu-strip", exe], check=False)
        bins[s.stem] = exe.read_bytes()
    cpio.write_bytes(newc([
        ("dev", 0o040755, b"", 0, 0),
        ("dev/console", 0o020600, b"", 5, 1),  # init's stdin/stdout/stderr
        ("proc", 0o040755, b"", 0, 0),
        ("init", 0o100755, bins["bench"], 0, 0),
        ("true", 0o100755, bins["true"], 0, 0),
        ("fsbench", 0o100755, bins["fsbench"], 0, 0),
        ("devtmp", 0o040755, b"", 0, 0),
        ("mnt", 0o040755, b"", 0, 0),
        ("modules", 0o040755, b"", 0, 0),
    ] + [("modules/" + Path(m).name, 0o100644,
          (WORK / "modules" / Path(m).name).read_bytes(), 0, 0) for m in MODULES]))
    stamp.write_text(h.hexdigest())
    return cpio


# ---------------------------------------------------------------- 3. boot

def boot(image, cpio, timeout_s, flags=QEMU_FLAGS, append=APPEND, extra=()):
    step = "boot Linux under QEMU"
    if not shutil.which(QEMU):
        raise StepError(step, f"{QEMU} not found (package qemu-system-arm; run tools/setup.sh)")
    cmd = (["timeout", "--kill-after=5", str(timeout_s), QEMU] + flags + list(extra) +
           ["-kernel", str(image), "-initrd", str(cpio), "-append", append])
    logfile = WORK / "qemu.log"
    proc = None
    try:
        with open(logfile, "wb") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            rc = proc.wait(timeout=timeout_s + 15)
    except subprocess.TimeoutExpired:
        rc = None
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    text = logfile.read_bytes().decode("utf-8", "replace").replace("\r", "")
    if "LINUXBENCH done" not in text:
        why = ("timed out" if rc in (None, 124, 137) else f"QEMU exited with status {rc}")
        raise StepError(step, f"{why} before the benchmarks finished (log: {logfile})",
                        cmd, text)
    return text


def parse(text, keys=RESULT_KEYS):
    vals = dict(re.findall(r"^LINUXBENCH (\w+)=(.*?)\s*$", text, re.M))
    if "error" in vals:
        raise StepError("run benchmarks", f"benchmark failed in the guest: {vals['error']}",
                        None, text)
    missing = [k for k in keys if k not in vals]
    if missing:
        raise StepError("parse output", f"missing {', '.join(missing)}", None, text)
    res = {k: int(vals[k]) for k in keys}
    res["uname_release"] = vals.get("uname_release", "")
    res["uname_version"] = vals.get("uname_version", "")
    return res


def fresh_disk():
    """A new ext4 image made like build/disk.img (tools/disk.mk): 256 MiB, no journal,
    4 KiB blocks, from disk/."""
    disk = WORK / "fs-disk.img"
    disk.unlink(missing_ok=True)
    run("make the disk image", ["truncate", "-s", "256M", disk])
    run("make the disk image", ["mke2fs", "-q", "-F", "-t", "ext4", "-O", "^has_journal",
                                "-b", "4096", "-m", "0", "-L", "ftl", "-E", "root_owner=0:0",
                                "-d", ROOT / "disk", disk])
    return disk


def run_fs(kinfo, cpio, args, t0):
    disk = fresh_disk()
    append = f"console=ttyAMA0 rdinit=/fsbench quiet fs_mib={args.fs_mib} fs_files={args.fs_files}"
    flags = [f if f != "shift=0" else args.fs_icount for f in QEMU_FLAGS]
    log(f"storage: {args.fs_mib} MiB, {args.fs_files} small files on {disk.name} "
        f"under QEMU -icount {args.fs_icount}")
    # The same drive options as tools/run.sh gives FTL's disk.
    res = parse(boot(WORK / "Image", cpio, args.timeout, flags, append,
                     ["-drive", f"file={disk},if=none,format=raw,id=disk0",
                      "-device", "virtio-blk-device,drive=disk0"]), FS_RESULT_KEYS)
    for k in ("uname_release", "uname_version"):
        res.pop(k)
    fsck = run("e2fsck the image", ["e2fsck", "-fn", disk], check=False)
    res.update({
        "e2fsck_clean": fsck.returncode == 0,
        "kernel_version": f"{kinfo['kernel_release']} (Debian {kinfo['kernel_package_version']})",
        "qemu_flags": " ".join(flags + ["-append", repr(append)]),
        "wall_s": round(time.monotonic() - t0, 1),
    })
    disk.unlink(missing_ok=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    size = res["fs_mib"] << 20
    log(f"storage: write {size / (res['fs_write_ns'] / 1e9) / 1e6:.1f} MB/s, read "
        f"{size / (res['fs_read_ns'] / 1e9) / 1e6:.1f} MB/s, "
        f"{res['fs_files'] / (res['fs_create_ns'] / 1e9):.0f} files/s  -> {out}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(WORK / "results.json"), help="results JSON path")
    ap.add_argument("--timeout", type=int, default=QEMU_TIMEOUT_S,
                    help="seconds QEMU may run (default %(default)s)")
    ap.add_argument("--fs-mib", type=int, default=0,
                    help="storage only: write and read back this many MiB, then create "
                    "--fs-files small files, on an ext4 image (writes --out)")
    ap.add_argument("--fs-files", type=int, default=200, help="small files (default %(default)s)")
    ap.add_argument("--fs-icount", default="shift=0",
                    help="storage only: QEMU's -icount option (default %(default)s)")
    args = ap.parse_args()
    t0 = time.monotonic()
    try:
        WORK.mkdir(parents=True, exist_ok=True)
        kinfo = fetch_kernel()
        cpio = build_initramfs()
        if args.fs_mib:
            return run_fs(kinfo, cpio, args, t0)
        log(f"booting {kinfo['kernel_package']} {kinfo['kernel_package_version']} "
            "under QEMU -icount shift=0")
        res = parse(boot(WORK / "Image", cpio, args.timeout))
    except StepError as e:
        print(f"linux-baseline: {e}", file=sys.stderr)
        return 1
    res.update({
        "kernel_version": f"{res.pop('uname_release') or kinfo['kernel_release']} "
                          f"(Debian {kinfo['kernel_package_version']})",
        "kernel_uname_version": res.pop("uname_version"),
        "kernel_package": kinfo["kernel_package"],
        "kernel_package_version": kinfo["kernel_package_version"],
        "kernel_pinned": kinfo["kernel_pinned"],
        "qemu_flags": " ".join(QEMU_FLAGS + ["-append", repr(APPEND)]),
        "wall_s": round(time.monotonic() - t0, 1),
    })
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    log(f"pipe RT 1 B {res['pipe_rt_1b_ns']:,} ns, 4 KiB {res['pipe_rt_4k_ns']:,} ns, "
        f"socketpair 1 B {res['socketpair_rt_1b_ns']:,} ns, fork+exec+wait "
        f"{res['fork_exec_wait_ns'] / 1000:,.0f} us, boot to /init "
        f"{res['boot_to_init_ns'] / 1e9:.3f} s  -> {out}  ({res['wall_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
