#!/bin/sh
# Fetches the test262 snapshot Debian ships inside the `qtdeclarative-opensource-src`
# source package (bookworm main) at a pinned version, and unpacks only its
# tests/auto/qml/ecmascripttests/test262/ folder into build/test262/ (never
# committed). Like kernel/js/fetch.sh: a private apt state, nothing of the system's
# apt touched; stops with the versions it found if the archive moved on.
# usage: kernel/js/tests/fetch_test262.sh [build/test262]
set -eu

T262_VERSION="${T262_VERSION:-5.15.8+dfsg-3}"
T262_ORIG_SHA256="e6d0680863bcc5a03c44cffe80c0c40711227eec5e126ee0f88fe023864eedcc"
PKG=qtdeclarative-opensource-src
OUT="${1:-build/test262}"
STAMP="$OUT/.ftl-fetched-$T262_VERSION"

if [ -f "$STAMP" ]; then
    exit 0
fi

mirror="$(awk 'BEGIN { RS = ""; FS = "\n" }
    { types = ""; uris = ""; suites = ""
      for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) { types = $i }
          if ($i ~ /^URIs:/) { uris = $i }
          if ($i ~ /^Suites:/) { suites = $i } }
      if (types ~ /[ \t]deb([ \t]|$)/ && suites ~ /[ \t]bookworm([ \t]|$)/) {
          sub(/^URIs:[ \t]*/, "", uris); split(uris, u, /[ \t]+/); print u[1]; exit } }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
if [ -z "$mirror" ]; then
    mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" && $3 == "bookworm" { u = $2; if (u ~ /^\[/) u = $3; print u; exit }')"
fi
if [ -z "$mirror" ]; then
    echo "fetch_test262.sh: no 'deb ... bookworm main' entry found in /etc/apt" >&2
    exit 1
fi

mkdir -p "$OUT"
APTDIR="$(cd "$OUT" && pwd)/apt"
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc/preferences.d"
cat > "$APTDIR/etc/bookworm-src.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
set -- -o "Dir::Etc::SourceList=$APTDIR/etc/bookworm-src.sources" \
    -o "Dir::Etc::SourceParts=-" -o "Dir::Etc::Preferences=-" \
    -o "Dir::Etc::PreferencesParts=$APTDIR/etc/preferences.d" \
    -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache" \
    -o "Dir::State::status=/dev/null" -o "APT::Sandbox::User=root" -q
if ! apt-get "$@" update >"$APTDIR/update.log" 2>&1; then
    echo "fetch_test262.sh: apt-get update of deb-src bookworm main failed; see $APTDIR/update.log" >&2
    exit 1
fi
versions="$(apt-cache "$@" showsrc $PKG 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' ')"
case " $versions " in
*" $T262_VERSION "*) ;;
*)
    echo "fetch_test262.sh: the archive has no source package $PKG=$T262_VERSION" >&2
    echo "fetch_test262.sh: it offers: ${versions:-nothing}. Bump T262_VERSION here." >&2
    exit 1
    ;;
esac
echo "fetch_test262.sh: downloading $PKG $T262_VERSION (test262 only is unpacked)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
(cd "$tmp" && apt-get "$@" source --download-only "$PKG=$T262_VERSION" >/dev/null)
orig="$(ls "$tmp"/${PKG}_*.orig.tar.*)"
sum="$(sha256sum "$orig" | cut -d' ' -f1)"
if [ "$sum" != "$T262_ORIG_SHA256" ]; then
    echo "fetch_test262.sh: $(basename "$orig") has sha256 $sum, expected $T262_ORIG_SHA256" >&2
    exit 1
fi
rm -rf "$OUT/suite"
mkdir -p "$OUT/suite"
tar -xJf "$orig" -C "$OUT/suite" --strip-components=5 --wildcards \
    '*/tests/auto/qml/ecmascripttests/test262/*'
touch "$STAMP"
echo "fetch_test262.sh: test262 is in $OUT/suite"
