#!/usr/bin/env python3
"""Checks FTL's Linux guest without FTL: boots build/linux/Image and initramfs.cpio
(make linux-guest) directly on QEMU with a virtio console whose first port (the
guest's /dev/hvc0) is a UNIX socket, and speaks the agent's frame protocol to it
(tools/agent_client.py).

    python3 tools/linux_guest_check.py            # every check; exit 0 when all pass
    python3 tools/linux_guest_check.py -k sha256  # the checks whose name has "sha256"
    python3 tools/linux_guest_check.py --bench    # figures under -icount shift=0

tests/slow/test_linux_guest.py runs the same checks under pytest (make test-slow).
QEMU runs under `timeout` in its own process group, which is killed at the end; its
serial log (the guest kernel's) goes to build/linux/qemu-check.log.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import agent_client  # noqa: E402
from agent_client import AgentClient, frame  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "linux"
QEMU = "qemu-system-aarch64"
QEMU_FLAGS = ["-M", "virt", "-cpu", "max,pauth-impdef=on", "-smp", "1", "-m", "512M",
              "-nographic", "-no-reboot", "-nic", "none"]
APPEND = "console=ttyAMA0 rdinit=/init quiet"
QEMU_TIMEOUT_S = 600


class Guest:
    """One QEMU boot of the guest, with an AgentClient on its /dev/hvc0."""

    def __init__(self, icount=None, initrd=None, timeout_s=QEMU_TIMEOUT_S):
        self.icount, self.timeout_s = icount, timeout_s
        self.initrd = Path(initrd) if initrd else WORK / "initramfs.cpio"
        self.proc = self.client = None
        self.tmp = None
        self.log = WORK / "qemu-check.log"

    def start(self):
        for f in (WORK / "Image", self.initrd):
            if not f.exists():
                raise FileNotFoundError(f"{f} is missing: run make linux-guest")
        if not shutil.which(QEMU):
            raise FileNotFoundError(f"{QEMU} not found (run tools/setup.sh)")
        self.tmp = tempfile.mkdtemp(prefix="ftl-linux-")
        sock = os.path.join(self.tmp, "hvc0.sock")
        cmd = (["timeout", "--kill-after=5", str(self.timeout_s), QEMU] + QEMU_FLAGS +
               (["-icount", self.icount] if self.icount else []) +
               ["-kernel", str(WORK / "Image"), "-initrd", str(self.initrd), "-append", APPEND,
                "-device", "virtio-serial-device",
                "-chardev", f"socket,id=c0,path={sock},server=on,wait=off",
                "-device", "virtconsole,chardev=c0"])
        self.t0 = time.monotonic()
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.client = AgentClient.connect_unix(sock, timeout=30)
        self.hello = self.client.wait_hello(timeout=180)
        self.hello_wall_s = time.monotonic() - self.t0
        return self

    def stop(self):
        if self.client:
            self.client.close()
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            self.proc.wait()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def serial_tail(self, n=20):
        text = self.log.read_bytes().decode("utf-8", "replace") if self.log.exists() else ""
        return "\n".join(text.replace("\r", "").splitlines()[-n:])

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------- checks
# Each takes a Guest whose agent said HELLO and raises AssertionError when it fails.

def check_hello(g):
    assert g.hello == "ftl-agent 1", g.hello


def check_uname(g):
    status, out, err = g.client.run("uname -a")
    assert status == 0 and b"Linux" in out and b"aarch64" in out, (status, out, err)


def check_echo(g):
    assert g.client.run("echo hi") == (0, b"hi\n", b"")


def check_false(g):
    assert g.client.run("false")[0] == 1


def check_stderr_and_status(g):
    assert g.client.run("echo out; echo err >&2; exit 7") == (7, b"out\n", b"err\n")


def check_sha256_stdin(g):
    data = os.urandom(1 << 20)
    cmd = g.client.start("sha256sum")
    cmd.write(data)
    cmd.close_stdin()
    assert cmd.wait() == 0, cmd.stderr
    assert cmd.stdout.split()[0].decode() == hashlib.sha256(data).hexdigest()


def check_stdin_reader_leaves(g):
    # head exits after 10 bytes: the rest of stdin is dropped and granted back.
    cmd = g.client.start("head -c 10")
    cmd.write(b"x" * (1 << 20))
    assert cmd.wait() == 0 and bytes(cmd.stdout) == b"x" * 10


def check_two_at_once(g):
    slow = g.client.start("sleep 1; echo slow")
    fast = g.client.start("echo fast")
    assert fast.wait() == 0 and not slow.done, "the fast command waited for the slow one"
    assert slow.wait() == 0
    assert (bytes(fast.stdout), bytes(slow.stdout)) == (b"fast\n", b"slow\n")


def check_commands_max(g):
    cmds = [g.client.start("sleep 1") for _ in range(agent_client.COMMANDS_MAX)]
    extra = g.client.start("echo never")
    assert extra.wait() == 126 and b"agent:" in extra.stderr, (extra.status, extra.stderr)
    assert [c.wait() for c in cmds] == [0] * len(cmds)
    assert g.client.run("echo again") == (0, b"again\n", b"")


def check_sleep_1(g):
    t0 = time.monotonic()
    assert g.client.run("sleep 1")[0] == 0
    elapsed = time.monotonic() - t0
    print(f"    sleep 1: {elapsed:.3f} s")
    assert elapsed >= 0.95, f"sleep 1 ended after {elapsed:.3f} s"


def check_signal(g):
    cmd = g.client.start("sleep 100")
    cmd.signal(9)
    assert cmd.wait() == -9, cmd.status
    cmd = g.client.start("sleep 100 & sleep 100")  # the whole group goes
    cmd.signal(15)
    assert cmd.wait() == -15, cmd.status


def check_64mib_slow_reader(g):
    """64 MiB of `yes` through a reader that grants slowly for its first 4 MiB (the
    agent must send nothing beyond the credit: AgentClient checks), then as it reads."""
    total = 64 << 20
    state = {"n": 0, "odd": False, "bad": 0}

    def on_output(ftype, data):
        assert ftype == agent_client.STDOUT, data
        expect = (b"\ny" if state["odd"] else b"y\n") * (len(data) // 2 + 1)
        if data != expect[:len(data)]:
            state["bad"] += 1
        state["n"] += len(data)
        state["odd"] ^= len(data) & 1

    cmd = g.client.start(f"yes | head -c {total}", auto_grant=False, on_output=on_output)
    t0 = time.monotonic()
    while not cmd.done:
        if state["n"] < 4 << 20:
            if cmd.out_credit == 0:
                time.sleep(0.02)  # the reader is slow: the command must wait
                cmd.grant(64 << 10)
        elif cmd.out_credit < 32 << 10:
            cmd.grant(64 << 10)  # never more than QEMU's socket holds (agent_client.py)
        g.client.pump(120)
    wall = time.monotonic() - t0
    print(f"    64 MiB stdout: {wall:.1f} s wall ({total / wall / 1e6:.1f} MB/s)")
    assert cmd.status == 0 and state["n"] == total and state["bad"] == 0, state
    # The agent's peak memory stays bounded by its fixed buffers.
    _, out, _ = g.client.run("grep VmHWM /proc/1/status")
    hwm_kib = int(out.split()[1])
    print(f"    agent peak RSS: {hwm_kib} KiB")
    assert hwm_kib < 8192, out


def check_no_zombies(g):
    assert g.client.run("(sleep 0.2 &); true")[0] == 0  # sleep is orphaned to /init
    time.sleep(0.5)
    status, out, _ = g.client.run("cat /proc/[0-9]*/stat | awk '$3 == \"Z\"' | wc -l")
    assert (status, out.strip()) == (0, b"0"), out


def check_bad_frames(g):
    """The documented policy (apps/linux/guest/agent.c): a header it cannot frame
    makes the agent resynchronize on the next plausible header; frames for unknown ids
    are dropped; EXEC with a NUL byte is refused with 126."""
    c = g.client
    c.send(agent_client.HDR.pack(0xFFFFFFFF, agent_client.STDIN, 1))  # len > max
    assert c.run("echo ok") == (0, b"ok\n", b"")
    c.send(frame(agent_client.SIGNAL, 5, b"\x09\x00"))        # SIGNAL payload too short
    c.send(frame(agent_client.STDOUT, 5, b"guest-only type"))  # not a host frame
    c.send(frame(agent_client.WINDOW, 4242, b"\x00\x10\x00\x00"))  # unknown id
    c.send(frame(agent_client.STDIN, 4242, b"nobody"))
    assert c.run("echo still") == (0, b"still\n", b"")
    assert c.run("echo a\0b")[0] == 126
    _, out, _ = c.run("dmesg | grep -c 'ftl-agent: bad frame header'")
    assert int(out) >= 1, out


def check_exec_flood(g):
    """200 EXECs at once: those beyond 16 running are refused with 126 (the agent
    stops reading frames while its queue to the host is short of room); each gets its
    EXIT and the agent goes on."""
    cmds = [g.client.start("true") for _ in range(200)]
    statuses = [c.wait() for c in cmds]
    print(f"    {statuses.count(126)} of 200 refused")
    assert set(statuses) <= {0, 126} and 0 in statuses, statuses
    assert g.client.run("echo after") == (0, b"after\n", b"")


def check_credit_abuse(g):
    """STDIN beyond the granted window is dropped (not buffered); a huge output grant
    is clamped; both leave the command and the agent working."""
    cmd = g.client.start("cat >/dev/null; echo done")
    chunk = b"z" * agent_client.PAYLOAD_MAX
    for _ in range(40):  # 160 KiB at once, with no regard for WINDOW
        g.client.send(frame(agent_client.STDIN, cmd.id, chunk))
    for _ in range(3):
        cmd.grant(0xFFFFFFFF)
    cmd.close_stdin()
    assert cmd.wait() == 0 and bytes(cmd.stdout) == b"done\n", (cmd.status, cmd.stdout)
    assert g.client.run("echo ok") == (0, b"ok\n", b"")


CHECKS = {name[len("check_"):]: fn for name, fn in sorted(globals().items())
          if name.startswith("check_")}


# ---------------------------------------------------------------- figures

def uptime(client):
    status, out, _ = client.run("cat /proc/uptime")
    assert status == 0, out
    return float(out.split()[0])


def cpu_busy_s(client):
    """The guest CPU's non-idle time so far (user, nice, system, irq, softirq)."""
    status, out, _ = client.run("head -n 1 /proc/stat")
    f = [int(x) for x in out.split()[1:8]]
    return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100  # USER_HZ


def bench(args):
    """Figures under -icount shift=0 (guest clock: 1 ns per instruction, and idle time
    at wall speed)."""
    res = {}
    with Guest(icount="shift=0", initrd=args.initrd) as g:
        c = g.client
        res["hello_wall_s"] = round(g.hello_wall_s, 3)
        _, out, _ = c.run("dmesg | grep 'ftl-agent: ready'")
        m = re.search(rb"(\d+) ns after reset \(started at (\d+) ns\)", out)
        res["hello_guest_ns"] = int(m.group(1)) if m else None
        res["init_start_guest_ns"] = int(m.group(2)) if m else None
        n = 200
        t0, u0, b0 = time.monotonic(), uptime(c), cpu_busy_s(c)
        for _ in range(n):
            assert c.run("/bin/true")[0] == 0
        b1, u1, t1 = cpu_busy_s(c), uptime(c), time.monotonic()
        res["exec_true_rt_wall_us"] = round((t1 - t0) / (n + 2) * 1e6)
        res["exec_true_rt_guest_us"] = round((u1 - u0) / (n + 2) * 1e6)
        # Without the time the guest sat idle waiting for the host (10 ms ticks).
        res["exec_true_rt_guest_busy_us"] = round((b1 - b0) / (n + 2) * 1e6)
        # dd moves 64 KiB per call (busybox head -c costs ~40 instructions a byte).
        total = 64 << 20
        t0 = time.monotonic()
        status, out, err = c.run(f"cat /proc/uptime >&2; dd if=/dev/zero bs=65536 "
                                 f"count={total >> 16} 2>/dev/null; cat /proc/uptime >&2")
        wall = time.monotonic() - t0
        ups = [float(line.split()[0]) for line in err.decode().splitlines()]
        assert status == 0 and len(out) == total and len(ups) == 2, (status, len(out), err)
        res["stdout_mb_s_wall"] = round(total / wall / 1e6, 1)
        res["stdout_mb_s_guest"] = round(total / (ups[1] - ups[0]) / 1e6, 1)
        # And 16 MiB the other way, into `cat >/dev/null` (64 KiB reads).
        total = 16 << 20
        cmd = c.start("cat /proc/uptime >&2; cat >/dev/null; cat /proc/uptime >&2")
        t0 = time.monotonic()
        cmd.write(os.urandom(1 << 20) * 16, timeout=600)
        cmd.close_stdin()
        assert cmd.wait(600) == 0, cmd.stderr
        wall = time.monotonic() - t0
        ups = [float(line.split()[0]) for line in cmd.stderr.decode().splitlines()]
        res["stdin_mb_s_wall"] = round(total / wall / 1e6, 1)
        res["stdin_mb_s_guest"] = round(total / (ups[1] - ups[0]) / 1e6, 1)
        res["frames"] = dict(c.frames)
    res["initrd"] = str(Path(args.initrd or WORK / "initramfs.cpio").name)
    res["initrd_bytes"] = Path(args.initrd or WORK / "initramfs.cpio").stat().st_size
    res["qemu_flags"] = " ".join(QEMU_FLAGS + ["-icount", "shift=0"])
    info = WORK / "fetched.json"
    if info.exists():
        res.update(json.loads(info.read_text()))
    print(json.dumps(res, indent=2))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", default="", help="run only the checks whose name has this")
    ap.add_argument("--bench", action="store_true", help="figures under -icount shift=0")
    ap.add_argument("--initrd", help="another initramfs (default build/linux/initramfs.cpio)")
    args = ap.parse_args()
    if args.bench:
        return bench(args)
    failed = 0
    with Guest(initrd=args.initrd) as g:
        print(f"HELLO after {g.hello_wall_s:.2f} s (wall): {g.hello}")
        for name, fn in CHECKS.items():
            if args.k not in name:
                continue
            t0 = time.monotonic()
            try:
                fn(g)
                verdict = "PASS"
            except Exception as e:  # report every check, then fail
                verdict = f"FAIL: {type(e).__name__}: {e}"
                failed += 1
            print(f"{verdict[:4]} {name} ({time.monotonic() - t0:.2f} s){verdict[4:]}",
                  flush=True)
        if failed:
            print("serial log tail:\n" + g.serial_tail())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
