"""The linux app (docs/linux.md): Debian's Linux in a VM serving exec: to FTL apps.
Without a guest (build/linux/Image and initramfs.cpio, from the guest build) or
without VMs, every exec: gets the reason and the service keeps answering."""
import hashlib
import re
import subprocess

import pytest

from ftlboot import BUILD, ROOT, Qemu, app_binary, make_initfs

GUEST = BUILD / "linux"


def test_exec_without_a_vm_is_refused_with_the_reason_and_the_app_keeps_serving(boot):
    # At EL1 the kernel has no VMs: ftl_vm_create fails, every OPEN gets that error in an
    # ERROR_REPLY, and the service stays up for the next client.
    spec = (ROOT / "apps" / "uname" / "spec.yaml").read_text()
    second = spec.replace("name: uname", "name: uname2").replace('"uname -a"', '"echo hi"')
    os = boot(apps=["linux", "uname", "hello"], specs={"uname2": second},
              binaries={"uname2": ROOT / "build" / "apps" / "uname.elf"}, el=1)
    os.wait_for(r"^\[linux\s*\] WARN   linux: no VM \(FTL_ERR_UNSUPPORTED\)")
    os.wait_for(r"^\[uname\s*\] WARN   uname: the command failed: FTL_ERR_UNSUPPORTED$")
    os.wait_for(r"^\[uname2\s*\] WARN   uname: the command failed: FTL_ERR_UNSUPPORTED$")


def test_a_missing_image_is_reported_and_exec_refused(tmp_path):
    # Only the app: no Image in the boot image.
    pairs = [f"apps/{a}/spec.yaml={ROOT / 'apps' / a / 'spec.yaml'}" for a in ("linux", "uname")]
    pairs += [f"apps/{a}/app.elf={app_binary(a)}" for a in ("linux", "uname")]
    initfs = tmp_path / "initfs.bin"
    subprocess.run(["python3", str(ROOT / "tools" / "mkinitfs.py"), str(initfs)] + pairs,
                   check=True)
    os = Qemu(initfs, disk=False)
    try:
        os.wait_for(r"^\[linux\s*\] ERROR  linux: cannot load the kernel 'Image': FTL_ERR_NOT_FOUND")
        os.wait_for(r"^\[uname\s*\] WARN   uname: the command failed: FTL_ERR_NOT_FOUND$")
    finally:
        os.stop()


needs_guest = pytest.mark.skipif(not (GUEST / "Image").exists(),
                                 reason="no guest in build/linux (make linux-guest)")


def pattern_digest():
    data = bytes(((pos * 7 + pos // 4096) & 0xff) for pos in range(1 << 20))
    return hashlib.sha256(data).hexdigest()


@needs_guest
def test_linux_runs_commands_for_ftl_apps(tmp_path):
    initfs = make_initfs(tmp_path / "initfs.bin", ["linux", "test_linux", "uname", "hello"])
    os = Qemu(initfs, disk=False)
    try:
        os.wait_for(r"^\[uname\s*\] INFO   uname: Linux \S+ .* aarch64", timeout_s=300)
        os.wait_for(r"^\[uname\s*\] INFO   uname: exit status 0$")
        done = os.wait_for(r"TEST DONE passed=(\d+) failed=(\d+)", timeout_s=600)
        fails = [line for line in os.lines if "TEST FAIL" in line]
        assert done.group(2) == "0", fails
        m = os.wait_for(r"sha256 of 1 MiB: ([0-9a-f]{64})")
        assert m.group(1) == pattern_digest()
        # A guest program gave the console a descriptor outside RAM: the device stopped.
        os.wait_for(r"^\[linux\s*\] WARN   linux: virtio console: bad descriptor chain "
                    r"\(queue 1\): device stopped until the guest resets it$")
        # The panic and the power-off were logged and each restarted the VM.
        os.wait_for(r"linux: the VM stopped: it reset \(PSCI SYSTEM_RESET\); restarting it")
        # A power-off first shuts the console down: whichever the app sees first stops it.
        os.wait_for(r"linux: the VM stopped: it (powered off \(PSCI SYSTEM_OFF\)|reset its "
                    r"virtio console under the agent); restarting it")
    finally:
        os.stop()


@needs_guest
def test_linux_commands_are_pipe_stages_and_sleep_takes_a_second(tmp_path):
    """In the shell, `linux CMD` is a pipe stage (apps/linux_run): bytes flow through the
    command in the VM like through any stage; the guest's timer is real time."""
    import time as _time
    from test_pipes import Shell
    initfs = make_initfs(tmp_path / "initfs.bin",
                         ["shell", "virtio_blk", "fs", "linux", "linux_run", "cat", "wc"])
    q = Qemu(initfs, timeout_s=600, console_input=True)
    try:
        q.wait_for(r"FTL shell: type help", timeout_s=60)
        q.wait_for(r"\[fs          \] INFO", timeout_s=60)
        q.wait_for(r"linux: agent ready", timeout_s=120)
        sh = Shell(q)
        motd = (ROOT / "disk" / "motd").read_text()
        out, _ = sh.run("cat file:/motd | linux tr a-z A-Z", re.escape(motd.upper().splitlines()[-1]))
        assert out == motd.upper().splitlines()
        out, _ = sh.run("cat file:/motd | linux tr a-z A-Z | wc -c", r"^\s*\d+$")
        assert int(out[0]) == len(motd.encode())
        t0 = _time.monotonic()
        out, _ = sh.run("linux cat /proc/uptime; sleep 1; cat /proc/uptime", r"^\d+\.\d+ \d+\.\d+$")
        up = [float(line.split()[0]) for line in out if re.match(r"^\d+\.\d+ ", line)]
        assert len(up) == 2 and 0.95 <= up[1] - up[0] <= 1.5, out
        assert _time.monotonic() - t0 >= 0.95
        out, _ = sh.run("linux false", r"^shell: stage 1")
        assert out == ["shell: stage 1 (linux_run) exited with code 1"]
    finally:
        q.stop()
    assert "PANIC" not in q.log()


@needs_guest
def test_a_wasm_app_runs_a_linux_command(tmp_path):
    """wasm_uname speaks the exec: protocol through the `ftl` import module."""
    q = Qemu(make_initfs(tmp_path / "initfs.bin", ["linux", "wasm_uname"]), timeout_s=300)
    try:
        q.wait_for(r"^\[wasm_uname\s*\] INFO   wasm_uname: Linux \S+ 6\.1\.\S+ .* aarch64 GNU/Linux$",
                   timeout_s=120)
        q.wait_for(r"^\[wasm_uname\s*\] INFO   wasm_uname: exit status 0$")
    finally:
        q.stop()


@needs_guest
def test_shell_log_f_follows_one_app_while_the_console_is_quiet(tmp_path):
    """`log -f uname` in the default image, typed before Linux has answered: the shell
    prints uname's lines as they are logged, the kernel prints no other app's lines on
    the console meanwhile (they still reach the log: `log motd` shows them after)."""
    q = Qemu(None, timeout_s=300, console_input=True)
    try:
        q.wait_for(r"FTL shell: type help", timeout_s=60)
        q.type("log -f uname\r")
        q.wait_for(r"^\(following the log of uname; Ctrl-C stops\)$", timeout_s=30)
        mark = len(q.lines)
        q.wait_for(r"^\[uname\s*\] INFO   uname: exit status 0$", timeout_s=120)
        q.type("\x03")
        q.wait_for(r"\^C$", timeout_s=30)
        during = q.lines[mark:]
        assert any(re.match(r"^\[uname\s*\] INFO   uname: Linux ", line) for line in during)
        assert not [line for line in during if re.match(r"^\[(?!uname)", line)], during
        q.type("log motd\r")
        q.wait_for(r"^\[motd\s*\] INFO   motd: Welcome to FTL", timeout_s=30)
    finally:
        q.stop()
