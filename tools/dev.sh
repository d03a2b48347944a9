#!/bin/bash
# `make dev`: builds the kernel and the default apps, boots them in QEMU with the log on
# screen, and on every save under kernel/, libs/ or apps/ stops QEMU, rebuilds and
# boots again. A build error is shown and the next save retries. Ctrl-C stops it.
# An app change repacks the initfs only; the kernel is relinked only when kernel
# sources change. FTL_HOSTFWD_PORT forwards a host port to the dashboard, as in
# tools/run.sh. FTL_DEV_MAKE overrides the build command (default: make -j2).
set -u
cd "$(dirname "$0")/.."

if ! command -v inotifywait >/dev/null; then
    echo "FTL dev: inotifywait is missing: install Debian's inotify-tools (tools/setup.sh)" >&2
    exit 1
fi

qemu_pid=""
watch_pid=""

stop_qemu() {
    if [ -n "$qemu_pid" ]; then
        kill -TERM "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
        qemu_pid=""
    fi
}

cleanup() {
    stop_qemu
    if [ -n "$watch_pid" ]; then
        kill -TERM "$watch_pid" 2>/dev/null
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Every change, one path a line; editor scratch files are left out below.
exec 3< <(exec inotifywait -m -r -q -e close_write,attrib,moved_to,create,delete \
    --format '%w%f' kernel libs apps)
watch_pid=$!

build=0
while true; do
    build=$((build + 1))
    echo "FTL dev: build $build"
    start=$(date +%s%N)
    if ${FTL_DEV_MAKE:-make -j2} --no-print-directory default-image; then
        ms=$((($(date +%s%N) - start) / 1000000))
        echo "FTL dev: build $build done in $ms ms: booting (Ctrl-C stops; save a file to reboot)"
        # stdin from /dev/null: QEMU leaves the terminal alone, so Ctrl-C reaches us.
        FTL_HOSTFWD_PORT="${FTL_HOSTFWD_PORT:-}" tools/run.sh build/kernel.bin </dev/null &
        qemu_pid=$!
    else
        echo "FTL dev: build $build failed; fix it and save again"
    fi
    # Wait for a change that is not an editor's scratch file, then let the burst of
    # events a save makes settle.
    path=""
    while [ -z "$path" ]; do
        if ! read -r path <&3; then
            echo "FTL dev: inotifywait stopped watching" >&2
            exit 1
        fi
        case "$path" in
        *.swp | *.swx | *~ | */4913 | */.#* | *\#) path="" ;;
        esac
    done
    while read -r -t 0.3 _ <&3; do :; done
    printf '\r\033[K' # the shell's prompt may be showing: start a clean line
    echo "FTL dev: $path changed"
    stop_qemu
done
