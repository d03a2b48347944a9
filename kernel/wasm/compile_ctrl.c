// Translator, part 2: structured control flow. Blocks keep their values in
// canonical slots; forward branches are chained through their offset words and
// patched at the block's end; br_table targets that must move values get
// trampolines after the table.
#include "compile.h"

// After the stack was cut to c->nvals: forget lazy entries above it.
static void drop_lazy_above(struct compiler *c)
{
    while (c->nlazy && c->lazy[c->nlazy - 1] >= c->nvals) {
        c->nlazy--;
    }
}

static void patch_chain(struct compiler *c, uint32_t head, uint32_t target)
{
    while (head) {
        uint32_t site = head - 1;
        head = c->code[site];
        c->code[site] = (uint32_t)((int32_t)target - (int32_t)site);
    }
}

static bool read_blocktype(struct compiler *c, struct ctrl *f)
{
    int64_t bt;
    if (!wasm_read_s33(c->r, &bt)) {
        return false;
    }
    f->nparams = 0;
    f->nresults = 0;
    if (bt >= 0) {
        if (bt >= c->m->ntypes) {
            return cc_fail(c, "unknown type");
        }
        const struct wasm_functype *t = &c->m->types[bt];
        f->nparams = t->nparams;
        f->params = t->params;
        f->nresults = t->nresults;
        f->results = t->results;
        return true;
    }
    if (bt == -64) {
        return true;
    }
    f->single = (uint8_t)(bt & 0x7f);
    if (bt < -64 || !(f->single >= WASM_F64 || wasm_is_reftype(f->single))) {
        return cc_malformed(c, "malformed value type");
    }
    // Points into static storage: ctrl frames move when their stack grows.
    static const uint8_t one_type[0x80] = {
        [WASM_I32] = WASM_I32, [WASM_I64] = WASM_I64, [WASM_F32] = WASM_F32,
        [WASM_F64] = WASM_F64, [WASM_FUNCREF] = WASM_FUNCREF, [WASM_EXTERNREF] = WASM_EXTERNREF,
    };
    f->nresults = 1;
    f->results = &one_type[f->single];
    return true;
}

bool cc_push_ctrl(struct compiler *c, const struct ctrl *f)
{
    bool dead = c->nctrls > 0 && !cc_live(c);
    if (!cc_grow(c, (void **)&c->ctrls, &c->capctrls, c->nctrls + 1, sizeof(*c->ctrls))) {
        return false;
    }
    struct ctrl *n = &c->ctrls[c->nctrls++];
    *n = *f;
    n->dead = dead;
    n->unreachable = false;
    n->height = c->nvals;
    for (uint32_t i = 0; i < n->nparams; i++) {
        if (!cc_push_result(c, n->params[i])) {
            return false;
        }
    }
    return true;
}

static bool pop_types(struct compiler *c, const uint8_t *types, uint32_t n)
{
    struct ventry e;
    for (uint32_t i = n; i-- > 0;) {
        if (!cc_pop(c, types[i], &e)) {
            return false;
        }
    }
    return true;
}

static void set_unreachable(struct compiler *c)
{
    struct ctrl *f = &c->ctrls[c->nctrls - 1];
    c->nvals = f->height;
    drop_lazy_above(c);
    f->unreachable = true;
    c->last_op = -1;
}

// Turns "i32 compare; br_if/if" into one compare-and-branch op when the compare
// was the op just emitted and wrote the condition (at height cond_h). On success
// the compare is removed and w[0..2] holds the fused op and its two operands.
// `negate` branches when the compare is false.
static bool try_fuse(struct compiler *c, const struct ventry *cond, uint32_t cond_h, bool negate,
                     uint32_t *w)
{
    static const uint8_t fused[10] = {
        OP_BR_I32_EQ, OP_BR_I32_NE, OP_BR_I32_LT_S, OP_BR_I32_LT_U, OP_BR_I32_GT_S,
        OP_BR_I32_GT_U, OP_BR_I32_LE_S, OP_BR_I32_LE_U, OP_BR_I32_GE_S, OP_BR_I32_GE_U,
    };
    static const uint8_t negated[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
    if (!cc_live(c) || c->last_op < 0 || c->last_dst != c->last_op + 1 ||
        c->code[c->last_dst] != cond->loc || cond->loc != cc_slot(c, cond_h) ||
        (uint32_t)c->last_op + 4 != c->ncode) {
        return false;
    }
    uint32_t at = (uint32_t)c->last_op;
    uint32_t op = c->code[at];
    bool imm = op >= OP_IMM32_BASE && op <= OP_IMM32_BASE + 9;
    if (!imm && (op < 0x46 || op > 0x4f)) {
        return false;
    }
    uint32_t k = imm ? op - OP_IMM32_BASE : op - 0x46;
    k = negate ? negated[k] : k;
    w[0] = imm ? OP_BRI_I32_BASE + k : fused[k];
    w[1] = c->code[at + 2];
    w[2] = c->code[at + 3];
    c->ncode = at;
    c->last_op = -1;
    return true;
}

static bool op_block(struct compiler *c, uint8_t kind)
{
    struct ctrl f = {.kind = kind};
    struct ventry cond = {0};
    if (!read_blocktype(c, &f)) {
        return false;
    }
    if (kind == CTRL_IF && !cc_pop(c, WASM_I32, &cond)) {
        return false;
    }
    uint32_t cond_h = c->nvals;
    if (!cc_materialize_all(c) || !pop_types(c, f.params, f.nparams)) {
        return false;
    }
    uint32_t w[4];
    if (kind == CTRL_IF && try_fuse(c, &cond, cond_h, true, w)) {
        f.else_site = c->ncode + 4;
        w[3] = 0;
        if (!cc_emit(c, w, 4)) {
            return false;
        }
        kind = CTRL_BLOCK; // handled: skip the generic BR_UNLESS below
    }
    if (kind == CTRL_LOOP) {
        uint32_t fuel = OP_FUEL;
        f.loop_pc = c->ncode;
        if (!cc_emit(c, &fuel, 1)) {
            return false;
        }
    } else if (kind == CTRL_IF && cc_live(c)) {
        uint32_t b[3] = {OP_BR_UNLESS, cond.loc, 0};
        f.else_site = c->ncode + 3;
        if (!cc_emit(c, b, 3)) {
            return false;
        }
    }
    c->last_op = -1;
    return cc_push_ctrl(c, &f);
}

static bool check_block_end(struct compiler *c, struct ctrl *f)
{
    if (!cc_materialize_all(c) || !pop_types(c, f->results, f->nresults)) {
        return false;
    }
    if (c->nvals != f->height) {
        return cc_fail(c, "type mismatch");
    }
    return true;
}

static bool op_else(struct compiler *c)
{
    struct ctrl *f = &c->ctrls[c->nctrls - 1];
    if (f->kind != CTRL_IF) {
        return cc_malformed(c, "else without if");
    }
    if (!check_block_end(c, f)) {
        return false;
    }
    if (cc_live(c)) {
        uint32_t w[2] = {OP_BR, f->fixups};
        f->fixups = c->ncode + 2;
        if (!cc_emit(c, w, 2)) {
            return false;
        }
    }
    patch_chain(c, f->else_site, c->ncode);
    f->else_site = 0;
    f->kind = CTRL_ELSE;
    f->unreachable = false;
    c->last_op = -1;
    for (uint32_t i = 0; i < f->nparams; i++) {
        if (!cc_push_result(c, f->params[i])) {
            return false;
        }
    }
    return true;
}

static bool emit_return(struct compiler *c, uint32_t src_height, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!cc_emit_copy(c, i, cc_slot(c, src_height + i))) {
            return false;
        }
    }
    uint32_t w = OP_RETURN;
    return cc_emit(c, &w, 1);
}

static bool op_end(struct compiler *c)
{
    struct ctrl *f = &c->ctrls[c->nctrls - 1];
    if (!check_block_end(c, f)) {
        return false;
    }
    if (f->kind == CTRL_IF) {
        if (f->nparams != f->nresults ||
            (f->nparams && memcmp(f->params, f->results, f->nparams) != 0)) {
            return cc_fail(c, "type mismatch");
        }
        patch_chain(c, f->else_site, c->ncode);
    }
    patch_chain(c, f->fixups, c->ncode);
    if (f->kind == CTRL_FUNC && !emit_return(c, 0, f->nresults)) {
        return false;
    }
    struct ctrl done = *f;
    c->nctrls--;
    c->last_op = -1;
    if (c->nctrls == 0) {
        return true;
    }
    for (uint32_t i = 0; i < done.nresults; i++) {
        if (!cc_push_result(c, done.results[i])) {
            return false;
        }
    }
    return true;
}

static bool label_of(struct compiler *c, uint32_t depth, struct ctrl **out)
{
    if (depth >= c->nctrls) {
        return cc_fail(c, "unknown label");
    }
    *out = &c->ctrls[c->nctrls - 1 - depth];
    return true;
}

static uint32_t label_arity(const struct ctrl *f)
{
    return f->kind == CTRL_LOOP ? f->nparams : f->nresults;
}

static const uint8_t *label_types(const struct ctrl *f)
{
    return f->kind == CTRL_LOOP ? f->params : f->results;
}

// Emits a jump (offset word last in `w`) to label `f`.
static bool emit_jump(struct compiler *c, struct ctrl *f, uint32_t *w, uint32_t n)
{
    uint32_t site = c->ncode + n - 1;
    if (f->kind == CTRL_LOOP) {
        w[n - 1] = (uint32_t)((int32_t)f->loop_pc - (int32_t)site);
        return cc_emit(c, w, n);
    }
    w[n - 1] = f->fixups;
    if (cc_live(c)) {
        f->fixups = site + 1;
    }
    return cc_emit(c, w, n);
}

static bool branch_needs_copy(const struct compiler *c, const struct ctrl *f, uint32_t src_h)
{
    return f == &c->ctrls[0] || (label_arity(f) > 0 && f->height != src_h);
}

// Unconditional branch to `f`; the carried values sit at heights src_h.. (canonical).
static bool emit_branch(struct compiler *c, struct ctrl *f, uint32_t src_h)
{
    uint32_t n = label_arity(f);
    if (f == &c->ctrls[0]) {
        return emit_return(c, src_h, n);
    }
    for (uint32_t i = 0; f->height != src_h && i < n; i++) {
        if (!cc_emit_copy(c, cc_slot(c, f->height + i), cc_slot(c, src_h + i))) {
            return false;
        }
    }
    uint32_t w[2] = {OP_BR, 0};
    return emit_jump(c, f, w, 2);
}

static bool op_br(struct compiler *c)
{
    uint32_t depth;
    struct ctrl *f = NULL;
    if (!wasm_read_u32(c->r, &depth) || !label_of(c, depth, &f) || !cc_materialize_all(c) ||
        !pop_types(c, label_types(f), label_arity(f)) || !emit_branch(c, f, c->nvals)) {
        return false;
    }
    set_unreachable(c);
    return true;
}

static bool op_br_if(struct compiler *c)
{
    uint32_t depth;
    struct ctrl *f = NULL;
    struct ventry cond;
    if (!wasm_read_u32(c->r, &depth) || !label_of(c, depth, &f) ||
        !cc_pop(c, WASM_I32, &cond)) {
        return false;
    }
    uint32_t cond_h = c->nvals;
    if (!cc_materialize_all(c)) {
        return false;
    }
    uint32_t n = label_arity(f);
    const uint8_t *types = label_types(f);
    if (!pop_types(c, types, n)) {
        return false;
    }
    uint32_t src_h = c->nvals;
    if (cc_live(c) && !branch_needs_copy(c, f, src_h)) {
        uint32_t w[4];
        if (try_fuse(c, &cond, cond_h, false, w)) {
            if (!emit_jump(c, f, w, 4)) {
                return false;
            }
        } else {
            uint32_t w[3] = {OP_BR_IF, cond.loc, 0};
            if (!emit_jump(c, f, w, 3)) {
                return false;
            }
        }
    } else if (cc_live(c)) {
        uint32_t w[3] = {OP_BR_UNLESS, cond.loc, 0};
        uint32_t skip = c->ncode + 2;
        if (!cc_emit(c, w, 3) || !emit_branch(c, f, src_h)) {
            return false;
        }
        c->code[skip] = (uint32_t)((int32_t)c->ncode - (int32_t)skip);
    }
    c->last_op = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!cc_push_result(c, types[i])) {
            return false;
        }
    }
    return true;
}

// Validates the operands against every label (spec appendix: check, then put
// them back; popping does not modify entries, so restoring the height suffices),
// then pops the default label's values.
static bool check_br_table(struct compiler *c, const uint32_t *depths, uint32_t n)
{
    struct ctrl *def = NULL;
    if (!label_of(c, depths[n], &def)) {
        return false;
    }
    uint32_t arity = label_arity(def);
    for (uint32_t i = 0; i < n; i++) {
        struct ctrl *f = NULL;
        if (!label_of(c, depths[i], &f)) {
            return false;
        }
        if (label_arity(f) != arity) {
            return cc_fail(c, "type mismatch");
        }
        uint32_t saved = c->nvals;
        bool ok = pop_types(c, label_types(f), arity);
        c->nvals = saved;
        if (!ok) {
            return false;
        }
    }
    return pop_types(c, label_types(def), arity);
}

// BR_TABLE idx n off*(n+1); targets that must move values go through trampolines
// emitted right after the table.
static bool emit_br_table(struct compiler *c, uint32_t idx, const uint32_t *depths, uint32_t n)
{
    uint32_t src_h = c->nvals;
    uint32_t hdr[3] = {OP_BR_TABLE, idx, n};
    uint32_t base = c->ncode + 3;
    bool ok = cc_emit(c, hdr, 3);
    for (uint32_t i = 0; ok && i <= n; i++) {
        struct ctrl *f = &c->ctrls[c->nctrls - 1 - depths[i]];
        uint32_t w = 0;
        ok = branch_needs_copy(c, f, src_h) ? cc_emit(c, &w, 1) : emit_jump(c, f, &w, 1);
    }
    for (uint32_t i = 0; ok && i <= n; i++) {
        struct ctrl *f = &c->ctrls[c->nctrls - 1 - depths[i]];
        if (branch_needs_copy(c, f, src_h)) {
            c->code[base + i] = (uint32_t)((int32_t)c->ncode - (int32_t)(base + i));
            ok = emit_branch(c, f, src_h);
        }
    }
    return ok;
}

static bool op_br_table(struct compiler *c)
{
    uint32_t n;
    struct ventry idx;
    if (!wasm_read_u32(c->r, &n)) {
        return false;
    }
    if (n > (size_t)(c->r->end - c->r->p)) {
        return cc_malformed(c, "unexpected end");
    }
    uint32_t *depths = kmalloc(((size_t)n + 1) * sizeof(uint32_t));
    if (!depths) {
        return wasm_fail(c->r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    bool ok = true;
    for (uint32_t i = 0; ok && i <= n; i++) {
        ok = wasm_read_u32(c->r, &depths[i]);
    }
    ok = ok && cc_pop(c, WASM_I32, &idx) && cc_materialize_all(c) &&
         check_br_table(c, depths, n);
    if (ok && cc_live(c)) {
        ok = emit_br_table(c, idx.loc, depths, n);
    }
    kfree(depths);
    if (ok) {
        set_unreachable(c);
    }
    return ok;
}

static bool op_return(struct compiler *c)
{
    struct ctrl *f = &c->ctrls[0];
    if (!cc_materialize_all(c) || !pop_types(c, f->results, f->nresults) ||
        !emit_return(c, c->nvals, f->nresults)) {
        return false;
    }
    set_unreachable(c);
    return true;
}

bool cc_op_control(struct compiler *c, uint8_t op, bool *handled)
{
    *handled = true;
    switch (op) {
    case 0x00: {
        uint32_t w = OP_UNREACHABLE;
        if (!cc_emit(c, &w, 1)) {
            return false;
        }
        set_unreachable(c);
        return true;
    }
    case 0x01:
        return true;
    case 0x02:
        return op_block(c, CTRL_BLOCK);
    case 0x03:
        return op_block(c, CTRL_LOOP);
    case 0x04:
        return op_block(c, CTRL_IF);
    case 0x05:
        return op_else(c);
    case 0x0b:
        return op_end(c);
    case 0x0c:
        return op_br(c);
    case 0x0d:
        return op_br_if(c);
    case 0x0e:
        return op_br_table(c);
    case 0x0f:
        return op_return(c);
    default:
        *handled = false;
        return true;
    }
}

