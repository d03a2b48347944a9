#!/usr/bin/env python3
"""`make bench`, isolation: js: under -icount (1 ns of guest clock per instruction)
- a 64-byte channel round trip from JS (apps/js_pingpong) against the native echo,
  beside the native pingpong (inkernel client, same echo);
- spawn-to-exit of a JS app (apps/test_js_check spawning test_js_fault, which reads
  one message and exits);
- the arena of an empty JS app (js-run --stats, the same runtime on the host).
Prints a table and BENCH lines. Never fails on timing."""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import ROOT, Qemu, make_initfs  # noqa: E402


def boot_log(apps, specs, done):
    with tempfile.TemporaryDirectory() as tmp:
        q = Qemu(make_initfs(Path(tmp) / "initfs.bin", apps, specs), icount=True, timeout_s=900)
        try:
            q.wait_for(done, timeout_s=850)
        finally:
            q.stop()
    return q.log()


def main() -> int:
    spec = (ROOT / "apps" / "test_js_check" / "spec.yaml").read_text().replace(
        "{ number: 1000 }", "{ number: 100 }")
    log = boot_log(["test_js_check", "test_js_fault"], {"test_js_check": spec}, r"TEST DONE")
    spawn_ns = int(re.search(r"BENCH spawn mode=js ns_spawn_to_exit=(\d+)", log).group(1))
    log = boot_log(["js_pingpong", "echo"], {}, r"wait=event_loop")
    js = {m.group(1): int(m.group(2)) for m in re.finditer(
        r"BENCH js_pingpong wait=(\w+) bytes=64 ns_per_round_trip=(\d+)", log)}
    log = boot_log(["pingpong", "echo"], {}, r"BENCH done")
    native = int(re.search(r"BENCH pingpong bytes=64 ns_per_round_trip=(\d+)", log).group(1))
    empty = Path(tempfile.mkdtemp()) / "main.js"
    empty.write_text("")
    out = subprocess.run([str(ROOT / "build" / "quickjs" / "js-run"), "--stats", "1", str(empty)],
                         capture_output=True, text=True).stdout
    held = int(re.search(r"arena: (\d+) bytes held after load \((\d+) in blocks\)", out).group(1))
    blocks = int(re.search(r"\((\d+) in blocks\)", out).group(1))

    print("isolation: js (guest clock, -icount)")
    print(f"  64 B round trip to the native echo: JS with a Poll {js['poll']} ns, JS through "
          f"the event loop {js['event_loop']} ns, native inkernel client {native} ns "
          f"({js['poll'] / native:.1f}x, {js['event_loop'] / native:.1f}x)")
    print(f"  spawn a JS app and wait for its exit (target <= 1 ms): {spawn_ns / 1000:.0f} us "
          f"({'met' if spawn_ns <= 1_000_000 else 'missed'})")
    print(f"  empty JS app's arena (target <= 64 KiB): {blocks // 1024} KiB in blocks, "
          f"{held // 1024} KiB of pages ({'met' if held <= 65536 else 'missed'})")
    for wait, ns in js.items():
        print(f"BENCH js_pingpong wait={wait} bytes=64 ns_per_round_trip={ns} "
              f"native_inkernel_ns={native}")
    print(f"BENCH spawn mode=js ns_spawn_to_exit={spawn_ns}")
    print(f"BENCH js_empty_app arena_bytes={held} block_bytes={blocks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
