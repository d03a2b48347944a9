#!/bin/sh
# Fetches Octane 2.0 as the npm package benchmark-octane at a pinned version (npm's own
# client: `npm pack` checks the package's integrity) into build/octane/ (never
# committed), for `make bench` (tools/bench_octane.py). Stops loudly if npm or the
# package is unavailable.
# usage: tools/octane/fetch.sh [build/octane]
set -eu
OCTANE_VERSION="${OCTANE_VERSION:-1.0.1}"
OUT="${1:-build/octane}"
STAMP="$OUT/.ftl-fetched-$OCTANE_VERSION"
if [ -f "$STAMP" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "octane/fetch.sh: npm is not installed (apt-get install npm); cannot fetch benchmark-octane@$OCTANE_VERSION" >&2
    exit 1
fi
mkdir -p "$OUT"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack --silent "benchmark-octane@$OCTANE_VERSION" >pack.log 2>&1); then
    echo "octane/fetch.sh: npm pack benchmark-octane@$OCTANE_VERSION failed:" >&2
    tail -n 20 "$tmp/pack.log" >&2
    exit 1
fi
rm -rf "$OUT/package"
tar -xzf "$tmp/benchmark-octane-$OCTANE_VERSION.tgz" -C "$OUT"
test -f "$OUT/package/lib/octane/base.js"
touch "$STAMP"
echo "octane/fetch.sh: Octane (benchmark-octane $OCTANE_VERSION) is in $OUT/package/lib/octane"
