// test_js_api: every part of the ftl API, checked from JavaScript.
let passed = 0, failed = 0;
function result(ok, name, detail) {
    ok ? passed++ : failed++;
    console.log(`TEST ${ok ? 'PASS' : 'FAIL'} js.api.${name}${ok ? '' : ': ' + detail}`);
}
function throwsCode(fn, code) {
    try { fn(); } catch (e) { return e instanceof ftl.FtlError ? e.code === code : code === e.name; }
    return false;
}

// The environ: each kind, and a name that is not there.
result(ftl.env('greeting') === 'hello', 'env.string', ftl.env('greeting'));
result(ftl.env('answer') === 42, 'env.number', ftl.env('answer'));
result(ftl.env('echo') instanceof ftl.Channel, 'env.channel', typeof ftl.env('echo'));
result(ftl.env('missing') === undefined, 'env.missing', 'not undefined');
result(ftl.name === 'test_js_api', 'env.app_name', ftl.name);

// Channels: every message type, cookies, bytes and strings.
const [a, b] = ftl.channel();
const types = [ftl.CONNECT, ftl.DATA, ftl.OPEN, ftl.OPEN_REPLY, ftl.ERROR_REPLY];
for (const type of types) {
    a.send({type, data: `t${type}`, cookie: 1000 + type});
    const m = b.recv();
    result(m && m.type === type && m.text === `t${type}` && m.cookie === 1000 + type,
        `channel.type_${type}`, JSON.stringify(m));
}
a.send(new Uint8Array([0, 255, 7]));
const bin = b.recv();
result(bin.data instanceof Uint8Array && bin.data.join() === '0,255,7', 'channel.bytes', bin.data);
result(b.recv() === null, 'channel.recv_empty_is_null', 'not null');

// Handle moves: send one end of a new pair, receive it, use it.
const [c, d] = ftl.channel();
a.send({type: ftl.CONNECT, data: 'uri', handles: [d]});
result(d.handle === -1, 'move.sender_loses_handle', d.handle);
const moved = b.recv();
result(moved.handles.length === 1 && moved.handles[0] instanceof ftl.Channel, 'move.received',
    JSON.stringify(moved));
moved.handles[0].send('through the moved end');
result(c.recv().text === 'through the moved end', 'move.usable', 'no message');

// Poll with contexts.
const p = ftl.poll();
p.add(c, ftl.READABLE, 7);
p.add(b, ftl.READABLE, 9);
a.send('x');
const ev = p.wait(1000);
result(ev && ev.ctx === 9 && ev.handle === b.handle && (ev.events & ftl.READABLE), 'poll.ctx',
    JSON.stringify(ev));
b.recv();
p.modify(b, ftl.READABLE, 11);
a.send('y');
result(p.wait(1000).ctx === 11, 'poll.modify', 'ctx not 11');
b.recv();
p.remove(b);
a.send('z');
result(p.wait(10) === null, 'poll.timeout_is_null', 'an event');
b.recv();

// A kernel timer through poll.
const t = ftl.timer();
p.add(t, ftl.READABLE, 5);
const t0 = ftl.now();
t.set(t0 + 20);
const tev = p.wait(5000);
result(tev && tev.ctx === 5 && ftl.now() - t0 >= 20, 'timer.fires', JSON.stringify(tev));

// Log levels.
ftl.log('debug', 'a debug line');
ftl.log('info', 'an info line');
ftl.log('warn', 'a warning line');
ftl.log('error', 'an error line (expected)');
console.error('console.error goes to the log too (expected)');

// Bad arguments to every call: an exception, never a crash.
result(throwsCode(() => ftl.log('loud', 'x'), 'TypeError'), 'bad.log_level', '');
result(throwsCode(() => a.send({data: 'x'.repeat(5000)}), 'FTL_ERR_TOO_LARGE'), 'bad.send_too_large', '');
result(throwsCode(() => a.send({data: 'x', handles: [a, a, a, a, a]}), 'FTL_ERR_TOO_LARGE'), 'bad.send_too_many_handles', '');
result(throwsCode(() => a.send({data: 'x', handles: ['nope']}), 'TypeError'), 'bad.send_handle_type', '');
result(throwsCode(() => a.send(42), 'TypeError'), 'bad.send_data_type', '');
result(throwsCode(() => a.send({data: 'x', handles: [123456]}), 'FTL_ERR_BAD_HANDLE'), 'bad.send_unknown_handle', '');
result(throwsCode(() => p.add(123456, ftl.READABLE, 1), 'FTL_ERR_BAD_HANDLE'), 'bad.poll_add_handle', '');
result(throwsCode(() => p.add(a, ftl.READABLE, -1), 'FTL_ERR_INVALID_ARG'), 'bad.poll_ctx', '');
result(throwsCode(() => p.remove(a), 'FTL_ERR_NOT_FOUND'), 'bad.poll_remove_unwatched', '');
result(throwsCode(() => p.wait('soon'), 'TypeError'), 'bad.poll_wait_timeout', '');
result(throwsCode(() => t.set('later'), 'TypeError'), 'bad.timer_set', '');
const [e1, e2] = ftl.channel();
e2.close();
result(throwsCode(() => e1.send('x'), 'FTL_ERR_PEER_CLOSED'), 'bad.send_peer_closed', '');
result(throwsCode(() => e1.recv(), 'FTL_ERR_PEER_CLOSED'), 'bad.recv_peer_closed', '');
e1.close();
result(throwsCode(() => e1.send('x'), 'FTL_ERR_BAD_HANDLE'), 'bad.send_after_close', '');
result(throwsCode(() => new ftl.Channel(9999).recv(), 'FTL_ERR_BAD_HANDLE'), 'bad.recv_unknown', '');
result(throwsCode(() => setTimeout('not a function', 1), 'TypeError'), 'bad.set_timeout', '');

// JS timers, promises and a round trip to the native echo over the event loop.
const order = [];
setTimeout(() => order.push('b'), 20);
setTimeout(() => order.push('a'), 5);
const iv = setInterval(() => { order.push('i'); if (order.filter((x) => x === 'i').length === 2) clearInterval(iv); }, 3);
const cancelled = setTimeout(() => order.push('never'), 1);
clearTimeout(cancelled);
await ftl.sleep(60);
result(order.join('') === 'iiab' || order.join('') === 'iaib', 'timers.order', order.join(''));

const echo = ftl.env('echo');
echo.send('ping from js');
const reply = await echo.read();
result(reply && reply.text === 'ping from js', 'echo.round_trip', reply && reply.text);
const got = await new Promise((resolve) => {
    echo.onmessage = (m) => { echo.onmessage = null; resolve(m.text); };
    echo.send('via onmessage');
});
result(got === 'via onmessage', 'echo.onmessage', got);
echo.close();
result(new TextDecoder().decode(new TextEncoder().encode('héllo')) === 'héllo', 'text.utf8', '');
console.log(`TEST DONE passed=${passed} failed=${failed}`);
