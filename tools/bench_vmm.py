#!/usr/bin/env python3
"""`make bench`, isolation: vmm against user mode under -icount shift=0 (1 ns = 1 guest
instruction): the null call, pingpong round trips for the mode pairs with vmm, and
spawn-to-exit, with the ratio table. Never fails on timing."""
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bench import parse, run_pingpong, spec_in_mode  # noqa: E402
from ftlboot import Qemu, make_initfs  # noqa: E402

PAIRS = [("user", "user"), ("vmm", "vmm"), ("vmm", "user"), ("user", "vmm"),
         ("inkernel", "vmm")]


def run_spawn(mode, rounds=200):
    """ns from spawning test_exit in `mode` to its exit, averaged over `rounds`."""
    spawn = spec_in_mode("test_spawn", "user").replace("number: 1000", f"number: {rounds}")
    with tempfile.TemporaryDirectory() as tmp:
        initfs = make_initfs(Path(tmp) / "initfs.bin", ["test_spawn", "test_exit"],
                             {"test_spawn": spawn, "test_exit": spec_in_mode("test_exit", mode)})
        q = Qemu(initfs, icount=True, timeout_s=900)
        try:
            q.wait_for(r"TEST DONE", timeout_s=850)
        finally:
            q.stop()
    return int(re.search(r"ns_spawn_to_exit=(\d+)", q.log()).group(1))


def main() -> int:
    results = {pair: parse(run_pingpong(*pair)) for pair in PAIRS}
    spawn = {mode: run_spawn(mode) for mode in ("user", "vmm")}
    uu = results[("user", "user")][0]
    print()
    print("isolation: vmm (guest clock under -icount shift=0)")
    print(f"{'pingpong (client<->echo)':<26}{'bytes':>6}{'ns/round trip':>15}{'vs user<->user':>16}")
    for pair in PAIRS:
        rows = results[pair][0]
        for size, (ns, _) in sorted(rows.items()):
            print(f"{pair[0] + ' <-> ' + pair[1]:<26}{size:>6}{ns:>15,}{ns / uu[size][0]:>15.2f}x")
    null_user, null_vmm = results[("user", "user")][1], results[("vmm", "vmm")][1]
    print()
    print(f"{'':<26}{'user':>10}{'vmm':>10}{'ratio':>8}")
    print(f"{'null kernel call (ns)':<26}{null_user:>10,}{null_vmm:>10,}{null_vmm / null_user:>7.2f}x")
    print(f"{'spawn to exit (ns)':<26}{spawn['user']:>10,}{spawn['vmm']:>10,}"
          f"{spawn['vmm'] / spawn['user']:>7.2f}x")
    vv0 = results[("vmm", "vmm")][0][0][0]
    print()
    print("targets")
    print(f"  null hvc call <= 500 ns: {null_vmm} ns ({'met' if null_vmm <= 500 else 'missed'})")
    print(f"  vmm<->vmm 0-byte round trip <= 1.5x user<->user: {vv0 / uu[0][0]:.2f}x "
          f"({'met' if vv0 <= 1.5 * uu[0][0] else 'missed'})")
    print(f"  spawn+wait <= 2x user mode: {spawn['vmm'] / spawn['user']:.2f}x "
          f"({'met' if spawn['vmm'] <= 2 * spawn['user'] else 'missed'})")
    print()
    for pair in PAIRS:
        for size, (ns, rate) in sorted(results[pair][0].items()):
            print(f"BENCH pingpong client={pair[0]} server={pair[1]} bytes={size} "
                  f"ns_per_round_trip={ns} msgs_per_s={rate}")
    print(f"BENCH nullcall mode=vmm ns={null_vmm} user_ratio={null_vmm / null_user:.2f}")
    print(f"BENCH spawn mode=vmm ns_spawn_to_exit={spawn['vmm']} "
          f"user_ratio={spawn['vmm'] / spawn['user']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
