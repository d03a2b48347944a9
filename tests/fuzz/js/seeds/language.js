// Language features: classes, closures, generators, destructuring, spread, getters,
// tagged templates, labelled loops, exceptions with finally, Symbols, Proxy, BigInt.
class Shape {
    #id;
    static count = 0;
    constructor(name) { this.name = name; this.#id = ++Shape.count; }
    get id() { return this.#id; }
    area() { return 0; }
    toString() { return `${this.name}#${this.id} area=${this.area().toFixed(3)}`; }
}
class Circle extends Shape {
    constructor(r) { super('circle'); this.r = r; }
    area() { return Math.PI * this.r ** 2; }
}
class Rect extends Shape {
    constructor(w, h) { super('rect'); Object.assign(this, {w, h}); }
    area() { return this.w * this.h; }
}
const shapes = [new Circle(1.5), new Rect(2, 3.25), new Circle(0.1)];
for (const s of shapes.sort((a, b) => a.area() - b.area())) console.log(String(s));

function* fib() { let [a, b] = [0n, 1n]; for (;;) { yield a; [a, b] = [b, a + b]; } }
const firsts = [];
for (const f of fib()) { if (firsts.length === 90) break; firsts.push(f); }
console.log('fib(89) =', firsts[89].toString());

const counter = (() => { let n = 0; return {inc: () => ++n, get value() { return n; }}; })();
for (let i = 0; i < 5; i++) counter.inc();
console.log('counter', counter.value);

const {a, b: {c = 7, ...rest}, ...others} = {a: 1, b: {d: 2, e: 3}, f: 4, g: 5};
console.log('destructure', a, c, JSON.stringify(rest), JSON.stringify(others));

function tag(strings, ...vals) { return strings.raw.join('|') + ':' + vals.join(','); }
console.log(tag`x${1}y${'two'}z\n`);

outer: for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
        if (i * j === 6) { console.log('found', i, j); break outer; }
    }
}
function tryIt(x) {
    const log = [];
    try { if (x) throw new RangeError('bad ' + x); log.push('ok'); }
    catch (e) { log.push(e.name + ':' + e.message); }
    finally { log.push('finally'); }
    return log.join(' ');
}
console.log(tryIt(0), '/', tryIt(3));
const sym = Symbol('tag');
const o = {[sym]: 1, plain: 2};
console.log('symbols', Object.getOwnPropertySymbols(o).length, Object.keys(o).join());
const p = new Proxy({}, {get: (t, k) => typeof k === 'string' ? k.toUpperCase() : undefined});
console.log('proxy', p.hello, p.world);
console.log('bigint', (2n ** 100n).toString(), (-(2n ** 64n) / 3n).toString());
console.log('optional', o?.missing?.deep ?? 'default', [1, 2, 3].at(-1));
const m = new Map([[1, 'one'], [2, 'two']]);
const st = new Set('mississippi');
console.log('collections', [...m.values()].join(), [...st].join(''), m.size + st.size);
const wr = new WeakRef(o);
console.log('weakref', wr.deref() === o);
