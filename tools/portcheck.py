#!/usr/bin/env python3
"""Says clearly when the host port QEMU should forward to the guest is taken, and by
which process, before QEMU fails with "Could not set up host forwarding rule".

usage: portcheck.py PORT     (exit 0: free, 1: taken, with the reason on stderr)
"""
import re
import socket
import subprocess
import sys
from pathlib import Path


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        # QEMU's user network sets SO_REUSEADDR too: a closed connection still in
        # TIME_WAIT does not stop it, only a listener does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def holder(port: int):
    """(name, pid) of the process listening on `port`, as `ss -ltnp` tells, or None."""
    try:
        out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'users:\(\("([^"]+)",pid=(\d+)', out)
    return (m.group(1), int(m.group(2))) if m else None


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def main() -> int:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    if port_is_free(port):
        return 0
    say = lambda msg: print(f"FTL: {msg}", file=sys.stderr)  # noqa: E731
    say(f"port {port} on 127.0.0.1 is already in use, so QEMU cannot forward the "
        "dashboard to it.")
    who = holder(port)
    if who:
        name, pid = who
        cmd = command_line(pid)
        if "qemu-system-aarch64" in cmd and f"hostfwd=tcp:127.0.0.1:{port}-" in cmd:
            say(f"It is held by QEMU (pid {pid}): an FTL from an earlier `make run` is still "
                "running.")
        else:
            say(f"It is held by {name} (pid {pid}): {cmd or name}")
        say(f"Stop it with: kill {pid}")
    else:
        say("`ss -ltnp` does not say which process holds it (run it as root to see).")
    say(f"Or use another port: make run DASHBOARD_PORT={port + 1}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
