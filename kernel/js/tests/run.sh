#!/bin/sh
# Host tests of the JS app runtime (make test-js): programs under js-run and node
# must print the same; faults end with the right message and exit status; the
# echo server answers clients; every run must leave the arena empty once the
# runtime is freed (js-run checks, and QuickJS asserts no object leaked).
# usage: run.sh <js-run>
set -u
RUN=$1
HERE=$(dirname "$0")
T=$(dirname "$RUN")/js-test
NODE=${JS_NODE:-node}
mkdir -p "$T"
pass=0
fail=0

ok() {
    echo "TEST PASS js.$1"
    pass=$((pass + 1))
}

bad() {
    echo "TEST FAIL js.$1: $2"
    fail=$((fail + 1))
}

# Same stdout and exit status as node.
for prog in "$HERE"/progs/*.js; do
    name=$(basename "$prog" .js)
    "$RUN" "$prog" >"$T/$name.ours" 2>"$T/$name.err"
    ours=$?
    "$NODE" "$prog" >"$T/$name.node" 2>/dev/null
    theirs=$?
    if [ $ours -ne $theirs ]; then
        bad "node.$name" "exit $ours, node $theirs ($(head -c 300 "$T/$name.err"))"
    elif ! cmp -s "$T/$name.ours" "$T/$name.node"; then
        bad "node.$name" "output differs from node: diff $T/$name.ours $T/$name.node"
    else
        ok "node.$name"
    fi
done

# expect <test> <exit status> <stderr pattern, or EMPTY> <js source> [js-run options]
expect() {
    name=$1
    want=$2
    pattern=$3
    printf '%s\n' "$4" >"$T/$name.js"
    shift 4
    "$RUN" "$@" "$T/$name.js" >"$T/$name.out" 2>"$T/$name.err"
    got=$?
    if [ $got -ne "$want" ]; then
        bad "$name" "exit $got, want $want ($(head -c 300 "$T/$name.err"))"
    elif [ "$pattern" = EMPTY ] && [ -s "$T/$name.err" ]; then
        bad "$name" "stderr not empty: $(head -c 300 "$T/$name.err")"
    elif [ "$pattern" != EMPTY ] && ! grep -Eq -- "$pattern" "$T/$name.err"; then
        bad "$name" "stderr lacks /$pattern/: $(head -c 300 "$T/$name.err")"
    else
        ok "$name"
    fi
}

expect syntax_error 1 "cannot load: syntax_error.js:2:[0-9]+: SyntaxError: unexpected token" \
    "let a = 1;
let b = a +;"
expect uncaught_throw 134 "uncaught exception: Error: boom \| at f \(uncaught_throw.js:1:" \
    "function f() { throw new Error('boom'); }
f();"
expect uncaught_in_timer 134 "uncaught exception: TypeError: late" \
    "setTimeout(() => { throw new TypeError('late'); }, 1);"
expect unhandled_rejection 134 "uncaught exception: RangeError: async" \
    "(async () => { await null; throw new RangeError('async'); })();"
expect recursion 134 "uncaught exception: InternalError: stack overflow \| at r \(recursion.js:1:[0-9]+\) \(x[0-9]+\)" \
    "function r(n) { return r(n + 1) + 1; }
r(0);"
expect out_of_memory 134 "uncaught exception: InternalError: out of memory" \
    "const a = []; for (;;) a.push('y'.repeat(4096) + a.length);" --heap-kib 1024
expect caught_out_of_memory 0 EMPTY \
    "let a = []; try { for (;;) a.push(new Array(1000).fill(a.length)); } catch (e) { a = null; }
console.log('recovered');" --heap-kib 2048
expect cpu_budget 134 "cpu budget exceeded: InternalError: interrupted" \
    "for (;;) {}" --cpu-ms 100
expect cpu_budget_regexp 134 "cpu budget exceeded" \
    "/(a*)*b/.test('a'.repeat(40));" --cpu-ms 100
expect budget_is_per_turn 0 EMPTY \
    "let n = 0; const iv = setInterval(() => { const t = Date.now(); while (Date.now() - t < 40) {} if (++n === 5) clearInterval(iv); }, 1);" --cpu-ms 100
expect exit_code 3 "exited with code 3" "try { ftl.exit(3); } catch (e) { console.log('not caught'); }"
expect exit_in_callback 5 "exited with code 5" "setTimeout(() => ftl.exit(5), 1); setInterval(() => {}, 1000);"
expect bad_api_args 0 EMPTY \
    "for (const f of [() => ftl.log('x'), () => ftl.channel()[0].send(1), () => ftl.poll().wait('x'),
    () => ftl.timer().set({}), () => ftl.env(), () => new ftl.Channel(77).recv(), () => ftl.decode(5)]) {
    try { f(); } catch (e) { if (!(e instanceof TypeError || e instanceof ftl.FtlError)) throw e; } }"

# The JS echo server with two clients.
"$RUN" --connect "first" --connect "second message" "$HERE/../../../apps/js_echo/main.js" \
    >"$T/echo.out" 2>"$T/echo.err"
if grep -q "^reply 1: first$" "$T/echo.out" && grep -q "^reply 2: second message$" "$T/echo.out"; then
    ok "echo_server"
else
    bad "echo_server" "$(cat "$T/echo.out" "$T/echo.err" | head -c 400)"
fi

echo "js host tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
