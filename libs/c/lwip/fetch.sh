#!/bin/sh
# Fetches lwIP's source from Debian's `lwip` source package at a pinned version and
# unpacks it into build/lwip/ (never committed). Run from the repository root, or pass
# the output folder: libs/c/lwip/fetch.sh [build/lwip]
#
# Needs a deb-src entry for bookworm main. As root the script adds one (a copy of the
# existing `deb` entry's mirror, in /etc/apt/sources.list.d/ftl-deb-src.sources) and
# runs `apt-get update`; otherwise it prints the exact commands and stops.
set -eu

LWIP_VERSION="${LWIP_VERSION:-2.1.3+dfsg1-2}"
OUT="${1:-build/lwip}"
UPSTREAM="${LWIP_VERSION%-*}"          # 2.1.3+dfsg1
SRCDIR="$OUT/lwip-$UPSTREAM"
STAMP="$SRCDIR/.ftl-fetched-$LWIP_VERSION"
SRC_LIST=/etc/apt/sources.list.d/ftl-deb-src.sources

if [ -f "$STAMP" ]; then
    exit 0
fi

have_source() {
    apt-cache showsrc lwip 2>/dev/null | grep -q "^Version: $LWIP_VERSION\$"
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
        echo "fetch.sh: lwIP's source needs a deb-src entry for bookworm main. As root, run:" >&2
        echo "    printf '%s\\n' '$(echo "$entry" | sed ':a;N;$!ba;s/\n/'"'"' '"'"'/g')' > $SRC_LIST && apt-get update" >&2
        exit 1
    fi
    echo "fetch.sh: adding $SRC_LIST (deb-src bookworm main from $mirror)"
    printf '%s\n' "$entry" > "$SRC_LIST"
    apt-get update -q >/dev/null
    if ! have_source; then
        echo "fetch.sh: apt has no source package lwip=$LWIP_VERSION" >&2
        exit 1
    fi
fi

mkdir -p "$OUT"
echo "fetch.sh: downloading lwip $LWIP_VERSION source into $OUT"
# apt-get source drops privileges to _apt for the download when run as root; the
# folder must be writable by it, so download into a fresh temporary folder first.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp" # apt-get source downloads as the _apt user
(cd "$tmp" && apt-get source -q --download-only "lwip=$LWIP_VERSION" >/dev/null)
dsc="$(ls "$tmp"/lwip_*.dsc)"
rm -rf "$SRCDIR"
dpkg-source --no-check -x "$dsc" "$SRCDIR" >/dev/null
cp "$tmp"/lwip_* "$OUT"/
touch "$STAMP"
echo "fetch.sh: lwIP source is in $SRCDIR"
