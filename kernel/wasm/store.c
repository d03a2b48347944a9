// The store: owns every runtime object (functions, tables, memories, globals,
// instances) and frees them together. Also growth of memories and tables.
#include "wasm_int.h"

struct store_obj {
    uint8_t kind;
    void *p;
};

struct wasm_store {
    struct store_obj *objs;
    uint32_t nobjs;
    uint32_t cap;
    uint32_t max_memory_pages;
    bool (*charge)(void *ctx, size_t bytes);
    void (*uncharge)(void *ctx, size_t bytes);
    void *charge_ctx;
};

void wasm_store_set_charge(struct wasm_store *s, bool (*charge)(void *ctx, size_t bytes),
                           void (*uncharge)(void *ctx, size_t bytes), void *ctx)
{
    s->charge = charge;
    s->uncharge = uncharge;
    s->charge_ctx = ctx;
}

static bool store_charge(struct wasm_store *s, size_t bytes)
{
    return !s->charge || s->charge(s->charge_ctx, bytes);
}

static void store_uncharge(struct wasm_store *s, size_t bytes)
{
    if (s->uncharge && bytes) {
        s->uncharge(s->charge_ctx, bytes);
    }
}

// Bytes a table's element array takes (what its store is charged).
static size_t table_bytes(uint32_t nelems)
{
    return (size_t)(nelems ? nelems : 1) * sizeof(union wasm_val);
}

struct wasm_store *wasm_store_create(uint32_t max_memory_pages)
{
    struct wasm_store *s = kzalloc(sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->max_memory_pages = max_memory_pages && max_memory_pages < WASM_MAX_PAGES
                              ? max_memory_pages
                              : WASM_MAX_PAGES;
    return s;
}

static void free_obj(struct store_obj *o)
{
    switch (o->kind) {
    case OBJ_TABLE: {
        struct wasm_table *t = o->p;
        kfree(t->elems);
        store_uncharge(t->store, table_bytes(t->size));
        break;
    }
    case OBJ_MEMORY: {
        struct wasm_memory *m = o->p;
        kfree(m->data);
        store_uncharge(m->store, m->size);
        break;
    }
    case OBJ_INSTANCE: {
        struct wasm_instance *inst = o->p;
        if (inst->elems) {
            for (uint32_t i = 0; i < inst->mod->nelems; i++) {
                kfree(inst->elems[i].refs);
            }
        }
        kfree(inst->funcs);
        kfree(inst->tables);
        kfree(inst->globals);
        kfree(inst->elems);
        kfree(inst->data_dropped);
        break;
    }
    default:
        break;
    }
    kfree(o->p);
}

void wasm_store_destroy(struct wasm_store *s)
{
    if (!s) {
        return;
    }
    for (uint32_t i = 0; i < s->nobjs; i++) {
        free_obj(&s->objs[i]);
    }
    kfree(s->objs);
    kfree(s);
}

void *wasm_store_adopt(struct wasm_store *s, void *p, uint8_t kind)
{
    if (!p) {
        return NULL;
    }
    if (s->nobjs == s->cap) {
        uint32_t ncap = s->cap ? s->cap * 2 : 32;
        struct store_obj *n = kmalloc((size_t)ncap * sizeof(*n));
        if (!n) {
            struct store_obj o = {kind, p};
            free_obj(&o);
            return NULL;
        }
        if (s->objs) {
            memcpy(n, s->objs, (size_t)s->nobjs * sizeof(*n));
            kfree(s->objs);
        }
        s->objs = n;
        s->cap = ncap;
    }
    s->objs[s->nobjs].kind = kind;
    s->objs[s->nobjs].p = p;
    s->nobjs++;
    return p;
}

struct wasm_func *wasm_func_create_host(struct wasm_store *store, const struct wasm_functype *type,
                                        wasm_host_fn fn, void *ctx)
{
    size_t n = (size_t)type->nparams + type->nresults;
    struct wasm_func *f = kzalloc(sizeof(*f) + sizeof(struct wasm_functype) + n + 1);
    if (!f) {
        return NULL;
    }
    struct wasm_functype *t = (struct wasm_functype *)(f + 1);
    uint8_t *types = (uint8_t *)(t + 1);
    memcpy(types, type->params, type->nparams);
    memcpy(types + type->nparams, type->results, type->nresults);
    t->nparams = type->nparams;
    t->nresults = type->nresults;
    t->params = types;
    t->results = types + type->nparams;
    f->type = t;
    f->host = fn;
    f->ctx = ctx;
    return wasm_store_adopt(store, f, OBJ_PLAIN);
}

struct wasm_table *wasm_table_create(struct wasm_store *store, uint8_t reftype, uint32_t min,
                                     uint32_t max, bool has_max)
{
    if (min > WASM_MAX_TABLE_SIZE) {
        return NULL;
    }
    struct wasm_table *t = kzalloc(sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->reftype = reftype;
    t->size = min;
    t->has_max = has_max;
    t->max = has_max && max < WASM_MAX_TABLE_SIZE ? max : WASM_MAX_TABLE_SIZE;
    t->store = store;
    if (!store_charge(store, table_bytes(min))) {
        kfree(t);
        return NULL;
    }
    t->elems = kzalloc(table_bytes(min));
    if (!t->elems) {
        store_uncharge(store, table_bytes(min));
        kfree(t);
        return NULL;
    }
    return wasm_store_adopt(store, t, OBJ_TABLE);
}

struct wasm_memory *wasm_memory_create(struct wasm_store *store, uint32_t min, uint32_t max,
                                       bool has_max)
{
    uint32_t cap = store->max_memory_pages;
    if (min > cap) {
        return NULL;
    }
    struct wasm_memory *m = kzalloc(sizeof(*m));
    if (!m) {
        return NULL;
    }
    m->pages = min;
    m->size = (uint64_t)min * WASM_PAGE_SIZE;
    m->has_max = has_max;
    m->max_pages = has_max && max < cap ? max : cap;
    m->store = store;
    if (min) {
        if (!store_charge(store, m->size)) {
            kfree(m);
            return NULL;
        }
        m->data = kzalloc(m->size);
        if (!m->data) {
            store_uncharge(store, m->size);
            kfree(m);
            return NULL;
        }
    }
    return wasm_store_adopt(store, m, OBJ_MEMORY);
}

struct wasm_global *wasm_global_create(struct wasm_store *store, uint8_t type, bool mut,
                                       union wasm_val val)
{
    struct wasm_global *g = kzalloc(sizeof(*g));
    if (!g) {
        return NULL;
    }
    g->type = type;
    g->mut = mut;
    g->val = val;
    return wasm_store_adopt(store, g, OBJ_PLAIN);
}

// Returns the old size in pages, or -1 (as the instruction does) when the memory
// cannot grow by `delta` pages.
int64_t wasm_memory_grow_pages(struct wasm_memory *m, uint32_t delta)
{
    uint32_t old = m->pages;
    if (delta == 0) {
        return old;
    }
    if ((uint64_t)old + delta > m->max_pages) {
        return -1;
    }
    uint64_t nsize = ((uint64_t)old + delta) * WASM_PAGE_SIZE;
    if (nsize != (size_t)nsize) {
        return -1;
    }
    // The copy needs old and new at once: both are charged while it is made.
    if (!store_charge(m->store, (size_t)nsize)) {
        return -1;
    }
    uint8_t *n = kzalloc((size_t)nsize);
    if (!n) {
        store_uncharge(m->store, (size_t)nsize);
        return -1;
    }
    if (m->data) {
        memcpy(n, m->data, m->size);
        kfree(m->data);
    }
    store_uncharge(m->store, m->size);
    m->data = n;
    m->size = nsize;
    m->pages = old + delta;
    return old;
}

int64_t wasm_table_grow_elems(struct wasm_table *t, uint32_t delta, union wasm_val init)
{
    uint32_t old = t->size;
    if ((uint64_t)old + delta > t->max) {
        return -1;
    }
    if (delta == 0) {
        return old;
    }
    if (!store_charge(t->store, table_bytes(old + delta))) {
        return -1;
    }
    union wasm_val *n = kmalloc(((size_t)old + delta) * sizeof(*n));
    if (!n) {
        store_uncharge(t->store, table_bytes(old + delta));
        return -1;
    }
    memcpy(n, t->elems, (size_t)old * sizeof(*n));
    for (uint32_t i = old; i < old + delta; i++) {
        n[i] = init;
    }
    kfree(t->elems);
    store_uncharge(t->store, table_bytes(old));
    t->elems = n;
    t->size = old + delta;
    return old;
}

const struct wasm_functype *wasm_func_type(const struct wasm_func *f)
{
    return f->type;
}

union wasm_val wasm_global_get(const struct wasm_global *g)
{
    return g->val;
}

uint8_t wasm_global_type(const struct wasm_global *g)
{
    return g->type;
}

uint8_t *wasm_memory_data(const struct wasm_memory *mem, uint64_t *out_size)
{
    *out_size = mem->size;
    return mem->data;
}

bool wasm_functype_eq(const struct wasm_functype *a, const struct wasm_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           memcmp(a->params, b->params, a->nparams) == 0 &&
           memcmp(a->results, b->results, a->nresults) == 0;
}
