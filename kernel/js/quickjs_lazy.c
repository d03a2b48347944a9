// QuickJS with globals made on first use. This file is the engine's translation unit:
// it includes QuickJS's quickjs.c (fetched, never edited) and adds, with access to
// its internals, JS_NewContextLazy and JS_DefineLazyGlobals (kernel/js/quickjs_lazy.h).
//
// A lazy global is one of QuickJS's own "autoinit" properties, the kind it uses for
// every built-in function: invisible to scripts (a property descriptor, `in`,
// enumeration and assignment all see a plain data property; reading it or its
// descriptor makes the value first). The value comes from a group's init function,
// which defines the whole group (`Map`, `Set`, `WeakMap`, `WeakSet`) on a scratch
// object; the global being read takes its value from there, and so do its siblings
// that are still untouched. An app that never uses typed arrays, Map/Set, Date or
// WeakRef does not hold them (about 23 KB of an empty context of 81 KB).
//
// QuickJS has three autoinit kinds in a table; the module-namespace kind is the one
// borrowed here: its function still serves module namespace objects, and the
// global object's lazy properties go to lazy_autoinit.
#include "quickjs.c"
#include "quickjs_lazy.h"

#define LAZY_NAMES_MAX 16

// Defines the group on `target` (a scratch object standing in for the global object
// while a JS_AddIntrinsic* function runs): 0, or -1 with an exception pending.
static int with_global(JSContext *ctx, JSValueConst target, void (*add)(JSContext *))
{
    JSValue global = ctx->global_obj;
    ctx->global_obj = JS_DupValue(ctx, target);
    add(ctx);
    JS_FreeValue(ctx, ctx->global_obj);
    ctx->global_obj = global;
    return 0;
}

static int init_date(JSContext *ctx, JSValueConst t, void *o)
{
    (void)o;
    return with_global(ctx, t, JS_AddIntrinsicDate);
}
static int init_map_set(JSContext *ctx, JSValueConst t, void *o)
{
    (void)o;
    return with_global(ctx, t, JS_AddIntrinsicMapSet);
}
static int init_typed_arrays(JSContext *ctx, JSValueConst t, void *o)
{
    (void)o;
    return with_global(ctx, t, JS_AddIntrinsicTypedArrays);
}
static int init_weak_ref(JSContext *ctx, JSValueConst t, void *o)
{
    (void)o;
    return with_global(ctx, t, JS_AddIntrinsicWeakRef);
}

#define WC (JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE)
static const char *const date_names[] = {"Date"};
static const char *const map_set_names[] = {"Map", "Set", "WeakMap", "WeakSet"};
static const char *const typed_array_names[] = {
    "ArrayBuffer",  "SharedArrayBuffer", "Uint8ClampedArray", "Int8Array",     "Uint8Array",
    "Int16Array",   "Uint16Array",       "Int32Array",        "Uint32Array",   "BigInt64Array",
    "BigUint64Array", "Float32Array",    "Float64Array",      "DataView",
#ifdef CONFIG_ATOMICS
    "Atomics",
#endif
};
static const char *const weak_ref_names[] = {"WeakRef", "FinalizationRegistry"};
#define GROUP(init, names) {init, NULL, names, sizeof(names) / sizeof(names[0]), WC}
static const struct js_lazy_group date_group = GROUP(init_date, date_names);
static const struct js_lazy_group map_set_group = GROUP(init_map_set, map_set_names);
const struct js_lazy_group js_lazy_typed_arrays = GROUP(init_typed_arrays, typed_array_names);
static const struct js_lazy_group weak_ref_group = GROUP(init_weak_ref, weak_ref_names);

// Makes group `g` and gives its values to the global object's lazy properties of that
// group still untouched; *val (if `val`) gets the value of name `index`. Only their
// slots change: QuickJS asks an autoinit function not to add or remove properties of
// the object. 0, or -1 with an exception pending.
static int make_group(JSContext *ctx, JSObject *p, const struct js_lazy_group *g, unsigned index,
                      JSValue *val)
{
    JSValue scratch = JS_NewObjectProto(ctx, JS_NULL);
    if (JS_IsException(scratch)) {
        return -1;
    }
    if (g->init(ctx, scratch, g->opaque) < 0) {
        JS_FreeValue(ctx, scratch);
        return -1;
    }
    for (unsigned i = 0; i < g->count; i++) {
        JSAtom a = JS_NewAtom(ctx, g->names[i]);
        JSValue v = a == JS_ATOM_NULL ? JS_EXCEPTION : JS_GetProperty(ctx, scratch, a);
        if (JS_IsException(v)) {
            JS_FreeAtom(ctx, a);
            JS_FreeValue(ctx, scratch);
            return -1;
        }
        JSProperty *pr;
        JSShapeProperty *prs;
        if (val && i == index) {
            *val = v;
        } else if ((prs = find_own_property(&pr, p, a)) &&
                   (prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT &&
                   js_autoinit_get_id(pr) == JS_AUTOINIT_ID_MODULE_NS &&
                   ((const struct js_lazy_slot *)pr->u.init.opaque)->group == g) {
            js_autoinit_free(ctx->rt, pr);
            prs->flags &= ~JS_PROP_TMASK;
            pr->u.value = v;
        } else {
            JS_FreeValue(ctx, v); // deleted or redefined by the script meanwhile
        }
        JS_FreeAtom(ctx, a);
    }
    JS_FreeValue(ctx, scratch);
    return 0;
}

// The autoinit function of the module-namespace kind, for both of its users.
static JSValue lazy_autoinit(JSContext *ctx, JSObject *p, JSAtom atom, void *opaque)
{
    if (p->class_id == JS_CLASS_MODULE_NS) {
        return js_module_ns_autoinit(ctx, p, atom, opaque);
    }
    const struct js_lazy_slot *slot = opaque;
    JSValue val = JS_UNDEFINED;
    if (make_group(ctx, p, slot->group, slot->index, &val) < 0) {
        return JS_EXCEPTION;
    }
    return val;
}

int JS_MakeTypedArrays(JSContext *ctx)
{
    if (JS_IsObject(ctx->class_proto[JS_CLASS_UINT8_ARRAY])) {
        return 0;
    }
    JSObject *p = JS_VALUE_GET_OBJ(ctx->global_obj);
    if (js_shape_prepare_update(ctx, p, NULL) < 0) {
        return -1;
    }
    return make_group(ctx, p, &js_lazy_typed_arrays, 0, NULL);
}

int JS_DefineLazyGlobals(JSContext *ctx, const struct js_lazy_group *g, struct js_lazy_slot *slots)
{
    js_autoinit_func_table[JS_AUTOINIT_ID_MODULE_NS] = lazy_autoinit;
    for (unsigned i = 0; i < g->count; i++) {
        slots[i].group = g;
        slots[i].index = i;
        JSAtom a = JS_NewAtom(ctx, g->names[i]);
        if (a == JS_ATOM_NULL) {
            return -1;
        }
        int r = JS_DefineAutoInitProperty(ctx, ctx->global_obj, a, JS_AUTOINIT_ID_MODULE_NS,
                                          &slots[i], g->flags);
        JS_FreeAtom(ctx, a);
        if (r < 0) {
            return -1;
        }
    }
    return 0;
}

// One slot per name of the four groups above, shared by every context: a slot only
// names its group and index.
static struct js_lazy_slot builtin_slots[4][LAZY_NAMES_MAX];

JSContext *JS_NewContextLazy(JSRuntime *rt)
{
    JSContext *ctx = JS_NewContextRaw(rt);
    if (!ctx) {
        return NULL;
    }
    // The order of JS_NewContext, so the global object lists its names in the same order.
    JS_AddIntrinsicBaseObjects(ctx);
    if (JS_DefineLazyGlobals(ctx, &date_group, builtin_slots[0]) < 0) {
        goto fail;
    }
    JS_AddIntrinsicEval(ctx);
    JS_AddIntrinsicStringNormalize(ctx);
    JS_AddIntrinsicRegExp(ctx);
    JS_AddIntrinsicJSON(ctx);
    JS_AddIntrinsicProxy(ctx);
    if (JS_DefineLazyGlobals(ctx, &map_set_group, builtin_slots[1]) < 0 ||
        JS_DefineLazyGlobals(ctx, &js_lazy_typed_arrays, builtin_slots[2]) < 0) {
        goto fail;
    }
    JS_AddIntrinsicPromise(ctx);
    if (JS_DefineLazyGlobals(ctx, &weak_ref_group, builtin_slots[3]) < 0) {
        goto fail;
    }
    return ctx;
fail:
    JS_FreeContext(ctx);
    return NULL;
}

JSValue JS_NewByteString(JSContext *ctx, const uint8_t *buf, size_t len)
{
    if (len > JS_STRING_LEN_MAX) {
        return JS_ThrowRangeError(ctx, "invalid string length");
    }
    return js_new_string8_len(ctx, (const char *)buf, (int)len);
}

const uint8_t *JS_GetByteString(JSValueConst v, size_t *len)
{
    if (JS_VALUE_GET_TAG(v) != JS_TAG_STRING) {
        return NULL;
    }
    JSString *p = JS_VALUE_GET_STRING(v);
    if (p->is_wide_char) {
        return NULL;
    }
    *len = p->len;
    return p->u.str8;
}
