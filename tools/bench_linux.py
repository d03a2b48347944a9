#!/usr/bin/env python3
"""`make bench`, the Linux VM (docs/linux.md) against Debian's Linux booted directly on
the same QEMU (tools/linux-baseline, measured in this run), all under -icount shift=0
(1 ns = 1 guest instruction):

- reset -> the agent's HELLO in FTL's VM, vs reset -> /init on QEMU directly (target <= 1.25x);
- exec:/bin/true through the linux service, vs fork+exec+wait in Linux (target <= 3x);
- a command's stdout streamed to an FTL app (target >= 100 MB/s);
- the VM's exits during boot, by kind (docs/benchmarks.md explains each).

Never fails on timing."""
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bench import linux_baseline  # noqa: E402
from ftlboot import BUILD, Qemu, make_initfs  # noqa: E402


def run_ftl():
    """The linux app and linux_bench in one boot; returns its log."""
    if not (BUILD / "linux" / "Image").exists():
        raise SystemExit("bench_linux: no guest in build/linux (make linux-guest)")
    with tempfile.TemporaryDirectory() as tmp:
        initfs = make_initfs(Path(tmp) / "initfs.bin", ["linux", "linux_bench"])
        q = Qemu(initfs, icount=True, timeout_s=1200)
        try:
            q.wait_for(r"BENCH done", timeout_s=1150)
        finally:
            q.stop()
    return q.log()


def main() -> int:
    base, source = linux_baseline()
    log = run_ftl()
    ready = re.search(r"agent ready \(.*?\) (\d+) ms after boot, at (\d+) us; exits: (.*?);", log)
    true_ns = int(re.search(r"BENCH linux exec_true_ns=(\d+)", log).group(1))
    m = re.search(r"BENCH linux stdout_bytes=(\d+) ns=(\d+) status=(-?\d+)", log)
    stream_mb_s = int(m.group(1)) * 1000 / int(m.group(2))
    ready_ns = int(ready.group(2)) * 1000
    boot_base = base["boot_to_init_ns"]
    fork_base = base["fork_exec_wait_ns"]
    print()
    print(f"Linux in FTL's VM vs Linux on QEMU directly (guest clock, -icount shift=0; baseline: {source})")
    print(f"{'':<44}{'FTL VM':>14}{'Linux':>14}{'ratio':>8}")
    print(f"{'reset -> agent ready / -> /init (ns)':<44}{ready_ns:>14,}{boot_base:>14,}"
          f"{ready_ns / boot_base:>7.2f}x")
    print(f"{'exec:/bin/true / fork+exec+wait (ns)':<44}{true_ns:>14,}{fork_base:>14,}"
          f"{true_ns / fork_base:>7.2f}x")
    print(f"{'stdout stream to an app (MB/s)':<44}{stream_mb_s:>14.1f}")
    print(f"exits from boot to the agent's HELLO: {ready.group(3)}")
    print()
    print("targets")
    print(f"  boot <= 1.25x: {ready_ns / boot_base:.2f}x "
          f"({'met' if ready_ns <= 1.25 * boot_base else 'missed'})")
    print(f"  exec:/bin/true <= 3x fork+exec+wait: {true_ns / fork_base:.2f}x "
          f"({'met' if true_ns <= 3 * fork_base else 'missed'})")
    print(f"  stdout >= 100 MB/s: {stream_mb_s:.1f} MB/s "
          f"({'met' if stream_mb_s >= 100 else 'missed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
