// js_pingpong: bounces 64-byte messages off echo and prints ns per round trip, first
// waiting with a Poll (the cost of the API and the engine), then with await read()
// (plus the event loop's promises and the wait on its own poll).
const echo = ftl.env('echo');
const rounds = ftl.env('rounds');
const payload = new Uint8Array(64);
const poll = ftl.poll();
poll.add(echo, ftl.READABLE, 1);
for (let i = 0; i < 10; i++) { echo.send(payload); poll.wait(); echo.recv(); }
let t0 = ftl.now();
for (let i = 0; i < rounds; i++) {
    echo.send(payload);
    poll.wait();
    echo.recv();
}
const pollNs = Math.round((ftl.now() - t0) * 1e6 / rounds);
console.log(`BENCH js_pingpong wait=poll bytes=64 ns_per_round_trip=${pollNs}`);
poll.remove(echo);
t0 = ftl.now();
for (let i = 0; i < rounds; i++) {
    echo.send(payload);
    await echo.read();
}
const loopNs = Math.round((ftl.now() - t0) * 1e6 / rounds);
console.log(`BENCH js_pingpong wait=event_loop bytes=64 ns_per_round_trip=${loopNs}`);
echo.close();
