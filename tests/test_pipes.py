"""Pipelines (docs/pipes.md): ftl_process_spawn_ex and the stages in one boot of the
in-OS suite (apps/test_pipes), then the shell running pipelines of the tools over the
serial console in one boot, their output checked against what the host computes."""
import os
import re
import subprocess
import time

import pytest

from ftlboot import ROOT, Qemu, make_initfs

TOOLS = ["cat", "grep", "wc", "head", "tail", "upper", "sort", "tee", "yes", "seq", "rev", "cksum"]


def test_spawn_ex_and_stages_in_os(boot):
    os = boot(apps=["test_pipes", "upper", "wc", "hello"], disk=False)
    m = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=120)
    fails = [line for line in os.lines if "TEST FAIL" in line]
    assert int(m.group(2)) == 0 and int(m.group(1)) == 7, "\n".join(fails)
    assert "PANIC" not in os.log()


class Shell:
    def __init__(self, q):
        self.q = q

    def wait_line(self, pattern, start, timeout_s=60):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for i in range(start, len(self.q.lines)):
                if rx.search(self.q.lines[i]):
                    return i
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; log:\n" +
                             "\n".join(self.q.lines[-40:]))

    def run(self, cmd, last, timeout_s=60):
        """Types `cmd`, waits for a line matching `last` (the end of its output), then for
        the prompt to come back (an empty line typed after it); returns the lines the
        pipeline printed, log lines left out. `last` None: it prints nothing."""
        mark = len(self.q.lines)
        self.q.type(cmd + "\r")
        first = self.wait_line("^ftl> " + re.escape(cmd) + "$", mark, timeout_s) + 1
        end = self.wait_line(last, first, timeout_s) if last else first
        # Keys typed while a pipeline runs go nowhere: Enter until the prompt answers.
        deadline = time.monotonic() + timeout_s
        while True:
            mark = len(self.q.lines)
            self.q.type("\r")
            try:
                prompt = self.wait_line(r"^ftl> $", mark, timeout_s=2)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
        return [line for line in self.q.lines[first:prompt]
                if not line.startswith("[") and line != "ftl> "], end


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    initfs = make_initfs(tmp_path_factory.mktemp("pipes") / "initfs.bin",
                         ["shell", "virtio_blk", "fs", "hello"] + TOOLS)
    q = Qemu(initfs, timeout_s=600, console_input=True)
    try:
        q.wait_for(r"FTL shell: type help", timeout_s=60)
        q.wait_for(r"\[fs          \] INFO", timeout_s=60)
        yield Shell(q)
    finally:
        q.stop()


def test_cat_upper_wc_counts_the_motd(shell):
    motd = (ROOT / "disk" / "motd").read_bytes()
    out, _ = shell.run("cat file:/motd | upper | wc", r"^\s+\d+\s+\d+\s+\d+$")
    lines = motd.count(b"\n")
    want = f"{lines:7d} {len(motd.split()):7d} {len(motd):7d}"
    assert out == [want]


def test_wasm_grep_counts_and_filters(shell):
    out, _ = shell.run("seq 1 1000 | grep -c 7", r"^\d+$")
    assert out == [str(sum("7" in str(i) for i in range(1, 1001)))]
    out, _ = shell.run("seq 1 30 | grep -v 1 | grep 2", r"^28$")
    assert out == [str(i) for i in range(1, 31) if "1" not in str(i) and "2" in str(i)]
    out, _ = shell.run("cat file:/motd | grep -i WELCOME", r"Welcome")
    assert out == [(ROOT / "disk" / "motd").read_text().rstrip("\n")]


def test_yes_head_ends_both(shell):
    out, _ = shell.run("yes | head -n 3", r"^y$")
    assert out == ["y", "y", "y"]


def test_sort_tail_and_long_streams(shell):
    out, _ = shell.run("seq 1 20 | sort -r | head -n 3", r"^7$")
    assert out == sorted((str(i) for i in range(1, 21)), reverse=True)[:3]
    out, _ = shell.run("seq 1 100 | tail -n 2", r"^100$")
    assert out == ["99", "100"]
    out, _ = shell.run("seq 1 100000 | wc -l", r"^\d+$", timeout_s=120)
    assert out == ["100000"]
    out, _ = shell.run("yes | head -c 1M | wc -c", r"^\d+$", timeout_s=120)
    assert out == [str(1 << 20)]


def host(cmd):
    """What the host's coreutils print for `cmd`."""
    return subprocess.run(["sh", "-c", cmd], capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_16_mib_through_three_stages_and_a_file_match_the_host(shell):
    want = host("yes abcdefgh | head -c 16M | tr a-z A-Z | cksum")
    out, _ = shell.run("yes abcdefgh | head -c 16M | upper | cksum", r"^\d+ \d+$",
                       timeout_s=300)
    assert out == want
    out, _ = shell.run("yes abcdefgh | head -c 16M > file:/big", None, timeout_s=300)
    assert out == []
    out, _ = shell.run("cat file:/big | upper | cksum", r"^\d+ \d+$", timeout_s=300)
    assert out == want


def test_grep_sort_head_match_the_host(shell):
    readme = ROOT / "disk" / "data" / "readme.txt"
    out, _ = shell.run("cat file:/data/readme.txt | grep -i E | sort | head -n 5", r"\.$")
    assert out == host(f"LC_ALL=C grep -i E {readme} | LC_ALL=C sort | head -n 5")


def test_redirects_go_through_the_fs_server(shell):
    assert shell.run("seq 1 3 > file:/pipes_x", None)[0] == []
    out, _ = shell.run("cat file:/pipes_x", r"^3$")
    assert out == ["1", "2", "3"]
    assert shell.run("seq 4 5 >> file:/pipes_x", None)[0] == []
    out, _ = shell.run("wc -l < file:/pipes_x", r"^\d+$")
    assert out == ["5"]
    out, _ = shell.run("upper < file:/motd", r"WELCOME")
    assert out == [(ROOT / "disk" / "motd").read_text().rstrip("\n").upper()]


def test_a_stage_runs_in_the_mode_asked(shell):
    out, _ = shell.run("user:upper < file:/motd | grep -c FTL", r"^\d+$")
    assert out == ["1"]
    out, _ = shell.run("wasm:upper < file:/motd", r"^shell: ")
    assert out == ["shell: wasm:upper: FTL_ERR_UNSUPPORTED (the image has no build of it for "
                   "that mode)"]
    out, _ = shell.run("inkernel:cat file:/motd", r"^shell: ")
    assert out == ["shell: inkernel:cat: FTL_ERR_INVALID_ARG (only its spec may choose inkernel)"]
    out, _ = shell.run("linux tr a-z A-Z", r"^shell: ")
    assert out == ["shell: linux stages need the Linux VM, which this image does not hold"]


def test_a_js_stage_and_every_mode_in_one_pipeline(shell):
    out, _ = shell.run("seq 8 12 | rev", r"^21$")
    assert out == ["8", "9", "01", "11", "21"]
    # cat user, upper inkernel (its spec), rev js, upper again in a VM (user at EL1), wc wasm.
    vmm = "user" if os.environ.get("FTL_EL") == "1" else "vmm"
    motd = (ROOT / "disk" / "motd").read_bytes()
    out, _ = shell.run(f"cat file:/motd | upper | rev | {vmm}:upper | wc -c", r"^\d+$")
    assert out == [str(len(motd))]


def test_a_stage_failing_mid_stream_ends_the_others(shell):
    # sort holds every line in its 1 MiB heap: a million lines do not fit. It ends with
    # an error; seq, writing to it, ends on its next write; wc sees EOF and counts 0. The
    # shell says which stage failed, with its exit code.
    mark = len(shell.q.lines)
    out, _ = shell.run("seq 1 1000000 | sort | wc -l", r"^shell: stage", timeout_s=120)
    assert out == ["0", "shell: stage 2 (sort) exited with code 1"]
    shell.wait_line(r"^\[sort        \] ERROR  sort: out of memory", mark)
    shell.run("ps", r"^shell\s+user")
    time.sleep(0.5)
    assert not [line for line in shell.q.lines[-20:] if re.match(r"^(seq|sort|wc)\s", line)]


def test_ctrl_c_stops_yes_cat(shell):
    q = shell.q
    mark = len(q.lines)
    q.type("yes | cat\r")
    shell.wait_line(r"^y$", mark)
    q.type("\x03")
    shell.wait_line(r"\^C$", mark)
    shell.wait_line(r"^\[yes         \] ERROR  killed: by shell$", mark)
    shell.wait_line(r"^\[cat         \] ERROR  killed: by shell$", mark)
    out, _ = shell.run("ps", r"^shell\s+user")
    time.sleep(0.5)
    assert not [line for line in q.lines[-20:] if re.match(r"^(yes|cat)\s+user", line)]
