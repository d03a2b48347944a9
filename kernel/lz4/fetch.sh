#!/bin/sh
# Fetches LZ4's source from Debian's `lz4` source package at a pinned version and
# unpacks it into build/lz4/lz4-<upstream>/ (never committed): its lib/lz4.c is the
# block decoder of the compressed kernel and initfs (kernel/lz4/lz4.mk). Run from the
# repository root, or pass the output folder: kernel/lz4/fetch.sh [build/lz4]
set -eu
LZ4_VERSION="${LZ4_VERSION:-1.9.4-1}"
FETCH_NAME=kernel/lz4/fetch.sh exec "$(dirname "$0")/../../tools/debian-source.sh" \
    lz4 "$LZ4_VERSION" "${1:-build/lz4}"
