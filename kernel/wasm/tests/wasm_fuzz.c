// libFuzzer target: random bytes through the loader and validator; modules that
// load are instantiated against dummy imports and every exported function is run
// with zero arguments and a fuel budget. Inputs starting with 0xff are instead a
// function body wrapped in a fixed module (memory, table, global, passive data),
// so the translator and interpreter are reached more often.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../wasm.h"

#define FUZZ_FUEL 20000

static enum wasm_status dummy_host(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    (void)ex;
    const struct wasm_functype *t = ctx;
    for (uint32_t i = 0; i < t->nresults; i++) {
        args[i].i64 = 0;
    }
    return WASM_OK;
}

static bool make_import(struct wasm_store *store, const struct wasm_import_desc *d,
                        struct wasm_extern *out)
{
    out->kind = d->kind;
    switch (d->kind) {
    case WASM_EXTERN_FUNC:
        out->func = wasm_func_create_host(store, d->functype, dummy_host, (void *)d->functype);
        return out->func != NULL;
    case WASM_EXTERN_TABLE:
        out->table = wasm_table_create(store, d->type, d->min, d->max, d->has_max);
        return out->table != NULL;
    case WASM_EXTERN_MEMORY:
        out->memory = wasm_memory_create(store, d->min, d->max, d->has_max);
        return out->memory != NULL;
    default: {
        union wasm_val v = {.i64 = 0};
        out->global = wasm_global_create(store, d->type, d->mut, v);
        return out->global != NULL;
    }
    }
}

static void run_exports(struct wasm_module *mod, struct wasm_instance *inst, struct wasm_exec *ex)
{
    for (uint32_t i = 0; i < wasm_module_export_count(mod); i++) {
        const char *name;
        uint32_t len;
        enum wasm_extern_kind kind;
        struct wasm_extern ext;
        wasm_module_export_name(mod, i, &name, &len, &kind);
        if (kind != WASM_EXTERN_FUNC || !wasm_instance_export_n(inst, name, len, &ext)) {
            continue;
        }
        const struct wasm_functype *t = wasm_func_type(ext.func);
        union wasm_val args[64] = {0};
        union wasm_val res[64];
        if (t->nparams > 64 || t->nresults > 64) {
            continue;
        }
        wasm_exec_set_fuel(ex, FUZZ_FUEL / 2);
        enum wasm_status st = wasm_call(ex, ext.func, args, t->nparams, res, t->nresults);
        if (st == WASM_OUT_OF_FUEL) {
            // exercise resumption once, then give up on this function
            wasm_exec_set_fuel(ex, FUZZ_FUEL / 2);
            st = wasm_resume(ex, res, t->nresults);
            if (st == WASM_OUT_OF_FUEL) {
                wasm_exec_abort(ex);
            }
        }
    }
}

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

// (func (export "f") (param i32 i64) (result i32) (local i32 i32 f64) <body>) in a
// module with a 1-page memory, a 4-entry funcref table, a mutable i32 global and
// one passive data segment.
static uint8_t *wrap_body(const uint8_t *body, size_t len, size_t *out_len)
{
    static const uint8_t head[] = {
        0, 'a', 's', 'm', 1, 0, 0, 0,
        1, 7, 1, 0x60, 2, 0x7f, 0x7e, 1, 0x7f,   // type
        3, 2, 1, 0,                              // function
        4, 4, 1, 0x70, 0, 4,                     // table
        5, 3, 1, 0, 1,                           // memory
        6, 6, 1, 0x7f, 1, 0x41, 0, 0x0b,         // global
        7, 5, 1, 1, 'f', 0, 0,                   // export
        9, 7, 1, 0, 0x41, 0, 0x0b, 1, 0,         // elem
        12, 1, 1,                                // data count
    };
    static const uint8_t locals[] = {2, 2, 0x7f, 1, 0x7c};
    static const uint8_t tail[] = {11, 6, 1, 1, 3, 'a', 'b', 'c'};
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
    n += len;
    memcpy(m + n, tail, sizeof(tail));
    *out_len = n + sizeof(tail);
    return m;
}

static void fuzz_module(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 0xff) {
        size_t len;
        uint8_t *m = wrap_body(data + 1, size - 1, &len);
        if (m) {
            fuzz_module(m, len);
            free(m);
        }
        return 0;
    }
    fuzz_module(data, size);
    return 0;
}

static void fuzz_module(const uint8_t *data, size_t size)
{
    char err[256];
    struct wasm_module *mod;
    if (wasm_module_load(data, size, err, sizeof(err), &mod) != WASM_OK) {
        return;
    }
    struct wasm_store *store = wasm_store_create(64); // 4 MiB per memory
    struct wasm_exec *ex = wasm_exec_create(1u << 16, 512);
    uint32_t n = wasm_module_import_count(mod);
    struct wasm_extern *imports = calloc(n + 1, sizeof(*imports));
    bool ok = store && ex && imports;
    for (uint32_t i = 0; ok && i < n; i++) {
        struct wasm_import_desc d;
        ok = wasm_module_import(mod, i, &d) && make_import(store, &d, &imports[i]);
    }
    struct wasm_instance *inst = NULL;
    if (ok && wasm_instance_create(store, mod, imports, n, err, sizeof(err), &inst) == WASM_OK) {
        wasm_exec_set_fuel(ex, FUZZ_FUEL);
        enum wasm_status st = wasm_instance_start(inst, ex);
        if (st == WASM_OUT_OF_FUEL) {
            wasm_exec_abort(ex);
        }
        run_exports(mod, inst, ex);
    }
    free(imports);
    wasm_exec_destroy(ex);
    wasm_store_destroy(store);
    wasm_module_free(mod);
}
