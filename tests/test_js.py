"""isolation: js: JS apps run on QuickJS in the kernel as full FTL apps. One boot
holds every check of `make test`: the JS echo server with the native client and the
JS client with the native echo, the whole `ftl` API (apps/test_js_api), a syntax
error, and every fault of apps/test_js_fault driven by apps/test_js_check (each
ends only that app, its peer sees PEER_CLOSED, memory comes back, an app spawned
afterwards runs, JS spawns leak nothing). Slower mode pairs: tests/slow/test_js_slow.py."""
import re
import shutil
import subprocess

import pytest

from ftlboot import ROOT, Qemu, make_initfs

PROGS = sorted((ROOT / "kernel" / "js" / "tests" / "progs").glob("*.js"))

ROUNDS = 200  # JS spawns checked for leaks here; tests/slow runs 1,000


def spec(app, old, new):
    text = (ROOT / "apps" / app / "spec.yaml").read_text()
    assert old in text
    return text.replace(old, new)


@pytest.fixture(scope="module")
def os_js(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("js")
    specs = {
        "echo_client": spec("echo_client", "{ service: echo }", "{ service: echo_js }"),
        "test_js_check": spec("test_js_check", "{ number: 1000 }", f"{{ number: {ROUNDS} }}"),
    }
    apps = ["echo", "js_echo", "echo_client", "js_echo_client", "test_js_api", "test_js_syntax",
            "test_js_fault", "test_js_guard", "test_js_hello", "test_js_check"]
    q = Qemu(make_initfs(tmp / "initfs.bin", apps, specs))
    yield q
    q.stop()


@pytest.fixture(scope="module")
def os_progs(tmp_path_factory):
    """The host tests' programs (kernel/js/tests/progs) as apps t_<name>, in a boot of
    their own: their timers' order must not depend on the fault tests' runaway apps
    taking the CPU."""
    tmp = tmp_path_factory.mktemp("progs")
    specs, binaries = {}, {}
    for prog in PROGS:
        specs[f"t_{prog.stem}"] = f"name: t_{prog.stem}\nisolation: js\n"
        binaries[f"t_{prog.stem}"] = prog
    q = Qemu(make_initfs(tmp / "initfs.bin", [], specs, binaries))
    yield q
    q.stop()


def test_js_echo_serves_the_native_echo_client(os_js):
    os_js.wait_for(r"^\[js_echo     \] INFO   js_echo: ready$")
    os_js.wait_for(r'^\[echo_client \] INFO   received "message 3"$')
    os_js.wait_for(r"^\[echo_client \] INFO   done: 4 replies, channel closed$")
    os_js.wait_for(r"^\[js_echo     \] INFO   a client connected$")


def test_js_client_talks_to_the_native_echo(os_js):
    os_js.wait_for(r'^\[js_echo_client\] INFO   received "Hi!"$')
    os_js.wait_for(r"^\[js_echo_client\] INFO   done: 4 replies, channel closed$")


def test_the_ftl_api_from_js(os_js):
    m = os_js.wait_for(r"\[test_js_api \] INFO   TEST DONE passed=(\d+) failed=(\d+)")
    fails = [line for line in os_js.lines if "TEST FAIL js.api" in line]
    assert m.group(2) == "0", fails
    assert int(m.group(1)) == 39
    # Every level reaches the app's log, console.error too.
    os_js.wait_for(r"^\[test_js_api \] WARN   a warning line$")
    os_js.wait_for(r"^\[test_js_api \] ERROR  an error line \(expected\)$")
    os_js.wait_for(r"^\[test_js_api \] ERROR  console.error goes to the log too")


def test_syntax_error_is_reported_with_file_line_and_reason(os_js):
    os_js.wait_for(r"^\[test_js_syntax\] ERROR  cannot load main.js: main.js:3:\d+: "
                   r"SyntaxError: unexpected token in expression: ';'$")


def test_faults_end_only_that_app_and_free_everything(os_js):
    m = os_js.wait_for(r"\[test_js_check\] INFO   TEST DONE passed=(\d+) failed=(\d+)",
                       timeout_s=240)
    fails = [line for line in os_js.lines if "TEST FAIL" in line]
    assert m.group(2) == "0", fails
    assert int(m.group(1)) == 7 * 3 + 3
    log = os_js.log()
    assert "PANIC" not in log
    expected = [
        r"ERROR  cpu budget exceeded: InternalError: interrupted \| at loop \(main\.js:\d+",
        r"ERROR  killed by the kernel: \d+ ms of CPU in one turn without reaching the "
        r"engine's interrupt hook \(limits\.cpu_ms 100\)",
        r"ERROR  uncaught exception: Error: thrown on purpose \| at inner \(main\.js:\d+:\d+\) "
        r"\| at throw \(main\.js",
        r"ERROR  uncaught exception: InternalError: out of memory",
        r"ERROR  uncaught exception: InternalError: stack overflow \| at down \(main\.js:\d+:\d+\) "
        r"\(x\d+\)",
        r"ERROR  uncaught exception: TypeError: rejected on purpose \| at reject \(main\.js",
    ]
    for rx in expected:
        assert re.search(r"^\[test_js_fault\] " + rx, log, re.M), rx
    # Past the bottom of the engine's stack (a kernel test hook takes the engine's own
    # check away): the guard page ends the app, with one line.
    assert re.search(r"^\[test_js_guard\] ERROR  crashed: stack overflow \(the guard page "
                     r"below the engine's stack\) at pc 0x[0-9a-f]+", log, re.M)
    assert len(re.findall(r"^\[test_js_guard\] ", log, re.M)) == 1


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
@pytest.mark.parametrize("prog", PROGS, ids=lambda p: p.stem)
def test_programs_print_what_node_prints(os_progs, prog):
    """The same programs as the host tests, in the kernel: the app's log lines must be
    node's stdout, line for line (the kernel's libm and clock against the host's)."""
    want = subprocess.run(["node", str(prog)], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    app = f"t_{prog.stem}"
    rx = re.compile(rf"^\[{app}\s*\] INFO   (.*)$")
    os_progs.wait_for(rf"^\[{app}\s*\] INFO   " + re.escape(want[-1]) + "$")
    got = [m.group(1) for m in map(rx.match, os_progs.lines) if m]
    assert got == want
