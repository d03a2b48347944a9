#!/usr/bin/env python3
"""`make bench`, networking part: HTTP requests per second and latency (p50, p99, max)
against FTL's apiserver (virtio_net + tcpip + apiserver) from the host with wrk, at 1 and
16 concurrent connections, with keep-alive and with a new connection per request
(`Connection: close`), through QEMU's user network; then TCP throughput into netsink.

Each configuration runs FTL_BENCH_NET_RUNS times (default 3) and the table shows the range.
Beside each run it counts where connections were lost: the host kernel's ListenOverflows
(QEMU's forwarded port listens with a backlog of 1, so connections that arrive while QEMU
is busy are dropped there and the client retries after 1 s or more) and the guest's own
drop counters from /api/stats (which should stay 0). Everything runs twice: with QEMU as
it is, and with QEMU's listen backlog raised to 128 by tools/listen_backlog.c (a preload
library), which leaves only the guest's own tail. Host wall time: noisy on a shared
machine, so read the ranges and the counters, not one figure. Never fails on timing.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import Qemu, make_initfs  # noqa: E402
from test_net import NET_APPS, NET_LOSS_COUNTERS, free_port  # noqa: E402

DURATION_S = 5
RUNS = int(os.environ.get("FTL_BENCH_NET_RUNS", "3"))
UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def listen_overflows():
    """The host's TcpExt ListenOverflows counter (what `nstat` shows), from /proc."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split()[1:], values.split()[1:]))["ListenOverflows"])
    return 0


def guest_drops(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats", timeout=10) as r:
        net = json.load(r)["net"]
    return sum(net.get(layer, {}).get(name, 0) for layer, name in NET_LOSS_COUNTERS)


def wrk(url, connections, keep_alive):
    """One wrk run; returns a dict of requests/s, p50/p99/max ms and errors."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{DURATION_S}s", "--timeout", "10s", "--latency"]
    if not keep_alive:
        cmd += ["-H", "Connection: close"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True,
                         timeout=DURATION_S + 60).stdout
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    lat = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": to_ms(pct["50"]), "p99": to_ms(pct["99"]), "max": to_ms(lat.group(1)),
            "errors": errors + (int(non2xx.group(1)) if non2xx else 0)}


def measure(port, connections, keep_alive):
    url = f"http://127.0.0.1:{port}/"
    runs = []
    for _ in range(RUNS):
        host0, guest0 = listen_overflows(), guest_drops(port)
        r = wrk(url, connections, keep_alive)
        time.sleep(0.2)  # the driver reports its counters every 100 ms
        r["host_overflows"] = listen_overflows() - host0
        r["guest_drops"] = guest_drops(port) - guest0
        runs.append(r)
    return runs


def tcp_throughput(q, port, size=64 << 20):
    """Sends `size` bytes to netsink; returns (host MB/s, guest-measured MB/s)."""
    chunk = bytes(range(256)) * 256
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        for _ in range(size // len(chunk)):
            s.sendall(chunk)
    m = q.wait_for(rf"netsink: received {size} bytes in (\d+) ns", timeout_s=300)
    host_s = time.monotonic() - start
    return size / host_s / 1e6, size / (int(m.group(1)) / 1e9) / 1e6


def span(runs, key, fmt):
    lo, hi = min(r[key] for r in runs), max(r[key] for r in runs)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}-{fmt.format(hi)}"


def build_preload(out_dir):
    """Builds tools/listen_backlog.c; returns its path, or None without a host compiler."""
    src = Path(__file__).resolve().parent / "listen_backlog.c"
    lib = Path(out_dir) / "listen_backlog.so"
    r = subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(lib), str(src), "-ldl"],
                       capture_output=True, text=True)
    return lib if r.returncode == 0 else None


def boot(initfs, port, sink_port, preload):
    """Boots the network apps and netsink, with `preload` in QEMU's LD_PRELOAD if given."""
    saved = os.environ.get("LD_PRELOAD")
    if preload:
        os.environ["LD_PRELOAD"] = str(preload)
    else:
        os.environ["FTL_RAW_QEMU"] = "1"  # tools/run.sh would preload it by itself
    try:
        q = Qemu(initfs, timeout_s=900, extra=[
            "-netdev", f"user,id=benchnet,hostfwd=tcp:127.0.0.1:{port}-:80,"
                       f"hostfwd=tcp:127.0.0.1:{sink_port}-:9000",
            "-device", "virtio-net-device,netdev=benchnet",
            "-global", "virtio-mmio.force-legacy=false"])
    finally:
        os.environ.pop("FTL_RAW_QEMU", None)
        if saved is None:
            os.environ.pop("LD_PRELOAD", None)
        else:
            os.environ["LD_PRELOAD"] = saved
    q.wait_for(r"DHCP: got 10\.0\.2\.15", timeout_s=60)
    q.wait_for(r"netsink: listening on port 9000", timeout_s=30)
    return q


def run_all(initfs, preload, with_tcp):
    port, sink_port = free_port(), free_port()
    q = boot(initfs, port, sink_port, preload)
    try:
        wrk(f"http://127.0.0.1:{port}/", 4, True)  # warm up
        rows = [(c, ka, measure(port, c, ka)) for c, ka in CONFIGS]
        tcp = tcp_throughput(q, sink_port) if with_tcp else None
    finally:
        q.stop()
    return rows, tcp


CONFIGS = [(1, True), (16, True), (1, False), (16, False)]


def print_table(title, rows):
    print()
    print(title)
    print(f"{'connections':>12}{'keep-alive':>11}{'requests/s':>13}{'p50 ms':>12}{'p99 ms':>16}"
          f"{'max ms':>16}{'errors':>8}{'host drops':>12}{'guest drops':>12}")
    for c, ka, runs in rows:
        print(f"{c:>12}{'yes' if ka else 'no':>11}{span(runs, 'rps', '{:.0f}'):>13}"
              f"{span(runs, 'p50', '{:.2f}'):>12}{span(runs, 'p99', '{:.1f}'):>16}"
              f"{span(runs, 'max', '{:.0f}'):>16}{sum(r['errors'] for r in runs):>8}"
              f"{sum(r['host_overflows'] for r in runs):>12}{sum(r['guest_drops'] for r in runs):>12}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        initfs = make_initfs(Path(tmp) / "initfs.bin", NET_APPS + ["netsink"])
        preload = build_preload(tmp)
        stock, (host_mbs, guest_mbs) = run_all(initfs, None, True)
        raised = run_all(initfs, preload, False)[0] if preload else None
    what = (f"HTTP GET / (the dashboard page) from the host through QEMU's user network with "
            f"wrk, {RUNS} runs of {DURATION_S} s each, ranges (wall time)")
    print_table(f"{what}; QEMU as it is (its forwarded port listens with a backlog of 1):",
                stock)
    if raised:
        print_table(f"{what}; QEMU's listen backlog raised to 128 (tools/listen_backlog.c):",
                    raised)
    else:
        print("(no host C compiler: the run with QEMU's listen backlog raised was skipped)")
    print("host drops: the host's ListenOverflows during the runs; guest drops: FTL's drop "
          "counters in /api/stats")
    print()
    print(f"TCP: 64 MiB from the host into netsink: {host_mbs:.1f} MB/s end to end "
          f"(the guest counted {guest_mbs:.1f} MB/s between first and last byte)")
    for backlog, rows in (("1", stock), ("128", raised)):
        for c, ka, runs in rows or []:
            for r in runs:
                print(f"BENCH http qemu_backlog={backlog} connections={c} keep_alive={int(ka)} "
                      f"requests_per_s={r['rps']:.0f} p50_ms={r['p50']:.2f} "
                      f"p99_ms={r['p99']:.1f} max_ms={r['max']:.0f} errors={r['errors']} "
                      f"host_listen_overflows={r['host_overflows']} "
                      f"guest_drops={r['guest_drops']}")
    print(f"BENCH tcp bytes={64 << 20} host_mb_per_s={host_mbs:.1f} guest_mb_per_s={guest_mbs:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
