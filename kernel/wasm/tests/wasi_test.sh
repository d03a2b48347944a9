#!/bin/sh
# WASI tests of the app runtime: each program runs under wasm-run and under node:wasi
# with the same arguments, environment and stdin; stdout and exit codes must match.
# Then traps, fuel exhaustion, an unknown import and the WASM echo server.
# usage: wasi_test.sh <wasm-run> <build dir with wasi/ and apps/>
set -u
RUN=$1
B=$2
NODE=${WASM_NODE:-node}
HERE=$(dirname "$0")
T=$B/wasi-test
mkdir -p "$T"
pass=0
fail=0

ok() {
    echo "TEST PASS wasi.$1"
    pass=$((pass + 1))
}

bad() {
    echo "TEST FAIL wasi.$1: $2"
    fail=$((fail + 1))
}

# Inputs: numbers from a fixed LCG, a text file, and 1 MiB of mixed bytes.
awk 'BEGIN { x = 7; for (i = 0; i < 3000; i++) { x = (x * 1103515245 + 12345) % 2147483648;
    printf "%d%s", (x % 200001) - 100000, (i % 7 == 6) ? "\n" : " " } print "" }' >"$T/numbers.txt"
cat "$HERE/../wasm.h" "$HERE/../wasm_app.h" >"$T/text.txt"
awk 'BEGIN { for (i = 0; i < 16384; i++) printf "%063d\n", i * 7919 }' >"$T/mib.txt"
: >"$T/empty.txt"

# compare <test> <stdin file> <program> [NAME=value ...]
compare() {
    name=$1
    input=$2
    prog=$3
    shift 3
    "$RUN" "$B/wasi/$prog.wasm" "$@" <"$input" >"$T/$name.ours" 2>"$T/$name.ours.err"
    ours=$?
    "$NODE" --no-warnings "$HERE/node_wasi.mjs" "$B/wasi/$prog.wasm" "$@" <"$input" \
        >"$T/$name.node" 2>"$T/$name.node.err"
    node=$?
    if [ $ours -ne $node ]; then
        bad "$name" "exit code $ours, node:wasi $node ($(head -c 300 "$T/$name.ours.err"))"
    elif ! cmp -s "$T/$name.ours" "$T/$name.node"; then
        bad "$name" "stdout differs from node:wasi: diff $T/$name.ours $T/$name.node"
    elif [ ! -s "$T/$name.ours" ]; then
        bad "$name" "no output"
    else
        ok "$name"
    fi
}

compare hello "$T/empty.txt" hello
# Files: wasm-run --dir serves a host directory over the file protocol (tests/host_fs.c);
# node:wasi gets its own copy. Output, exit code and the directories after must match.
rm -rf "$T/files.ours" "$T/files.node"
mkdir -p "$T/files.ours" "$T/files.node"
"$RUN" --dir "$T/files.ours::/sandbox" "$B/wasi/files.wasm" >"$T/files.out.ours" 2>&1
ours=$?
"$NODE" --no-warnings "$HERE/node_wasi.mjs" --dir "$T/files.node::/sandbox" "$B/wasi/files.wasm" \
    >"$T/files.out.node" 2>&1
node=$?
if [ $ours -ne $node ] || ! cmp -s "$T/files.out.ours" "$T/files.out.node"; then
    bad files_match_node "exit $ours/$node; diff $T/files.out.ours $T/files.out.node"
elif ! diff -r "$T/files.ours" "$T/files.node" >/dev/null; then
    bad files_match_node "the directories differ afterwards"
else
    ok files_match_node
fi
# compare_dir <test> <program> [args...]: like files above, for the programs that call
# wasi_snapshot_preview1 directly (wasi/wasi_*.c); the exit code must match too.
compare_dir() {
    name=$1
    prog=$2
    shift 2
    rm -rf "$T/$name.ours.d" "$T/$name.node.d"
    mkdir -p "$T/$name.ours.d" "$T/$name.node.d"
    "$RUN" --dir "$T/$name.ours.d::/sandbox" "$B/wasi/$prog.wasm" "$@" </dev/null \
        >"$T/$name.ours" 2>"$T/$name.ours.err"
    ours=$?
    "$NODE" --no-warnings "$HERE/node_wasi.mjs" --dir "$T/$name.node.d::/sandbox" \
        "$B/wasi/$prog.wasm" "$@" </dev/null >"$T/$name.node" 2>"$T/$name.node.err"
    node=$?
    if [ $ours -ne $node ]; then
        bad "$name" "exit code $ours, node:wasi $node ($(head -c 300 "$T/$name.ours.err"))"
    elif ! cmp -s "$T/$name.ours" "$T/$name.node"; then
        bad "$name" "stdout differs from node:wasi: diff $T/$name.ours $T/$name.node"
    elif grep -q "BROKEN" "$T/$name.ours"; then
        bad "$name" "$(grep BROKEN "$T/$name.ours" | head -3)"
    elif ! diff -r "$T/$name.ours.d" "$T/$name.node.d" >/dev/null; then
        bad "$name" "the directories differ afterwards"
    else
        ok "$name"
    fi
}

compare_dir io_match_node wasi_io
compare_dir dirs_match_node wasi_dirs
compare_dir misc_match_node wasi_misc "args=one two" GREETING=bonjour
[ "$ours" -eq 42 ] && ok misc_proc_exit_code || bad misc_proc_exit_code "exit code $ours, want 42"
compare_dir meta_match_node wasi_meta
# Two preopens, given in this order: fds 3 and 4 (wasi_preopens.c).
rm -rf "$T/preopens.ours.d" "$T/preopens.node.d"
mkdir -p "$T/preopens.ours.d/a" "$T/preopens.ours.d/b" "$T/preopens.node.d/a" "$T/preopens.node.d/b"
"$RUN" --dir "$T/preopens.ours.d/a::/data" --dir "$T/preopens.ours.d/b::/tmp" \
    "$B/wasi/wasi_preopens.wasm" </dev/null >"$T/preopens.ours" 2>&1
ours=$?
"$NODE" --no-warnings "$HERE/node_wasi.mjs" --dir "$T/preopens.node.d/a::/data" \
    --dir "$T/preopens.node.d/b::/tmp" "$B/wasi/wasi_preopens.wasm" </dev/null \
    >"$T/preopens.node" 2>&1
node=$?
if [ $ours -ne $node ] || ! cmp -s "$T/preopens.ours" "$T/preopens.node"; then
    bad preopens_match_node "exit $ours/$node; diff $T/preopens.ours $T/preopens.node"
elif ! grep -qx 'prestat 4: ok "/tmp"' "$T/preopens.ours"; then
    bad preopens_match_node "fd 4 is not /tmp: $(head -c 300 "$T/preopens.ours")"
elif ! diff -r "$T/preopens.ours.d" "$T/preopens.node.d" >/dev/null; then
    bad preopens_match_node "the directories differ afterwards"
else
    ok preopens_match_node
fi
compare hello_args_env "$T/empty.txt" hello GREETING=bonjour "args=one two  three" EXIT_CODE=3
compare sort_stdin "$T/numbers.txt" sort
compare sort_generated "$T/empty.txt" sort args=20000
compare sha256_text "$T/text.txt" sha256
compare sha256_mib "$T/mib.txt" sha256
compare sha256_empty "$T/empty.txt" sha256
compare cat_text "$T/text.txt" cat
compare cat_mib "$T/mib.txt" cat

# The hashes must also be right, not only equal.
for f in text mib empty; do
    want=$(sha256sum <"$T/$f.txt" | cut -d' ' -f1)
    got=$(cat "$T/sha256_$f.ours")
    [ "$got" = "$want" ] && ok "sha256_${f}_matches_sha256sum" || bad "sha256_${f}_matches_sha256sum" "$got != $want"
done
cmp -s "$T/cat_mib.ours" "$T/mib.txt" && ok cat_copies_stdin_exactly || bad cat_copies_stdin_exactly "output differs from input"

# expect <test> <want exit> <stderr text> <wasm-run args...>
expect() {
    name=$1
    want=$2
    text=$3
    shift 3
    "$RUN" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    if [ $rc -ne "$want" ]; then
        bad "$name" "exit code $rc, want $want ($(head -c 300 "$T/$name.err"))"
    elif ! grep -qF "$text" "$T/$name.err"; then
        bad "$name" "stderr lacks \"$text\": $(head -c 300 "$T/$name.err")"
    else
        ok "$name"
    fi
}

expect trap_out_of_bounds_store 134 "trap_oob: trap: out of bounds memory access" "$B/wasi/trap_oob.wasm"
expect trap_unreachable 134 "trap_unreachable: trap: unreachable" "$B/wasi/trap_unreachable.wasm"
expect infinite_loop_runs_out_of_fuel 137 "loop: out of fuel after 5000000 units" \
    --fuel-limit 5000000 --slice 1000 "$B/wasi/loop.wasm"
expect unknown_import_rejected_by_name 1 "unknown import wasi_snapshot_preview1.sock_open" \
    "$B/wasi/bad_import.wasm"
grep -q "storing out of bounds" "$T/trap_out_of_bounds_store.out" &&
    ok output_before_trap_is_kept || bad output_before_trap_is_kept "stdout lost"

# The echo server answers two clients, then sees them disconnect.
"$RUN" --connect hello --connect "second client" "$B/apps/echo_server.wasm" </dev/null \
    >"$T/echo.out" 2>"$T/echo.err"
if grep -qx "reply 1: hello" "$T/echo.out" && grep -qx "reply 2: second client" "$T/echo.out" &&
    [ "$(grep -c "a client disconnected" "$T/echo.out")" -eq 2 ]; then
    ok echo_server_echoes_each_client
else
    bad echo_server_echoes_each_client "$(cat "$T/echo.out" "$T/echo.err" | head -c 400)"
fi

# Every function of the `ftl` import module, in small fuel slices.
"$RUN" --slice 1000 "$B/apps/ftl_api_test.wasm" "GREETING=hi there" </dev/null \
    >"$T/ftl_api.out" 2>"$T/ftl_api.err"
rc=$?
if [ $rc -eq 0 ] && grep -q "^TEST DONE passed=[1-9][0-9]* failed=0$" "$T/ftl_api.out"; then
    ok ftl_import_module_api
else
    bad ftl_import_module_api "exit $rc: $(grep -v "TEST PASS" "$T/ftl_api.out" "$T/ftl_api.err" | head -c 400)"
fi

echo "TEST DONE passed=$pass failed=$fail"
[ $fail -eq 0 ]
