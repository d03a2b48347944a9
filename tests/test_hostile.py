"""A hostile app cannot take the system down: test_hostile_check runs every attack of
test_hostile (user mode) and test_hostile_wasm (wasm) beside echo, echo_client and the
network apps. While each hostile app holds what it took, the host checks that the
apiserver still answers; afterwards everything must come back (docs/isolation.md)."""
import json
import re
import socket
import time

from test_net import free_port, request

APPS = ["virtio_net", "tcpip", "apiserver", "echo", "echo_client", "test_idle",
        "test_hostile", "test_hostile_wasm", "test_hostile_check"]
ROUNDS = 8 + 7  # attacks in user mode + attacks in wasm mode (no DMA there)


def next_match(os, pattern, start, timeout_s):
    """The first line at index >= start matching `pattern`: (match, index after it)."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lines = os.lines
        for i in range(start, len(lines)):
            m = rx.search(lines[i])
            if m:
                return m, i + 1
        start = len(lines)
        time.sleep(0.05)
    raise AssertionError(f"no line matching {pattern!r}; log:\n" + "\n".join(os.lines[-60:]))


def test_hostile_apps_get_clean_errors_and_the_system_keeps_serving(boot):
    web, go = free_port(), free_port()
    extra = ["-netdev", f"user,id=testnet,hostfwd=tcp:127.0.0.1:{web}-:80,"
             f"hostfwd=tcp:127.0.0.1:{go}-:7000",
             "-device", "virtio-net-device,netdev=testnet",
             "-global", "virtio-mmio.force-legacy=false"]
    os = boot(apps=APPS, extra=extra, timeout_s=900)
    os.wait_for(r"\[tcpip\s*\] INFO   DHCP: got 10\.0\.2\.15", timeout_s=60)
    holds, seen = 0, 0
    while holds < ROUNDS:
        m, seen = next_match(os, r"HOLD (\S+) (\S+)|TEST DONE", seen, timeout_s=300)
        assert m.group(0) != "TEST DONE", "the checker stopped early:\n" + os.log()[-4000:]
        app, attack = m.group(1), m.group(2)
        status, _, body = request(web, "GET", "/api/uptime")
        assert status == 200, f"/api/uptime while {app} held {attack}: {status}"
        assert json.loads(body)["processes"] > 0
        status, _, body = request(web, "GET", "/api/ps")
        procs = {p["name"]: p for p in json.loads(body)["processes"]}
        if app in procs:  # its kernel memory never passes its limit
            assert procs[app]["kmem"] <= procs[app]["kmem_limit"], procs[app]
        with socket.create_connection(("127.0.0.1", go), timeout=30):
            pass
        holds += 1
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=300)
    results = [line for line in os.lines if re.search(r"TEST (PASS|FAIL) hostile\.", line)]
    print("\n".join(line for line in os.lines if re.search(r"INFO   test_hostile\S* done ", line)))
    print("\n".join(results))
    assert int(m.group(2)) == 0, "\n".join(line for line in results if "FAIL" in line)
    assert int(m.group(1)) == ROUNDS * 4
    # echo_client ran at boot and once per attack, each time to its end.
    done = [line for line in os.lines if "echo_client ] INFO   done: 4 replies" in line]
    assert len(done) == ROUNDS + 1
    # Log spam was cut and said so, in both modes.
    assert any("log lines dropped" in line for line in os.lines if "[test_hostile]" in line)
    assert any("log lines dropped" in line for line in os.lines if "[test_hostile_wasm" in line)
    spam = [line for line in os.lines if "log spam line" in line]
    assert len(spam) < 2 * 20000 // 4, "the log rate limit let most of the spam through"
    assert "PANIC" not in os.log()
