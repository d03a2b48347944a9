#!/bin/sh
# Fetches lwIP's source from Debian's `lwip` source package at a pinned version and
# unpacks it into build/lwip/lwip-<upstream>/ (never committed). Run from the
# repository root, or pass the output folder: libs/c/lwip/fetch.sh [build/lwip]
# (tools/debian-source.sh does the work and says what it needs).
set -eu
LWIP_VERSION="${LWIP_VERSION:-2.1.3+dfsg1-2}"
FETCH_NAME=libs/c/lwip/fetch.sh exec "$(dirname "$0")/../../../tools/debian-source.sh" \
    lwip "$LWIP_VERSION" "${1:-build/lwip}"
