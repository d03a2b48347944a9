#!/bin/sh
# Boots an FTL image in QEMU with the serial console on stdio.
#   tools/run.sh IMAGE [extra qemu args...]
# FTL_ICOUNT=1 runs with -icount shift=0 (guest clock = 1 ns per instruction, for
# repeatable benchmarks). Colors are on when stdout is a terminal.
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
if [ -t 0 ] && [ -t 1 ]; then
    echo "FTL: booting $image in QEMU (quit with Ctrl-A then X)"
fi
# shellcheck disable=SC2086
exec qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu "$cpu" -smp 1 -m 256M \
    -nographic -no-reboot -nic none $icount -kernel "$image" -append "$args" "$@"
