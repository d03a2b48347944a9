"""The developer loop: an app change rebuilds no kernel, `make dev` reboots on save,
`make debug` stops in an app under gdb, `make run` explains a taken port and ends with
its terminal, and the default boot image stays small."""
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from ftlboot import BUILD, DEFAULT_INITFS, KERNEL, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import mkinitfs  # noqa: E402

HELLO_SRC = ROOT / "apps" / "hello" / "main.c"
KERNEL_ELF = BUILD / "kernel.elf"
KERNEL_RAW = BUILD / "kernel-raw.bin"


def make_env():
    """The environment for a nested make: without the outer make's jobserver."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    # No disk: these boots are killed, and build/disk.img is what other tests copy.
    env["FTL_DISK"] = "none"
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def touch(path):
    now = time.time()
    os.utime(path, (now, now))


def test_app_change_repacks_the_initfs_and_relinks_no_kernel():
    subprocess.run(["make", "-j2", "--no-print-directory", "default-image"], cwd=ROOT,
                   env=make_env(), check=True, capture_output=True)
    kernel_mtime = KERNEL_ELF.stat().st_mtime_ns
    initfs_mtime = DEFAULT_INITFS.stat().st_mtime_ns
    time.sleep(0.05)
    touch(HELLO_SRC)
    r = subprocess.run(["make", "-j2", "--no-print-directory", "default-image"], cwd=ROOT,
                       env=make_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "LD      build/apps/hello.elf" in r.stdout
    assert "INITFS  build/images/default/initfs.bin" in r.stdout
    assert "kernel.elf" not in r.stdout, r.stdout
    assert KERNEL_ELF.stat().st_mtime_ns == kernel_mtime
    assert DEFAULT_INITFS.stat().st_mtime_ns > initfs_mtime


class Lines:
    """Collects a process's output lines on a thread; wait_for() scans them."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for raw in stream:
            with self.cond:
                line = raw.decode(errors="replace").rstrip("\r\n")
                # What follows a line's last "\r" is what shows (the shell's prompt before it).
                self.lines.append(line.rsplit("\r", 1)[-1].replace("\x1b[K", ""))
                self.cond.notify_all()

    def wait_for(self, pattern, start=0, timeout_s=120):
        """Index of the first line at or after `start` matching `pattern`."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    if rx.search(self.lines[i]):
                        return i
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern!r}; output:\n" +
                                         "\n".join(self.lines[-60:]))
                self.cond.wait(left)


def test_make_dev_rebuilds_and_reboots_when_an_app_is_saved():
    env = make_env()
    env["FTL_HOSTFWD_PORT"] = ""
    proc = subprocess.Popen(["timeout", "--kill-after=5", "300", str(ROOT / "tools" / "dev.sh")],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out = Lines(proc.stdout)
        first = out.wait_for(r"\[hello +\] INFO   Hello from FTL!$")
        touch(HELLO_SRC)
        changed = out.wait_for(r"^FTL dev: apps/hello/main.c changed$", first)
        built = out.wait_for(r"^FTL dev: build 2 done", changed)
        out.wait_for(r"\[kernel +\] INFO   FTL booting", built)
        out.wait_for(r"\[hello +\] INFO   Hello from FTL!$", built)
        rebuild = out.lines[changed:built]
        assert any("LD      build/apps/hello.elf" in line for line in rebuild), rebuild
        assert not any("kernel.elf" in line for line in rebuild), rebuild
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_make_debug_stops_in_hello_app_main_with_app_and_kernel_frames():
    r = subprocess.run(["python3", str(ROOT / "tools" / "debug.py"), "--app", "hello", "--batch",
                        "--timeout", "240", "-ex", "continue", "-ex", "bt"], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    out = r.stdout + r.stderr
    assert re.search(r"^Breakpoint \d+, app_main \(env=0x[0-9a-f]+\) at apps/hello/main.c:\d+",
                     out, re.M), out
    frames = re.findall(r"^#(\d+) +(?:0x[0-9a-f]+ in )?(\w+) \(.*\) at ([\w/.]+):\d+", out, re.M)
    names = [(name, src) for _, name, src in frames]
    assert names[0] == ("app_main", "apps/hello/main.c"), out
    assert ("_start", "libs/c/ftl/src/start.c") in names, out
    assert any(src.startswith("kernel/") for _, src in names), out
    # The kernel reported where it loaded hello (boot argument debug=1).
    assert re.search(r"\[kernel +\] INFO   hello: loaded at 0xffffff[0-9a-f]+ \(inkernel\)", out)


def test_make_run_names_the_process_holding_the_dashboard_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        r = subprocess.run(["timeout", "60", str(ROOT / "tools" / "run.sh"), str(KERNEL)],
                           env=dict(os.environ, FTL_HOSTFWD_PORT=str(port)), capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in r.stderr
    assert f"(pid {os.getpid()})" in r.stderr, r.stderr
    assert f"kill {os.getpid()}" in r.stderr
    assert "Could not set up host forwarding rule" not in r.stderr  # QEMU never started


def qemu_pids_forwarding(port):
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if cmd.startswith("qemu-system-aarch64") and f"127.0.0.1:{port}-:80" in cmd:
                pids.append(int(d.name))
    return pids


def test_make_run_ends_qemu_when_its_terminal_goes_away():
    # make is the terminal's first process, as in an IDE task or `xterm -e make run`:
    # the hangup reaches make only, and make waits for QEMU.
    port = free_port()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execvpe("make", ["make", "--no-print-directory", "run", f"DASHBOARD_PORT={port}"],
                   make_env())
    qemu = []
    try:
        seen = b""
        deadline = time.monotonic() + 120
        while b"Hello from FTL!" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        assert b"Hello from FTL!" in seen, seen.decode(errors="replace")
        qemu = qemu_pids_forwarding(port)
        assert len(qemu) == 1, qemu
        os.close(fd)  # the terminal goes away
        fd = None
        deadline = time.monotonic() + 30
        while qemu_pids_forwarding(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert qemu_pids_forwarding(port) == [], "QEMU outlived its terminal"
    finally:
        if fd is not None:
            os.close(fd)
        for p in qemu_pids_forwarding(port):
            os.kill(p, signal.SIGKILL)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


def elf_load_segments(path):
    """(p_offset, p_vaddr, p_align, p_flags) of each PT_LOAD, and the section names."""
    data = path.read_bytes()
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 0x36)
    segs = []
    for i in range(phnum):
        ptype, flags, off, vaddr, _, _, _, align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if ptype == 1:
            segs.append((off, vaddr, align, flags))
    names = []
    str_off = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 0x18)[0]
    for i in range(shnum):
        name = struct.unpack_from("<I", data, shoff + i * shentsize)[0]
        names.append(data[str_off + name:data.index(b"\0", str_off + name)].decode())
    return segs, names


LINUX_VM_PREFIXES = ("apps/linux/", "apps/uname/", "apps/linux_run/")


def boot_image_bytes():
    """The boot image the 1 MiB goal is about: build/kernel.bin (the self-extracting
    kernel QEMU loads) and the default initfs without the Linux VM, which the goal
    leaves out: the files of apps/linux/ (the VMM app, the guest's kernel and
    initramfs) and of its two clients, uname and linux_run (the shell's `linux`
    stage). The initfs is packed again without them, as mkinitfs packs any image."""
    files = mkinitfs.read(DEFAULT_INITFS)
    assert any(name.startswith(LINUX_VM_PREFIXES) for name, _ in files)
    rest = [(name, data) for name, data in files if not name.startswith(LINUX_VM_PREFIXES)]
    initfs = mkinitfs.pack(rest)
    assert mkinitfs.read_bytes(initfs) == rest  # packing is lossless
    return KERNEL.stat().st_size, len(initfs), sum(len(d) for _, d in rest)


def test_default_boot_image_is_under_a_mebibyte_with_stripped_4k_aligned_apps():
    kernel, initfs, raw_files = boot_image_bytes()
    assert kernel + initfs <= 1 << 20, (kernel, initfs)
    # Compressed for real: the kernel and the files are each far bigger unpacked.
    assert KERNEL_RAW.stat().st_size > kernel and raw_files > initfs
    packed = sorted((BUILD / "apps" / "packed").glob("*.elf"))
    assert packed
    # The initfs holds the stripped copies.
    files = dict(mkinitfs.read(DEFAULT_INITFS))
    assert files["apps/hello/app.elf"] == (BUILD / "apps" / "packed" / "hello.elf").read_bytes()
    for elf in packed:
        segs, sections = elf_load_segments(elf)
        assert ".symtab" not in sections and ".debug_info" not in sections, elf
        assert [s[2] for s in segs] == [4096] * len(segs), elf
        for off, vaddr, _, flags in segs:
            assert vaddr % 4096 == 0 and off % 4096 == 0, elf
            assert not (flags & 2 and flags & 1), f"{elf}: a segment is writable and executable"
        full_segs, full_sections = elf_load_segments(BUILD / "apps" / elf.name)
        assert ".symtab" in full_sections, "build/apps/ keeps the symbols for gdb"
        assert [s[1:] for s in full_segs] == [s[1:] for s in segs]
