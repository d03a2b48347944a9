#!/bin/sh
# Fetches libext2fs's source from Debian's `e2fsprogs` source package at a pinned version and
# unpacks it into build/ext2fs/ (never committed). Run from the repository root, or pass
# the output folder: libs/c/ext2fs/fetch.sh [build/ext2fs]
#
# Needs a deb-src entry for bookworm main. As root the script adds one (a copy of the
# existing `deb` entry's mirror, in /etc/apt/sources.list.d/ftl-deb-src.sources) and
# runs `apt-get update`; otherwise it prints the exact commands and stops.
set -eu

E2FS_VERSION="${E2FS_VERSION:-1.47.0-2}"
OUT="${1:-build/ext2fs}"
UPSTREAM="${E2FS_VERSION%-*}"          # 1.47.0
SRCDIR="$OUT/e2fsprogs-$UPSTREAM"
STAMP="$SRCDIR/.ftl-fetched-$E2FS_VERSION"
SRC_LIST=/etc/apt/sources.list.d/ftl-deb-src.sources

if [ -f "$STAMP" ]; then
    exit 0
fi

have_source() {
    apt-cache showsrc e2fsprogs 2>/dev/null | grep -q "^Version: $E2FS_VERSION\$"
}

# The mirror of the first `deb` entry for bookworm, from deb822 or one-line sources.
bookworm_mirror() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uris = ""; suites = ""
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^Types:/)  { types = $i }
                    if ($i ~ /^URIs:/)   { uris = $i }
                    if ($i ~ /^Suites:/) { suites = $i }
                }
                if (types ~ /[ \t]deb([ \t]|$)/ && suites ~ /[ \t]bookworm([ \t]|$)/) {
                    sub(/^URIs:[ \t]*/, "", uris); split(uris, u, /[ \t]+/); print u[1]; exit
                }
            }' "$f"
    done | head -n 1 | grep . && return 0
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" && $3 == "bookworm" { u = $2; if (u ~ /^\[/) u = $3; print u; exit }' | grep .
}

if ! have_source; then
    mirror="$(bookworm_mirror || true)"
    if [ -z "$mirror" ]; then
        echo "fetch.sh: no 'deb ... bookworm main' entry found in /etc/apt to copy" >&2
        exit 1
    fi
    entry="Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    if [ "$(id -u)" -ne 0 ]; then
        echo "fetch.sh: e2fsprogs' source needs a deb-src entry for bookworm main. As root, run:" >&2
        echo "    printf '%s\\n' '$(echo "$entry" | sed ':a;N;$!ba;s/\n/'"'"' '"'"'/g')' > $SRC_LIST && apt-get update" >&2
        exit 1
    fi
    echo "fetch.sh: adding $SRC_LIST (deb-src bookworm main from $mirror)"
    printf '%s\n' "$entry" > "$SRC_LIST"
    apt-get update -q >/dev/null
    if ! have_source; then
        echo "fetch.sh: apt has no source package e2fsprogs=$E2FS_VERSION" >&2
        exit 1
    fi
fi

mkdir -p "$OUT"
echo "fetch.sh: downloading e2fsprogs $E2FS_VERSION source into $OUT"
# apt-get source drops privileges to _apt for the download when run as root; the
# folder must be writable by it, so download into a fresh temporary folder first.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp" # apt-get source downloads as the _apt user
(cd "$tmp" && apt-get source -q --download-only "e2fsprogs=$E2FS_VERSION" >/dev/null)
dsc="$(ls "$tmp"/e2fsprogs_*.dsc)"
rm -rf "$SRCDIR"
dpkg-source --no-check -x "$dsc" "$SRCDIR" >/dev/null
cp "$tmp"/e2fsprogs_* "$OUT"/
touch "$STAMP"
echo "fetch.sh: e2fsprogs source is in $SRCDIR"
