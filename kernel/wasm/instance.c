// Instantiation: import type checks (linking), allocation of the module's objects,
// constant-expression evaluation, element/data segment initialisation, exports.
#include "wasm_int.h"

static enum wasm_status link_error(char *err, size_t errlen, uint32_t i, const struct wasm_import *im,
                                   const char *why)
{
    if (err && errlen) {
        snprintf(err, errlen, "import %u \"%s\" \"%s\": %s", i, im->module, im->name, why);
    }
    return WASM_ERR_LINK;
}

static bool limits_match(uint32_t min, uint32_t max, bool has_max, const struct wasm_limits *want)
{
    if (min < want->min) {
        return false;
    }
    if (want->has_max && (!has_max || max > want->max)) {
        return false;
    }
    return true;
}

static bool import_matches(const struct wasm_module *m, const struct wasm_import *im,
                           const struct wasm_extern *ex)
{
    if ((uint8_t)ex->kind != im->kind) {
        return false;
    }
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        return wasm_functype_eq(ex->func->type, &m->types[im->type_idx]);
    case WASM_EXTERN_TABLE: {
        const struct wasm_table *t = ex->table;
        return t->reftype == im->table.reftype &&
               limits_match(t->size, t->max, t->has_max, &im->table.lim);
    }
    case WASM_EXTERN_MEMORY: {
        const struct wasm_memory *mem = ex->memory;
        return limits_match(mem->pages, mem->max_pages, mem->has_max, &im->mem);
    }
    default:
        return ex->global->type == im->global.type && ex->global->mut == im->global.mut;
    }
}

static union wasm_val eval_const(const struct wasm_instance *inst, const struct wasm_const_expr *e)
{
    union wasm_val v = e->val;
    if (e->op == 0x23) {
        v = inst->globals[e->idx]->val;
    } else if (e->op == 0xd2) {
        v.ref = (uint64_t)(uintptr_t)inst->funcs[e->idx];
    } else if (e->op == 0xd0) {
        v.ref = 0;
    }
    return v;
}

static bool bind_imports(struct wasm_instance *inst, const struct wasm_extern *imports)
{
    const struct wasm_module *m = inst->mod;
    uint32_t nf = 0;
    uint32_t nt = 0;
    uint32_t ng = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const struct wasm_extern *ex = &imports[i];
        switch (ex->kind) {
        case WASM_EXTERN_FUNC:
            inst->funcs[nf++] = ex->func;
            break;
        case WASM_EXTERN_TABLE:
            inst->tables[nt++] = ex->table;
            break;
        case WASM_EXTERN_MEMORY:
            inst->memory = ex->memory;
            break;
        default:
            inst->globals[ng++] = ex->global;
            break;
        }
    }
    return true;
}

static enum wasm_status alloc_instance(struct wasm_store *store, const struct wasm_module *m,
                                       struct wasm_instance **out)
{
    struct wasm_instance *inst = kzalloc(sizeof(*inst));
    if (!inst) {
        return WASM_ERR_NO_MEMORY;
    }
    inst->mod = m;
    inst->store = store;
    inst->funcs = kzalloc((m->nfuncs + 1) * sizeof(*inst->funcs));
    inst->tables = kzalloc((m->ntables + 1) * sizeof(*inst->tables));
    inst->globals = kzalloc((m->nglobals + 1) * sizeof(*inst->globals));
    inst->elems = kzalloc((m->nelems + 1) * sizeof(*inst->elems));
    inst->data_dropped = kzalloc(m->ndatas + 1);
    if (!wasm_store_adopt(store, inst, OBJ_INSTANCE)) {
        return WASM_ERR_NO_MEMORY;
    }
    if (!inst->funcs || !inst->tables || !inst->globals || !inst->elems || !inst->data_dropped) {
        return WASM_ERR_NO_MEMORY;
    }
    *out = inst;
    return WASM_OK;
}

// Defined functions, tables, memory and globals, in that order (globals may refer
// to functions through ref.func).
static enum wasm_status create_objects(struct wasm_store *store, struct wasm_instance *inst)
{
    const struct wasm_module *m = inst->mod;
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    struct wasm_func *fs = wasm_store_adopt(store, kzalloc((ndef + 1) * sizeof(*fs)), OBJ_PLAIN);
    if (!fs) {
        return WASM_ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < ndef; i++) {
        fs[i].type = &m->types[m->func_type[m->nfunc_imports + i]];
        fs[i].inst = inst;
        fs[i].code = &m->codes[i];
        inst->funcs[m->nfunc_imports + i] = &fs[i];
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const struct wasm_table_type *tt = &m->tables[i];
        inst->tables[i] = wasm_table_create(store, tt->reftype, tt->lim.min, tt->lim.max,
                                            tt->lim.has_max);
        if (!inst->tables[i]) {
            return WASM_ERR_NO_MEMORY;
        }
    }
    if (!inst->memory) {
        bool has = m->nmemories > 0;
        inst->memory = wasm_memory_create(store, has ? m->memory.min : 0, m->memory.max,
                                          has ? m->memory.has_max : true);
        if (!inst->memory) {
            return WASM_ERR_NO_MEMORY;
        }
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        union wasm_val v = eval_const(inst, &m->global_init[i - m->nglobal_imports]);
        inst->globals[i] = wasm_global_create(store, m->globals[i].type, m->globals[i].mut, v);
        if (!inst->globals[i]) {
            return WASM_ERR_NO_MEMORY;
        }
    }
    return WASM_OK;
}

static enum wasm_status init_elems(struct wasm_instance *inst, char *err, size_t errlen)
{
    const struct wasm_module *m = inst->mod;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const struct wasm_elem *el = &m->elems[i];
        struct wasm_elem_inst *ei = &inst->elems[i];
        ei->refs = kzalloc((el->n + 1) * sizeof(*ei->refs));
        if (!ei->refs) {
            return WASM_ERR_NO_MEMORY;
        }
        ei->n = el->n;
        for (uint32_t k = 0; k < el->n; k++) {
            ei->refs[k] = eval_const(inst, &el->items[k]);
        }
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const struct wasm_elem *el = &m->elems[i];
        struct wasm_elem_inst *ei = &inst->elems[i];
        if (el->mode == SEG_ACTIVE) {
            struct wasm_table *t = inst->tables[el->table];
            uint64_t off = eval_const(inst, &el->offset).i32;
            if (off + ei->n > t->size) {
                snprintf(err, errlen, "element segment %u: out of bounds table access", i);
                return WASM_ERR_TRAP;
            }
            memcpy(t->elems + off, ei->refs, (size_t)ei->n * sizeof(*ei->refs));
        }
        if (el->mode != SEG_PASSIVE) {
            ei->n = 0;
        }
    }
    return WASM_OK;
}

static enum wasm_status init_datas(struct wasm_instance *inst, char *err, size_t errlen)
{
    const struct wasm_module *m = inst->mod;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const struct wasm_data *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE) {
            continue;
        }
        struct wasm_memory *mem = inst->memory;
        uint64_t off = eval_const(inst, &d->offset).i32;
        if (off + d->len > mem->size) {
            snprintf(err, errlen, "data segment %u: out of bounds memory access", i);
            return WASM_ERR_TRAP;
        }
        if (d->len) {
            memcpy(mem->data + off, d->bytes, d->len);
        }
        inst->data_dropped[i] = true;
    }
    return WASM_OK;
}

enum wasm_status wasm_instance_create(struct wasm_store *store, const struct wasm_module *m,
                                      const struct wasm_extern *imports, uint32_t nimports,
                                      char *err, size_t errlen, struct wasm_instance **out_inst)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = 0;
    *out_inst = NULL;
    if (nimports != m->nimports) {
        snprintf(err, errlen, "expected %u imports, got %u", m->nimports, nimports);
        return WASM_ERR_LINK;
    }
    for (uint32_t i = 0; i < nimports; i++) {
        if (!imports[i].func || !import_matches(m, &m->imports[i], &imports[i])) {
            return link_error(err, errlen, i, &m->imports[i], "incompatible import type");
        }
    }
    struct wasm_instance *inst;
    enum wasm_status st = alloc_instance(store, m, &inst);
    if (st != WASM_OK) {
        snprintf(err, errlen, "out of memory");
        return st;
    }
    bind_imports(inst, imports);
    st = create_objects(store, inst);
    if (st != WASM_OK) {
        snprintf(err, errlen, "out of memory or over the memory limit");
        return st;
    }
    st = init_elems(inst, err, errlen);
    if (st == WASM_OK) {
        st = init_datas(inst, err, errlen);
    }
    if (st != WASM_OK) {
        return st;
    }
    *out_inst = inst;
    return WASM_OK;
}

enum wasm_status wasm_instance_start(struct wasm_instance *inst, struct wasm_exec *ex)
{
    if (inst->mod->start < 0) {
        return WASM_OK;
    }
    return wasm_call(ex, inst->funcs[inst->mod->start], NULL, 0, NULL, 0);
}

bool wasm_instance_export(const struct wasm_instance *inst, const char *name,
                          struct wasm_extern *out)
{
    return wasm_instance_export_n(inst, name, strlen(name), out);
}

bool wasm_instance_export_n(const struct wasm_instance *inst, const char *name, size_t len,
                            struct wasm_extern *out)
{
    const struct wasm_module *m = inst->mod;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const struct wasm_export *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0) {
            continue;
        }
        out->kind = (enum wasm_extern_kind)e->kind;
        switch (e->kind) {
        case WASM_EXTERN_FUNC:
            out->func = inst->funcs[e->idx];
            break;
        case WASM_EXTERN_TABLE:
            out->table = inst->tables[e->idx];
            break;
        case WASM_EXTERN_MEMORY:
            out->memory = inst->memory;
            break;
        default:
            out->global = inst->globals[e->idx];
            break;
        }
        return true;
    }
    return false;
}
