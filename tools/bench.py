#!/usr/bin/env python3
"""`make bench`: FTL's benchmarks under QEMU with -icount shift=0, so the guest
clock advances 1 ns per guest instruction and figures repeat run to run.

Prints tables and machine-readable `BENCH ...` lines. Never fails on timing.
The Linux baselines are Debian's arm64 Linux 6.1 measured the same way
(docs/benchmarks.md).
"""
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import ROOT, Qemu, make_initfs  # noqa: E402

LINUX_PIPE_ROUND_TRIP_NS = 15088
LINUX_BOOT_TO_INIT_NS = 850_000_000
MODES = [("inkernel", "inkernel"), ("user", "inkernel"), ("inkernel", "user"), ("user", "user")]


def spec_in_mode(app, mode):
    spec = (ROOT / "apps" / app / "spec.yaml").read_text()
    return re.sub(r"(?m)^isolation: \w+", f"isolation: {mode}", spec)


def run_pingpong(client_mode, server_mode):
    """Boots pingpong (client) and echo (server) in the given modes; returns the log."""
    with tempfile.TemporaryDirectory() as tmp:
        initfs = make_initfs(Path(tmp) / "initfs.bin", ["pingpong", "echo"],
                             {"pingpong": spec_in_mode("pingpong", client_mode),
                              "echo": spec_in_mode("echo", server_mode)})
        q = Qemu(initfs, icount=True, timeout_s=900)
        try:
            q.wait_for(r"BENCH done", timeout_s=850)
        finally:
            q.stop()
    return q.log()


def parse(log):
    rows = {int(m.group(1)): (int(m.group(2)), int(m.group(3))) for m in re.finditer(
        r"BENCH pingpong bytes=(\d+) ns_per_round_trip=(\d+) msgs_per_s=(\d+)", log)}
    null_ns = int(re.search(r"BENCH nullcall ns=(\d+)", log).group(1))
    boot_us = int(re.search(r"boot: first app log line at (\d+) us", log).group(1))
    return rows, null_ns, boot_us * 1000


def main() -> int:
    results = {modes: parse(run_pingpong(*modes)) for modes in MODES}
    base_rows, _, boot_ns = results[("inkernel", "inkernel")]
    print()
    print("FTL benchmarks (guest clock under -icount shift=0: 1 ns = 1 guest instruction)")
    print()
    print(f"{'pingpong (client<->echo)':<26}{'bytes':>6}{'ns/round trip':>15}{'msgs/s':>12}"
          f"{'vs Linux pipe':>15}{'vs inkernel':>13}")
    for modes in MODES:
        rows, _, _ = results[modes]
        for size, (ns, rate) in sorted(rows.items()):
            print(f"{modes[0] + ' <-> ' + modes[1]:<26}{size:>6}{ns:>15,}{rate:>12,}"
                  f"{LINUX_PIPE_ROUND_TRIP_NS / ns:>14.1f}x{ns / base_rows[size][0]:>12.2f}x")
    print()
    print(f"{'null kernel call':<26}{'ns':>6}")
    print(f"{'inkernel':<26}{results[MODES[0]][1]:>6}")
    print(f"{'user':<26}{results[('user', 'user')][1]:>6}")
    print()
    ink0 = base_rows[0][0]
    uu0 = results[("user", "user")][0][0][0]
    boot_ratio = LINUX_BOOT_TO_INIT_NS / boot_ns
    print("targets")
    print(f"  inkernel round trip <= 1/10 of a Linux pipe (1,508 ns): {ink0:,} ns "
          f"({'met' if ink0 * 10 <= LINUX_PIPE_ROUND_TRIP_NS else 'missed'})")
    print(f"  user<->user round trip <= 1/5 of a Linux pipe (3,017 ns) and <= 3x inkernel: "
          f"{uu0:,} ns, {uu0 / ink0:.2f}x "
          f"({'met' if uu0 * 5 <= LINUX_PIPE_ROUND_TRIP_NS and uu0 <= 3 * ink0 else 'missed'})")
    print(f"  boot to first app log line <= 1/100 of Linux's 850 ms: {boot_ns / 1e6:.3f} ms, "
          f"{boot_ratio:.0f}x faster ({'met' if boot_ratio >= 100 else 'missed'})")
    print()
    for modes in MODES:
        rows, null_ns, _ = results[modes]
        for size, (ns, rate) in sorted(rows.items()):
            print(f"BENCH pingpong client={modes[0]} server={modes[1]} bytes={size} "
                  f"ns_per_round_trip={ns} msgs_per_s={rate} "
                  f"linux_pipe_ratio={LINUX_PIPE_ROUND_TRIP_NS / ns:.2f}")
    print(f"BENCH nullcall mode=inkernel ns={results[MODES[0]][1]}")
    print(f"BENCH nullcall mode=user ns={results[('user', 'user')][1]}")
    print(f"BENCH boot ns_to_first_app_log={boot_ns} linux_ratio={boot_ratio:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
