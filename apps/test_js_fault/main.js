// test_js_fault: receives one word on `check` and does it. Each fault must end only
// this app, with its own log line; test_js_check watches the rest.
const check = ftl.env('check');
const kinds = {
    // Runs forever in bytecode: the interrupt hook stops it at limits.cpu_ms.
    loop() { for (;;) {} },
    // Runs forever inside a built-in that never reaches the interrupt hook: the
    // kernel kills the thread at twice the budget.
    builtin() { Array.prototype.indexOf.call({length: 2 ** 53 - 1}, 1); },
    throw() {
        function inner() { throw new Error('thrown on purpose'); }
        inner();
    },
    oom() {
        const hoard = [];
        for (;;) hoard.push('x'.repeat(1024) + hoard.length);
    },
    recurse() {
        function down(n) { return down(n + 1) + 1; }
        down(0);
    },
    async reject() {
        await ftl.sleep(1);
        throw new TypeError('rejected on purpose');
    },
    hello() { check.send('hello'); },
    exit() { ftl.exit(0); },
};
const msg = await check.read();
if (msg !== null) {
    const kind = msg.text;
    if (!kinds[kind]) throw new Error(`unknown fault '${kind}'`);
    await kinds[kind]();
}
