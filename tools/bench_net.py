#!/usr/bin/env python3
"""`make bench`, networking part: HTTP requests per second and latency percentiles
against FTL's apiserver (virtio_net + tcpip + apiserver) from the host with Apache
Bench (Debian's apache2-utils), at 1 and 16 concurrent keep-alive connections,
through QEMU's user network. Host wall time: noisy, for orders of magnitude only.
"""
import re
import socket
import time
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from ftlboot import Qemu, make_initfs  # noqa: E402
from test_net import NET_APPS, free_port  # noqa: E402


def ab(url, requests, concurrency):
    out = subprocess.run(["ab", "-q", "-k", "-n", str(requests), "-c", str(concurrency), url],
                         capture_output=True, text=True, timeout=300).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    pct = {int(m.group(1)): int(m.group(2))
           for m in re.finditer(r"^\s+(50|90|99|100)%\s+(\d+)", out, re.M)}
    return rps, failed, pct


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


def main() -> int:
    import tempfile
    port, sink_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        initfs = make_initfs(Path(tmp) / "initfs.bin", NET_APPS + ["netsink"])
        q = Qemu(initfs, timeout_s=900, extra=[
            "-netdev", f"user,id=benchnet,hostfwd=tcp:127.0.0.1:{port}-:80,"
                       f"hostfwd=tcp:127.0.0.1:{sink_port}-:9000",
            "-device", "virtio-net-device,netdev=benchnet",
            "-global", "virtio-mmio.force-legacy=false"])
        try:
            q.wait_for(r"DHCP: got 10\.0\.2\.15", timeout_s=60)
            q.wait_for(r"netsink: listening on port 9000", timeout_s=30)
            url = f"http://127.0.0.1:{port}/"  # fixed length: ab counts length changes as failures
            ab(url, 200, 4)  # warm up
            rows = [(c, *ab(url, n, c)) for c, n in ((1, 2000), (16, 5000))]
            host_mbs, guest_mbs = tcp_throughput(q, sink_port)
        finally:
            q.stop()
    print()
    print("HTTP GET / (the dashboard page), keep-alive, from the host through QEMU's user network "
          "(wall time)")
    print(f"{'connections':>12}{'requests/s':>12}{'failed':>8}{'p50 ms':>8}{'p90 ms':>8}"
          f"{'p99 ms':>8}{'max ms':>8}")
    for c, rps, failed, pct in rows:
        print(f"{c:>12}{rps:>12.0f}{failed:>8}{pct.get(50, -1):>8}{pct.get(90, -1):>8}"
              f"{pct.get(99, -1):>8}{pct.get(100, -1):>8}")
    print()
    print(f"TCP: 64 MiB from the host into netsink: {host_mbs:.1f} MB/s end to end "
          f"(the guest counted {guest_mbs:.1f} MB/s between first and last byte)")
    for c, rps, failed, pct in rows:
        print(f"BENCH http connections={c} requests_per_s={rps:.0f} failed={failed} "
              f"p50_ms={pct.get(50)} p90_ms={pct.get(90)} p99_ms={pct.get(99)}")
    print(f"BENCH tcp bytes={64 << 20} host_mb_per_s={host_mbs:.1f} guest_mb_per_s={guest_mbs:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
