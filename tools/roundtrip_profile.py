#!/usr/bin/env python3
"""Where the instructions of one channel round trip go: boots pingpong and echo (both
`inkernel`, or in the modes given), lets them warm up, then single-steps one whole
0-byte round trip under gdb and prints the instructions per function, kernel and apps.

usage: roundtrip_profile.py [--lines] [--call] [CLIENT_MODE SERVER_MODE]
                                               (default: inkernel inkernel)
--lines also prints the kernel's instructions per source line (where to cut next).
--call profiles a round trip made with ftl_channel_call (default: send, poll wait,
receive).
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from ftlboot import make_initfs  # noqa: E402


def spec_in_mode(app, mode, measure):
    spec = (ROOT / "apps" / app / "spec.yaml").read_text()
    spec = re.sub(r"(?m)^isolation: \w+", f"isolation: {mode}", spec)
    spec = spec.replace("number: 20000", "number: 100000000")
    if app == "pingpong":
        spec = spec.replace("env:\n", f"env:\n  measure: {{ string: {measure} }}\n")
    return spec


def main() -> int:
    args = [a for a in sys.argv[1:] if a not in ("--lines", "--call")]
    lines = "--lines" in sys.argv[1:]
    measure = "call" if "--call" in sys.argv[1:] else "pingpong"
    client, server = (args[0:2] if len(args) >= 2 else ("inkernel", "inkernel"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        initfs = make_initfs(tmp / "initfs.bin", ["pingpong", "echo"],
                             {"pingpong": spec_in_mode("pingpong", client, measure),
                              "echo": spec_in_mode("echo", server, measure)})
        out = tmp / "pcs.txt"
        names = tmp / "names.txt"
        env = dict(os.environ, FTL_PROFILE_OUT=str(out), FTL_PROFILE_MEASURE=measure)
        # One gdb session: trace, then name every program counter seen.
        sym = tmp / "sym.py"
        sym.write_text(
            "import gdb\n"
            f"pcs = sorted(set(int(l, 16) for l in open({str(out)!r}) if l.strip()))\n"
            f"with open({str(names)!r}, 'w') as f:\n"
            "    for pc in pcs:\n"
            "        s = gdb.execute(f'info symbol {pc:#x}', to_string=True).strip()\n"
            "        f.write(f'{pc:#x} {s}\\n')\n")
        r = subprocess.run([sys.executable, str(ROOT / "tools" / "debug.py"), "--initfs",
                            str(initfs), "--batch", "--timeout", "600",
                            "-ex", f"source {ROOT / 'tools' / 'gdb_roundtrip.py'}",
                            "-ex", f"source {sym}"],
                           env=env, capture_output=True, text=True, timeout=700)
        if not out.exists() or not names.exists():
            print(r.stdout[-3000:], r.stderr[-3000:], file=sys.stderr)
            return 1
        pcs = [int(line, 16) for line in out.read_text().split()]
        (ROOT / "build" / "roundtrip_pcs.txt").write_text(out.read_text())  # for a closer look
        name_of = {}
        for line in names.read_text().splitlines():
            pc, _, s = line.partition(" ")
            m = re.match(r"(\S+)(?: \+ \d+)? in section \S+(?: of (\S+))?", s)
            where = Path(m.group(2)).stem if m and m.group(2) else "kernel"
            if m:
                name_of[int(pc, 16)] = f"{m.group(1)} ({where})"
            else:  # user-mode apps share one address: gdb names only one of them
                name_of[int(pc, 16)] = "user-mode app code" if int(pc, 16) < 1 << 39 else s
    counts = collections.Counter(name_of.get(pc, "?") for pc in pcs)
    how = "ftl_channel_call" if measure == "call" else "send, poll wait, receive"
    print(f"one 0-byte round trip ({how}), {client} client <-> {server} echo: "
          f"{len(pcs)} instructions")
    for name, n in counts.most_common():
        print(f"{n:6}  {name}")
    if lines:
        print_lines([pc for pc in pcs if pc >= 1 << 39])
    return 0


def print_lines(pcs):
    """Kernel instructions per source line (llvm-addr2line on build/kernel.elf)."""
    uniq = sorted(set(pcs))
    out = subprocess.run(["llvm-addr2line", "-e", str(ROOT / "build" / "kernel.elf")] +
                         [hex(pc) for pc in uniq], capture_output=True, text=True).stdout
    where = dict(zip(uniq, (line.replace(str(ROOT) + "/", "") for line in out.splitlines())))
    counts = collections.Counter(where.get(pc, "?") for pc in pcs)
    print("kernel instructions per source line:")
    for name, n in counts.most_common(60):
        print(f"{n:6}  {name}")


if __name__ == "__main__":
    sys.exit(main())
