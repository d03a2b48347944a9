#!/usr/bin/env python3
"""`make debug`: boots the default image in QEMU stopped at its first instruction with
the gdbstub on a free loopback port, and runs gdb-multiarch on it with the kernel's and
the apps' symbols (tools/gdb_ftl.py). The console goes to build/debug/console.log;
gdb prints its new lines at every stop (and on `ftl-log`). QEMU ends with gdb.

usage: debug.py [--app NAME] [--initfs FILE] [--batch] [--timeout S] [-ex CMD]...
  --app NAME   stop at app NAME's app_main (make debug APP=NAME)
  --batch      run gdb with -batch: connect, run the -ex commands, quit
  -ex CMD      a gdb command to run after connecting (and, with --app and without
               --batch, continuing to the app's app_main)
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app")
    ap.add_argument("--initfs", default=str(BUILD / "images" / "default" / "initfs.bin"))
    ap.add_argument("--batch", action="store_true")
    ap.add_argument("--timeout", type=int, default=0, help="stop QEMU after S seconds")
    ap.add_argument("-ex", dest="ex", action="append", default=[])
    args = ap.parse_args()

    for f in (BUILD / "kernel.elf", BUILD / "kernel.bin", Path(args.initfs)):
        if not f.exists():
            print(f"debug: no {f}: run make default-image first", file=sys.stderr)
            return 1
    if args.app and not (BUILD / "apps" / f"{args.app}.elf").exists():
        print(f"debug: no build/apps/{args.app}.elf (a wasm app, or not built?)", file=sys.stderr)
        return 1
    console = BUILD / "debug" / "console.log"
    console.parent.mkdir(parents=True, exist_ok=True)
    console.write_bytes(b"")
    port = free_port()
    qemu_cmd = [str(ROOT / "tools" / "run.sh"), str(BUILD / "kernel.bin"),
                "-initrd", args.initfs, "-S", "-gdb", f"tcp:127.0.0.1:{port}",
                "-serial", f"file:{console}", "-monitor", "none"]
    if args.timeout:
        qemu_cmd = ["timeout", "--kill-after=5", str(args.timeout)] + qemu_cmd
    env = dict(os.environ, FTL_BOOTARGS="debug=1")
    env.pop("FTL_HOSTFWD_PORT", None)
    qemu = subprocess.Popen(qemu_cmd, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        if not wait_listening(port, qemu):
            print("debug: QEMU did not open its gdbstub", file=sys.stderr)
            return 1
        gdb = ["gdb-multiarch", "-q", "-nx", "-iex", "set pagination off",
               "-iex", "set confirm off", "-x", str(ROOT / "tools" / "gdb_ftl.py"),
               "-ex", f"ftl-connect 127.0.0.1:{port}" + (f" {args.app}" if args.app else "")]
        if args.batch:
            gdb += ["-batch"]
        else:
            print(f"debug: the FTL console is in {console.relative_to(ROOT)}; gdb prints new "
                  "lines at each stop (tail -f it to follow live).\n"
                  "debug: `continue` boots; Ctrl-C stops FTL; `ftl-apps` lists the loaded apps; "
                  "quitting gdb ends QEMU.", flush=True)
            if args.app:
                gdb += ["-ex", "continue"]
        for cmd in args.ex:
            gdb += ["-ex", cmd]
        env = dict(os.environ, FTL_CONSOLE_LOG=str(console))
        # gdb takes Ctrl-C to stop the target; keep it from ending this script.
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return subprocess.run(gdb, env=env, cwd=ROOT, timeout=args.timeout or None,
                                  preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
                                  ).returncode
        finally:
            signal.signal(signal.SIGINT, old)
    finally:
        stop(qemu)


if __name__ == "__main__":
    sys.exit(main())
