// The `ftl` API of a JS app, over the native calls N (kernel/js/js_app.c). This script's
// value is a function that js_app.c calls with N and the object to define the API's
// globals on, the first time an app uses one of them (api_init); see docs/js.md. The
// event loop itself (wait, run jobs, fire timers) is driven from C through the object
// it returns.
(function (N, global) {
    'use strict';
    const ERR = ['FTL_OK', 'FTL_ERR_NO_MEMORY', 'FTL_ERR_FULL', 'FTL_ERR_EMPTY',
        'FTL_ERR_PEER_CLOSED', 'FTL_ERR_BAD_HANDLE', 'FTL_ERR_WRONG_TYPE', 'FTL_ERR_NO_RIGHTS',
        'FTL_ERR_INVALID_ARG', 'FTL_ERR_TOO_LARGE', 'FTL_ERR_TOO_MANY', 'FTL_ERR_TIMED_OUT',
        'FTL_ERR_NOT_FOUND', 'FTL_ERR_BAD_ADDRESS', 'FTL_ERR_ALREADY_EXISTS', 'FTL_ERR_BUSY',
        'FTL_ERR_PARSE', 'FTL_ERR_UNSUPPORTED', 'FTL_ERR_BUFFER_TOO_SMALL', 'FTL_ERR_DENIED'];
    const LEVELS = {debug: 0, info: 1, warn: 2, error: 3};

    class FtlError extends Error {
        constructor(code, what) {
            const name = ERR[-code] || 'FTL_ERR_UNKNOWN';
            super(what + ': ' + name);
            this.name = 'FtlError';
            this.code = name;
            this.errno = code;
        }
    }
    function check(r, what) {
        if (typeof r === 'number' && r < 0) throw new FtlError(r, what);
        return r;
    }
    function handleOf(x, what) {
        if (x instanceof Handle) {
            if (x.handle < 0) throw new FtlError(-5, what);
            return x.handle;
        }
        if (Number.isInteger(x) && x >= 0 && x <= 0xffffffff) return x;
        throw new TypeError(what + ': expected a Channel, Poll, Timer or handle number');
    }
    // What send() gives the kernel: a string as it is (sent as UTF-8), else bytes.
    function payload(data) {
        return typeof data === 'string' ? data : bytes(data);
    }
    function bytes(data) {
        if (data === undefined || data === null) return new Uint8Array(0);
        if (typeof data === 'string') return N.encode(data);
        if (data instanceof Uint8Array) return data;
        if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (data instanceof ArrayBuffer) return new Uint8Array(data);
        throw new TypeError('message data must be a string, Uint8Array, typed array or ArrayBuffer');
    }

    // Every handle the app holds from this API (keyed by number): for dispatch. Plain
    // objects, not Maps: an app that never makes a Map does not pay for Map and Set.
    const channels = Object.create(null);
    const NO_HANDLES = Object.freeze([]);

    class Handle {
        constructor(h) { this.handle = h; }
        close() {
            if (this.handle < 0) return;
            const h = this.handle;
            this.handle = -1;
            if (channels[h] === this) {
                delete channels[h];
                unwatch(this, h);
            }
            check(N.close(h), 'close');
        }
    }

    // A received message keeps its bytes as a string of U+0000-U+00FF (`raw`, made by
    // N.recv): its Uint8Array is made when `data` is first read, so an app that reads
    // only `text` never makes the typed arrays.
    class Message {
        constructor(type, data, cookie, handles, raw) {
            this.type = type;
            this._data = data;
            this._raw = raw;
            this.cookie = cookie;
            this.handles = handles;
        }
        get data() {
            if (this._data === undefined && this._raw !== undefined) this._data = N.bytes(this._raw);
            return this._data;
        }
        set data(v) { this._data = v; }
        get text() {
            return N.decode(this._data === undefined && this._raw !== undefined ? this._raw : bytes(this._data));
        }
        toJSON() { return {type: this.type, data: this.data, cookie: this.cookie, handles: this.handles}; }
    }

    class Channel extends Handle {
        constructor(h) {
            super(h);
            this._waiters = [];      // resolve functions of pending read()s
            this._onmessage = null;
            this.onclose = null;
            this._closed = false;    // the peer closed
            this._watched = false;
            channels[h] = this;
        }
        // send(data) sends DATA; send({type, data, cookie, handles}) any of the five types.
        send(msg) {
            if (typeof msg === 'string' || msg instanceof Uint8Array) { // the common case
                check(N.send(handleOf(this, 'send'), 2, msg, 0, NO_HANDLES), 'send');
                return;
            }
            let type = ftl.DATA, data = msg, cookie = 0, handles = [];
            if (msg !== null && typeof msg === 'object' && !ArrayBuffer.isView(msg) &&
                !(msg instanceof ArrayBuffer)) {
                type = msg.type === undefined ? ftl.DATA : msg.type;
                data = msg.data;
                cookie = msg.cookie || 0;
                handles = msg.handles || [];
            }
            if (!Array.isArray(handles)) throw new TypeError('send: handles must be an array');
            const hs = handles.map((x) => handleOf(x, 'send'));
            check(N.send(handleOf(this, 'send'), type, payload(data), cookie, hs), 'send');
            // Moved handles are gone from this app.
            for (const x of handles) {
                if (x instanceof Handle) {
                    if (channels[x.handle] === x) {
                        delete channels[x.handle];
                        unwatch(x, x.handle);
                    }
                    x.handle = -1;
                }
            }
        }
        // The next message, or null if none is queued; throws FtlError FTL_ERR_PEER_CLOSED.
        recv() {
            const r = N.recv(handleOf(this, 'recv'));
            if (r === -3) return null;
            check(r, 'recv');
            return new Message(r[0], undefined, r[2], r[3].length ? r[3].map((h) => new Channel(h)) : [], r[1]);
        }
        // A promise of the next message; null once the peer closed and nothing is left.
        read() {
            const m = this._take();
            if (m !== undefined) return Promise.resolve(m);
            return new Promise((resolve) => {
                this._waiters.push(resolve);
                this._sync();
            });
        }
        set onmessage(fn) {
            this._onmessage = fn;
            this._sync();
        }
        get onmessage() { return this._onmessage; }
        async *[Symbol.asyncIterator]() {
            for (;;) {
                const m = await this.read();
                if (m === null) return;
                yield m;
            }
        }
        _take() {
            if (this._closed) return null;
            try {
                return this.recv() || undefined;
            } catch (e) {
                if (e instanceof FtlError && e.code === 'FTL_ERR_PEER_CLOSED') {
                    this._closed = true;
                    return null;
                }
                throw e;
            }
        }
        _wanted() {
            return this.handle >= 0 && !this._closed &&
                (this._waiters.length > 0 || this._onmessage !== null);
        }
        // Watches the channel in the loop's poll while someone reads it. The watch is
        // dropped lazily, by the first event nobody wants: a read() per message then
        // costs no kernel call to re-add it.
        _sync() {
            if (!this._watched && this._wanted()) {
                check(N.pollAdd(N.loopPoll, this.handle, ftl.READABLE, this.handle), 'watch');
                this._watched = true;
            }
        }
        _dispatch() {
            if (!this._wanted()) {
                unwatch(this, this.handle);
                return;
            }
            for (;;) {
                if (this._waiters.length === 0 && this._onmessage === null) break;
                const m = this._take();
                if (m === undefined) break;
                if (this._waiters.length) {
                    this._waiters.shift()(m);
                } else if (m !== null) {
                    this._onmessage(m);
                }
                if (m === null) {
                    // The peer closed and the queue is empty: close our end too.
                    while (this._waiters.length) this._waiters.shift()(null);
                    const cb = this.onclose;
                    this._onmessage = null;
                    this.onclose = null;
                    this.close();
                    if (cb) cb();
                    return;
                }
            }
            this._sync();
        }
    }

    function unwatch(ch, h) {
        if (ch._watched) {
            ch._watched = false;
            N.pollRemove(N.loopPoll, h);
        }
    }

    class Poll extends Handle {
        constructor() { super(check(N.pollCreate(), 'poll')); }
        add(x, events, ctx) {
            check(N.pollAdd(handleOf(this, 'poll.add'), handleOf(x, 'poll.add'), events >>> 0, ctx || 0), 'poll.add');
        }
        modify(x, events, ctx) {
            check(N.pollModify(handleOf(this, 'poll.modify'), handleOf(x, 'poll.modify'), events >>> 0, ctx || 0), 'poll.modify');
        }
        remove(x) {
            check(N.pollRemove(handleOf(this, 'poll.remove'), handleOf(x, 'poll.remove')), 'poll.remove');
        }
        // Blocks the app until an event or `timeoutMs` (default: forever); null on timeout.
        wait(timeoutMs) {
            const ns = timeoutMs === undefined || timeoutMs === Infinity ? -1 : Math.max(0, timeoutMs * 1e6);
            const r = N.pollWait(handleOf(this, 'poll.wait'), ns);
            if (r === -11) return null;
            check(r, 'poll.wait');
            return {handle: r[0], events: r[1], ctx: r[2]};
        }
    }

    class Timer extends Handle {
        constructor() { super(check(N.timerCreate(), 'timer')); }
        // Fires (READABLE) at `ms` milliseconds since boot (ftl.now()); Infinity disarms.
        set(ms) {
            const ns = ms === Infinity ? -1 : Math.max(0, ms * 1e6);
            check(N.timerSet(handleOf(this, 'timer.set'), ns), 'timer.set');
        }
    }

    // JS timers: one sorted list, driven by the event loop's wait timeout.
    let timers = [];
    let nextTimerId = 1;
    function addTimer(fn, ms, args, repeat) {
        if (typeof fn !== 'function') throw new TypeError('timer callback must be a function');
        ms = Math.max(0, Number(ms) || 0);
        const t = {id: nextTimerId++, at: N.now() / 1e6 + ms, fn, args, repeat: repeat ? ms : -1};
        insertTimer(t);
        return t.id;
    }
    function insertTimer(t) {
        let i = timers.length;
        while (i > 0 && timers[i - 1].at > t.at) i--;
        timers.splice(i, 0, t);
    }
    function clearTimer(id) {
        timers = timers.filter((t) => t.id !== id);
    }

    function stringify(args) {
        return args.map((a) => {
            if (typeof a === 'string') return a;
            if (a instanceof Error) return a.stack ? a.name + ': ' + a.message + '\n' + a.stack : String(a);
            if (a instanceof Uint8Array) return 'Uint8Array(' + a.length + ') [' + Array.prototype.slice.call(a, 0, 32).join(', ') + (a.length > 32 ? ', ...' : '') + ']';
            if (typeof a === 'object' && a !== null) {
                try { return JSON.stringify(a); } catch (e) { return String(a); }
            }
            return String(a);
        }).join(' ');
    }
    function log(level, args) {
        const text = stringify(args);
        for (const line of text.split('\n')) N.log(level, line);
    }

    const ftl = {
        CONNECT: 1, DATA: 2, OPEN: 3, OPEN_REPLY: 4, ERROR_REPLY: 5,
        READABLE: 1, WRITABLE: 2, PEER_CLOSED: 4,
        Channel, Poll, Timer, Message, FtlError,
        name: N.appName,
        system: null,
        // The environ item `name`: a string, a number, a Channel, or undefined.
        env(name) {
            const it = typeof name === 'string' ? envItems[name] : undefined;
            if (!it) return undefined;
            if (it.kind === 'channel') {
                if (!it.value) it.value = new Channel(it.handle);
                return it.value;
            }
            return it.value;
        },
        envNames() { return envOrder.slice(); },
        channel() {
            const r = check(N.channel(), 'channel');
            return [new Channel(r[0]), new Channel(r[1])];
        },
        poll() { return new Poll(); },
        timer() { return new Timer(); },
        now() { return N.now() / 1e6; },
        sleep(ms) { return new Promise((resolve) => addTimer(resolve, ms, [], false)); },
        log(level, ...args) {
            const l = LEVELS[level];
            if (l === undefined) throw new TypeError("log level must be 'debug', 'info', 'warn' or 'error'");
            log(l, args);
        },
        exit(code) { N.exit(code | 0); },
        encode(s) { return N.encode(String(s)); },
        decode(b) { return N.decode(bytes(b)); },
        test262: N.test262, // the conformance runner's host (tests/test262/runner.js)
    };
    const envItems = Object.create(null), envOrder = [];
    for (const [name, kind, value] of N.env()) {
        envItems[name] = kind === 'channel' ? {kind, handle: value, value: null} : {kind, value};
        envOrder.push(name);
    }
    ftl.system = new Channel(N.system);

    global.ftl = Object.freeze(ftl);
    global.console = Object.freeze({
        log: (...a) => log(1, a), info: (...a) => log(1, a), debug: (...a) => log(0, a),
        warn: (...a) => log(2, a), error: (...a) => log(3, a),
    });
    global.setTimeout = (fn, ms, ...args) => addTimer(fn, ms, args, false);
    global.setInterval = (fn, ms, ...args) => addTimer(fn, ms, args, true);
    global.clearTimeout = clearTimer;
    global.clearInterval = clearTimer;
    global.queueMicrotask = (fn) => { Promise.resolve().then(fn); };
    global.TextEncoder = class TextEncoder {
        get encoding() { return 'utf-8'; }
        encode(s) { return N.encode(String(s === undefined ? '' : s)); }
    };
    global.TextDecoder = class TextDecoder {
        get encoding() { return 'utf-8'; }
        decode(b) { return b === undefined ? '' : N.decode(bytes(b)); }
    };

    // The value of this script, kept by the C loop. tick() fires one due timer and
    // reports what the loop waits for: 0 to run again at once, the next timer's
    // deadline in ns since boot, -1 to wait for channels only, or -2 when nothing is
    // left to wait for (the app ends). dispatch(h) handles an event on channel h.
    return {
        tick() {
            const now = N.now() / 1e6;
            while (timers.length && timers[0].at <= now) {
                const t = timers.shift();
                if (t.repeat >= 0) {
                    t.at = now + Math.max(t.repeat, 1);
                    insertTimer(t);
                }
                t.fn.apply(undefined, t.args);
                return 0; // one callback per tick: jobs run between callbacks
            }
            if (timers.length) return Math.ceil(timers[0].at * 1e6);
            for (const h in channels) {
                if (channels[h]._wanted()) return -1;
            }
            return -2;
        },
        dispatch(h, events) {
            const ch = channels[h];
            if (ch) ch._dispatch();
            else N.pollRemove(N.loopPoll, h);
        },
    };
})
