// The JS app runtime (see js_app.h): the native half of the `ftl` API and the loop.
#include "js_app.h"

#include "quickjs.h"
#include "quickjs_lazy.h"
#include "js_prelude_bc.h" // prelude.js as bytecode (made at build time, kernel/js/js.mk)
#include "test262_host.h"

#include <string.h>

#define MAIN_FILE_MAX 64

// Marks in an app's start. JS_APP_TRACE (host): the arena after each step, on stderr.
// JS_APP_PROFILE (kernel): the guest ns of each step, logged (kernel/isolation/js.c).
#ifdef JS_APP_TRACE
#include <stdio.h>
#define TRACE(a, what) \
    fprintf(stderr, "TRACE %-16s in_use %zu held %zu\n", what, (a)->in_use, (a)->held)
#elif defined(JS_APP_PROFILE) && !__STDC_HOSTED__
void js_app_profile_mark(const char *what);
#define TRACE(a, what) js_app_profile_mark(what)
#else
#define TRACE(a, what) ((void)0)
#endif

struct js_app {
    JSRuntime *rt;
    JSContext *ctx;
    struct js_arena *arena;
    const struct wasm_app_ops *ops;
    void *octx;
    struct js_app_config cfg;
    const struct ftl_env *env;
    ftl_handle_t loop_poll;
    JSValue main_fn;        // compiled main.js until run
    JSValue loop;           // what prelude.js returned: tick() and dispatch(); or undefined
    JSValue unhandled;      // first rejection nobody handled, or JS_UNDEFINED
    JSValue unhandled_promise;
    bool exiting;
    int exit_code;
    bool interrupted;       // the interrupt hook said stop
    const char *error_kind;
    char error[JS_APP_ERROR_MAX];
    JSValue tick, dispatch; // loop.tick and loop.dispatch (once the API is made: api_init)
};

// ---- the engine's memory: the arena ------------------------------------------------

static void *a_malloc(JSMallocState *s, size_t size)
{
    void *p = js_arena_malloc(s->opaque, size);
    if (p) {
        s->malloc_count++;
        s->malloc_size += js_arena_usable_size(p);
    }
    return p;
}

static void a_free(JSMallocState *s, void *p)
{
    if (p) {
        s->malloc_count--;
        s->malloc_size -= js_arena_usable_size(p);
        js_arena_free(s->opaque, p);
    }
}

static void *a_realloc(JSMallocState *s, void *p, size_t size)
{
    if (!p) {
        return size ? a_malloc(s, size) : NULL;
    }
    if (!size) {
        a_free(s, p);
        return NULL;
    }
    size_t old = js_arena_usable_size(p);
    void *n = js_arena_realloc(s->opaque, p, size);
    if (n) {
        s->malloc_size += js_arena_usable_size(n) - old;
    }
    return n;
}

static size_t a_usable(const void *p)
{
    return js_arena_usable_size(p);
}

static const JSMallocFunctions arena_funcs = {a_malloc, a_free, a_realloc, a_usable};

// ---- helpers --------------------------------------------------------------------------

static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n]) {
        n++;
    }
    return n;
}

static struct js_app *app_of(JSContext *ctx)
{
    return JS_GetContextOpaque(ctx);
}

static JSValue err_val(ftl_err_t e)
{
    return JS_NewInt32(NULL, e);
}

static bool to_handle(JSContext *ctx, JSValueConst v, ftl_handle_t *out)
{
    uint32_t h;
    if (!JS_IsNumber(v) || JS_ToUint32(ctx, &h, v) != 0) {
        return false;
    }
    *out = h;
    return true;
}

static JSValue bad_arg(JSContext *ctx, const char *what)
{
    return JS_ThrowTypeError(ctx, "%s: bad argument", what);
}

static uint8_t *u8_bytes(JSContext *ctx, JSValueConst v, size_t *len)
{
    size_t off, blen, per;
    JSValue buf = JS_GetTypedArrayBuffer(ctx, v, &off, &blen, &per);
    if (JS_IsException(buf)) {
        return NULL;
    }
    size_t total;
    uint8_t *p = JS_GetArrayBuffer(ctx, &total, buf);
    JS_FreeValue(ctx, buf);
    if (!p || off + blen > total) {
        return NULL;
    }
    *len = blen;
    return p + off;
}

static JSValue new_u8(JSContext *ctx, const uint8_t *data, size_t len)
{
    if (JS_MakeTypedArrays(ctx) < 0) {
        return JS_EXCEPTION;
    }
    JSValue ab = JS_NewArrayBufferCopy(ctx, data, len);
    if (JS_IsException(ab)) {
        return ab;
    }
    // The constructor reads (buffer, byteOffset, length) whatever argc says.
    JSValue args[3] = {ab, JS_NewInt32(ctx, 0), JS_NewInt64(ctx, (int64_t)len)};
    JSValue u8 = JS_NewTypedArray(ctx, 3, args, JS_TYPED_ARRAY_UINT8);
    JS_FreeValue(ctx, ab);
    return u8;
}

// ---- the native calls: __ftl.* ---------------------------------------------------------

static JSValue send_bytes(JSContext *ctx, struct js_app *app, ftl_handle_t ch, uint32_t type,
                          int64_t cookie, const uint8_t *data, size_t len, JSValueConst handles);

static JSValue n_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    ftl_handle_t ch;
    uint32_t type;
    int64_t cookie;
    size_t len = 0;
    if (argc < 5 || !to_handle(ctx, argv[0], &ch) || JS_ToUint32(ctx, &type, argv[1]) ||
        JS_ToInt64(ctx, &cookie, argv[3])) {
        return bad_arg(ctx, "send");
    }
    // A string goes as UTF-8; anything else must be a typed array.
    const char *str = NULL;
    const uint8_t *data;
    if (JS_IsString(argv[2])) {
        str = JS_ToCStringLen(ctx, &len, argv[2]);
        data = (const uint8_t *)str;
    } else {
        data = u8_bytes(ctx, argv[2], &len);
    }
    if (!data) {
        return JS_EXCEPTION;
    }
    JSValue r = send_bytes(ctx, app, ch, type, cookie, data, len, argv[4]);
    JS_FreeCString(ctx, str);
    return r;
}

static JSValue send_bytes(JSContext *ctx, struct js_app *app, ftl_handle_t ch, uint32_t type,
                          int64_t cookie, const uint8_t *data, size_t len, JSValueConst handles)
{
    uint32_t n;
    JSValue lenv = JS_GetPropertyStr(ctx, handles, "length");
    if (JS_ToUint32(ctx, &n, lenv)) {
        JS_FreeValue(ctx, lenv);
        return JS_EXCEPTION;
    }
    JS_FreeValue(ctx, lenv);
    if (n > FTL_MSG_HANDLES_MAX) {
        return err_val(FTL_ERR_TOO_LARGE);
    }
    if (len > FTL_MSG_DATA_MAX) {
        return err_val(FTL_ERR_TOO_LARGE);
    }
    ftl_handle_t hs[FTL_MSG_HANDLES_MAX];
    for (uint32_t i = 0; i < n; i++) {
        JSValue v = JS_GetPropertyUint32(ctx, handles, i);
        bool ok = to_handle(ctx, v, &hs[i]);
        JS_FreeValue(ctx, v);
        if (!ok) {
            return bad_arg(ctx, "send");
        }
    }
    // The bytes stay put during the op: nothing runs the engine meanwhile.
    struct ftl_msg_out m = {.type = type,
                            .len = (uint32_t)len,
                            .cookie = (uint64_t)cookie,
                            .data = data,
                            .handles = hs,
                            .nhandles = n};
    return err_val(app->ops->channel_send(app->octx, ch, &m));
}

static JSValue n_recv(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    ftl_handle_t ch;
    if (argc < 1 || !to_handle(ctx, argv[0], &ch)) {
        return bad_arg(ctx, "recv");
    }
    struct ftl_msg msg; // on the engine's stack: not held by every app for its life
    struct ftl_msg *mp = &msg;
    ftl_err_t e = app->ops->channel_recv(app->octx, ch, mp);
#define m (*mp)
    if (e != FTL_OK) {
        return err_val(e);
    }
    JSValue r = JS_NewArray(ctx);
    JSValue hs = JS_NewArray(ctx);
    for (uint32_t i = 0; i < m.nhandles && i < FTL_MSG_HANDLES_MAX; i++) {
        JS_SetPropertyUint32(ctx, hs, i, JS_NewUint32(ctx, m.handles[i]));
    }
    JS_SetPropertyUint32(ctx, r, 0, JS_NewUint32(ctx, m.type));
    JS_SetPropertyUint32(ctx, r, 1, JS_NewByteString(ctx, m.data, m.len <= FTL_MSG_DATA_MAX ? m.len : 0));
    JS_SetPropertyUint32(ctx, r, 2, JS_NewInt64(ctx, (int64_t)m.cookie));
    JS_SetPropertyUint32(ctx, r, 3, hs);
#undef m
    return r;
}

static JSValue n_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    ftl_handle_t h;
    if (argc < 1 || !to_handle(ctx, argv[0], &h)) {
        return bad_arg(ctx, "close");
    }
    return err_val(app->ops->handle_close(app->octx, h));
}

static JSValue pair(JSContext *ctx, ftl_handle_t a, ftl_handle_t b)
{
    JSValue r = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, r, 0, JS_NewUint32(ctx, a));
    JS_SetPropertyUint32(ctx, r, 1, JS_NewUint32(ctx, b));
    return r;
}

static JSValue n_channel(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    struct js_app *app = app_of(ctx);
    ftl_handle_t a, b;
    ftl_err_t e = app->ops->channel_create(app->octx, &a, &b);
    return e == FTL_OK ? pair(ctx, a, b) : err_val(e);
}

static JSValue n_poll_create(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    struct js_app *app = app_of(ctx);
    ftl_handle_t h;
    ftl_err_t e = app->ops->poll_create(app->octx, &h);
    return e == FTL_OK ? JS_NewUint32(ctx, h) : err_val(e);
}

// pollAdd / pollModify (magic 0 / 1): (poll, handle, events, ctx)
static JSValue n_poll_set(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv,
                          int magic)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    ftl_handle_t p, h;
    uint32_t ev;
    double c;
    if (argc < 4 || !to_handle(ctx, argv[0], &p) || !to_handle(ctx, argv[1], &h) ||
        JS_ToUint32(ctx, &ev, argv[2]) || JS_ToFloat64(ctx, &c, argv[3])) {
        return bad_arg(ctx, magic ? "poll.modify" : "poll.add");
    }
    if (!(c >= 0 && c <= 9007199254740991.0)) {
        return err_val(FTL_ERR_INVALID_ARG);
    }
    uint64_t uc = (uint64_t)c;
    return err_val(magic ? app->ops->poll_modify(app->octx, p, h, ev, uc)
                         : app->ops->poll_add(app->octx, p, h, ev, uc));
}

static JSValue n_poll_remove(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    ftl_handle_t p, h;
    if (argc < 2 || !to_handle(ctx, argv[0], &p) || !to_handle(ctx, argv[1], &h)) {
        return bad_arg(ctx, "poll.remove");
    }
    return err_val(app->ops->poll_remove(app->octx, p, h));
}

static int64_t to_timeout(JSContext *ctx, JSValueConst v, bool *ok)
{
    double ns;
    *ok = JS_ToFloat64(ctx, &ns, v) == 0 && ns == ns;
    if (!*ok || ns < 0 || ns >= 9.2e18) {
        return FTL_NO_TIMEOUT;
    }
    return (int64_t)ns;
}

static JSValue n_poll_wait(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    ftl_handle_t p;
    bool ok;
    if (argc < 2 || !to_handle(ctx, argv[0], &p)) {
        return bad_arg(ctx, "poll.wait");
    }
    int64_t t = to_timeout(ctx, argv[1], &ok);
    if (!ok) {
        return bad_arg(ctx, "poll.wait");
    }
    struct ftl_event ev;
    ftl_err_t e = app->ops->poll_wait(app->octx, p, t, &ev);
    if (app->cfg.turn_begin) {
        app->cfg.turn_begin(app->octx); // a wait is a turn boundary too
    }
    if (e != FTL_OK) {
        return err_val(e);
    }
    JSValue r = pair(ctx, ev.handle, ev.events);
    JS_SetPropertyUint32(ctx, r, 2, JS_NewFloat64(ctx, (double)ev.ctx));
    return r;
}

static JSValue n_timer_create(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    struct js_app *app = app_of(ctx);
    ftl_handle_t h;
    ftl_err_t e = app->ops->timer_create(app->octx, &h);
    return e == FTL_OK ? JS_NewUint32(ctx, h) : err_val(e);
}

static JSValue n_timer_set(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    ftl_handle_t t;
    bool ok;
    if (argc < 2 || !to_handle(ctx, argv[0], &t)) {
        return bad_arg(ctx, "timer.set");
    }
    int64_t deadline = to_timeout(ctx, argv[1], &ok);
    if (!ok) {
        return bad_arg(ctx, "timer.set");
    }
    return err_val(app->ops->timer_set(app->octx, t, deadline));
}

static JSValue n_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    struct js_app *app = app_of(ctx);
    return JS_NewFloat64(ctx, (double)app->ops->time_now(app->octx));
}

static JSValue n_log(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    int32_t level;
    size_t len;
    if (argc < 2 || JS_ToInt32(ctx, &level, argv[0]) || level < FTL_LOG_DEBUG ||
        level > FTL_LOG_ERROR) {
        return bad_arg(ctx, "log");
    }
    const char *s = JS_ToCStringLen(ctx, &len, argv[1]);
    if (!s) {
        return JS_EXCEPTION;
    }
    ftl_err_t e = app->ops->log_write(app->octx, level, s, len > WASM_APP_LINE_MAX ? WASM_APP_LINE_MAX : len);
    JS_FreeCString(ctx, s);
    return err_val(e);
}

static JSValue n_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    int32_t code = 0;
    if (argc > 0 && JS_ToInt32(ctx, &code, argv[0])) {
        return JS_EXCEPTION;
    }
    app->exiting = true;
    app->exit_code = code;
    // Unwinds through every catch: the loop sees `exiting` and ends the app.
    JSValue e = JS_NewError(ctx);
    JS_SetUncatchableError(ctx, e, 1);
    return JS_Throw(ctx, e);
}

static JSValue n_encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    size_t len;
    if (argc < 1) {
        return bad_arg(ctx, "encode");
    }
    const char *s = JS_ToCStringLen(ctx, &len, argv[0]);
    if (!s) {
        return JS_EXCEPTION;
    }
    JSValue r = new_u8(ctx, (const uint8_t *)s, len);
    JS_FreeCString(ctx, s);
    return r;
}

static JSValue n_decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    size_t len;
    if (argc < 1) {
        return bad_arg(ctx, "decode");
    }
    const uint8_t *p = JS_GetByteString(argv[0], &len); // a message's bytes (recv)
    if (!p) {
        p = u8_bytes(ctx, argv[0], &len);
    }
    if (!p) {
        return JS_EXCEPTION;
    }
    return JS_NewStringLen(ctx, (const char *)p, len);
}

// bytes(raw): the Uint8Array of a message's bytes.
static JSValue n_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    size_t len;
    const uint8_t *p = argc > 0 ? JS_GetByteString(argv[0], &len) : NULL;
    if (!p) {
        return bad_arg(ctx, "bytes");
    }
    return new_u8(ctx, p, len);
}

static JSValue n_env(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    struct js_app *app = app_of(ctx);
    JSValue r = JS_NewArray(ctx);
    uint32_t n = 0;
    for (uint32_t i = 0; i < app->env->nitems; i++) {
        const struct ftl_env_item *it = &app->env->items[i];
        const char *kind;
        JSValue v;
        if (it->kind == FTL_ENV_STRING) {
            kind = "string";
            v = JS_NewStringLen(ctx, it->str, bounded_len(it->str, sizeof(it->str)));
        } else if (it->kind == FTL_ENV_NUMBER) {
            kind = "number";
            v = JS_NewInt64(ctx, it->number);
        } else if (it->kind == FTL_ENV_CHANNEL) {
            kind = "channel";
            v = JS_NewUint32(ctx, it->handle);
        } else {
            continue; // devices are not for JS apps
        }
        JSValue item = JS_NewArray(ctx);
        JS_SetPropertyUint32(ctx, item, 0,
                             JS_NewStringLen(ctx, it->name, bounded_len(it->name, sizeof(it->name))));
        JS_SetPropertyUint32(ctx, item, 1, JS_NewString(ctx, kind));
        JS_SetPropertyUint32(ctx, item, 2, v);
        JS_SetPropertyUint32(ctx, r, n++, item);
    }
    return r;
}

#ifdef FTL_JS_TEST262
static int interrupt_hook(JSRuntime *rt, void *opaque);

// ftl.test262: one test262 test in a runtime of its own, within this app's arena, stack
// and CPU budget (kernel/js/test262_host.c; tests/test_js262.py). Only in the test
// kernel build/t262/kernel.bin and the host builds.
static JSValue n_test262(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct js_app *app = app_of(ctx);
    struct js_t262_limits lim = {app->cfg.stack_size, interrupt_hook, app};
    return js_test262_run(ctx, argc, argv, &lim);
}
#endif

static const JSCFunctionListEntry native_funcs[] = {
    JS_CFUNC_DEF("send", 5, n_send),
    JS_CFUNC_DEF("recv", 1, n_recv),
    JS_CFUNC_DEF("close", 1, n_close),
    JS_CFUNC_DEF("channel", 0, n_channel),
    JS_CFUNC_DEF("pollCreate", 0, n_poll_create),
    JS_CFUNC_MAGIC_DEF("pollAdd", 4, n_poll_set, 0),
    JS_CFUNC_MAGIC_DEF("pollModify", 4, n_poll_set, 1),
    JS_CFUNC_DEF("pollRemove", 2, n_poll_remove),
    JS_CFUNC_DEF("pollWait", 2, n_poll_wait),
    JS_CFUNC_DEF("timerCreate", 0, n_timer_create),
    JS_CFUNC_DEF("timerSet", 2, n_timer_set),
    JS_CFUNC_DEF("now", 0, n_now),
    JS_CFUNC_DEF("log", 2, n_log),
    JS_CFUNC_DEF("exit", 1, n_exit),
    JS_CFUNC_DEF("encode", 1, n_encode),
    JS_CFUNC_DEF("decode", 1, n_decode),
    JS_CFUNC_DEF("bytes", 1, n_bytes),
    JS_CFUNC_DEF("env", 0, n_env),
#ifdef FTL_JS_TEST262
    JS_CFUNC_DEF("test262", 6, n_test262),
#endif
};

// ---- errors ------------------------------------------------------------------------------

// Appends the string value of `v` to app->error, turning newlines into " | ".
static void append(struct js_app *app, const char *s, size_t len)
{
    size_t at = strlen(app->error);
    for (size_t i = 0; i < len && at + 4 < sizeof(app->error); i++) {
        if (s[i] == '\n') {
            if (i + 1 < len) {
                memcpy(app->error + at, " | ", 3);
                at += 3;
            }
        } else {
            app->error[at++] = s[i];
        }
    }
    app->error[at] = '\0';
}

static void append_value(struct js_app *app, JSValueConst v)
{
    size_t len;
    const char *s = JS_ToCStringLen(app->ctx, &len, v);
    if (s) {
        append(app, s, len);
        JS_FreeCString(app->ctx, s);
    } else {
        JSValue e = JS_GetException(app->ctx);
        JS_FreeValue(app->ctx, e);
        append(app, "(cannot be printed)", 19);
    }
}

// Appends a JS stack, one " | at ..." per frame, runs of the same frame counted.
static void append_stack(struct js_app *app, const char *s)
{
    const char *prev = NULL;
    size_t prev_len = 0, repeats = 0;
    for (;;) {
        while (*s == ' ' || *s == '\n') {
            s++;
        }
        size_t n = strcspn(s, "\n");
        if (prev && (n != prev_len || memcmp(s, prev, n) != 0 || !n)) {
            if (repeats > 1) {
                char note[32];
                snprintf(note, sizeof(note), " (x%zu)", repeats);
                append(app, note, strlen(note));
            }
            repeats = 0;
        }
        if (!n) {
            return;
        }
        if (!prev || repeats == 0) {
            append(app, " | ", 3);
            append(app, s, n);
        }
        prev = s;
        prev_len = n;
        repeats++;
        s += n;
    }
}

// Describes `exc` into app->error: "<Name>: <message> | at f (main.js:3:9) | ...".
static void describe(struct js_app *app, const char *kind, JSValueConst exc)
{
    app->error_kind = app->interrupted ? "cpu budget exceeded" : kind;
    app->error[0] = '\0';
    if (JS_IsNull(exc) || JS_IsUndefined(exc)) {
        append(app, "out of memory (no error object could be made)", 46);
        return;
    }
    append_value(app, exc);
    if (JS_IsError(app->ctx, exc)) {
        JSValue st = JS_GetPropertyStr(app->ctx, exc, "stack");
        const char *s = JS_IsString(st) ? JS_ToCString(app->ctx, st) : NULL;
        if (s) {
            append_stack(app, s);
            JS_FreeCString(app->ctx, s);
        }
        JS_FreeValue(app->ctx, st);
    }
}

// The exception pending after a failed call: ends the app unless it was ftl.exit().
static enum js_app_status fail_pending(struct js_app *app)
{
    JSValue e = JS_GetException(app->ctx);
    if (app->exiting) {
        JS_FreeValue(app->ctx, e);
        return JS_APP_EXITED;
    }
    describe(app, "uncaught exception", e);
    JS_FreeValue(app->ctx, e);
    return JS_APP_FAILED;
}

static void rejection_tracker(JSContext *ctx, JSValueConst promise, JSValueConst reason,
                              JS_BOOL is_handled, void *opaque)
{
    (void)ctx;
    struct js_app *app = opaque;
    if (!is_handled && JS_IsUndefined(app->unhandled_promise)) {
        app->unhandled_promise = JS_DupValue(app->ctx, promise);
        app->unhandled = JS_DupValue(app->ctx, reason);
    } else if (is_handled && JS_VALUE_GET_PTR(promise) == JS_VALUE_GET_PTR(app->unhandled_promise)) {
        JS_FreeValue(app->ctx, app->unhandled_promise);
        JS_FreeValue(app->ctx, app->unhandled);
        app->unhandled_promise = JS_UNDEFINED;
        app->unhandled = JS_UNDEFINED;
    }
}

static int interrupt_hook(JSRuntime *rt, void *opaque)
{
    (void)rt;
    struct js_app *app = opaque;
    if (app->exiting) {
        return 1;
    }
    if (app->cfg.interrupt && app->cfg.interrupt(app->octx)) {
        app->interrupted = true;
        return 1;
    }
    return 0;
}

// ---- create, run, destroy ------------------------------------------------------------------

// ---- the ftl API, made on first use --------------------------------------------------------

// The globals prelude.js defines, in its order. They are lazy globals (quickjs_lazy.h):
// the first use of any of them runs prelude.js, so an app that never touches the API
// (or not yet) does not hold its objects, and starts sooner.
static const char *const api_names[] = {
    "ftl",          "console",        "setTimeout",  "setInterval", "clearTimeout",
    "clearInterval", "queueMicrotask", "TextEncoder", "TextDecoder",
};
#define API_NAMES (sizeof(api_names) / sizeof(api_names[0]))

// Runs prelude.js, which defines the API on `target`: 0, or -1 with an exception pending.
static int api_init(JSContext *c, JSValueConst target, void *opaque)
{
    (void)opaque;
    struct js_app *app = app_of(c);
    const struct ftl_env *env = app->env;
    // __ftl: the native calls, given to prelude.js only.
    JSValue n = JS_NewObject(c);
    JS_SetPropertyFunctionList(c, n, native_funcs, sizeof(native_funcs) / sizeof(native_funcs[0]));
    JS_SetPropertyStr(c, n, "appName",
                      JS_NewStringLen(c, env->app_name, bounded_len(env->app_name, sizeof(env->app_name))));
    JS_SetPropertyStr(c, n, "system", JS_NewUint32(c, env->system));
    JS_SetPropertyStr(c, n, "loopPoll", JS_NewUint32(c, app->loop_poll));
    TRACE(app->arena, "__ftl");
    // Compiled at build time, without source or line tables (kernel/js/tests/js_bytecode.c):
    // a script whose value is the function (N, global) that makes the API.
    JSValue fn = JS_ReadObject(c, js_prelude_bc, sizeof(js_prelude_bc), JS_READ_OBJ_BYTECODE);
    TRACE(app->arena, "read prelude");
    JSValue make = JS_IsException(fn) ? fn : JS_EvalFunction(c, fn);
    JSValue loop = make;
    if (!JS_IsException(make)) {
        JSValueConst args[2] = {n, target};
        loop = JS_Call(c, make, JS_UNDEFINED, 2, args);
        JS_FreeValue(c, make);
    }
    JS_FreeValue(c, n);
    TRACE(app->arena, "ran prelude");
    if (JS_IsException(loop)) {
        return -1;
    }
    app->loop = loop;
    app->tick = JS_GetPropertyStr(c, loop, "tick");
    app->dispatch = JS_GetPropertyStr(c, loop, "dispatch");
    return 0;
}

static const struct js_lazy_group api_group = {
    api_init, NULL, api_names, API_NAMES,
    JS_PROP_WRITABLE | JS_PROP_ENUMERABLE | JS_PROP_CONFIGURABLE,
};
static struct js_lazy_slot api_slots[API_NAMES];

// "file:line:col: SyntaxError: reason" from a parse error.
static void describe_load_error(struct js_app *app, const char *file)
{
    JSValue e = JS_GetException(app->ctx);
    app->error_kind = "cannot load";
    app->error[0] = '\0';
    JSValue st = JS_IsError(app->ctx, e) ? JS_GetPropertyStr(app->ctx, e, "stack") : JS_UNDEFINED;
    const char *s = JS_IsString(st) ? JS_ToCString(app->ctx, st) : NULL;
    const char *at = s ? strstr(s, file) : NULL;
    if (at) {
        size_t n = strcspn(at, ")\n");
        append(app, at, n);
        append(app, ": ", 2);
    } else {
        append(app, file, strlen(file));
        append(app, ": ", 2);
    }
    if (s) {
        JS_FreeCString(app->ctx, s);
    }
    JS_FreeValue(app->ctx, st);
    append_value(app, e);
    JS_FreeValue(app->ctx, e);
}

ftl_err_t js_app_create(struct js_arena *arena, const char *file, const char *src, size_t len,
                        const struct wasm_app_ops *ops, void *ctx, const struct js_app_config *cfg,
                        char *err, size_t errlen, struct js_app **out_app)
{
    ftl_err_t rc = FTL_ERR_NO_MEMORY;
    struct js_app *app = js_arena_malloc(arena, sizeof(*app));
    if (!app) {
        snprintf(err, errlen, "out of memory for the runtime");
        return FTL_ERR_NO_MEMORY;
    }
    memset(app, 0, sizeof(*app));
    app->arena = arena;
    app->ops = ops;
    app->octx = ctx;
    app->cfg = *cfg;
    app->env = cfg->env;
    app->main_fn = JS_UNDEFINED;
    app->loop = JS_UNDEFINED;
    app->tick = JS_UNDEFINED;
    app->dispatch = JS_UNDEFINED;
    app->unhandled = JS_UNDEFINED;
    app->unhandled_promise = JS_UNDEFINED;
    app->rt = JS_NewRuntime2(&arena_funcs, arena);
    if (!app->rt) {
        goto fail_msg;
    }
    JS_SetMaxStackSize(app->rt, cfg->stack_size);
    JS_SetCanBlock(app->rt, 0);
    JS_SetInterruptHandler(app->rt, interrupt_hook, app);
    JS_SetHostPromiseRejectionTracker(app->rt, rejection_tracker, app);
    TRACE(arena, "runtime");
    app->ctx = JS_NewContextLazy(app->rt);
    if (!app->ctx) {
        goto fail_msg;
    }
    JS_SetContextOpaque(app->ctx, app);
    if (ops->poll_create(ctx, &app->loop_poll) != FTL_OK) {
        snprintf(err, errlen, "no handle left for the event loop's poll");
        goto fail;
    }
    TRACE(arena, "context");
    if (JS_DefineLazyGlobals(app->ctx, &api_group, api_slots) < 0) {
        fail_pending(app);
        snprintf(err, errlen, "the ftl API did not start: %s", app->error);
        goto fail;
    }
    TRACE(arena, "api deferred");
    // main.js is compiled now, so a syntax error is reported at load.
    char name[MAIN_FILE_MAX];
    snprintf(name, sizeof(name), "%s", file);
    // JS_Eval needs a NUL-terminated source.
    char *text = js_arena_malloc(arena, len + 1);
    if (!text) {
        goto fail_msg;
    }
    memcpy(text, src, len);
    text[len] = '\0';
    app->main_fn = JS_Eval(app->ctx, text, len, name,
                           JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY | JS_EVAL_FLAG_ASYNC);
    js_arena_free(arena, text);
    if (JS_IsException(app->main_fn)) {
        app->main_fn = JS_UNDEFINED;
        describe_load_error(app, name);
        snprintf(err, errlen, "%s", app->error);
        rc = FTL_ERR_PARSE;
        goto fail;
    }
    TRACE(arena, "main compiled");
    *out_app = app;
    return FTL_OK;

fail_msg:
    snprintf(err, errlen, "out of memory for the runtime (%zu KiB arena)", arena->limit / 1024);
fail:
    js_app_destroy(app);
    return rc;
}

// Runs every pending promise job; false (app->error set) if one threw.
static bool run_jobs(struct js_app *app, enum js_app_status *st)
{
    JSContext *c;
    int r;
    while ((r = JS_ExecutePendingJob(app->rt, &c)) != 0) {
        if (r < 0) {
            *st = fail_pending(app);
            return false;
        }
    }
    if (!JS_IsUndefined(app->unhandled_promise)) {
        describe(app, "uncaught exception", app->unhandled);
        *st = JS_APP_FAILED;
        return false;
    }
    return true;
}

enum js_app_status js_app_run(struct js_app *app)
{
    enum js_app_status st;
    if (app->cfg.turn_begin) {
        app->cfg.turn_begin(app->octx);
    }
    JSValue r = JS_EvalFunction(app->ctx, app->main_fn);
    app->main_fn = JS_UNDEFINED;
    if (JS_IsException(r)) {
        return fail_pending(app);
    }
    JS_FreeValue(app->ctx, r);
    for (;;) {
        if (!run_jobs(app, &st)) {
            break;
        }
        if (JS_IsUndefined(app->loop)) {
            st = JS_APP_EXITED; // no timer or channel can exist without the API
            break;
        }
        if (app->cfg.turn_begin) {
            app->cfg.turn_begin(app->octx); // each timer callback is a turn of its own
        }
        JSValue d = JS_Call(app->ctx, app->tick, app->loop, 0, NULL);
        if (JS_IsException(d)) {
            st = fail_pending(app);
            break;
        }
        double next;
        JS_ToFloat64(app->ctx, &next, d);
        JS_FreeValue(app->ctx, d);
        if (next == 0) {
            continue; // a timer fired: run its jobs, then look again
        }
        if (next == -2) {
            st = JS_APP_EXITED;
            break;
        }
        int64_t timeout = FTL_NO_TIMEOUT;
        if (next > 0) {
            int64_t now = app->ops->time_now(app->octx);
            timeout = (int64_t)next > now ? (int64_t)next - now : 0;
        }
        struct ftl_event ev;
        ftl_err_t e = app->ops->poll_wait(app->octx, app->loop_poll, timeout, &ev);
        if (app->cfg.turn_begin) {
            app->cfg.turn_begin(app->octx);
        }
        if (e == FTL_ERR_TIMED_OUT) {
            if (timeout == FTL_NO_TIMEOUT) {
                st = JS_APP_EXITED; // the host runner: nothing can wake the app
                break;
            }
            continue;
        }
        if (e != FTL_OK) {
            app->error_kind = "event loop";
            snprintf(app->error, sizeof(app->error), "poll_wait: %s", ftl_err_name(e));
            st = JS_APP_FAILED;
            break;
        }
        JSValue args[2] = {JS_NewUint32(app->ctx, ev.handle), JS_NewUint32(app->ctx, ev.events)};
        JSValue x = JS_Call(app->ctx, app->dispatch, app->loop, 2, args);
        if (JS_IsException(x)) {
            st = fail_pending(app);
            break;
        }
        JS_FreeValue(app->ctx, x);
    }
    if (app->exiting) {
        return JS_APP_EXITED;
    }
    return st;
}

int js_app_exit_code(const struct js_app *app)
{
    return app->exit_code;
}

const char *js_app_error_kind(const struct js_app *app)
{
    return app->error_kind ? app->error_kind : "failed";
}

const char *js_app_error(const struct js_app *app)
{
    return app->error;
}

void js_app_destroy(struct js_app *app)
{
    if (!app) {
        return;
    }
    if (app->ctx) {
        JS_FreeValue(app->ctx, app->main_fn);
        JS_FreeValue(app->ctx, app->loop);
        JS_FreeValue(app->ctx, app->tick);
        JS_FreeValue(app->ctx, app->dispatch);
        JS_FreeValue(app->ctx, app->unhandled);
        JS_FreeValue(app->ctx, app->unhandled_promise);
        JS_FreeContext(app->ctx);
    }
    if (app->rt) {
        JS_FreeRuntime(app->rt);
    }
    js_arena_free(app->arena, app);
}
