// The test262 runner of one batch app (tools/test262_os.py puts HARNESS and TESTS
// before this file): every test runs in a fresh QuickJS runtime of its own through
// ftl.test262 (kernel/js/test262_host.c), one test per turn of the event loop (so
// limits.cpu_ms is a budget per test). A failing test logs
// "T262 FAIL <path>: <why>"; the batch ends with
// "T262 DONE <app> ran=<n> passed=<p>", which tests/test_js262.py checks against the
// host's results test by test.
let ran = 0;
let passed = 0;

function runOne(i) {
    if (i === TESTS.length) {
        console.log(`T262 DONE ${ftl.name} ran=${ran} passed=${passed}`);
        return;
    }
    const [path, flags, errorType, includes, source, modules] = TESTS[i];
    TESTS[i] = null; // let the source go once it ran
    const why = ftl.test262(path, source, flags, errorType,
        includes.map((name) => [name, HARNESS[name]]), modules);
    ran++;
    if (why === null) {
        passed++;
    } else {
        console.log(`T262 FAIL ${path}: ${why.split('\n')[0]}`);
    }
    setTimeout(() => runOne(i + 1), 0);
}

runOne(0);
