#!/usr/bin/env python3
"""`make bench`, pipes part (docs/pipes.md): throughput of pipelines typed into the shell,
under -icount shift=0,sleep=on (guest clock: 1 ns = 1 guest instruction; while the guest
idles waiting for keys, its clock runs with the host's). The shell's `stats` gives the
guest uptime before and after each pipeline; MB/s = bytes through the pipe / elapsed.

- `yes | head -c 64M | wc -c`: three stages (user, user, wasm), 64 MiB through two pipes.
- `yes | head -c 64M | cat | cat | wc -c`: two more user-mode copies.
- `yes | head -c 16M | upper | wc -c`: upper in its spec's mode (inkernel).

and the same pipelines of busybox on Debian's Linux booted directly on the same QEMU
under the same -icount (tools/linux_guest_check.py's guest; its /proc/uptime before and
after), plus `cat | cat | tee file | wc -c` on both sides (FTL: a file on the ext4 disk through
the fs server; Linux: a file on the initramfs's tmpfs).

Prints a table and `BENCH pipes ...` lines. Never fails on a figure.
"""
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import Qemu, make_initfs  # noqa: E402

APPS = ["shell", "virtio_blk", "fs", "cat", "wc", "head", "upper", "yes", "tee"]
PIPELINES = [("yes | head -c 64M | wc -c", 64 << 20),
             ("yes | head -c 64M | cat | cat | wc -c", 64 << 20),
             ("yes | head -c 16M | upper | wc -c", 16 << 20),
             ("yes | head -c 16M | cat | cat | tee file:/bench_cat | wc -c", 16 << 20)]
# The same on busybox in Linux (upper: tr a-z A-Z; the file: a tmpfs file).
LINUX = {PIPELINES[0][0]: "yes | head -c 67108864 | wc -c",
         PIPELINES[1][0]: "yes | head -c 67108864 | cat | cat | wc -c",
         PIPELINES[2][0]: "yes | head -c 16777216 | tr a-z A-Z | wc -c",
         PIPELINES[3][0]: "yes | head -c 16777216 | cat | cat | tee /tmp/bench_cat | wc -c"}


def linux_ms(pipelines):
    """Guest ms of each pipeline in busybox's sh on Linux alone, or None if no guest."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from linux_guest_check import Guest
    except ImportError:
        return None
    out = {}
    try:
        with Guest(icount="shift=0,sleep=on") as g:
            for name, cmd in pipelines.items():
                status, stdout, _ = g.client.run(
                    f"a=$(cut -d' ' -f1 /proc/uptime); {cmd} >/dev/null; "
                    f"b=$(cut -d' ' -f1 /proc/uptime); echo $a $b", timeout=1200)
                a, b = (float(x) for x in stdout.split())
                out[name] = int((b - a) * 1000)
    except (FileNotFoundError, OSError) as e:
        print(f"bench_pipes: no Linux figures ({e})")
        return None
    return out


def uptime_ms(q):
    mark = len(q.lines)
    q.type("stats\r")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in q.lines[mark:]:
            m = re.match(r"^uptime\s+(\d+) ms$", line)
            if m:
                return int(m.group(1))
        time.sleep(0.02)
    raise RuntimeError("no uptime line")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        initfs = make_initfs(Path(tmp) / "initfs.bin", APPS)
        q = Qemu(initfs, timeout_s=3000, console_input=True,
                 extra=["-icount", "shift=0,sleep=on"])
        rows = []
        try:
            q.wait_for(r"FTL shell: type help", timeout_s=120)
            time.sleep(1)
            for cmd, nbytes in PIPELINES:
                t0 = uptime_ms(q)
                mark = len(q.lines)
                q.type(cmd + "\r")
                deadline = time.monotonic() + 2400
                while not any(line == str(nbytes) for line in q.lines[mark:]):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{cmd}: no count; log:\n" + "\n".join(q.lines[-20:]))
                    time.sleep(0.05)
                time.sleep(0.2)
                t1 = uptime_ms(q)
                rows.append((cmd, nbytes, t1 - t0))
        finally:
            q.stop()
    lx = linux_ms(LINUX) or {}
    print(f"{'pipeline (guest clock, -icount)':56} {'MiB':>5} {'ms':>8} {'MB/s':>8} "
          f"{'busybox MB/s':>13} {'ratio':>6}")
    for cmd, nbytes, ms in rows:
        mbs = nbytes / 1e6 / (ms / 1000)
        lms = lx.get(cmd)
        lmbs = nbytes / 1e6 / (lms / 1000) if lms else None
        extra = f"{lmbs:13.1f} {mbs / lmbs:5.2f}x" if lmbs else f"{'-':>13} {'-':>6}"
        print(f"{cmd:56} {nbytes >> 20:5d} {ms:8d} {mbs:8.1f} {extra}")
        print(f"BENCH pipes {cmd.replace(' ', '')} mb_per_s={mbs:.1f}"
              + (f" busybox_mb_per_s={lmbs:.1f}" if lmbs else ""))


if __name__ == "__main__":
    main()
