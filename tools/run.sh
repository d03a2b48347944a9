#!/bin/sh
# Boots an FTL image in QEMU with the serial console on stdio.
#   tools/run.sh IMAGE [extra qemu args...]
# FTL_ICOUNT=1 runs with -icount shift=0 (guest clock = 1 ns per instruction, for
# repeatable benchmarks). Colors are on when stdout is a terminal.
# The machine has a virtio-net device on QEMU's user network (the guest gets
# 10.0.2.15 by DHCP) unless the extra arguments bring their own -netdev;
# FTL_HOSTFWD_PORT=N forwards 127.0.0.1:N on the host to the guest's port 80.
set -eu
image=$1
shift
args=""
if [ -t 1 ]; then
    args="color=1"
fi
cpu="max,pauth-impdef=on"
icount=""
if [ "${FTL_ICOUNT:-0}" = 1 ]; then
    icount="-icount shift=0,sleep=off"
fi
net="user,id=net0"
if [ -n "${FTL_HOSTFWD_PORT:-}" ]; then
    net="$net,hostfwd=tcp:127.0.0.1:${FTL_HOSTFWD_PORT}-:80"
fi
nic="-netdev $net -device virtio-net-device,netdev=net0 -global virtio-mmio.force-legacy=false"
case " $* " in
*" -netdev "*) nic="" ;;
esac
if [ -t 0 ] && [ -t 1 ]; then
    echo "FTL: booting $image in QEMU (quit with Ctrl-A then X)"
    if [ -n "${FTL_HOSTFWD_PORT:-}" ]; then
        echo "FTL: the dashboard will be at http://127.0.0.1:${FTL_HOSTFWD_PORT}/ once DHCP is done"
    fi
fi
# shellcheck disable=SC2086
exec qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu "$cpu" -smp 1 -m 256M \
    -nographic -no-reboot $nic $icount -kernel "$image" -append "$args" "$@"
