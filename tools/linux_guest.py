#!/usr/bin/env python3
"""Builds FTL's Linux guest: Debian's arm64 cloud kernel and an initramfs with
busybox, the agent (apps/linux/guest, as /init) and the virtio modules.
`make linux-guest` runs it (tools/linux.mk); docs/linux-guest.md describes the guest.

    python3 tools/linux_guest.py fetch       # build/linux/Image, modules/, busybox
    python3 tools/linux_guest.py initramfs   # build/linux/initramfs.cpio

`initramfs` packs build/linux/agent, which the Makefile compiles first.
Exit status: 0 on success, 1 when a step fails (the message names the step).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import linux_fetch  # noqa: E402
from linux_fetch import StepError, newc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "linux"
# Debian's cloud kernel has virtio-mmio and virtio-console as modules; /init loads
# them from /modules in this order (apps/linux/guest/agent.c names them too).
MODULES = ["drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko",
           "drivers/virtio/virtio_mmio.ko", "drivers/char/virtio_console.ko"]
# busybox applets linked in /bin (every one must be in Debian's busybox-static).
APPLETS = """sh ash cat echo true false sleep uname sha256sum md5sum tr head tail wc ls dd
yes seq env printf test [ expr grep sed awk cut sort uniq tee od xargs find mkdir rmdir
rm cp mv ln touch chmod stat ps kill id whoami hostname date mount umount dmesg free df
du basename dirname readlink realpath gzip gunzip zcat tar base64 cmp diff hexdump
nproc sync timeout usleep watch which""".split()


# Debian signs its modules; the kernel checks an appended signature on every load
# (SHA-512 and RSA in the guest: 24 ms of its boot for these four). The .deb files
# were already checked by apt, so the initramfs gets them unsigned; the kernel loads
# them anyway (MODULE_SIG_FORCE is off) and marks itself tainted (E), nothing more.
SIG_MAGIC = b"~Module signature appended~\n"


def strip_signature(ko):
    """The module without its appended signature (struct module_signature: 12 bytes,
    sig_len big-endian at offset 8, then the magic)."""
    if not ko.endswith(SIG_MAGIC):
        return ko
    end = len(ko) - len(SIG_MAGIC) - 12
    sig_len = int.from_bytes(ko[end + 8:end + 12], "big")
    if sig_len > end:
        raise StepError("pack initramfs", "a module's signature length is out of range")
    return ko[:end - sig_len]


def fetch():
    info = linux_fetch.fetch_kernel(WORK, MODULES)
    info.update(linux_fetch.fetch_busybox(WORK))
    (WORK / "fetched.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def check_applets(busybox):
    """The applets in APPLETS that this busybox lacks (its name list is a run of
    NUL-terminated names)."""
    return [a for a in APPLETS if b"\0" + a.encode() + b"\0" not in busybox]


def initramfs():
    agent = WORK / "agent"
    if not agent.exists():
        raise StepError("pack initramfs", f"{agent} is missing (make linux-guest builds it)")
    busybox = (WORK / "busybox").read_bytes()
    missing = check_applets(busybox)
    if missing:
        raise StepError("pack initramfs", "this busybox lacks the applets " + " ".join(missing))
    d = 0o040755
    entries = [
        ("bin", d, b"", 0, 0),
        ("bin/busybox", 0o100755, busybox, 0, 0),
    ] + [(f"bin/{a}", 0o120777, b"busybox", 0, 0) for a in APPLETS] + [
        ("dev", d, b"", 0, 0),
        ("dev/console", 0o020600, b"", 5, 1),  # the kernel opens it for /init
        ("init", 0o100755, agent.read_bytes(), 0, 0),
        ("modules", d, b"", 0, 0),
    ] + [("modules/" + Path(m).name, 0o100644,
          strip_signature((WORK / "modules" / Path(m).name).read_bytes()), 0, 0)
         for m in MODULES] + [
        ("proc", d, b"", 0, 0),
        ("root", 0o040700, b"", 0, 0),
        ("sys", d, b"", 0, 0),
        ("tmp", 0o041777, b"", 0, 0),
    ]
    out = WORK / "initramfs.cpio"
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(newc(entries))
    tmp.replace(out)
    return out


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("fetch", "initramfs"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        WORK.mkdir(parents=True, exist_ok=True)
        if sys.argv[1] == "fetch":
            info = fetch()
            print(f"linux-guest: kernel {info['kernel_package']} {info['kernel_package_version']}"
                  f"{'' if info['kernel_pinned'] else ' (NOT the pinned version)'}, busybox "
                  f"{info['busybox_package_version']}"
                  f"{'' if info['busybox_pinned'] else ' (NOT the pinned version)'}")
        else:
            out = initramfs()
            print(f"linux-guest: {out.relative_to(ROOT)} ({out.stat().st_size // 1024} KiB)")
    except StepError as e:
        print(f"linux-guest: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
