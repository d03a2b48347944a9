#!/usr/bin/env python3
"""Fetches the Debian 12 arm64 packages FTL's Linux guest and the Linux baseline use,
by package name and pinned version, with apt-get download (arm64 multiarch).

This is the one place with the pinned versions. When Debian's archive moves on (the
security archive keeps only the newest kernel build), a pinned version can no longer
be downloaded: the fetch then warns, takes the current version and records
"pinned": false in its result, so the figures say what they were measured with.

    python3 tools/linux_fetch.py kernel build/linux   # Image + virtio modules
    python3 tools/linux_fetch.py busybox build/linux  # busybox (static)

Downloaded .deb files are kept in build/linux/debs/ (shared by every caller).
Exit status: 0 on success, 1 when a step fails (the message names the step).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The kernel: the cloud meta package at its pinned version names the versioned image
# package. Update both together (and the figures measured with them).
PINNED_META = ("linux-image-cloud-arm64", "6.1.192-3")
PINNED_IMAGE = ("linux-image-6.1.0-57-cloud-arm64", "6.1.192-3")
# busybox, statically linked: the guest's shell and applets.
PINNED_BUSYBOX = ("busybox-static", "1:1.35.0-4+deb12u1+b1")

ROOT = Path(__file__).resolve().parents[1]
DEB_CACHE = ROOT / "build" / "linux" / "debs"


class StepError(Exception):
    def __init__(self, step, message, cmd=None, output=""):
        super().__init__(message)
        self.step, self.message, self.cmd, self.output = step, message, cmd, output

    def __str__(self):
        lines = [f"step '{self.step}' failed: {self.message}"]
        if self.cmd:
            lines.append("  command: " + " ".join(str(c) for c in self.cmd))
        tail = [ln for ln in (self.output or "").splitlines() if ln.strip()][-15:]
        if tail:
            lines.append("  output (tail):")
            lines += ["    " + ln for ln in tail]
        return "\n".join(lines)


def log(msg):
    print(f"linux-fetch: {msg}", file=sys.stderr, flush=True)


def run(step, cmd, cwd=None, timeout=600, check=True):
    try:
        p = subprocess.run([str(c) for c in cmd], cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", timeout=timeout)
    except FileNotFoundError:
        raise StepError(step, f"{cmd[0]} not found (run tools/setup.sh)", cmd)
    except subprocess.TimeoutExpired as e:
        raise StepError(step, f"timed out after {timeout} s", cmd, str(e.output or ""))
    if check and p.returncode != 0:
        raise StepError(step, f"exit status {p.returncode}", cmd, p.stdout)
    return p


def ensure_arm64_apt(pkg=PINNED_META[0]):
    """Makes apt know Debian's arm64 packages (root), or says how."""
    step = "enable arm64 multiarch"
    foreign = run(step, ["dpkg", "--print-foreign-architectures"]).stdout.split()
    policy = run(step, ["apt-cache", "policy", f"{pkg}:arm64"], check=False).stdout
    candidate = re.search(r"Candidate: (\S+)", policy)
    if "arm64" in foreign and candidate and candidate.group(1) != "(none)":
        return
    cmds = ([] if "arm64" in foreign else ["dpkg --add-architecture arm64"]) + ["apt-get update"]
    if os.geteuid() != 0:
        raise StepError(step, "apt does not know Debian's arm64 packages yet and this is "
                        "not root. Run as root:\n    " + " && ".join(cmds) +
                        "\n  then run this again.")
    for c in cmds:
        log(f"running: {c}")
        run(step, c.split(), timeout=900)


def deb_field(deb, field):
    return run("read .deb", ["dpkg-deb", "-f", deb, field]).stdout.strip()


def apt_download(step, pkg, version):
    """The .deb of pkg:arm64 (=version if given) in DEB_CACHE, downloaded unless it is
    already there; None when that version is not in the archive."""
    DEB_CACHE.mkdir(parents=True, exist_ok=True)
    if version:
        for deb in DEB_CACHE.glob(f"{pkg}_*_arm64.deb"):
            if deb_field(deb, "Version") == version:
                return deb
    spec = f"{pkg}:arm64" + (f"={version}" if version else "")
    with tempfile.TemporaryDirectory(dir=DEB_CACHE) as tmp:
        p = run(step, ["apt-get", "download", spec], cwd=tmp, check=False, timeout=900)
        if p.returncode != 0:
            if version and re.search(r"Version '.*' for '.*' was not found", p.stdout):
                return None
            raise StepError(step, f"apt-get download {spec} failed",
                            ["apt-get", "download", spec], p.stdout)
        debs = list(Path(tmp).glob(f"{pkg}_*_arm64.deb"))
        if not debs:
            raise StepError(step, f"apt-get download {spec} left no {pkg}_*.deb",
                            ["apt-get", "download", spec], p.stdout)
        dest = DEB_CACHE / debs[0].name
        debs[0].replace(dest)
    return dest


def download_pinned(step, pinned, what):
    """(deb, pinned?) for a (package, version) pin, falling back to the current version
    with a warning when the archive moved on."""
    deb = apt_download(step, pinned[0], pinned[1])
    if deb is not None:
        return deb, True
    log(f"WARNING: {pinned[0]} {pinned[1]} is no longer in the archive; using the current "
        f"version for {what} (update PINNED_* in tools/linux_fetch.py)")
    return apt_download(step, pinned[0], None), False


def _cached(info_file, key, pin):
    """The cached result in info_file when it is still good: a fallback stays cached,
    a pinned one only while the pin is unchanged."""
    if not info_file.exists():
        return None
    info = json.loads(info_file.read_text())
    if not info.get(f"{key}_pinned") or (
            (info.get(f"{key}_package"), info.get(f"{key}_package_version")) == pin):
        return info
    return None


def fetch_kernel(work, modules):
    """Debian's arm64 cloud kernel: work/Image (an uncompressed arm64 Image) and each
    module path in `modules` (relative to lib/modules/*/kernel/) as work/modules/*.ko.
    Returns {kernel_package, kernel_package_version, kernel_release, kernel_pinned}."""
    work = Path(work)
    image, info_file = work / "Image", work / "kernel.json"
    if image.exists() and all((work / "modules" / Path(m).name).exists() for m in modules):
        info = _cached(info_file, "kernel", PINNED_IMAGE)
        if info:
            return info
    ensure_arm64_apt()
    step = "download kernel"
    meta, pinned = download_pinned(step, PINNED_META, "the kernel")
    dep = re.search(r"(linux-image-[\w.+-]+-cloud-arm64) \(= ([^)]+)\)", deb_field(meta, "Depends"))
    if not dep:
        raise StepError(step, f"no versioned linux-image-*-cloud-arm64 in the Depends of {meta.name}",
                        ["dpkg-deb", "-f", meta, "Depends"], deb_field(meta, "Depends"))
    img_pkg, img_ver = dep.group(1), dep.group(2)
    if pinned and (img_pkg, img_ver) != PINNED_IMAGE:
        log(f"WARNING: {PINNED_META[0]} {PINNED_META[1]} now depends on {img_pkg} {img_ver}, "
            f"not the pinned {PINNED_IMAGE[0]} {PINNED_IMAGE[1]}")
        pinned = False
    log(f"kernel: {img_pkg} {img_ver} (arm64)")
    deb = apt_download(step, img_pkg, img_ver)
    if deb is None:
        raise StepError(step, f"{img_pkg} {img_ver} (named by {meta.name}) is not in the archive; "
                        "run apt-get update")
    step = "extract kernel"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        x = Path(tmp)
        run(step, ["dpkg-deb", "-x", deb, x], timeout=300)
        found = sorted((x / "boot").glob("vmlinuz-*"))
        if not found:
            raise StepError(step, f"no boot/vmlinuz-* in {deb.name}")
        if found[0].read_bytes()[56:60] != b"ARM\x64":
            raise StepError(step, f"{found[0].name} is not an uncompressed arm64 Image "
                            "(no ARM\\x64 magic at offset 56); -kernel would not boot it")
        mods = work / "modules"
        mods.mkdir(exist_ok=True)
        for m in modules:
            ko = sorted((x / "lib" / "modules").glob(f"*/kernel/{m}"))
            if not ko:
                raise StepError(step, f"no lib/modules/*/kernel/{m} in {deb.name} "
                                "(compressed modules are not handled)")
            shutil.copyfile(ko[0], mods / ko[0].name)
        shutil.copyfile(found[0], image.with_suffix(".tmp"))
        image.with_suffix(".tmp").replace(image)
        release = found[0].name[len("vmlinuz-"):]
    info = {"kernel_package": img_pkg, "kernel_package_version": img_ver,
            "kernel_release": release, "kernel_pinned": pinned}
    info_file.write_text(json.dumps(info, indent=2) + "\n")
    return info


def fetch_busybox(work):
    """Debian's busybox-static as work/busybox (a static aarch64 executable).
    Returns {busybox_package, busybox_package_version, busybox_pinned}."""
    work = Path(work)
    exe, info_file = work / "busybox", work / "busybox.json"
    if exe.exists():
        info = _cached(info_file, "busybox", PINNED_BUSYBOX)
        if info:
            return info
    ensure_arm64_apt(PINNED_BUSYBOX[0])
    step = "download busybox"
    deb, pinned = download_pinned(step, PINNED_BUSYBOX, "busybox")
    version = deb_field(deb, "Version")
    log(f"busybox: {PINNED_BUSYBOX[0]} {version} (arm64)")
    step = "extract busybox"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        run(step, ["dpkg-deb", "-x", deb, tmp], timeout=300)
        src = Path(tmp) / "bin" / "busybox"
        if not src.exists():
            raise StepError(step, f"no bin/busybox in {deb.name}")
        head = src.read_bytes()[:20]
        if head[:4] != b"\x7fELF" or int.from_bytes(head[18:20], "little") != 183:
            raise StepError(step, f"bin/busybox in {deb.name} is not an aarch64 ELF")
        shutil.copyfile(src, exe.with_suffix(".tmp"))
        exe.with_suffix(".tmp").chmod(0o755)
        exe.with_suffix(".tmp").replace(exe)
    info = {"busybox_package": PINNED_BUSYBOX[0], "busybox_package_version": version,
            "busybox_pinned": pinned}
    info_file.write_text(json.dumps(info, indent=2) + "\n")
    return info


def newc(entries):
    """A newc cpio archive from (name, mode, data, rdev_major, rdev_minor); a symlink's
    data is its target."""
    out = bytearray()
    for ino, (name, mode, data, rmaj, rmin) in enumerate(
            entries + [("TRAILER!!!", 0, b"", 0, 0)], start=1):
        nb = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmaj, rmin, len(nb), 0]
        out += b"070701" + b"".join(b"%08X" % f for f in fields) + nb
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    out += b"\0" * (-len(out) % 512)
    return bytes(out)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("kernel", "busybox"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if sys.argv[1] == "kernel":
            info = fetch_kernel(sys.argv[2], [])
        else:
            info = fetch_busybox(sys.argv[2])
    except StepError as e:
        print(f"linux-fetch: {e}", file=sys.stderr)
        return 1
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
