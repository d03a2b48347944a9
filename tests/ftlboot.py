"""Boots FTL in QEMU for end-to-end tests: compose an initfs from built apps,
start QEMU (the kernel, and the initfs with -initrd) under `timeout` in its own
process group, read the serial log, and always stop it."""
import os
import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
KERNEL = BUILD / "kernel.bin"
DEFAULT_INITFS = BUILD / "images" / "default" / "initfs.bin"  # what `make run` boots
DISK_IMG = BUILD / "disk.img"  # the disk `make run` attaches (tools/disk.mk)


def app_binary(app: str) -> Path:
    """The binary packed for `app`: the stripped copy in build/apps/packed/ (what the
    default image holds) unless it is missing or older than build/apps/<app>.elf (or
    .wasm), which is used then."""
    kind = "wasm" if (BUILD / "apps" / f"{app}.wasm").exists() else "elf"
    full = BUILD / "apps" / f"{app}.{kind}"
    packed = BUILD / "apps" / "packed" / full.name
    if packed.exists() and (not full.exists() or packed.stat().st_mtime >= full.stat().st_mtime):
        return packed
    return full


def app_files(app: str):
    """The extra files an app's app.mk packs (APP_FILES_<app> := LEAF=PATH ...) that
    exist: [(leaf, path)]. The linux app's guest kernel and initramfs are such files."""
    mk = ROOT / "apps" / app / "app.mk"
    if not mk.exists():
        return []
    m = re.search(rf"^APP_FILES_{app}\s*:?=(.*)$", mk.read_text(), re.M)
    files = []
    for item in (m.group(1).split() if m else []):
        leaf, _, path = item.partition("=")
        path = ROOT / path.replace("$(BUILD)", str(BUILD.relative_to(ROOT)))
        if path.exists():
            files.append((leaf, path))
    return files


def make_initfs(out: Path, apps, specs=None, binaries=None) -> Path:
    """Packs app_binary(app) and apps/<app>/spec.yaml for each app into an
    initfs file at `out`. `specs` ({app name: yaml text}) replaces an app's spec, or
    adds a spec with no ELF (for broken-spec tests). `binaries` ({app name: path})
    packs a given .elf or .wasm as that app's binary."""
    specs = dict(specs or {})
    pairs = []
    for app in apps:
        spec = ROOT / "apps" / app / "spec.yaml"
        if app in specs:
            spec = out.parent / f"{app}.spec.yaml"
            spec.write_text(specs.pop(app))
        pairs.append(f"apps/{app}/spec.yaml={spec}")
        main_js = ROOT / "apps" / app / "main.js"
        if main_js.exists():  # isolation: js: the source is what boots
            pairs.append(f"apps/{app}/main.js={main_js}")
            continue
        binary = app_binary(app)
        pairs.append(f"apps/{app}/app{binary.suffix}={binary}")
        pairs += [f"apps/{app}/{leaf}={path}" for leaf, path in app_files(app)]
    for name, text in specs.items():
        path = out.parent / f"{name}.spec.yaml"
        path.write_text(text)
        pairs.append(f"apps/{name}/spec.yaml={path}")
    for name, path in (binaries or {}).items():
        key = "main.js" if Path(path).suffix == ".js" else f"app{Path(path).suffix}"
        pairs.append(f"apps/{name}/{key}={path}")
    subprocess.run(["python3", str(ROOT / "tools" / "mkinitfs.py"), str(out)] + pairs, check=True)
    return out


class Qemu:
    """One running FTL: the kernel (`kernel`, build/kernel.bin if None) with `initfs`
    (the default apps if None). `lines` holds every console line seen so far.
    `el` 1 boots it at EL1 as a VM is booted, 2 at EL2 with VHE; `gic` 2 gives the
    machine a GICv2, 3 a GICv3; `virtio` "pci" gives the network and the disk as
    virtio-pci devices, "mmio" as virtio-mmio ones. Unset, they come from FTL_EL,
    FTL_GIC and FTL_VIRTIO (so `FTL_EL=1 FTL_GIC=2 make test-e2e` runs every test that
    way), else 2, 3 and mmio.
    `disk`: None attaches build/disk.img as a virtio-blk device in snapshot mode (the
    boot sees the image, its writes are discarded), a path attaches that image writable
    (writes persist), False attaches no disk. Extra arguments with a -drive of their
    own replace it. `console_input` True connects QEMU's stdin to a pipe that type()
    writes to (the serial console's input); else stdin is /dev/null."""

    def __init__(self, initfs=None, timeout_s=300, icount=False, extra=(), kernel=None,
                 el=None, gic=None, disk=None, console_input=False, virtio=None):
        cmd = ["timeout", "--kill-after=5", str(timeout_s), str(ROOT / "tools" / "run.sh"),
               str(kernel or KERNEL), "-initrd", str(initfs or DEFAULT_INITFS)]
        cmd += list(extra)
        env = dict(os.environ, FTL_ICOUNT="1" if icount else "0",
                   FTL_EL=str(el or os.environ.get("FTL_EL", 2)),
                   FTL_GIC=str(gic or os.environ.get("FTL_GIC", 3)),
                   FTL_VIRTIO=virtio or os.environ.get("FTL_VIRTIO", "mmio"))
        blk = "virtio-blk-pci" if env["FTL_VIRTIO"] == "pci" else "virtio-blk-device"
        if disk is None and DISK_IMG.exists() and "-drive" not in cmd:
            cmd += ["-drive", f"file={DISK_IMG},if=none,format=raw,id=disk0,snapshot=on,"
                    "file.locking=off", "-device", f"{blk},drive=disk0"]
        elif disk:
            env["FTL_DISK"] = str(disk)
        else:
            env["FTL_DISK"] = "none"
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.PIPE if console_input else subprocess.DEVNULL,
                                     start_new_session=True, env=env)
        self.lines = []
        self._new = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            if "\r" in line:  # "\r" then "ESC [K": what follows replaced the line (the shell)
                line = line.rsplit("\r", 1)[1].replace("\x1b[K", "")
            self.lines.append(line)
            self._new.put(line)
        self._new.put(None)

    def wait_for(self, pattern, timeout_s=60):
        """Returns the match of the first line (seen before or after the call)
        matching `pattern`; fails the test with the log if none comes in time."""
        rx = re.compile(pattern)
        for line in list(self.lines):
            m = rx.search(line)
            if m:
                return m
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            m = rx.search(line)
            if m:
                return m
        raise AssertionError(f"no line matching {pattern!r} within {timeout_s}s; log:\n" +
                             "\n".join(self.lines[-60:]))

    def type(self, text):
        """Sends `text` (str or bytes) to the serial console, as if typed (needs
        console_input=True)."""
        data = text.encode() if isinstance(text, str) else text
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._reader.join(timeout=5)

    def log(self):
        return "\n".join(self.lines)
