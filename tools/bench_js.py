#!/usr/bin/env python3
"""`make bench`, isolation: js: under -icount (1 ns of guest clock per instruction)
- a 64-byte channel round trip from JS (apps/js_pingpong) against the native echo,
  beside the native pingpong (inkernel client, same echo);
- spawn-to-exit of a JS hello (apps/test_js_check spawning test_js_hello:
  console.log('hello')) and of test_js_fault, which reads one message and exits;
- the memory of an empty JS app: its arena (js-run --stats, the same runtime on the
  host), and what a JS app waiting for a message makes the kernel hold (the kernel
  memory charged to it: arena, the engine's 256 KiB stack, process and thread).
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
    log = boot_log(["test_js_check", "test_js_fault", "test_js_guard", "test_js_hello"],
                   {"test_js_check": spec}, r"TEST DONE")
    spawn_ns = int(re.search(r"BENCH spawn mode=js ns_spawn_to_exit=(\d+)", log).group(1))
    hello_ns = int(re.search(r"BENCH spawn mode=js_hello ns_spawn_to_exit=(\d+)", log).group(1))
    waiting = re.search(r"BENCH js_waiting_app kmem_bytes=(\d+) pages=(\d+)", log)
    waiting_kmem, waiting_pages = int(waiting.group(1)), int(waiting.group(2))
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
    print(f"  spawn a JS hello and wait for its exit (target <= 1 ms): {hello_ns / 1000:.0f} us "
          f"({'met' if hello_ns <= 1_000_000 else 'missed'}); test_js_fault (reads a "
          f"message first): {spawn_ns / 1000:.0f} us")
    print(f"  empty JS app's arena (target <= 64 KiB): {blocks // 1024} KiB in blocks, "
          f"{held // 1024} KiB of pages ({'met' if held <= 65536 else 'missed'})")
    print(f"  a JS app waiting for a message holds {waiting_kmem // 1024} KiB of kernel memory "
          f"({waiting_pages} pages), 256 KiB of it the engine's stack")
    for wait, ns in js.items():
        print(f"BENCH js_pingpong wait={wait} bytes=64 ns_per_round_trip={ns} "
              f"native_inkernel_ns={native}")
    print(f"BENCH spawn mode=js ns_spawn_to_exit={spawn_ns}")
    print(f"BENCH spawn mode=js_hello ns_spawn_to_exit={hello_ns}")
    print(f"BENCH js_waiting_app kmem_bytes={waiting_kmem} pages={waiting_pages}")
    print(f"BENCH js_empty_app arena_bytes={held} block_bytes={blocks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
