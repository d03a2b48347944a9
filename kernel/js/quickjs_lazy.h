// Globals made on first use, over QuickJS's own lazy properties (kernel/js/quickjs_lazy.c).
#pragma once

#include "quickjs.h"

/// A group of globals made together: `init` defines every name of `names` on `target`
/// (0, or -1 with an exception pending). `flags` are the properties' JS_PROP_* flags.
struct js_lazy_group {
    int (*init)(JSContext *ctx, JSValueConst target, void *opaque);
    void *opaque;
    const char *const *names;
    unsigned count;
    int flags;
};

/// Where a lazy global keeps its group and index: `count` of them per group, alive as
/// long as any context using them.
struct js_lazy_slot {
    const struct js_lazy_group *group;
    unsigned index;
};

/// The group of typed arrays (ArrayBuffer, Uint8Array, ..., DataView, Atomics): made
/// by JS_NewContextLazy on first use. Reading one of its globals makes them.
extern const struct js_lazy_group js_lazy_typed_arrays;

/// JS_NewContext's context, but Date, Map/Set/WeakMap/WeakSet, the typed arrays and
/// WeakRef/FinalizationRegistry are made on first use (invisible to scripts).
JSContext *JS_NewContextLazy(JSRuntime *rt);

/// Defines the names of `g` on the global object, made by g->init when one is first
/// read. `slots` holds g->count entries. 0, or -1 on out of memory.
int JS_DefineLazyGlobals(JSContext *ctx, const struct js_lazy_group *g, struct js_lazy_slot *slots);

/// A string of `len` characters U+0000-U+00FF, one per byte of `buf`: bytes held
/// without the typed arrays (which cost an app about 12 KB and 170,000 instructions
/// to make).
JSValue JS_NewByteString(JSContext *ctx, const uint8_t *buf, size_t len);
/// The bytes of a string made of characters U+0000-U+00FF (as JS_NewByteString makes),
/// or NULL for any other value.
const uint8_t *JS_GetByteString(JSValueConst v, size_t *len);

/// Makes the typed arrays now if they are not yet (C code that makes a typed array
/// calls it first: the script may have deleted every global of the group unread).
/// 0, or -1 with an exception pending.
int JS_MakeTypedArrays(JSContext *ctx);
