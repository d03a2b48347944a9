// libFuzzer target for the path a `wasm` app takes in the kernel: wasm_app_create()
// (loader, validator, WASI and `ftl` import linking) and then wasm_app_run() in fuel
// slices until the app exits, traps or has spent FUZZ_FUEL. The outside world is a
// stub: every op answers at once and nothing sleeps, so each input runs in bounded
// time. Inputs that start with 0xff are a `_start` body wrapped in a fixed module
// that imports WASI fd_write and proc_exit and exports its memory, so the host glue
// is reached often (see wrap_start()). The environ has an `fs` channel and two preopens,
// and received messages answer the last request sent (as data, an open file or an
// error, by turns), so the WASI file functions run their checks and their replies.
#include <stdlib.h>
#include <string.h>

#include "../wasm_app.h"

#define FUZZ_FUEL 200000 // units per input, over several slices
#define FUZZ_SLICE 7000
#define FUZZ_HANDLES 16

struct stub {
    struct wasm_app *app;
    ftl_handle_t nhandles; // handles handed out so far; 1 is the system channel
    uint32_t nrecv;
    int64_t clock;
    uint64_t last_cookie; // of the last message sent: the next one received answers it
};

static ftl_err_t new_handle(struct stub *s, ftl_handle_t *out)
{
    if (s->nhandles >= FUZZ_HANDLES) {
        return FTL_ERR_TOO_MANY;
    }
    *out = ++s->nhandles;
    return FTL_OK;
}

static ftl_err_t check_handle(const struct stub *s, ftl_handle_t h)
{
    return h >= 1 && h <= s->nhandles ? FTL_OK : FTL_ERR_BAD_HANDLE;
}

static ftl_err_t op_handle_close(void *ctx, ftl_handle_t h)
{
    return check_handle(ctx, h);
}

static ftl_err_t op_channel_create(void *ctx, ftl_handle_t *out_a, ftl_handle_t *out_b)
{
    ftl_err_t e = new_handle(ctx, out_a);
    return e == FTL_OK ? new_handle(ctx, out_b) : e;
}

static ftl_err_t op_channel_send(void *ctx, ftl_handle_t ch, const struct ftl_msg_out *msg)
{
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < msg->len; i++) {
        sum += ((const uint8_t *)msg->data)[i]; // the runtime vouched for these bytes
    }
    (void)sum;
    ((struct stub *)ctx)->last_cookie = msg->cookie;
    return check_handle(ctx, ch);
}

// Every other receive finds a message (of a length the clock picks, with one handle),
// so the runtime's copy to the app is reached; the others find the queue empty.
static ftl_err_t op_channel_recv(void *ctx, ftl_handle_t ch, struct ftl_msg *out_msg)
{
    struct stub *s = ctx;
    ftl_err_t e = check_handle(s, ch);
    if (e != FTL_OK || (++s->nrecv & 1)) {
        return e == FTL_OK ? FTL_ERR_EMPTY : e;
    }
    memset(out_msg, 0, sizeof(*out_msg));
    static const uint32_t types[] = {FTL_MSG_DATA, FTL_MSG_OPEN_REPLY, FTL_MSG_ERROR_REPLY};
    out_msg->type = types[(s->nrecv / 2) % 3];
    out_msg->cookie = s->last_cookie;
    out_msg->len = (uint32_t)(s->clock % (FTL_MSG_DATA_MAX + 1));
    memset(out_msg->data, 'm', out_msg->len);
    out_msg->nhandles = 1;
    out_msg->handles[0] = 1;
    return FTL_OK;
}

// A send, then the receive above as its reply (EMPTY stands for one that never comes).
static ftl_err_t op_channel_call(void *ctx, ftl_handle_t ch, const struct ftl_msg_out *msg,
                                 int64_t timeout_ns, struct ftl_msg *out_reply)
{
    if (timeout_ns < 0) {
        return FTL_ERR_INVALID_ARG;
    }
    ftl_err_t e = op_channel_send(ctx, ch, msg);
    return e == FTL_OK ? op_channel_recv(ctx, ch, out_reply) : e;
}

static ftl_err_t op_poll_create(void *ctx, ftl_handle_t *out_poll)
{
    return new_handle(ctx, out_poll);
}

static ftl_err_t op_poll_add(void *ctx, ftl_handle_t poll, ftl_handle_t h, uint32_t events,
                             uint64_t ev_ctx)
{
    (void)events;
    (void)ev_ctx;
    ftl_err_t e = check_handle(ctx, poll);
    return e == FTL_OK ? check_handle(ctx, h) : e;
}

static ftl_err_t op_poll_remove(void *ctx, ftl_handle_t poll, ftl_handle_t h)
{
    return op_poll_add(ctx, poll, h, 0, 0);
}

// Nothing ever becomes ready: a wait ends the app, as the kernel would leave it blocked.
static ftl_err_t op_poll_wait(void *ctx, ftl_handle_t poll, int64_t timeout_ns,
                              struct ftl_event *out_ev)
{
    struct stub *s = ctx;
    (void)out_ev;
    ftl_err_t e = check_handle(s, poll);
    if (e != FTL_OK || timeout_ns < 0) {
        return e != FTL_OK ? e : FTL_ERR_INVALID_ARG;
    }
    if (timeout_ns > 1000000) {
        wasm_app_stop(s->app, 0);
    }
    s->clock += timeout_ns < 1000000 ? timeout_ns : 1000000;
    return FTL_ERR_TIMED_OUT;
}

// Every other wait comes with a message received, so the copy to the app is reached.
static ftl_err_t op_poll_wait_msg(void *ctx, ftl_handle_t poll, int64_t timeout_ns,
                                  struct ftl_event *out_ev, struct ftl_msg *out_msg)
{
    if (timeout_ns >= 0 && op_channel_recv(ctx, poll, out_msg) == FTL_OK) {
        *out_ev = (struct ftl_event){.handle = poll, .events = FTL_READABLE | FTL_RECEIVE};
        return FTL_OK;
    }
    return op_poll_wait(ctx, poll, timeout_ns, out_ev);
}

static ftl_err_t op_timer_create(void *ctx, ftl_handle_t *out_timer)
{
    return new_handle(ctx, out_timer);
}

static ftl_err_t op_timer_set(void *ctx, ftl_handle_t timer, int64_t deadline_ns)
{
    ftl_err_t e = check_handle(ctx, timer);
    return e == FTL_OK && deadline_ns < 0 ? FTL_ERR_INVALID_ARG : e;
}

static int64_t op_time_now(void *ctx)
{
    struct stub *s = ctx;
    return s->clock += 1000;
}

static ftl_err_t op_log_write(void *ctx, int level, const char *msg, size_t len)
{
    (void)ctx;
    (void)level;
    if (len > WASM_APP_LINE_MAX) {
        abort(); // the runtime promises to split longer lines
    }
    volatile char last = len ? msg[len - 1] : 0;
    (void)last;
    return FTL_OK;
}

static void op_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len);
}

static const struct wasm_app_ops stub_ops = {
    .handle_close = op_handle_close,
    .channel_create = op_channel_create,
    .channel_send = op_channel_send,
    .channel_recv = op_channel_recv,
    .poll_create = op_poll_create,
    .poll_add = op_poll_add,
    .poll_modify = op_poll_add,
    .poll_remove = op_poll_remove,
    .poll_wait = op_poll_wait,
    .timer_create = op_timer_create,
    .timer_set = op_timer_set,
    .time_now = op_time_now,
    .time_realtime = NULL,
    .log_write = op_log_write,
    .random = op_random,
    .channel_call = op_channel_call,
    .poll_wait_msg = op_poll_wait_msg,
};

static size_t put_leb(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

// (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32)
// (result i32))) (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
// (memory (export "memory") 1) (func (export "_start") (local i32 i64) <body>))
static uint8_t *wrap_start(const uint8_t *body, size_t len, size_t *out_len)
{
    static const uint8_t head[] = {
        0, 'a', 's', 'm', 1, 0, 0, 0,
        1, 16, 3, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, // type 0
        0x60, 1, 0x7f, 0, 0x60, 0, 0,                       // types 1, 2
        2, 70, 2,                                           // import
        22, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_',
        'p', 'r', 'e', 'v', 'i', 'e', 'w', '1', 8, 'f', 'd', '_', 'w', 'r', 'i', 't', 'e', 0, 0,
        22, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_',
        'p', 'r', 'e', 'v', 'i', 'e', 'w', '1', 9, 'p', 'r', 'o', 'c', '_', 'e', 'x', 'i', 't',
        0, 1,
        3, 2, 1, 2,                                         // function
        5, 3, 1, 0, 1,                                      // memory
        7, 19, 2, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0,    // export
        6, '_', 's', 't', 'a', 'r', 't', 0, 2,
    };
    static const uint8_t locals[] = {2, 1, 0x7f, 1, 0x7e};
    uint8_t *m = malloc(sizeof(head) + len + 32);
    if (!m) {
        return NULL;
    }
    size_t n = sizeof(head);
    memcpy(m, head, n);
    uint32_t body_len = (uint32_t)(sizeof(locals) + len);
    uint8_t leb[5];
    size_t nb = put_leb(leb, body_len);
    m[n++] = 10;
    n += put_leb(m + n, (uint32_t)(1 + nb + body_len));
    m[n++] = 1;
    memcpy(m + n, leb, nb);
    n += nb;
    memcpy(m + n, locals, sizeof(locals));
    n += sizeof(locals);
    memcpy(m + n, body, len);
    *out_len = n + len;
    return m;
}

static void run_app(const uint8_t *bytes, size_t len)
{
    static union {
        struct ftl_env env;
        uint8_t room[sizeof(struct ftl_env) + 6 * sizeof(struct ftl_env_item)];
    } e;
    memset(&e, 0, sizeof(e));
    memcpy(e.env.app_name, "fuzz", 5);
    e.env.system = 1;
    static const char *const items[][2] = {
        {"args", "a bb ccc"}, {"fs", NULL},          {"fs_name", "/"},
        {"fs_root", "/"},     {"fs_name1", "/data"}, {"fs_root1", "/srv/data"},
    };
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        struct ftl_env_item *it = &e.env.items[e.env.nitems++];
        memcpy(it->name, items[i][0], strlen(items[i][0]) + 1);
        it->kind = items[i][1] ? FTL_ENV_STRING : FTL_ENV_CHANNEL;
        it->handle = 1; // the fs channel: the one handle there is at the start
        const char *str = items[i][1] ? items[i][1] : "fs";
        memcpy(it->str, str, strlen(str) + 1);
    }

    struct stub s = {.nhandles = 1};
    struct wasm_app_config cfg = {
        .env = &e.env, .max_memory_pages = 64, .stack_slots = 1u << 14, .max_frames = 256};
    char err[256];
    if (wasm_app_create(bytes, len, &stub_ops, &s, &cfg, err, sizeof(err), &s.app) != FTL_OK) {
        return;
    }
    for (int64_t spent = 0; spent < FUZZ_FUEL; spent += FUZZ_SLICE) {
        if (wasm_app_run(s.app, FUZZ_SLICE) != WASM_APP_RUNNING) {
            break;
        }
    }
    wasm_app_destroy(s.app);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 0xff) {
        size_t len;
        uint8_t *m = wrap_start(data + 1, size - 1, &len);
        if (m) {
            run_app(m, len);
            free(m);
        }
        return 0;
    }
    // A heap copy of exactly `size` bytes, so ASan sees any read past the end.
    uint8_t *copy = malloc(size ? size : 1);
    if (copy) {
        memcpy(copy, data, size);
        run_app(copy, size);
        free(copy);
    }
    return 0;
}
