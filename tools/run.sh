#!/bin/sh
# Boots FTL in QEMU with the serial console on stdio.
#   tools/run.sh KERNEL [extra qemu args...]
# KERNEL is build/kernel.bin. The apps come in an initfs passed with -initrd; without
# one among the extra arguments, the default apps (build/images/default/initfs.bin).
# FTL_ICOUNT=1 runs with -icount shift=0 (guest clock = 1 ns per instruction, for
# repeatable benchmarks). Colors are on when stdout is a terminal. FTL_BOOTARGS adds
# kernel boot arguments (e.g. debug=1: a log line per app with its load address).
# The machine has a virtio-net device on QEMU's user network (the guest gets
# 10.0.2.15 by DHCP) unless the extra arguments bring their own -netdev;
# FTL_HOSTFWD_PORT=N forwards 127.0.0.1:N on the host to the guest's port 80.
# FTL_EL=1 boots it at EL1 as a VM is booted (no virtualization=on; default 2: EL2),
# FTL_GIC=2 gives the machine a GICv2 (default 3); docs/booting.md.
# The disk image build/disk.img (tools/disk.mk, docs/fs.md) is attached as a
# virtio-blk device, writable, unless the extra arguments bring their own -drive;
# FTL_DISK=FILE attaches another image, FTL_DISK=none none.
# FTL_VIRTIO=pci gives both as virtio-pci devices on the PCIe host bridge instead
# (what cloud-hypervisor, crosvm and most clouds offer; default mmio; docs/booting.md).
# On a terminal, QEMU ends when the terminal goes away. QEMU's forwarded ports get a
# listen backlog of 128 (see below).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
image=$1
shift
args="${FTL_BOOTARGS:-}"
if [ -t 1 ]; then
    args="$args color=1"
fi
cpu="max,pauth-impdef=on"
icount=""
if [ "${FTL_ICOUNT:-0}" = 1 ]; then
    icount="-icount shift=0,sleep=off"
fi
machine="virt,gic-version=${FTL_GIC:-3}"
case "${FTL_VIRTIO:-mmio}" in
mmio) net_dev=virtio-net-device blk_dev=virtio-blk-device ;;
pci) net_dev=virtio-net-pci,romfile= blk_dev=virtio-blk-pci ;;
*) echo "FTL: FTL_VIRTIO must be mmio or pci, not ${FTL_VIRTIO}" >&2; exit 1 ;;
esac
case "${FTL_EL:-2}" in
2) machine="$machine,virtualization=on" ;;
1) ;;
*) echo "FTL: FTL_EL must be 1 or 2, not ${FTL_EL}" >&2; exit 1 ;;
esac
case " $* " in
*" -initrd "*) ;;
*)
    default_initfs="$here/../build/images/default/initfs.bin"
    if [ ! -f "$default_initfs" ]; then
        echo "FTL: no $default_initfs: build it with make default-image, or pass -initrd FILE" >&2
        exit 1
    fi
    set -- -initrd "$default_initfs" "$@"
    ;;
esac
net="user,id=net0"
if [ -n "${FTL_HOSTFWD_PORT:-}" ]; then
    net="$net,hostfwd=tcp:127.0.0.1:${FTL_HOSTFWD_PORT}-:80"
fi
nic="-netdev $net -device $net_dev,netdev=net0 -global virtio-mmio.force-legacy=false"
case " $* " in
*" -netdev "*) nic="" ;;
esac
disk_file="${FTL_DISK:-$here/../build/disk.img}"
disk=""
case " $* " in
*" -drive "*) disk_file=none ;;
esac
if [ "$disk_file" != none ]; then
    if [ -f "$disk_file" ]; then
        disk="-drive file=$disk_file,if=none,format=raw,id=disk0 -device $blk_dev,drive=disk0"
    else
        echo "FTL: no disk image $disk_file (make disk-image builds it); booting without a disk" >&2
    fi
fi
if [ -n "$nic" ] && [ -n "${FTL_HOSTFWD_PORT:-}" ]; then
    python3 "$here/portcheck.py" "$FTL_HOSTFWD_PORT"
fi
if [ -t 0 ] && [ -t 1 ]; then
    echo "FTL: booting $image in QEMU (quit with Ctrl-A then X)"
    if [ -n "${FTL_HOSTFWD_PORT:-}" ]; then
        echo "FTL: the dashboard will be at http://127.0.0.1:${FTL_HOSTFWD_PORT}/ once DHCP is done"
    fi
fi
if [ -t 1 ]; then
    # QEMU quits on SIGHUP, but when the terminal's first process is make (an IDE
    # task, `xterm -e make run`, `ssh -t host make run`) only make gets the hangup and
    # waits for QEMU forever, which keeps the dashboard port. This watcher outlives
    # the exec below (QEMU keeps this shell's PID, $$) and stops QEMU once stdout is
    # no longer a terminal, i.e. the terminal hung up.
    (
        trap '' HUP
        while [ -t 1 ] && kill -0 $$ 2>/dev/null; do
            sleep 1
        done
        kill -TERM $$ 2>/dev/null || true
    ) </dev/null &
fi
# QEMU listens on forwarded host ports with a backlog of 1: the host kernel drops
# connections that arrive faster than QEMU accepts them, and their clients retry only
# seconds later. build/listen_backlog.so (tools/listen_backlog.c, built by make)
# raises that backlog; FTL_RAW_QEMU=1 boots without it (tools/bench_net.py compares).
preload="$here/../build/listen_backlog.so"
if [ -f "$preload" ] && [ "${FTL_RAW_QEMU:-0}" != 1 ]; then
    export LD_PRELOAD="$(cd "$(dirname "$preload")" && pwd)/listen_backlog.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi
# shellcheck disable=SC2086
exec qemu-system-aarch64 -M "$machine" -cpu "$cpu" -smp 1 -m 256M \
    -nographic -no-reboot $nic $disk $icount -kernel "$image" -append "$args" "$@"
