"""The controller and ftlctl against a booted FTL (docs/controller.md, docs/ftlctl.md):
apply, crash loops with growing backoff, delete, invalid specs, rollout restart, live
upgrade of echo under a client that checks sequence numbers, a bad upgrade that rolls
back, and an applied app that survives a reboot. One boot for all but the last test
(which reboots the same disk)."""
import http.client
import json
import re
import shutil
import subprocess
import sys
import time

import pytest

from ftlboot import BUILD, DISK_IMG, ROOT, Qemu, make_initfs
from test_net import free_port

APPS = ["virtio_net", "tcpip", "apiserver", "controller", "echo", "virtio_blk", "fs", "hello",
        "msglog", "ratelimit"]
FTLCTL = [sys.executable, str(ROOT / "tools" / "ftlctl")]
SEQ_ELF = str(BUILD / "apps/test_echo_seq.elf")  # not in the image: each apply uploads it


def boot_controller(tmp_path, disk):
    port = free_port()
    extra = ["-netdev", f"user,id=testnet,hostfwd=tcp:127.0.0.1:{port}-:80",
             "-device", "virtio-net-device,netdev=testnet",
             "-global", "virtio-mmio.force-legacy=false"]
    initfs = make_initfs(tmp_path / "initfs.bin", APPS)
    os = Qemu(initfs, extra=extra, disk=disk)
    os.wait_for(r"\[tcpip\s*\] INFO   DHCP: got 10\.0\.2\.15", timeout_s=60)
    os.wait_for(r"apiserver: serving HTTP on port 80", timeout_s=10)
    return os, port


@pytest.fixture(scope="module")
def ftl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("controller")
    disk = tmp / "disk.img"
    shutil.copy(DISK_IMG, disk)
    os, port = boot_controller(tmp, disk)
    state = {"os": os, "port": port, "disk": disk, "tmp": tmp}
    yield state
    state["os"].stop()
    assert "PANIC" not in state["os"].log()


def ftlctl(ftl, *args, check=True):
    r = subprocess.run(FTLCTL + ["--server", f"127.0.0.1:{ftl['port']}"] + list(args),
                       capture_output=True, text=True, timeout=60)
    if check:
        assert r.returncode == 0, f"ftlctl {' '.join(args)}: {r.stdout}{r.stderr}"
    return r


def wait_new(os, start, pattern, timeout_s=60):
    """The match of the first line after os.lines[start] matching `pattern`."""
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in os.lines[start:]:
            m = rx.search(line)
            if m:
                return m
        time.sleep(0.1)
    raise AssertionError(f"no line matching {pattern!r}:\n" + "\n".join(os.lines[-40:]))


def describe(ftl, app):
    out = ftlctl(ftl, "describe", app).stdout
    return dict(re.findall(r"^(\w+):\s*(.*)$", out, re.M))


def api(ftl, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", ftl["port"], timeout=10)
    try:
        conn.request(method, path, body=body)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def processes(ftl, name):
    status, body = api(ftl, "GET", "/api/ps")
    assert status == 200
    return [p for p in json.loads(body)["processes"] if p["name"] == name]


def spec_file(ftl, name, text):
    path = ftl["tmp"] / f"{name}.yaml"
    path.write_text(text)
    return str(path)


def test_get_apps_shows_the_image_apps(ftl):
    ftl["os"].wait_for(r"the answer is 42", timeout_s=10)  # hello's last line: it ends
    deadline = time.monotonic() + 10
    while True:
        out = ftlctl(ftl, "get", "apps").stdout
        if re.search(r"^hello\s+running\s+Completed\s+0\s+completed", out, re.M):
            break
        assert time.monotonic() < deadline, out
        time.sleep(0.2)
    assert re.search(r"^echo\s+running\s+Running\s+0", out, re.M), out


def test_invalid_spec_gets_400_with_line_and_reason(ftl):
    status, body = api(ftl, "POST", "/api/apps", "name: bad\nisolation: usr\n")
    assert status == 400
    assert body.strip() == "2: unknown isolation 'usr' (expected inkernel, user, wasm, js or vmm)"
    path = spec_file(ftl, "bad", "name: bad\nisolation: user\nenv:\n  x: { strng: a }\n")
    r = ftlctl(ftl, "apply", "-f", path, check=False)
    assert r.returncode == 1
    assert f"{path}:4: unknown env kind 'strng'" in r.stderr


def test_crash_loop_backs_off_more_each_time_and_delete_stops_it(ftl):
    os = ftl["os"]
    r = ftlctl(ftl, "apply", "-f", str(ROOT / "apps/test_crash/spec.yaml"),
               "--binary", str(BUILD / "apps/test_crash.elf"))
    assert "test_crash started" in r.stdout
    start = len(os.lines) - 1
    wait_new(os, start, r"test_crash crashed; restarting in 400 ms", timeout_s=20)
    first = describe(ftl, "test_crash")
    wait_new(os, start, r"test_crash crashed; restarting in 1600 ms", timeout_s=20)
    later = describe(ftl, "test_crash")
    assert first["restart"] == "always" and first["last_exit"] == "crashed"
    assert int(later["restarts"]) > int(first["restarts"]) >= 1
    assert int(later["backoff_ms"]) > int(first["backoff_ms"]) >= 400
    r = ftlctl(ftl, "delete", "test_crash")
    assert "test_crash deleted" in r.stdout
    ups = len([l for l in os.lines if "test_crash: up" in l])
    time.sleep(4)  # longer than the backoff it was at: a restart would show
    assert len([l for l in os.lines if "test_crash: up" in l]) == ups
    assert "test_crash" not in ftlctl(ftl, "get", "apps").stdout
    assert processes(ftl, "test_crash") == []


def test_uploaded_wasm_and_js_modules_run(ftl):
    # The engine keeps its module for the app's life: the kernel keeps its own copy.
    os = ftl["os"]
    start = len(os.lines)
    spec = spec_file(ftl, "wasm_hello2", "name: wasm_hello2\nisolation: wasm\nenv:\n"
                     "  greeting: { string: \"Hello from WebAssembly!\" }\n"
                     "  count: { number: 3 }\n")
    r = ftlctl(ftl, "apply", "-f", spec, "--binary", str(BUILD / "apps/wasm_hello.wasm"))
    assert "wasm_hello2 started" in r.stdout, r.stdout
    wait_new(os, start, r"\[wasm_hello2 \] INFO   Hello from WebAssembly! \(I am wasm_hello2\)")
    assert "wasm_hello2 deleted" in ftlctl(ftl, "delete", "wasm_hello2").stdout
    start = len(os.lines)
    spec = spec_file(ftl, "js_victim2", "name: js_victim2\nisolation: js\nenv:\n"
                     "  spin_ms: { number: 10 }\n")
    r = ftlctl(ftl, "apply", "-f", spec, "--binary", str(ROOT / "apps/test_victim_js/main.js"))
    assert "js_victim2 started" in r.stdout, r.stdout
    wait_new(os, start, r"\[js_victim2\s*\] INFO   waiting$")
    assert "js_victim2 deleted" in ftlctl(ftl, "delete", "js_victim2").stdout


def test_rollout_restart_starts_a_new_instance(ftl):
    before = len([l for l in ftl["os"].lines if "control: started echo" in l])
    assert "echo restarted" in ftlctl(ftl, "rollout", "restart", "echo").stdout
    d = describe(ftl, "echo")
    assert d["state"] == "Running" and int(d["restarts"]) >= 1
    assert len([l for l in ftl["os"].lines if "control: started echo" in l]) == before + 1
    assert len(processes(ftl, "echo")) == 1


def test_live_upgrade_loses_and_duplicates_nothing(ftl):
    os = ftl["os"]
    spec = (ROOT / "apps/test_echo_seq/spec.yaml").read_text()
    spec = spec.replace("until_reconnects: { number: 0 }", "until_reconnects: { number: 1 }")
    start = len(os.lines)
    ftlctl(ftl, "apply", "-f", spec_file(ftl, "seq", spec),
           "--binary", str(BUILD / "apps/test_echo_seq.elf"))
    wait_new(os, start, r"test_echo_seq: sending", timeout_s=10)
    r = ftlctl(ftl, "upgrade", "echo", str(BUILD / "apps/echo.elf"))
    assert "upgraded: the new instance serves" in r.stdout
    m = wait_new(os, start, r"test_echo_seq: done: (\d+) replies in order, (\d+) wrong, "
                 r"(\d+) reconnects")
    assert int(m[2]) == 0 and int(m[3]) >= 1 and int(m[1]) >= 2000, "\n".join(os.lines[-40:])
    assert not [l for l in os.lines if "test_echo_seq" in l and "ERROR" in l]
    assert len(processes(ftl, "echo")) == 1  # the old instance is gone
    d = describe(ftl, "echo")
    assert d["binary"] == "uploaded" and d["state"] == "Running"


def test_bad_upgrade_rolls_back_and_echo_still_serves(ftl):
    r = ftlctl(ftl, "upgrade", "echo", str(BUILD / "apps/test_crash.elf"), check=False)
    assert r.returncode == 1
    assert "upgrade rolled back: the new instance crashed at start" in r.stdout
    assert describe(ftl, "echo")["state"] == "Running"
    assert len(processes(ftl, "echo")) == 1
    # echo still answers: a short run of the sequence client
    spec = (ROOT / "apps/test_echo_seq/spec.yaml").read_text()
    spec = spec.replace("count: { number: 2000 }", "count: { number: 5 }")
    done = len([l for l in ftl["os"].lines if "test_echo_seq: done: 5 replies" in l])
    ftlctl(ftl, "apply", "-f", spec_file(ftl, "seq5", spec), "--binary", SEQ_ELF)
    deadline = time.monotonic() + 20
    while len([l for l in ftl["os"].lines if "test_echo_seq: done: 5 replies in order, 0 wrong"
               in l]) == done and time.monotonic() < deadline:
        time.sleep(0.2)
    assert time.monotonic() < deadline, "\n".join(ftl["os"].lines[-30:])


def test_interceptors_see_and_forward_every_message_and_the_limiter_limits(ftl):
    os = ftl["os"]
    spec = (ROOT / "apps/test_echo_seq/spec.yaml").read_text()
    spec = spec.replace("count: { number: 2000 }", "count: { number: 12 }")
    spec = spec.replace("echo:  { service: echo }", "echo:  { service: echo, via: [msglog, ratelimit] }")
    assert "via: [msglog, ratelimit]" in spec
    start = len(os.lines)
    ftlctl(ftl, "apply", "-f", spec_file(ftl, "seqvia", spec), "--binary", SEQ_ELF)
    wait_new(os, start, r"test_echo_seq: done: 12 replies in order, 0 wrong, 0 reconnects")
    m = wait_new(os, start, r"msglog: #(\d+) closed: (\d+) messages to echo, (\d+) back")
    assert (m[2], m[3]) == ("12", "12")
    logged = [l for l in os.lines[start:] if re.search(rf"msglog: #{m[1]} -> DATA\(", l)]
    assert [re.search(r'"(\d+)"', l)[1] for l in logged] == [str(i) for i in range(1, 13)]
    r = wait_new(os, start, r"ratelimit: #\d+ closed: (\d+) messages to echo went at once, "
                 r"(\d+) were held back \(limit 20/s\)")
    # 12 messages 1 ms apart against 20/s after a burst of 5: some had to wait
    assert int(r[1]) + int(r[2]) == 12 and int(r[1]) >= 5 and int(r[2]) >= 1


def test_trace_shows_exactly_the_messages_sent(ftl):
    status, body = api(ftl, "GET", "/api/trace/test_echo_seq")  # opens the watch
    assert status == 200
    since = json.loads(body)["next"]
    done = len([l for l in ftl["os"].lines if "test_echo_seq: done: 5 replies" in l])
    spec = (ROOT / "apps/test_echo_seq/spec.yaml").read_text()
    spec = spec.replace("count: { number: 2000 }", "count: { number: 5 }")
    ftlctl(ftl, "apply", "-f", spec_file(ftl, "seq5", spec), "--binary", SEQ_ELF)
    deadline = time.monotonic() + 20
    while len([l for l in ftl["os"].lines if "test_echo_seq: done: 5 replies" in l]) == done:
        assert time.monotonic() < deadline, "\n".join(ftl["os"].lines[-30:])
        time.sleep(0.2)
    status, body = api(ftl, "GET", f"/api/trace/test_echo_seq?since={since}")
    records = json.loads(body)["records"]
    sent = [r for r in records if r["type"] == "DATA" and r["from"] == "test_echo_seq"]
    back = [r for r in records if r["type"] == "DATA" and r["to"] == "test_echo_seq"]
    assert [bytes.fromhex(r["first"]) for r in sent] == [b"1", b"2", b"3", b"4", b"5"]
    assert all(r["to"] == "echo" and r["dir"] == "out" and r["len"] == 1 for r in sent)
    assert len(back) == 5 and all(r["from"] == "echo" and r["dir"] == "in" for r in back)
    assert all(r["dropped"] == 0 for r in records)
    out = ftlctl(ftl, "trace", "-n", "2", "test_echo_seq").stdout.splitlines()
    assert len(out) == 2
    assert re.match(r"^\s*\d+\.\d{6} test_echo_seq -> echo (CONNECT|DATA)\(", out[0]), out


def test_logs_prints_the_apps_lines(ftl):
    out = ftlctl(ftl, "logs", "hello").stdout
    assert "[hello       ] INFO   Hello from FTL!" in out
    assert all(l.startswith("[hello ") for l in out.splitlines())


def test_dashboard_draws_the_graph_and_its_restart_button_restarts(ftl, tmp_path):
    from test_dashboard import chromium
    status, body = api(ftl, "GET", "/api/graph")
    edges = json.loads(body)["edges"]
    assert status == 200 and {"a": "apiserver", "b": "tcpip"}.items() <= \
        next(e for e in edges if {e["a"], e["b"]} == {"apiserver", "tcpip"}).items()
    before = int(describe(ftl, "echo")["restarts"])
    url = f"http://127.0.0.1:{ftl['port']}/?click=restart:echo"
    dom = chromium(tmp_path, "--dump-dom", url).stdout
    assert '<g class="node" data-name="echo">' in dom
    assert 'class="edge" data-a="apiserver" data-b="tcpip"' in dom
    assert 'id="restart-echo"' in dom and 'id="stop-echo"' in dom
    assert int(describe(ftl, "echo")["restarts"]) == before + 1  # the click, through the API


def test_applied_app_survives_a_reboot(ftl):
    # test_echo_seq was applied (count 5, its uploaded binary); test_crash was deleted.
    ftl["os"].stop()
    os, port = boot_controller(ftl["tmp"], ftl["disk"])
    ftl["os"], ftl["port"] = os, port
    os.wait_for(r"from file:/etc/ftl/apps/test_echo_seq.yaml: test_echo_seq started",
                timeout_s=30)
    os.wait_for(r"test_echo_seq: done: 5 replies in order, 0 wrong", timeout_s=30)
    out = ftlctl(ftl, "get", "apps").stdout
    assert re.search(r"^test_echo_seq\s+running", out, re.M) and "test_crash" not in out
    d = describe(ftl, "test_echo_seq")
    assert d["source"] == "applied" and d["binary"] == "uploaded"


def test_control_calls_refuse_hostile_arguments(boot):
    os = boot(apps=["test_control", "test_exit", "echo"])
    m = os.wait_for(r"^\[test_control\s*\] INFO   TEST DONE passed=(\d+) failed=(\d+)$")
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 35, "\n".join(fails)
    assert "PANIC" not in os.log()
