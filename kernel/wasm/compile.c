// Translator, part 1: validation stacks, emission, and the driver that turns one
// function body into slot code (see wasm_int.h for the code format).
#include "compile.h"

bool cc_fail(struct compiler *c, const char *reason)
{
    return wasm_fail(c->r, WASM_ERR_INVALID, reason);
}

bool cc_malformed(struct compiler *c, const char *reason)
{
    return wasm_fail(c->r, WASM_ERR_MALFORMED, reason);
}

bool cc_grow(struct compiler *c, void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) {
        return true;
    }
    uint32_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > UINT32_MAX / 2) {
            return wasm_fail(c->r, WASM_ERR_NO_MEMORY, "function too large");
        }
        ncap *= 2;
    }
    void *p = kmalloc((size_t)ncap * elem);
    if (!p) {
        return wasm_fail(c->r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    if (*arr) {
        memcpy(p, *arr, (size_t)*cap * elem);
        kfree(*arr);
    }
    *arr = p;
    *cap = ncap;
    return true;
}

bool cc_live(const struct compiler *c)
{
    const struct ctrl *f = &c->ctrls[c->nctrls - 1];
    return !f->unreachable && !f->dead;
}

uint32_t cc_slot(const struct compiler *c, uint32_t height)
{
    return c->nlocals + height;
}

bool cc_emit_const(struct compiler *c, uint32_t dst, uint8_t type, uint64_t k)
{
    if (type == WASM_I32 || type == WASM_F32) {
        uint32_t w[3] = {OP_CONST32, dst, (uint32_t)k};
        return cc_emit(c, w, 3);
    }
    uint32_t w[4] = {OP_CONST64, dst, (uint32_t)k, (uint32_t)(k >> 32)};
    return cc_emit(c, w, 4);
}

static bool push_entry(struct compiler *c, uint8_t type, uint32_t loc, uint64_t k)
{
    if (!cc_grow(c, (void **)&c->vals, &c->capvals, c->nvals + 1, sizeof(*c->vals))) {
        return false;
    }
    if (loc < c->nlocals || loc == CC_CONST_LOC) {
        if (c->nlazy == CC_MAX_LAZY) {
            // too many lazy entries: write this one to its slot now
            uint32_t s = cc_slot(c, c->nvals);
            bool ok = loc == CC_CONST_LOC ? cc_emit_const(c, s, type, k) : cc_emit_copy(c, s, loc);
            if (!ok) {
                return false;
            }
            loc = s;
        } else {
            c->lazy[c->nlazy++] = c->nvals;
        }
    }
    c->vals[c->nvals].type = type;
    c->vals[c->nvals].loc = loc;
    c->vals[c->nvals].k = k;
    c->nvals++;
    if (c->nvals > c->max_height) {
        c->max_height = c->nvals;
    }
    return true;
}

bool cc_push(struct compiler *c, uint8_t type, uint32_t loc)
{
    return push_entry(c, type, loc, 0);
}

bool cc_push_const(struct compiler *c, uint8_t type, uint64_t k)
{
    return push_entry(c, type, CC_CONST_LOC, k);
}

bool cc_top_is_const(const struct compiler *c)
{
    const struct ctrl *f = &c->ctrls[c->nctrls - 1];
    return c->nvals > f->height && c->vals[c->nvals - 1].loc == CC_CONST_LOC;
}

bool cc_push_result(struct compiler *c, uint8_t type)
{
    return cc_push(c, type, cc_slot(c, c->nvals));
}

// Pops without writing a constant entry anywhere (out->loc may be CC_CONST_LOC).
bool cc_pop_raw(struct compiler *c, uint8_t want, struct ventry *out)
{
    const struct ctrl *f = &c->ctrls[c->nctrls - 1];
    if (c->nvals == f->height) {
        if (!f->unreachable) {
            return cc_fail(c, "type mismatch");
        }
        out->type = TYPE_ANY;
        out->loc = cc_slot(c, c->nvals);
        out->k = 0;
        return true;
    }
    *out = c->vals[--c->nvals];
    if (c->nlazy && c->lazy[c->nlazy - 1] == c->nvals) {
        c->nlazy--;
    }
    if (out->type != want && out->type != TYPE_ANY && want != TYPE_ANY) {
        return cc_fail(c, "type mismatch");
    }
    return true;
}

// Pops an operand; a constant is first written to the slot of its height.
bool cc_pop(struct compiler *c, uint8_t want, struct ventry *out)
{
    if (!cc_pop_raw(c, want, out)) {
        return false;
    }
    if (out->loc == CC_CONST_LOC) {
        out->loc = cc_slot(c, c->nvals);
        return cc_emit_const(c, out->loc, out->type, out->k);
    }
    return true;
}

bool cc_emit(struct compiler *c, const uint32_t *words, uint32_t n)
{
    c->last_op = -1;
    if (!cc_live(c)) {
        return true;
    }
    if (!cc_grow(c, (void **)&c->code, &c->capcode, c->ncode + n, sizeof(uint32_t))) {
        return false;
    }
    memcpy(&c->code[c->ncode], words, n * sizeof(uint32_t));
    c->ncode += n;
    return true;
}

// Emits an op whose words[1] is the destination slot of a new result of `type`.
bool cc_emit_result_op(struct compiler *c, const uint32_t *words, uint32_t n, uint8_t type)
{
    uint32_t at = c->ncode;
    if (!cc_emit(c, words, n) || !cc_push(c, type, words[1])) {
        return false;
    }
    if (cc_live(c)) {
        c->last_op = at;
        c->last_dst = at + 1;
    }
    return true;
}

bool cc_emit_copy(struct compiler *c, uint32_t dst, uint32_t src)
{
    uint32_t w[3] = {OP_COPY, dst, src};
    return dst == src || cc_emit(c, w, 3);
}

// Moves every lazily referenced local value to its canonical slot, so control
// flow joins and calls see one fixed layout.
bool cc_materialize_all(struct compiler *c)
{
    for (uint32_t k = 0; k < c->nlazy; k++) {
        struct ventry *e = &c->vals[c->lazy[k]];
        uint32_t s = cc_slot(c, c->lazy[k]);
        bool ok = e->loc == CC_CONST_LOC ? cc_emit_const(c, s, e->type, e->k)
                                         : cc_emit_copy(c, s, e->loc);
        if (!ok) {
            return false;
        }
        e->loc = s;
    }
    c->nlazy = 0;
    return true;
}

// Before local x is written: entries still reading x get their own copy.
bool cc_materialize_local(struct compiler *c, uint32_t x)
{
    uint32_t kept = 0;
    for (uint32_t k = 0; k < c->nlazy; k++) {
        uint32_t i = c->lazy[k];
        if (c->vals[i].loc == x) {
            uint32_t s = cc_slot(c, i);
            if (!cc_emit_copy(c, s, x)) {
                return false;
            }
            c->vals[i].loc = s;
        } else {
            c->lazy[kept++] = i;
        }
    }
    c->nlazy = kept;
    return true;
}

// ---- driver ----------------------------------------------------------------------

static bool read_locals(struct compiler *c, const struct wasm_functype *t)
{
    struct wasm_reader *r = c->r;
    uint32_t ngroups;
    if (!wasm_read_u32(r, &ngroups)) {
        return false;
    }
    const uint8_t *groups = r->p;
    uint64_t total = t->nparams;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t type;
        if (!wasm_read_u32(r, &n) || !wasm_read_valtype(r, &type)) {
            return false;
        }
        total += n;
        if (total > WASM_MAX_LOCALS) {
            return cc_malformed(c, "too many locals");
        }
    }
    c->nlocals = (uint32_t)total;
    c->locals = kmalloc(total + 1);
    if (!c->locals) {
        return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    memcpy(c->locals, t->params, t->nparams);
    const uint8_t *after = r->p;
    r->p = groups;
    uint32_t k = t->nparams;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t type;
        if (!wasm_read_u32(r, &n) || !wasm_read_valtype(r, &type)) {
            return false;
        }
        memset(c->locals + k, type, n);
        k += n;
    }
    r->p = after;
    return true;
}

static bool compile_ops(struct compiler *c)
{
    while (c->nctrls > 0) {
        uint8_t op;
        bool handled;
        if (!wasm_read_u8(c->r, &op)) {
            return false;
        }
        if (!cc_op_control(c, op, &handled)) {
            return false;
        }
        if (!handled && !cc_op_other(c, op)) {
            return false;
        }
    }
    return true;
}

bool wasm_compile_body(struct wasm_reader *r, struct wasm_module *m, uint32_t func_idx,
                       const uint8_t *end)
{
    const struct wasm_functype *t = &m->types[m->func_type[func_idx]];
    struct compiler c = {.r = r, .m = m, .last_op = -1, .last_dst = -1};
    const uint8_t *outer_end = r->end;
    r->end = end;
    bool ok = read_locals(&c, t);
    if (ok) {
        struct ctrl f = {.kind = CTRL_FUNC, .nresults = t->nresults, .results = t->results};
        uint32_t w = OP_FUEL;
        ok = cc_push_ctrl(&c, &f) && cc_emit(&c, &w, 1) && compile_ops(&c);
    }
    if (ok && r->p != end) {
        ok = cc_malformed(&c, "section size mismatch");
    }
    r->end = outer_end;
    if (ok) {
        struct wasm_code *code = &m->codes[func_idx - m->nfunc_imports];
        code->words = c.code;
        code->nwords = c.ncode;
        code->nparams = t->nparams;
        code->nlocals = c.nlocals;
        code->frame_slots = c.nlocals + c.max_height;
        c.code = NULL;
    }
    kfree(c.code);
    kfree(c.locals);
    kfree(c.vals);
    kfree(c.ctrls);
    return ok;
}
