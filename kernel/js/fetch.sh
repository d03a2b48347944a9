#!/bin/sh
# Fetches QuickJS's source from Debian's `quickjs` source package (trixie main) at a
# pinned version and unpacks it into build/quickjs/ (never committed). Run from the
# repository root, or pass the output folder: kernel/js/fetch.sh [build/quickjs]
#
# The system's apt configuration is not touched: a private apt state in
# build/quickjs/apt/ holds one deb-src entry for trixie main, copied from the mirror
# of the system's bookworm `deb` entry. If the archive moved on (a point release
# replaced the pinned version), the script stops and names the versions it found.
set -eu

QUICKJS_VERSION="${QUICKJS_VERSION:-2025.04.26-1}"
QUICKJS_ORIG_SHA256="ec81da5b3249ed648dbc7df4a1654988910e66a118d9b71cb63534216efcfbbe"
OUT="${1:-build/quickjs}"
UPSTREAM="${QUICKJS_VERSION%-*}"          # 2025.04.26
SRCDIR="$OUT/quickjs-$UPSTREAM"
STAMP="$SRCDIR/.ftl-fetched-$QUICKJS_VERSION"

if [ -f "$STAMP" ]; then
    exit 0
fi

# The mirror of the first `deb` entry for bookworm, from deb822 or one-line sources.
debian_mirror() {
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

mirror="$(debian_mirror || true)"
if [ -z "$mirror" ]; then
    echo "fetch.sh: no 'deb ... bookworm main' entry found in /etc/apt to take the mirror from" >&2
    exit 1
fi

mkdir -p "$OUT"
APTDIR="$(cd "$OUT" && pwd)/apt"
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc/preferences.d"
cat > "$APTDIR/etc/trixie-src.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
set -- -o "Dir::Etc::SourceList=$APTDIR/etc/trixie-src.sources" \
    -o "Dir::Etc::SourceParts=-" -o "Dir::Etc::Preferences=-" \
    -o "Dir::Etc::PreferencesParts=$APTDIR/etc/preferences.d" \
    -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache" \
    -o "Dir::State::status=/dev/null" -o "APT::Sandbox::User=root" -q

echo "fetch.sh: reading the trixie source index from $mirror (private apt state in $APTDIR)"
if ! apt-get "$@" update >"$APTDIR/update.log" 2>&1; then
    echo "fetch.sh: apt-get update of deb-src trixie main failed; see $APTDIR/update.log" >&2
    exit 1
fi
versions="$(apt-cache "$@" showsrc quickjs 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' ')"
case " $versions " in
*" $QUICKJS_VERSION "*) ;;
*)
    echo "fetch.sh: the archive has no source package quickjs=$QUICKJS_VERSION" >&2
    echo "fetch.sh: it offers: ${versions:-nothing}. Bump QUICKJS_VERSION in kernel/js/fetch.sh" >&2
    echo "fetch.sh: and kernel/js/js.mk (and the orig sha256) after checking the new source." >&2
    exit 1
    ;;
esac

echo "fetch.sh: downloading quickjs $QUICKJS_VERSION source into $OUT"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
(cd "$tmp" && apt-get "$@" source --download-only "quickjs=$QUICKJS_VERSION" >/dev/null)
orig="$(ls "$tmp"/quickjs_*.orig.tar.*)"
sum="$(sha256sum "$orig" | cut -d' ' -f1)"
if [ "$sum" != "$QUICKJS_ORIG_SHA256" ]; then
    echo "fetch.sh: $(basename "$orig") has sha256 $sum, expected $QUICKJS_ORIG_SHA256" >&2
    exit 1
fi
dsc="$(ls "$tmp"/quickjs_*.dsc)"
rm -rf "$SRCDIR"
dpkg-source --no-check -x "$dsc" "$SRCDIR" >/dev/null
cp "$tmp"/quickjs_* "$OUT"/
touch "$STAMP"
echo "fetch.sh: QuickJS source is in $SRCDIR"
