// test_js_guard: waits for one message on `check`, then recurses until the stack runs
// out. Its spec takes the engine's depth check out of the way: the guard page below
// the engine's stack ends the app (see spec.yaml).
const check = ftl.env('check');
await check.read();
function down(n) { return down(n + 1) + 1; }
down(0);
