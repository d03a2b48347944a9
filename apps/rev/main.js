// rev: each line of stdin, reversed (docs/pipes.md). A JS stage reads `stdin` with
// for-await and writes `stdout`, waiting on a Poll while the reader's queue is full.
const stdin = ftl.env('stdin');
const stdout = ftl.env('stdout');
const poll = ftl.poll();
poll.add(stdout, ftl.WRITABLE, 0);

function write(text) {
    const bytes = ftl.encode(text);
    for (let off = 0; off < bytes.length; off += 4096) {
        const chunk = bytes.subarray(off, off + 4096);
        for (;;) {
            try {
                stdout.send(chunk);
                break;
            } catch (e) {
                if (e.code !== 'FTL_ERR_FULL') {
                    ftl.exit(0); // the reader is gone: nobody wants the rest
                }
                poll.wait(); // backpressure: until the reader has room
            }
        }
    }
}

const reverse = (line) => Array.from(line).reverse().join('');
let pending = '';
if (stdin) {
    for await (const m of stdin) {
        const lines = (pending + m.text).split('\n');
        pending = lines.pop();
        if (lines.length) {
            write(lines.map(reverse).join('\n') + '\n');
        }
    }
}
if (pending) {
    write(reverse(pending));
}
stdout.close();
