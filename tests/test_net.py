"""Networking end to end: virtio_net + tcpip + apiserver on QEMU's user network, reached
from the host through a port forwarded to the apiserver's port 80 (docs/networking.md)."""
import http.client
import json
import socket
import threading
import time

import pytest

from ftlboot import ROOT

NET_APPS = ["virtio_net", "tcpip", "apiserver"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boot_net(boot, isolation=None, legacy=False):
    """Boots the three apps with a NIC forwarded from a free host port and waits for
    DHCP. `isolation` replaces the mode in all three specs; `legacy` leaves QEMU's
    virtio-mmio in its default legacy mode. Returns (os, port)."""
    port = free_port()
    extra = ["-netdev", f"user,id=testnet,hostfwd=tcp:127.0.0.1:{port}-:80",
             "-device", "virtio-net-device,netdev=testnet"]
    if not legacy:
        extra += ["-global", "virtio-mmio.force-legacy=false"]
    specs = None
    if isolation:
        specs = {a: (ROOT / "apps" / a / "spec.yaml").read_text()
                 .replace("isolation: inkernel", f"isolation: {isolation}") for a in NET_APPS}
    os = boot(apps=NET_APPS, specs=specs, extra=extra)
    os.wait_for(r"\[tcpip\s*\] INFO   DHCP: got 10\.0\.2\.15", timeout_s=60)
    os.wait_for(r"apiserver: serving HTTP on port 80", timeout_s=10)
    return os, port


@pytest.fixture
def server(boot):
    os, port = boot_net(boot)
    yield os, port
    assert "PANIC" not in os.log()


def request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def raw_exchange(port, data, shut=False, timeout=15):
    """Sends raw bytes and returns everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)


def status_of(reply):
    assert reply.startswith(b"HTTP/1.1 "), reply[:100]
    return int(reply.split(b" ", 2)[1])


def test_dhcp_then_every_endpoint_answers_from_the_host(server):
    os, port = server
    status, headers, body = request(port, "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<table id=\"ps\"" in body and b"fetch(" in body

    status, _, body = request(port, "GET", "/api/ps")
    assert status == 200
    procs = {p["name"]: p for p in json.loads(body)["processes"]}
    assert set(NET_APPS) <= set(procs)
    for p in procs.values():
        assert p["isolation"] in ("inkernel", "user", "wasm")
        assert p["handles"] > 0 and p["memory"] > 0
        # Kernel memory charged to each app: its own memory at least, within its limit.
        assert p["memory"] <= p["kmem"] <= p["kmem_limit"] and p["kmem"] <= p["kmem_peak"]

    status, _, body = request(port, "GET", "/api/uptime")
    up = json.loads(body)
    assert status == 200 and up["uptime_ns"] > 0 and up["processes"] >= 3

    status, _, body = request(port, "GET", "/api/stats")
    kernel = json.loads(body)["kernel"]
    assert status == 200 and kernel["kmem_reserve"] >= 2 << 20
    assert kernel["kmem_charged"] > 0 and kernel["free_pages"] > kernel["kmem_reserve"] // 4096

    status, _, body = request(port, "GET", "/api/logs")
    lines = json.loads(body)["lines"]
    assert status == 200 and any("DHCP: got 10.0.2.15" in line for line in lines)

    status, headers, body = request(port, "POST", "/api/echo", body=b"hello, ftl\x00\xff",
                                    headers={"Content-Type": "application/x-test"})
    assert (status, body) == (200, b"hello, ftl\x00\xff")
    assert headers["Content-Type"] == "application/x-test"

    assert request(port, "GET", "/nope")[0] == 404
    assert request(port, "DELETE", "/api/ps")[0] == 405


def test_keep_alive_serves_many_requests_on_one_connection(server):
    _, port = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(20):
        conn.request("POST", "/api/echo", body=f"request {i}".encode())
        r = conn.getresponse()
        assert (r.status, r.read()) == (200, f"request {i}".encode())
    conn.close()


def test_200_requests_over_16_concurrent_connections_all_succeed(server):
    _, port = server
    results = []
    lock = threading.Lock()

    def client(n, count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(count):
            path = ("/api/uptime", "/api/ps", "/", "/api/logs")[(n + i) % 4]
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            with lock:
                results.append((r.status, len(body)))
        conn.close()

    threads = [threading.Thread(target=client, args=(n, 13 if n < 8 else 12)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 200
    assert all(status == 200 and size > 0 for status, size in results)


def net_stats(port):
    status, _, body = request(port, "GET", "/api/stats")
    assert status == 200
    return json.loads(body)["net"]


# Counters of frames and connection requests lost inside the guest: each must stay 0.
NET_LOSS_COUNTERS = [
    ("driver", "rx_bad"), ("driver", "tx_bad"),
    ("netdev", "rx_no_pbuf"), ("netdev", "tx_dropped"),
    ("tcp", "syn_backlog_drops"), ("tcp", "syn_no_pcb"), ("tcp", "syn_on_timewait"),
    ("tcp", "accept_refused"),
    ("mem", "heap_err"), ("mem", "pbuf_pool_err"), ("mem", "tcp_pcb_err"), ("mem", "tcp_seg_err"),
]


def test_500_short_connections_over_16_clients_all_succeed_and_nothing_is_dropped(server):
    _, port = server
    before = net_stats(port)
    results = []
    lock = threading.Lock()

    def client(n, count):
        for i in range(count):
            path = ("/api/uptime", "/")[(n + i) % 2]
            status, headers, body = request(port, "GET", path, headers={"Connection": "close"},
                                            timeout=30)
            with lock:
                results.append((status, headers.get("Connection"), len(body)))

    threads = [threading.Thread(target=client, args=(n, 32 if n < 4 else 31)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 500
    assert all(status == 200 and conn == "close" and size > 0 for status, conn, size in results)

    time.sleep(0.3)  # the driver reports its counters to tcpip at most every 100 ms
    after = net_stats(port)
    assert after["tcp"]["accepted"] - before["tcp"]["accepted"] >= 500
    assert after["tcp"]["syn_received"] - before["tcp"]["syn_received"] >= 500
    assert after["driver"]["rx_frames"] - before["driver"]["rx_frames"] >= 500 * 4
    assert after["netdev"]["rx_frames"] >= after["driver"]["rx_frames"]
    assert after["tcp"]["pcbs_max"] == 64
    lost = {f"{layer}.{name}": after[layer][name] for layer, name in NET_LOSS_COUNTERS
            if after[layer][name] != 0}
    assert lost == {}


# (name, request bytes, statuses accepted). Each is sent on its own connection.
MALFORMED = [
    ("bad method", b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", {400}),
    ("missing CR", b"GET / HTTP/1.1\nHost: a\n\n", {400}),
    ("no Host", b"GET / HTTP/1.1\r\n\r\n", {400}),
    ("bad version", b"GET / HTTP/9.9\r\nHost: a\r\n\r\n", {400, 505}),
    ("huge header", b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", {431}),
    ("many headers", b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X-H: 1\r\n" * 100 + b"\r\n", {431}),
    ("huge target", b"GET /" + b"x" * 5000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", {414}),
    ("huge body", b"POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n", {413}),
    ("bad length", b"POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", {400}),
    ("binary garbage", bytes(range(256)) * 4, {400}),
]


@pytest.mark.parametrize("name,data,statuses", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_request_gets_4xx_and_the_server_keeps_serving(server, name, data, statuses):
    _, port = server
    reply = raw_exchange(port, data)
    assert status_of(reply) in statuses, f"{name}: {reply[:200]!r}"
    assert request(port, "GET", "/api/uptime")[0] == 200


def test_truncated_body_times_out_with_408_and_the_server_keeps_serving(server):
    _, port = server
    reply = raw_exchange(port, b"POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n"
                               b"\r\nonly part of it", timeout=30)
    assert status_of(reply) == 408
    assert request(port, "GET", "/api/uptime")[0] == 200


def test_slowloris_clients_do_not_delay_others(server):
    _, port = server
    slow = []
    for _ in range(4):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /api/uptime HTTP/1.1\r\n")
        slow.append(s)
    stop = threading.Event()

    def drip():
        # One header byte every 200 ms on each slow connection, until told to stop.
        while not stop.is_set():
            for s in slow:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
            time.sleep(0.2)

    dripper = threading.Thread(target=drip)
    dripper.start()
    try:
        # While the slow clients are mid-request, others are served in full.
        for _ in range(30):
            assert request(port, "GET", "/api/uptime", timeout=5)[0] == 200
        for s in slow:
            s.setblocking(False)
            with pytest.raises(BlockingIOError):
                s.recv(1)  # still waiting: no answer yet, connection open
    finally:
        stop.set()
        dripper.join()
    # The server cuts the slow requests at its request deadline.
    for s in slow:
        s.settimeout(30)
        assert status_of(s.recv(4096)) == 408
        s.close()


def test_driver_stack_and_server_also_run_as_user_apps(boot):
    os, port = boot_net(boot, isolation="user")
    status, _, body = request(port, "GET", "/api/ps")
    procs = {p["name"]: p for p in json.loads(body)["processes"]}
    assert status == 200 and all(procs[a]["isolation"] == "user" for a in NET_APPS)
    payload = bytes(range(256)) * 40
    assert request(port, "POST", "/api/echo", body=payload)[2] == payload
    assert "PANIC" not in os.log()


def test_driver_also_drives_a_legacy_virtio_mmio_device(boot):
    os, port = boot_net(boot, legacy=True)
    os.wait_for(r"registered with tcpip \(legacy virtio-mmio")
    payload = b"legacy" * 1000
    assert request(port, "POST", "/api/echo", body=payload)[2] == payload
