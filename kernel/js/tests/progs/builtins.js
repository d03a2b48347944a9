// Built-ins: strings, regexps, JSON, Math, numbers, arrays, typed arrays, Date (UTC).
const text = 'The quick brown fox jumps over the lazy dog';
console.log(text.split(' ').map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join(' '));
console.log(text.replace(/(\w+) (\w+)/g, '$2 $1'), text.match(/o/g).length);
console.log([...text.matchAll(/\b(\w)(\w*)\b/g)].slice(0, 3).map((m) => m[1] + '-' + m[2]).join());
console.log('padding', '7'.padStart(3, '0'), 'ab'.repeat(3), ' trim '.trim() + '|');
console.log(/(?<year>\d{4})-(?<month>\d{2})/.exec('on 2024-06-30').groups.year);
console.log('unicode', 'héllo wörld'.normalize('NFD').length, '😀'.codePointAt(0).toString(16),
    [...'añb😀'].length, 'ǅ'.toLowerCase());
const data = {list: [1, 2.5, -3e-7, 1e21, null, true], nested: {s: 'q"uote\n', u: undefined}};
const json = JSON.stringify(data);
console.log(json);
console.log(JSON.stringify(JSON.parse(json), null, 2).split('\n').length);
console.log('numbers', 0.1 + 0.2, (1234.5678).toFixed(2), (255).toString(16), (0.000001234).toPrecision(3),
    Number.parseFloat('3.14abc'), parseInt('ff', 16), Number.MAX_SAFE_INTEGER, 5e-324, 1 / 3);
// Transcendental functions come from the C library's libm (picolibc in the kernel),
// which may differ from V8's in the last bit (Math.exp(1) is 2.7182818284590455
// there): 15 significant digits are compared.
const r15 = (x) => Number(x.toPrecision(15));
console.log('math', Math.sqrt(2), r15(Math.sin(1)), r15(Math.exp(1)), r15(Math.log10(12345)),
    r15(Math.atan2(1, -1)), r15(Math.pow(1.1, 80)), r15(Math.tanh(0.5)), r15(Math.expm1(1e-5)),
    Math.hypot(3, 4), Math.sign(-3), Math.round(-2.5), Math.trunc(-4.7), Math.fround(5.05));
const arr = Array.from({length: 20}, (_, i) => (i * 7919) % 23);
console.log('arrays', arr.join(), arr.slice().sort((a, b) => a - b).join(), arr.indexOf(5),
    arr.reduce((s, x) => s + x, 0), arr.filter((x) => x % 2).length, arr.flatMap((x) => [x, x]).length);
console.log('find', arr.findLast((x) => x > 10), arr.includes(22), [3, [4, [5, [6]]]].flat(Infinity).join());
const f64 = new Float64Array([1.5, -2.25, Math.PI]);
const bytes = new Uint8Array(f64.buffer);
console.log('typed', bytes.length, Array.from(bytes.slice(0, 8)).join(), new DataView(f64.buffer).getFloat64(8, true));
const i32 = Int32Array.of(5, -1, 3, 0x7fffffff);
i32.sort();
console.log('int32', i32.join(), new Uint16Array(i32.buffer).length);
const d = new Date(Date.UTC(2024, 1, 29, 13, 45, 30, 123));
console.log('date', d.toISOString(), d.getUTCDay(), d.getTime(), new Date('2000-01-01T00:00:00Z').valueOf());
console.log('sort stable', [{k: 1, v: 'a'}, {k: 0, v: 'b'}, {k: 1, v: 'c'}, {k: 0, v: 'd'}]
    .sort((x, y) => x.k - y.k).map((x) => x.v).join(''));
// Dates formatted by the engine (the kernel's snprintf: "%0*d", "%+07d"), in the forms
// that do not depend on the time zone.
for (const t of [0, 1e12, Date.UTC(-1, 0, 1), Date.UTC(12345, 5, 6, 7, 8, 9), -8.64e15, 8.64e15]) {
    console.log(new Date(t).toUTCString(), new Date(t).toISOString());
}
