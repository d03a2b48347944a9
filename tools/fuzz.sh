#!/bin/sh
# Runs libFuzzer targets on their committed corpus and prints one line per fuzzer.
#   tools/fuzz.sh replay NAME=BINARY...          every seed and crash input once
#   tools/fuzz.sh run SECONDS NAME=BINARY...     replay, then fuzz SECONDS each
# tests/fuzz/NAME/seeds/ and tests/fuzz/NAME/crashes/ are the committed inputs; what a
# run adds to the corpus goes to build/fuzz/NAME/corpus/ and a crashing input to
# build/fuzz/NAME/crash-* (copy it to tests/fuzz/NAME/crashes/ once fixed, so every
# later `make test` replays it); FUZZ_OUT=DIR puts them in DIR/NAME/ instead. FUZZ_FLAGS_NAME adds libFuzzer flags for one fuzzer
# (e.g. -max_len=); FUZZ_JOBS (default 1) fuzzers run at once; FUZZ_NICE=19 runs them
# at low priority. Exits 1 if any input crashed, leaked, hung or ran out of memory.
set -u
cd "$(dirname "$0")/.."

usage() {
    echo "usage: tools/fuzz.sh replay NAME=BINARY... | run SECONDS NAME=BINARY..." >&2
    exit 2
}

[ $# -ge 2 ] || usage
mode=$1
shift
seconds=0
if [ "$mode" = run ]; then
    seconds=$1
    shift
elif [ "$mode" != replay ]; then
    usage
fi
jobs=${FUZZ_JOBS:-1}
out=${FUZZ_OUT:-build/fuzz}
nice_cmd=""
[ -n "${FUZZ_NICE:-}" ] && nice_cmd="nice -n $FUZZ_NICE"
# Options every run shares: a 10 s hang or 2 GiB is a failure, like a crash.
common="-timeout=10 -rss_limit_mb=2048 -print_final_stats=1"

# fuzz_one NAME BINARY: writes $out/NAME/{replay,fuzz}.log and $out/NAME/result,
# "NAME STATUS INPUTS EXECS CRASHES SECONDS".
fuzz_one() {
    name=$1
    bin=$2
    dir=$out/$name
    mkdir -p "$dir/corpus"
    rm -f "$dir/result"
    eval "flags=\${FUZZ_FLAGS_$name:-}"
    inputs=$(find "tests/fuzz/$name/seeds" "tests/fuzz/$name/crashes" -type f 2>/dev/null | wc -l)
    start=$(date +%s)
    status=ok
    # Replay: each committed input once, whole (files as arguments: nothing is written).
    # shellcheck disable=SC2086
    if [ "$inputs" -gt 0 ] && ! find "tests/fuzz/$name/seeds" "tests/fuzz/$name/crashes" \
        -type f -print0 2>/dev/null | $nice_cmd xargs -0 "$bin" $common \
        -artifact_prefix="$dir/replay-" >"$dir/replay.log" 2>&1; then
        status=FAIL
    fi
    execs=$inputs
    crashes=0
    [ "$status" = ok ] || crashes=1
    if [ "$status" = ok ] && [ "$seconds" -gt 0 ]; then
        rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
        # shellcheck disable=SC2086
        if ! $nice_cmd "$bin" $common $flags -max_total_time="$seconds" \
            -artifact_prefix="$dir/" "$dir/corpus" $(find "tests/fuzz/$name/seeds" \
            "tests/fuzz/$name/crashes" -maxdepth 0 -type d 2>/dev/null) \
            >"$dir/fuzz.log" 2>&1; then
            status=FAIL
        fi
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -n 1)
        execs=$((inputs + ${n:-0}))
        crashes=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' \
            -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
        [ "$status" = ok ] || [ "$crashes" -gt 0 ] || crashes=1
    fi
    echo "$name $status $inputs $execs $crashes $(($(date +%s) - start))" >"$dir/result"
}

names=""
running=0
for pair in "$@"; do
    name=${pair%%=*}
    bin=${pair#*=}
    case "$pair" in *=*) ;; *) usage ;; esac
    if [ ! -x "$bin" ]; then
        echo "fuzz: $name: no fuzzer binary $bin" >&2
        exit 2
    fi
    names="$names $name"
    if [ "$mode" = run ]; then
        echo "fuzz: $name: committed inputs, then ${seconds}s of fuzzing"
    else
        echo "fuzz: $name: committed inputs"
    fi
    fuzz_one "$name" "$bin" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

failed=0
printf '\n%-10s %-6s %8s %12s %8s %8s\n' fuzzer status inputs executions crashes seconds
for name in $names; do
    if [ -f "$out/$name/result" ]; then
        # shellcheck disable=SC2046
        set -- $(cat "$out/$name/result")
    else
        set -- "$name" FAIL 0 0 1 0
    fi
    printf '%-10s %-6s %8s %12s %8s %8s\n' "$@"
    if [ "$2" != ok ]; then
        failed=1
        for log in "$out/$name/replay.log" "$out/$name/fuzz.log"; do
            if [ -f "$log" ] && grep -q 'ERROR\|Sanitizer\|==[0-9]*==\|Test unit written' "$log"; then
                echo "--- $name: last lines of $log"
                tail -n 40 "$log"
            fi
        done
    fi
done
if [ "$failed" -ne 0 ]; then
    echo "fuzz: FAILED (crash inputs in $out/<fuzzer>/; keep each fixed one in tests/fuzz/<fuzzer>/crashes/)"
    exit 1
fi
echo "fuzz: no crash"
