// The test262 host (see test262_host.h). What run-test262 (QuickJS 2025-04-26) does for
// one test, done the same way here: a new runtime and context; `print` and `$262`
// (global, evalScript, detachArrayBuffer, codePointRange, createRealm, IsHTMLDDA, gc)
// on the global object; each harness file evaluated as a global script; the test
// evaluated as a global script (strict if asked) or a module; then every promise job
// run; an async test passes if it printed "Test262:AsyncTestComplete" exactly once
// and never "Test262:AsyncTestFailure", a module if its promise is fulfilled; a
// negative test if it threw an error whose string starts with its type. $262.agent
// (threads) is left out: only built-ins/Atomics uses it, and the host run excludes it.
#include "test262_host.h"

#include "arena.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define T262_MSG_MAX 200
#define T262_STACK_MARGIN (48u << 10) // what the caller's own frames may use, at most

struct t262 {
    JSContext *caller;    // the app's context: reads `modules`
    JSValueConst modules; // {name: source}, in the caller's runtime
    const char *file;     // the test's name, for the module loader
    int async_done;       // print("Test262:AsyncTestComplete") count, 2 on a failure
};

// ---- memory: the caller's runtime allocates (its arena, its limit) ---------------------

static void *m_malloc(JSMallocState *s, size_t size)
{
    void *p = js_malloc_rt(s->opaque, size);
    if (p) {
        s->malloc_count++;
        s->malloc_size += js_arena_usable_size(p);
    }
    return p;
}

static void m_free(JSMallocState *s, void *p)
{
    if (p) {
        s->malloc_count--;
        s->malloc_size -= js_arena_usable_size(p);
        js_free_rt(s->opaque, p);
    }
}

static void *m_realloc(JSMallocState *s, void *p, size_t size)
{
    if (!p) {
        return size ? m_malloc(s, size) : NULL;
    }
    if (!size) {
        m_free(s, p);
        return NULL;
    }
    size_t old = js_arena_usable_size(p);
    void *n = js_realloc_rt(s->opaque, p, size);
    if (n) {
        s->malloc_size += js_arena_usable_size(n) - old;
    }
    return n;
}

static size_t m_usable(const void *p)
{
    return js_arena_usable_size(p);
}

static const JSMallocFunctions nested_funcs = {m_malloc, m_free, m_realloc, m_usable};

// ---- $262 and print ----------------------------------------------------------------------

static JSValue h_print(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    struct t262 *t = JS_GetContextOpaque(ctx);
    for (int i = 0; i < argc; i++) {
        const char *s = JS_ToCString(ctx, argv[i]);
        if (!s) {
            return JS_EXCEPTION;
        }
        if (!strcmp(s, "Test262:AsyncTestComplete")) {
            t->async_done++;
        } else if (!strncmp(s, "Test262:AsyncTestFailure", 24)) {
            t->async_done = 2; // forces a failure
        }
        JS_FreeCString(ctx, s);
    }
    return JS_UNDEFINED;
}

static JSValue h_detach(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    JS_DetachArrayBuffer(ctx, argv[0]);
    return JS_UNDEFINED;
}

static JSValue h_eval_script(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, argv[0]);
    if (!s) {
        return JS_EXCEPTION;
    }
    JSValue r = JS_Eval(ctx, s, len, "<evalScript>", JS_EVAL_TYPE_GLOBAL);
    JS_FreeCString(ctx, s);
    return r;
}

static JSValue add_helpers(JSContext *ctx);

static JSValue h_create_realm(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    JSContext *realm = JS_NewContext(JS_GetRuntime(ctx));
    if (!realm) {
        return JS_ThrowOutOfMemory(ctx);
    }
    JS_SetContextOpaque(realm, JS_GetContextOpaque(ctx));
    JSValue r = add_helpers(realm);
    JS_FreeContext(realm); // the returned $262 keeps it alive
    return r;
}

static JSValue h_is_htmldda(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)ctx;
    (void)this_val;
    (void)argc;
    (void)argv;
    return JS_NULL;
}

static JSValue h_gc(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    JS_RunGC(JS_GetRuntime(ctx));
    return JS_UNDEFINED;
}

// print and $262 on ctx's global object, in run-test262's order; returns $262.
static JSValue add_helpers(JSContext *ctx)
{
    JSValue global = JS_GetGlobalObject(ctx);
    JS_SetPropertyStr(ctx, global, "print", JS_NewCFunction(ctx, h_print, "print", 1));
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "detachArrayBuffer",
                      JS_NewCFunction(ctx, h_detach, "detachArrayBuffer", 1));
    JS_SetPropertyStr(ctx, o, "evalScript", JS_NewCFunction(ctx, h_eval_script, "evalScript", 1));
    JS_SetPropertyStr(ctx, o, "codePointRange",
                      JS_NewCFunction(ctx, js_string_codePointRange, "codePointRange", 2));
    JS_SetPropertyStr(ctx, o, "global", JS_DupValue(ctx, global));
    JS_SetPropertyStr(ctx, o, "createRealm",
                      JS_NewCFunction(ctx, h_create_realm, "createRealm", 0));
    JSValue dda = JS_NewCFunction(ctx, h_is_htmldda, "IsHTMLDDA", 0);
    JS_SetIsHTMLDDA(ctx, dda);
    JS_SetPropertyStr(ctx, o, "IsHTMLDDA", dda);
    JS_SetPropertyStr(ctx, o, "gc", JS_NewCFunction(ctx, h_gc, "gc", 0));
    JS_SetPropertyStr(ctx, global, "$262", JS_DupValue(ctx, o));
    JS_FreeValue(ctx, global);
    return o;
}

// run-test262's loader: a name without '/' is taken from the test's folder.
static JSModuleDef *load_module(JSContext *ctx, const char *name, void *opaque)
{
    struct t262 *t = opaque;
    char path[256];
    if (!strchr(name, '/')) {
        const char *slash = strrchr(t->file, '/');
        if (slash) {
            snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - t->file), t->file, name);
            name = path;
        }
    }
    JSValue src =
        JS_IsObject(t->modules) ? JS_GetPropertyStr(t->caller, t->modules, name) : JS_UNDEFINED;
    size_t len;
    const char *s = JS_IsString(src) ? JS_ToCStringLen(t->caller, &len, src) : NULL;
    JS_FreeValue(t->caller, src);
    if (!s) {
        JS_ThrowReferenceError(ctx, "could not load module filename '%s'", name);
        return NULL;
    }
    JSValue fn = JS_Eval(ctx, s, len, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    JS_FreeCString(t->caller, s);
    if (JS_IsException(fn)) {
        return NULL;
    }
    JSModuleDef *m = JS_VALUE_GET_PTR(fn);
    JS_FreeValue(ctx, fn);
    return m;
}

// ---- one test ----------------------------------------------------------------------------

// Evaluates `src` (from the caller's string) in ctx; the result or JS_EXCEPTION.
static JSValue eval_string(struct t262 *t, JSContext *ctx, JSValueConst src, const char *file,
                           int flags)
{
    size_t len;
    const char *s = JS_ToCStringLen(t->caller, &len, src);
    if (!s) {
        return JS_ThrowTypeError(ctx, "the source of %s is not a string", file);
    }
    JSValue r = JS_Eval(ctx, s, len, file, flags);
    JS_FreeCString(t->caller, s);
    return r;
}

static void message(JSContext *ctx, JSValueConst v, char *out, size_t n)
{
    const char *s = JS_ToCString(ctx, v);
    snprintf(out, n, "%s", s ? s : "(an exception that cannot be printed)");
    if (s) {
        JS_FreeCString(ctx, s);
    } else {
        JS_FreeValue(ctx, JS_GetException(ctx));
    }
}

// eval_buf of run-test262 for the test itself: 0 if it passed, else why in `why`.
static int run_test(struct t262 *t, JSContext *ctx, JSValueConst src, int flags,
                    const char *error_type, char *why, size_t n)
{
    int eval_flags = (flags & JS_T262_MODULE) ? JS_EVAL_TYPE_MODULE : JS_EVAL_TYPE_GLOBAL;
    if (flags & JS_T262_STRICT) {
        eval_flags |= JS_EVAL_FLAG_STRICT;
    }
    t->async_done = 0;
    JSValue res = eval_string(t, ctx, src, t->file, eval_flags);
    bool is_async = flags & JS_T262_ASYNC, is_module = flags & JS_T262_MODULE;
    if ((is_async || is_module) && !JS_IsException(res)) {
        JSValue promise = JS_UNDEFINED;
        if (is_module) {
            promise = res;
        } else {
            JS_FreeValue(ctx, res);
        }
        for (;;) {
            JSContext *c;
            int r = JS_ExecutePendingJob(JS_GetRuntime(ctx), &c);
            if (r < 0) {
                res = JS_EXCEPTION;
                break;
            }
            if (r == 0) {
                if (is_async) {
                    res = t->async_done != 1 ? JS_ThrowTypeError(ctx, "$DONE() not called")
                                             : JS_UNDEFINED;
                } else {
                    JSPromiseStateEnum st = JS_PromiseState(ctx, promise);
                    if (st == JS_PROMISE_FULFILLED) {
                        res = JS_UNDEFINED;
                    } else if (st == JS_PROMISE_REJECTED) {
                        res = JS_Throw(ctx, JS_PromiseResult(ctx, promise));
                    } else {
                        res = JS_ThrowTypeError(ctx, "promise is pending");
                    }
                }
                break;
            }
        }
        JS_FreeValue(ctx, promise);
    }
    int ret;
    if (JS_IsException(res)) {
        JSValue exc = JS_GetException(ctx);
        message(ctx, exc, why, n);
        ret = (flags & JS_T262_NEGATIVE) ? 0 : -1;
        if ((flags & JS_T262_NEGATIVE) && error_type[0]) {
            size_t cls = strcspn(why, ":");
            if (cls != strlen(error_type) || strncmp(why, error_type, cls) != 0) {
                ret = -1;
            }
        }
        JS_FreeValue(ctx, exc);
    } else {
        ret = (flags & JS_T262_NEGATIVE) ? -1 : 0;
        if (ret) {
            snprintf(why, n, "expected %s, nothing was thrown",
                     error_type[0] ? error_type : "an error");
        }
    }
    JS_FreeValue(ctx, res);
    return ret;
}

// The harness files, [name, source] each, as global scripts; false if one threw.
static bool run_includes(struct t262 *t, JSContext *ctx, JSValueConst includes, char *why, size_t n)
{
    uint32_t count;
    JSValue lenv = JS_GetPropertyStr(t->caller, includes, "length");
    bool ok = JS_ToUint32(t->caller, &count, lenv) == 0;
    JS_FreeValue(t->caller, lenv);
    for (uint32_t i = 0; ok && i < count; i++) {
        JSValue pair = JS_GetPropertyUint32(t->caller, includes, i);
        bool is_pair = JS_IsArray(t->caller, pair) == 1;
        JSValue name = is_pair ? JS_GetPropertyUint32(t->caller, pair, 0) : JS_UNDEFINED;
        JSValue src = is_pair ? JS_GetPropertyUint32(t->caller, pair, 1) : JS_UNDEFINED;
        const char *file = JS_IsString(name) ? JS_ToCString(t->caller, name) : NULL;
        char path[96];
        snprintf(path, sizeof(path), "test262/harness/%s", file ? file : "?");
        JSValue r = file && JS_IsString(src)
                        ? eval_string(t, ctx, src, path, JS_EVAL_TYPE_GLOBAL)
                        : JS_ThrowTypeError(ctx, "includes must be [name, source] strings");
        if (JS_IsException(r)) {
            char m[T262_MSG_MAX];
            JSValue e = JS_GetException(ctx);
            message(ctx, e, m, sizeof(m));
            JS_FreeValue(ctx, e);
            snprintf(why, n, "error including %s: %s", path, m);
            ok = false;
        }
        JS_FreeValue(ctx, r);
        if (file) {
            JS_FreeCString(t->caller, file);
        }
        JS_FreeValue(t->caller, src);
        JS_FreeValue(t->caller, name);
        JS_FreeValue(t->caller, pair);
    }
    return ok;
}

JSValue js_test262_run(JSContext *ctx, int argc, JSValueConst *argv,
                       const struct js_t262_limits *lim)
{
    int32_t flags;
    if (argc < 6 || !JS_IsString(argv[0]) || !JS_IsString(argv[1]) ||
        JS_ToInt32(ctx, &flags, argv[2]) || !JS_IsString(argv[3]) || !JS_IsArray(ctx, argv[4])) {
        return JS_ThrowTypeError(ctx, "test262: bad argument");
    }
    const char *file = JS_ToCString(ctx, argv[0]);
    const char *error_type = JS_ToCString(ctx, argv[3]);
    JSValue result = JS_EXCEPTION;
    JSRuntime *rt = NULL;
    JSContext *tctx = NULL;
    char why[T262_MSG_MAX] = "";
    struct t262 t = {.caller = ctx, .modules = argv[5], .file = file};
    if (!file || !error_type) {
        goto cleanup;
    }
    rt = JS_NewRuntime2(&nested_funcs, JS_GetRuntime(ctx));
    if (!rt) {
        result = JS_ThrowOutOfMemory(ctx);
        goto cleanup;
    }
    size_t stack = lim->stack_size > 2 * T262_STACK_MARGIN ? lim->stack_size - T262_STACK_MARGIN
                                                           : lim->stack_size / 2;
    JS_SetMaxStackSize(rt, stack);
    if (lim->interrupt) {
        JS_SetInterruptHandler(rt, lim->interrupt, lim->interrupt_opaque);
    }
    JS_SetCanBlock(rt, !(flags & JS_T262_CANNOT_BLOCK));
    JS_SetModuleLoaderFunc(rt, NULL, load_module, &t);
    tctx = JS_NewContext(rt);
    if (!tctx) {
        result = JS_ThrowOutOfMemory(ctx);
        goto cleanup;
    }
    JS_SetContextOpaque(tctx, &t);
    JS_FreeValue(tctx, add_helpers(tctx));
    int ret = -1;
    if (run_includes(&t, tctx, argv[4], why, sizeof(why))) {
        ret = run_test(&t, tctx, argv[1], flags, error_type, why, sizeof(why));
    }
    result = ret == 0 ? JS_NULL : JS_NewString(ctx, why);

cleanup:
    if (tctx) {
        JS_FreeContext(tctx);
    }
    if (rt) {
        JS_FreeRuntime(rt);
    }
    if (error_type) {
        JS_FreeCString(ctx, error_type);
    }
    if (file) {
        JS_FreeCString(ctx, file);
    }
    return result;
}
