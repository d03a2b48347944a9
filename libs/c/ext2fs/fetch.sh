#!/bin/sh
# Fetches libext2fs's source from Debian's `e2fsprogs` source package at a pinned
# version and unpacks it into build/ext2fs/e2fsprogs-<upstream>/ (never committed). Run
# from the repository root, or pass the output folder: libs/c/ext2fs/fetch.sh
# [build/ext2fs] (tools/debian-source.sh does the work and says what it needs).
set -eu
E2FS_VERSION="${E2FS_VERSION:-1.47.0-2}"
FETCH_NAME=libs/c/ext2fs/fetch.sh exec "$(dirname "$0")/../../../tools/debian-source.sh" \
    e2fsprogs "$E2FS_VERSION" "${1:-build/ext2fs}"
