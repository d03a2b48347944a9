#!/bin/sh
# Fetches a Debian source package (bookworm main) at a pinned version and unpacks it
# into OUT/PACKAGE-UPSTREAM/ (never committed), then marks it with a stamp file
# OUT/PACKAGE-UPSTREAM/.ftl-fetched-VERSION that the build rules depend on.
#   tools/debian-source.sh PACKAGE VERSION OUT
# Used by libs/c/lwip/fetch.sh, libs/c/ext2fs/fetch.sh and kernel/lz4/fetch.sh.
#
# Needs a deb-src entry for bookworm main. As root the script adds one (a copy of the
# existing `deb` entry's mirror, in /etc/apt/sources.list.d/ftl-deb-src.sources) and
# runs `apt-get update`; otherwise it prints the exact commands and stops.
set -eu

PKG="$1"
VERSION="$2"
OUT="$3"
ME="${FETCH_NAME:-fetch.sh}"
UPSTREAM="${VERSION%-*}"
SRCDIR="$OUT/$PKG-$UPSTREAM"
STAMP="$SRCDIR/.ftl-fetched-$VERSION"
SRC_LIST=/etc/apt/sources.list.d/ftl-deb-src.sources

if [ -f "$STAMP" ]; then
    exit 0
fi

have_source() {
    apt-cache showsrc "$PKG" 2>/dev/null | grep -q "^Version: $VERSION\$"
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
        echo "$ME: no 'deb ... bookworm main' entry found in /etc/apt to copy" >&2
        exit 1
    fi
    entry="Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    if [ "$(id -u)" -ne 0 ]; then
        echo "$ME: $PKG's source needs a deb-src entry for bookworm main. As root, run:" >&2
        echo "    printf '%s\\n' '$(echo "$entry" | sed ':a;N;$!ba;s/\n/'"'"' '"'"'/g')' > $SRC_LIST && apt-get update" >&2
        exit 1
    fi
    echo "$ME: adding $SRC_LIST (deb-src bookworm main from $mirror)"
    printf '%s\n' "$entry" > "$SRC_LIST"
    apt-get update -q >/dev/null
    if ! have_source; then
        echo "$ME: apt has no source package $PKG=$VERSION" >&2
        exit 1
    fi
fi

mkdir -p "$OUT"
echo "$ME: downloading $PKG $VERSION source into $OUT"
# apt-get source drops privileges to _apt for the download when run as root; the
# folder must be writable by it, so download into a fresh temporary folder first.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp" # apt-get source downloads as the _apt user
(cd "$tmp" && apt-get source -q --download-only "$PKG=$VERSION" >/dev/null)
dsc="$(ls "$tmp"/"$PKG"_*.dsc)"
rm -rf "$SRCDIR"
dpkg-source --no-check -x "$dsc" "$SRCDIR" >/dev/null
cp "$tmp"/"$PKG"_* "$OUT"/
touch "$STAMP"
echo "$ME: $PKG source is in $SRCDIR"
