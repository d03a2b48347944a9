// Reference runner for the WASI tests: runs a WASI command under node's built-in
// node:wasi with the same conventions as wasm-run (argv[0] = name, NAME=value pairs as
// the environment, args="a b" as further arguments, stdin inherited).
// usage: node --no-warnings node_wasi.mjs [--name NAME] [--dir HOST::GUEST] module.wasm
//        [NAME=value ...]
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { basename } from 'node:path';

const argv = process.argv.slice(2);
let name = null;
const preopens = {};
for (;;) {
    if (argv[0] === '--name') {
        name = argv[1];
    } else if (argv[0] === '--dir') { // HOST::GUEST, as wasm-run and wasmtime take it
        const [host, guest] = argv[1].split('::');
        preopens[guest] = host;
    } else {
        break;
    }
    argv.splice(0, 2);
}
const path = argv.shift();
name = name ?? basename(path).split('.')[0];
const env = {};
const args = [name];
for (const kv of argv) {
    const eq = kv.indexOf('=');
    const k = kv.slice(0, eq);
    const v = kv.slice(eq + 1);
    if (k === 'args') {
        args.push(...v.split(' ').filter((s) => s.length > 0));
    } else {
        env[k] = v;
    }
}
const wasi = new WASI({ version: 'preview1', args, env, preopens, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(path));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
let code;
try {
    code = wasi.start(instance);
} catch (e) {
    process.stderr.write(`node_wasi: ${name}: trap: ${e.message}\n`);
    code = 134;
}
process.exitCode = code;
