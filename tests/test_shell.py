"""The shell on the serial console (docs/shell.md): one boot, keys typed into QEMU's
stdin, the answers read from its output. The image holds the shell, hello, wasm_hello
and test_idle (a long-running app the shell may start and stop)."""
import re
import time

import pytest

from ftlboot import ROOT, Qemu, make_initfs

UP, LEFT = "\x1b[A", "\x1b[D"


class Shell:
    def __init__(self, q):
        self.q = q
        self.mark = 0

    def run(self, keys, pattern, timeout_s=30):
        """Types `keys` (none: looks again at what the last keys printed); returns the
        match of the first line printed after the last keys that matches `pattern`."""
        if keys:
            self.mark = len(self.q.lines)
            self.q.type(keys)
        mark = self.mark
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.q.lines[mark:]:
                m = rx.search(line)
                if m:
                    return m
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} after typing {keys!r}; log:\n" +
                             "\n".join(self.q.lines[-40:]))


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    spec = (ROOT / "apps" / "shell" / "spec.yaml").read_text()
    spec = spec.replace("spawn: [hello,", "spawn: [test_idle, hello,")
    idle = (ROOT / "apps" / "test_idle" / "spec.yaml").read_text().replace(
        "idle_ms: { number: 500 }", "idle_ms: { number: 600000 }")
    initfs = make_initfs(tmp_path_factory.mktemp("shell") / "initfs.bin",
                         ["shell", "hello", "wasm_hello", "test_idle"],
                         {"shell": spec, "test_idle": idle})
    q = Qemu(initfs, timeout_s=300, disk=False, console_input=True)
    try:
        q.wait_for(r"FTL shell: type help", timeout_s=60)
        q.wait_for(r"\[wasm_hello  \] INFO   the first 10 squares", timeout_s=60)
        yield Shell(q)
    finally:
        q.stop()


def test_help_lists_the_builtins_and_pipelines(shell):
    shell.run("help\r", r"^  start APP ")
    shell.run("", r"^  restart APP ")
    shell.run("", r"^anything else runs apps as a pipeline")


def test_ps_lists_the_running_apps(shell):
    shell.run("ps\r", r"^NAME\s+MODE\s+HANDLES")
    shell.run("", r"^shell\s+user\s+\d+")


def test_apps_lists_the_image_with_isolation_modes(shell):
    shell.run("apps\r", r"^wasm_hello\s+wasm\s+started at boot")
    shell.run("", r"^test_idle\s+user\s+")


def test_start_runs_an_app_and_its_log_shows(shell):
    shell.run("start hello\r", r"^started hello$")
    shell.run("", r"^\[hello       \] INFO   Hello from FTL!$")
    shell.run("", r"^\[hello ended\]$")


def test_log_filters_by_app(shell):
    m = shell.run("log hello\r", r"^\[(\w+)\s*\] INFO   the answer is 42$")
    assert m.group(1) == "hello"
    out = shell.run("stats\r", r"^processes\s+(\d+)$")  # marks the end of log's output
    assert int(out.group(1)) >= 1


def test_line_editing_runs_the_edited_command(shell):
    # "hex", Backspace, "p" -> "hep"; Left, "l" -> "help".
    shell.run("hex\x7fp" + LEFT + "l\r", r"^anything else runs apps as a pipeline")
    # Ctrl-U drops what was typed, Ctrl-W the last word; Ctrl-A then typing inserts first
    # (QEMU's console takes one Ctrl-A as its escape key: two send one).
    shell.run("bogus\x15ps\r", r"^NAME\s+MODE\s+HANDLES")
    shell.run("tats\x01\x01s\r", r"^uptime\s+\d+ ms$")
    shell.run("stats junk\x17\x17ps\r", r"^NAME\s+MODE\s+HANDLES")


def test_up_arrow_repeats_the_last_command(shell):
    shell.run("apps\r", r"^APP\s+MODE\s+STATE$")
    shell.run(UP + "\r", r"^APP\s+MODE\s+STATE$")
    shell.run(UP + UP + "\r", r"^NAME\s+MODE\s+HANDLES")  # ps, from before apps


def test_tab_completes_an_app_name(shell):
    shell.run("start wasm_h\t\r", r"^started wasm_hello$")
    shell.run("", r"^\[wasm_hello  \] INFO   Hello from WebAssembly!")
    shell.run("sta\t\t", r"^start  stats  $")  # two candidates: Tab twice lists them
    shell.run("\x03", r"\^C$")


def test_start_and_stop_a_long_running_app(shell):
    shell.run("start test_idle\r", r"^started test_idle$")
    shell.run("ps\r", r"^test_idle\s+user\s+\d+")
    shell.run("stop test_idle\r", r"^stopped test_idle$")
    shell.run("", r"^\[test_idle   \] \w+\s+killed: by shell")
    shell.run("kill test_idle\r", r"^kill: test_idle: not started by this shell")


def test_restart_stops_then_starts(shell):
    shell.run("restart test_idle\r", r"^started test_idle$")  # not running: starts it
    shell.run("restart test_idle\r", r"^stopped test_idle$")
    shell.run("", r"^started test_idle$")
    shell.run("stop test_idle\r", r"^stopped test_idle$")


def test_errors_ctrl_c_and_ctrl_d_leave_the_shell_usable(shell):
    shell.run("frobnicate now\r", r"^shell: unknown command 'frobnicate'")
    shell.run("cat a | wc\r", r"^shell: unknown command 'cat'")  # no tools in this image
    shell.run("start no_such_app\r", r"^start: no_such_app: FTL_ERR_DENIED")
    shell.run("half a line\x03", r"\^C$")
    shell.q.type("\x04")
    shell.run("stats\r", r"^uptime\s+\d+ ms$")


def test_log_lines_never_garble_the_prompt(shell):
    shell.run("start hello\r", r"^\[hello ended\]$")
    garbled = [line for line in shell.q.lines if re.search(r"ftl> .*\[\w+\s*\] (INFO|WARN)", line)]
    assert not garbled, garbled


def test_one_app_holds_the_console_at_a_time(boot):
    hello = (ROOT / "apps" / "hello" / "spec.yaml").read_text() + "grants: { console: true }\n"
    os = boot(apps=["shell", "hello"], specs={"hello": hello}, disk=False)
    os.wait_for(r"^\[kernel      \] ERROR  apps/hello/spec.yaml: cannot give it the console: "
                r"FTL_ERR_BUSY$")
    os.wait_for(r"FTL shell: type help")
