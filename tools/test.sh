#!/bin/sh
# `make test`: runs every test layer, then prints one line per layer and a verdict.
#   host unit tests (ASan/UBSan) -> fuzzers (committed crash inputs and seeds, then
#   20 s each) -> in-OS tests on QEMU -> pytest end-to-end tests
set -u
cd "$(dirname "$0")/.."
summary=""
failed=0

layer() {
    name=$1
    shift
    echo
    echo "=== $name: $*"
    start=$(date +%s)
    if "$@"; then
        verdict=PASS
    else
        verdict=FAIL
        failed=1
    fi
    summary="$summary$(printf '%-6s %-10s %4ss' "$verdict" "$name" $(($(date +%s) - start)))
"
}

layer unit make --no-print-directory test-unit
layer fuzz make -j2 --no-print-directory test-fuzz
layer os make --no-print-directory test-os
layer js make --no-print-directory test-js
layer e2e make --no-print-directory test-e2e
layer wasm make --no-print-directory test-wasm
layer wasi make --no-print-directory test-wasi

echo
echo "=== summary"
printf '%s' "$summary"
if [ "$failed" -ne 0 ]; then
    echo "make test: FAILED"
    exit 1
fi
echo "make test: all passed"
