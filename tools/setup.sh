#!/bin/sh
# Installs the Debian 12 packages FTL needs to build, run and test.
# Run as root to install them; otherwise it prints the exact command to run.
set -eu

PACKAGES="make clang lld llvm qemu-system-arm gcc-aarch64-linux-gnu gdb-multiarch inotify-tools
picolibc-aarch64-linux-gnu libcmocka-dev python3 python3-pytest wabt
wasi-libc libclang-rt-14-dev-wasm32 nodejs chromium wrk libc6-dev-arm64-cross
dpkg-dev libclang-rt-14-dev iproute2 device-tree-compiler e2fsprogs lz4"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "FTL needs these Debian packages:$missing" >&2
    echo "Install them with:" >&2
    echo "    sudo apt-get install -y$missing" >&2
    exit 1
fi

echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || true
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
