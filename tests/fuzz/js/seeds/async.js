// The event loop: timers, microtasks, promises, async functions, async generators.
// Deadlines are tens of ms apart, so the order holds on a slow emulated CPU too.
const order = [];
setTimeout(() => order.push('timeout 60'), 60);
setTimeout(() => order.push('timeout 0'), 0);
Promise.resolve().then(() => order.push('micro 1')).then(() => order.push('micro 2'));
queueMicrotask(() => order.push('queueMicrotask'));
order.push('sync');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function worker(name, delays) {
    for (const ms of delays) {
        await sleep(ms);
        order.push(`${name} after ${ms}`);
    }
    return name;
}
async function* ticks(n) { for (let i = 0; i < n; i++) { await sleep(1); yield i; } }
(async () => {
    const names = await Promise.all([worker('a', [20, 100]), worker('b', [90])]);
    order.push('all ' + names.join());
    const first = await Promise.race([sleep(150).then(() => 'slow'), sleep(30).then(() => 'fast')]);
    order.push('race ' + first);
    const settled = await Promise.allSettled([Promise.reject(new Error('no')), Promise.resolve(1)]);
    order.push('settled ' + settled.map((s) => s.status).join());
    let sum = 0;
    for await (const t of ticks(4)) sum += t;
    order.push('ticks ' + sum);
    try { await Promise.any([Promise.reject(1), Promise.reject(2)]); }
    catch (e) { order.push(e.constructor.name + ' ' + e.errors.join()); }
    let n = 0;
    const iv = setInterval(() => { if (++n === 3) { clearInterval(iv); order.push('interval x3'); } }, 2);
    await sleep(60);
    for (const line of order) console.log(line);
})();
