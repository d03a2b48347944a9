// test_victim_js: spins for spin_ms, then waits forever on a channel nothing sends to.
console.log('spinning');
const end = ftl.now() + ftl.env('spin_ms');
while (ftl.now() < end) {
    // busy: the engine's own hook and the kernel's tick are the only way out
}
console.log('waiting');
const [a, b] = ftl.channel(); // b stays open: a's messages never come
for await (const m of a) {
    console.log(`unexpected message ${m.type}`);
}
console.log('still here after the wait: not killed');
