// The Octane driver of `make bench` (tools/bench_octane.py), after Octane's base.js and
// the benchmarks of the subset: the same file runs inside `isolation: js` (console.log
// is the app's log) and under QuickJS on Linux (tools/octane/qjs_octane.c). Each
// benchmark runs Octane's deterministic iteration count divided by OCTANE_SCALE (set
// before this file), after one warm-up iteration, with Math.random reset as Octane
// does; the time is the guest clock (Date.now()).
(function () {
    const scale = typeof OCTANE_SCALE === 'number' ? OCTANE_SCALE : 1;
    for (const suite of BenchmarkSuite.suites) {
        for (const b of suite.benchmarks) {
            const n = Math.max(1, Math.round(b.deterministicIterations / scale));
            BenchmarkSuite.ResetRNG();
            b.Setup();
            b.run();
            const start = Date.now();
            for (let i = 0; i < n; i++) {
                b.run();
            }
            const ms = Date.now() - start;
            b.TearDown();
            console.log(`OCTANE ${suite.name}/${b.name} iterations=${n} ms=${ms}`);
        }
    }
    console.log('OCTANE done');
})();
