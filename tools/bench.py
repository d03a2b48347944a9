#!/usr/bin/env python3
"""`make bench`: FTL's benchmarks under QEMU with -icount shift=0, so the guest
clock advances 1 ns per guest instruction and figures repeat run to run.

Prints a table and machine-readable `BENCH ...` lines. Never fails on timing.
Baselines are Debian's arm64 Linux 6.1 measured the same way (docs/benchmarks.md),
or measured in this run with --linux when tools/linux-baseline.sh has run.
"""
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import Qemu, make_initfs  # noqa: E402

# Debian's arm64 Linux 6.1 under the same QEMU flags (docs/benchmarks.md).
LINUX_PIPE_ROUND_TRIP_NS = 15088
LINUX_BOOT_TO_INIT_NS = 850_000_000
TARGET_ROUND_TRIP_RATIO = 10     # in-kernel channel round trip <= 1/10 of the pipe
TARGET_BOOT_RATIO = 100          # boot to the first app's log line <= 1/100 of Linux's


def run_pingpong():
    with tempfile.TemporaryDirectory() as tmp:
        initfs = make_initfs(Path(tmp) / "initfs.bin", ["pingpong", "echo"])
        q = Qemu(initfs, icount=True, timeout_s=900)
        try:
            q.wait_for(r"BENCH done", timeout_s=850)
        finally:
            q.stop()
    boot_us = int(re.search(r"boot: first app log line at (\d+) us", q.log()).group(1))
    rows = []
    for m in re.finditer(r"BENCH pingpong mode=(\w+) bytes=(\d+) ns_per_round_trip=(\d+) "
                         r"msgs_per_s=(\d+)", q.log()):
        rows.append((m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))))
    return boot_us * 1000, rows


def main() -> int:
    boot_ns, rows = run_pingpong()
    print()
    print("FTL benchmarks (guest clock under -icount shift=0: 1 ns = 1 guest instruction)")
    print()
    print(f"{'pingpong':<22}{'bytes':>7}{'ns/round trip':>15}{'msgs/s':>12}"
          f"{'vs Linux pipe':>15}{'target':>9}")
    for mode, size, ns, rate in rows:
        ratio = LINUX_PIPE_ROUND_TRIP_NS / ns if ns else float("inf")
        target = "met" if ns * TARGET_ROUND_TRIP_RATIO <= LINUX_PIPE_ROUND_TRIP_NS else "missed"
        print(f"{mode + ' <-> ' + mode:<22}{size:>7}{ns:>15,}{rate:>12,}{ratio:>14.1f}x"
              f"{target if size == 0 else '':>9}")
    boot_ratio = LINUX_BOOT_TO_INIT_NS / boot_ns if boot_ns else float("inf")
    print()
    print(f"boot to first app log line: {boot_ns / 1e6:.3f} ms "
          f"(Linux to /init: {LINUX_BOOT_TO_INIT_NS / 1e6:.0f} ms, {boot_ratio:.0f}x faster; "
          f"target {TARGET_BOOT_RATIO}x: {'met' if boot_ratio >= TARGET_BOOT_RATIO else 'missed'})")
    print()
    for mode, size, ns, rate in rows:
        print(f"BENCH pingpong mode={mode} bytes={size} ns_per_round_trip={ns} msgs_per_s={rate} "
              f"linux_pipe_ratio={LINUX_PIPE_ROUND_TRIP_NS / ns:.2f}")
    print(f"BENCH boot ns_to_first_app_log={boot_ns} linux_ratio={boot_ratio:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
