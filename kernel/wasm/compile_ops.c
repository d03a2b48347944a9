// Translator, part 3: everything but control flow: variables, calls, memory,
// tables, references and the numeric instructions.
#include "compile.h"

// Operand and result types of the numeric opcodes 0x45..0xc4 and the saturating
// truncations (internal 0xc5..0xcc). in2 == 0 means unary.
struct numsig {
    uint8_t in1;
    uint8_t in2;
    uint8_t out;
};

#define I32 WASM_I32
#define I64 WASM_I64
#define F32 WASM_F32
#define F64 WASM_F64

static struct numsig numeric_sig(uint32_t op)
{
    struct numsig s = {0, 0, 0};
    if (op == 0x45) {
        s = (struct numsig){I32, 0, I32};
    } else if (op <= 0x4f) {
        s = (struct numsig){I32, I32, I32};
    } else if (op == 0x50) {
        s = (struct numsig){I64, 0, I32};
    } else if (op <= 0x5a) {
        s = (struct numsig){I64, I64, I32};
    } else if (op <= 0x60) {
        s = (struct numsig){F32, F32, I32};
    } else if (op <= 0x66) {
        s = (struct numsig){F64, F64, I32};
    } else if (op <= 0x69) {
        s = (struct numsig){I32, 0, I32};
    } else if (op <= 0x78) {
        s = (struct numsig){I32, I32, I32};
    } else if (op <= 0x7b) {
        s = (struct numsig){I64, 0, I64};
    } else if (op <= 0x8a) {
        s = (struct numsig){I64, I64, I64};
    } else if (op <= 0x91) {
        s = (struct numsig){F32, 0, F32};
    } else if (op <= 0x98) {
        s = (struct numsig){F32, F32, F32};
    } else if (op <= 0x9f) {
        s = (struct numsig){F64, 0, F64};
    } else if (op <= 0xa6) {
        s = (struct numsig){F64, F64, F64};
    } else {
        static const uint8_t conv[][2] = {
            {I64, I32}, {F32, I32}, {F32, I32}, {F64, I32}, {F64, I32},       // a7..ab
            {I32, I64}, {I32, I64}, {F32, I64}, {F32, I64}, {F64, I64},       // ac..b0
            {F64, I64}, {I32, F32}, {I32, F32}, {I64, F32}, {I64, F32},       // b1..b5
            {F64, F32}, {I32, F64}, {I32, F64}, {I64, F64}, {I64, F64},       // b6..ba
            {F32, F64}, {F32, I32}, {F64, I64}, {I32, F32}, {I64, F64},       // bb..bf
            {I32, I32}, {I32, I32}, {I64, I64}, {I64, I64}, {I64, I64},       // c0..c4
            {F32, I32}, {F32, I32}, {F64, I32}, {F64, I32},                   // sat c5..c8
            {F32, I64}, {F32, I64}, {F64, I64}, {F64, I64},                   // sat c9..cc
        };
        s = (struct numsig){conv[op - 0xa7][0], 0, conv[op - 0xa7][1]};
    }
    return s;
}

static bool has_imm_form(uint32_t op)
{
    bool i32 = op >= 0x46 && op <= 0x78 && (op <= 0x4f || op >= 0x6a) && (op < 0x6d || op > 0x70);
    bool i64 = op >= 0x7c && op <= 0x8a && (op < 0x7f || op > 0x82);
    return i32 || i64;
}

// "a op constant": the constant becomes an immediate operand.
static bool op_numeric_imm(struct compiler *c, uint32_t op, const struct numsig *s)
{
    struct ventry a;
    struct ventry b;
    if (!cc_pop_raw(c, s->in2, &b) || !cc_pop(c, s->in1, &a)) {
        return false;
    }
    uint32_t dst = cc_slot(c, c->nvals);
    if (s->in1 == WASM_I32) {
        uint32_t w[4] = {OP_IMM32_BASE + (op - 0x46), dst, a.loc, (uint32_t)b.k};
        return cc_emit_result_op(c, w, 4, s->out);
    }
    uint32_t w[5] = {OP_IMM64_BASE + (op - 0x7c), dst, a.loc, (uint32_t)b.k,
                     (uint32_t)(b.k >> 32)};
    return cc_emit_result_op(c, w, 5, s->out);
}

static bool op_numeric(struct compiler *c, uint32_t op)
{
    struct numsig s = numeric_sig(op);
    struct ventry a;
    struct ventry b;
    if (s.in2 && has_imm_form(op) && cc_top_is_const(c) && c->vals[c->nvals - 1].type == s.in2) {
        return op_numeric_imm(c, op, &s);
    }
    if (s.in2) {
        if (!cc_pop(c, s.in2, &b) || !cc_pop(c, s.in1, &a)) {
            return false;
        }
        uint32_t w[4] = {op, cc_slot(c, c->nvals), a.loc, b.loc};
        return cc_emit_result_op(c, w, 4, s.out);
    }
    if (!cc_pop(c, s.in1, &a)) {
        return false;
    }
    uint32_t w[3] = {op, cc_slot(c, c->nvals), a.loc};
    return cc_emit_result_op(c, w, 3, s.out);
}

// Constants are not emitted: they stay on the operand stack until an op takes
// them as an immediate or they must be written to a slot.
static bool op_const(struct compiler *c, uint8_t op)
{
    switch (op) {
    case 0x41: {
        int32_t v;
        return wasm_read_s32(c->r, &v) && cc_push_const(c, WASM_I32, (uint32_t)v);
    }
    case 0x43: {
        uint32_t v;
        return wasm_read_bytes(c->r, &v, 4) && cc_push_const(c, WASM_F32, v);
    }
    case 0x42: {
        int64_t v;
        return wasm_read_s64(c->r, &v) && cc_push_const(c, WASM_I64, (uint64_t)v);
    }
    default: {
        uint64_t v;
        return wasm_read_bytes(c->r, &v, 8) && cc_push_const(c, WASM_F64, v);
    }
    }
}

static bool op_local(struct compiler *c, uint8_t op)
{
    uint32_t x;
    struct ventry e;
    if (!wasm_read_u32(c->r, &x)) {
        return false;
    }
    if (x >= c->nlocals) {
        return cc_fail(c, "unknown local");
    }
    uint8_t t = c->locals[x];
    if (op == 0x20) {
        return cc_push(c, t, x);
    }
    if (!cc_pop_raw(c, t, &e)) {
        return false;
    }
    if (e.loc == CC_CONST_LOC) {
        if (!cc_materialize_local(c, x) || !cc_emit_const(c, x, t, e.k)) {
            return false;
        }
        c->last_op = -1;
        return op == 0x22 ? cc_push_const(c, t, e.k) : true;
    }
    if (e.loc != x) {
        uint32_t before = c->ncode;
        int64_t last_op = c->last_op;
        if (!cc_materialize_local(c, x)) {
            return false;
        }
        // Peephole: the value was just computed into its temp slot; make that op
        // write the local directly.
        if (c->ncode == before && last_op >= 0 && c->code[c->last_dst] == e.loc &&
            e.loc == cc_slot(c, c->nvals) && cc_live(c)) {
            c->code[c->last_dst] = x;
        } else if (cc_live(c)) {
            uint32_t w[3] = {OP_COPY, x, e.loc};
            if (!cc_emit(c, w, 3)) {
                return false;
            }
        }
    }
    c->last_op = -1;
    return op == 0x22 ? cc_push(c, t, x) : true;
}

static bool op_global(struct compiler *c, uint8_t op)
{
    uint32_t x;
    struct ventry e;
    if (!wasm_read_u32(c->r, &x)) {
        return false;
    }
    if (x >= c->m->nglobals) {
        return cc_fail(c, "unknown global");
    }
    const struct wasm_global_type *g = &c->m->globals[x];
    if (op == 0x23) {
        uint32_t w[3] = {OP_GLOBAL_GET, cc_slot(c, c->nvals), x};
        return cc_emit_result_op(c, w, 3, g->type);
    }
    if (!g->mut) {
        return cc_fail(c, "global is immutable");
    }
    if (!cc_pop(c, g->type, &e)) {
        return false;
    }
    uint32_t w[3] = {OP_GLOBAL_SET, x, e.loc};
    return cc_emit(c, w, 3);
}

static bool pop_params(struct compiler *c, const struct wasm_functype *t)
{
    struct ventry e;
    for (uint32_t i = t->nparams; i-- > 0;) {
        if (!cc_pop(c, t->params[i], &e)) {
            return false;
        }
    }
    return true;
}

static bool push_results(struct compiler *c, const struct wasm_functype *t)
{
    for (uint32_t i = 0; i < t->nresults; i++) {
        if (!cc_push_result(c, t->results[i])) {
            return false;
        }
    }
    c->last_op = -1;
    return true;
}

static bool op_call(struct compiler *c)
{
    uint32_t f;
    if (!wasm_read_u32(c->r, &f)) {
        return false;
    }
    if (f >= c->m->nfuncs) {
        return cc_fail(c, "unknown function");
    }
    const struct wasm_functype *t = &c->m->types[c->m->func_type[f]];
    if (!cc_materialize_all(c) || !pop_params(c, t)) {
        return false;
    }
    uint32_t w[3] = {OP_CALL, f, cc_slot(c, c->nvals)};
    return cc_emit(c, w, 3) && push_results(c, t);
}

static bool op_call_indirect(struct compiler *c)
{
    uint32_t type;
    uint32_t table;
    struct ventry idx;
    if (!wasm_read_u32(c->r, &type) || !wasm_read_u32(c->r, &table)) {
        return false;
    }
    if (type >= c->m->ntypes) {
        return cc_fail(c, "unknown type");
    }
    if (table >= c->m->ntables) {
        return cc_fail(c, "unknown table");
    }
    if (c->m->tables[table].reftype != WASM_FUNCREF) {
        return cc_fail(c, "type mismatch");
    }
    const struct wasm_functype *t = &c->m->types[type];
    if (!cc_pop(c, WASM_I32, &idx) || !cc_materialize_all(c) || !pop_params(c, t)) {
        return false;
    }
    uint32_t w[5] = {OP_CALL_INDIRECT, table, type, cc_slot(c, c->nvals), idx.loc};
    return cc_emit(c, w, 5) && push_results(c, t);
}

static bool op_select(struct compiler *c, bool typed)
{
    struct ventry cond;
    struct ventry a;
    struct ventry b;
    uint8_t t = TYPE_ANY;
    if (typed) {
        uint32_t n;
        if (!wasm_read_u32(c->r, &n)) {
            return false;
        }
        if (n != 1) {
            return cc_fail(c, "invalid result arity");
        }
        if (!wasm_read_valtype(c->r, &t)) {
            return false;
        }
    }
    if (!cc_pop(c, WASM_I32, &cond) || !cc_pop(c, t, &b) || !cc_pop(c, t, &a)) {
        return false;
    }
    if (!typed) {
        if (wasm_is_reftype(a.type) || wasm_is_reftype(b.type)) {
            return cc_fail(c, "type mismatch");
        }
        if (a.type != b.type && a.type != TYPE_ANY && b.type != TYPE_ANY) {
            return cc_fail(c, "type mismatch");
        }
        t = a.type == TYPE_ANY ? b.type : a.type;
    }
    uint32_t w[5] = {OP_SELECT, cc_slot(c, c->nvals), a.loc, b.loc, cond.loc};
    return cc_emit_result_op(c, w, 5, t);
}

static bool read_memarg(struct compiler *c, uint32_t natural_log2, uint32_t *offset)
{
    uint32_t align;
    if (!wasm_read_u32(c->r, &align) || !wasm_read_u32(c->r, offset)) {
        return false;
    }
    if (c->m->nmemories == 0) {
        return cc_fail(c, "unknown memory");
    }
    if (align > natural_log2) {
        return cc_fail(c, "alignment must not be larger than natural");
    }
    return true;
}

static bool op_load(struct compiler *c, uint8_t op)
{
    static const uint8_t natural[14] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2};
    static const uint8_t type[14] = {I32, I64, F32, F64, I32, I32, I32, I32,
                                     I64, I64, I64, I64, I64, I64};
    uint32_t off;
    struct ventry addr;
    if (!read_memarg(c, natural[op - 0x28], &off) || !cc_pop(c, WASM_I32, &addr)) {
        return false;
    }
    uint32_t w[4] = {op, cc_slot(c, c->nvals), addr.loc, off};
    return cc_emit_result_op(c, w, 4, type[op - 0x28]);
}

static bool op_store(struct compiler *c, uint8_t op)
{
    static const uint8_t natural[9] = {2, 3, 2, 3, 0, 1, 0, 1, 2};
    static const uint8_t type[9] = {I32, I64, F32, F64, I32, I32, I64, I64, I64};
    uint32_t off;
    struct ventry addr;
    struct ventry val;
    if (!read_memarg(c, natural[op - 0x36], &off) || !cc_pop(c, type[op - 0x36], &val) ||
        !cc_pop(c, WASM_I32, &addr)) {
        return false;
    }
    uint32_t w[4] = {op, addr.loc, val.loc, off};
    return cc_emit(c, w, 4);
}

static bool read_zero_byte(struct compiler *c)
{
    uint8_t b;
    if (!wasm_read_u8(c->r, &b)) {
        return false;
    }
    if (b != 0) {
        return cc_malformed(c, "zero byte expected");
    }
    if (c->m->nmemories == 0) {
        return cc_fail(c, "unknown memory");
    }
    return true;
}

static bool op_memory_size_grow(struct compiler *c, uint8_t op)
{
    struct ventry delta;
    if (!read_zero_byte(c)) {
        return false;
    }
    if (op == 0x3f) {
        uint32_t w[2] = {OP_MEMORY_SIZE, cc_slot(c, c->nvals)};
        return cc_emit_result_op(c, w, 2, WASM_I32);
    }
    if (!cc_pop(c, WASM_I32, &delta)) {
        return false;
    }
    uint32_t w[3] = {OP_MEMORY_GROW, cc_slot(c, c->nvals), delta.loc};
    return cc_emit_result_op(c, w, 3, WASM_I32);
}

static bool op_ref(struct compiler *c, uint8_t op)
{
    uint32_t dst = cc_slot(c, c->nvals);
    if (op == 0xd0) {
        uint8_t t;
        if (!wasm_read_reftype(c->r, &t)) {
            return false;
        }
        uint32_t w[4] = {OP_CONST64, dst, 0, 0};
        return cc_emit_result_op(c, w, 4, t);
    }
    if (op == 0xd1) {
        struct ventry e;
        if (!cc_pop(c, TYPE_ANY, &e)) {
            return false;
        }
        if (e.type != TYPE_ANY && !wasm_is_reftype(e.type)) {
            return cc_fail(c, "type mismatch");
        }
        uint32_t w[3] = {OP_REF_IS_NULL, cc_slot(c, c->nvals), e.loc};
        return cc_emit_result_op(c, w, 3, WASM_I32);
    }
    uint32_t f;
    if (!wasm_read_u32(c->r, &f)) {
        return false;
    }
    if (f >= c->m->nfuncs) {
        return cc_fail(c, "unknown function");
    }
    if (!c->m->func_declared[f]) {
        return cc_fail(c, "undeclared function reference");
    }
    uint32_t w[3] = {OP_REF_FUNC, dst, f};
    return cc_emit_result_op(c, w, 3, WASM_FUNCREF);
}

bool cc_op_other(struct compiler *c, uint8_t op)
{
    if (op >= 0x45 && op <= 0xc4) {
        return op_numeric(c, op);
    }
    if (op >= 0x28 && op <= 0x35) {
        return op_load(c, op);
    }
    if (op >= 0x36 && op <= 0x3e) {
        return op_store(c, op);
    }
    switch (op) {
    case 0x10:
        return op_call(c);
    case 0x11:
        return op_call_indirect(c);
    case 0x1a: {
        struct ventry e;
        return cc_pop_raw(c, TYPE_ANY, &e);
    }
    case 0x1b:
    case 0x1c:
        return op_select(c, op == 0x1c);
    case 0x20:
    case 0x21:
    case 0x22:
        return op_local(c, op);
    case 0x23:
    case 0x24:
        return op_global(c, op);
    case 0x25:
    case 0x26:
        return cc_op_table(c, op);
    case 0x3f:
    case 0x40:
        return op_memory_size_grow(c, op);
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x44:
        return op_const(c, op);
    case 0xd0:
    case 0xd1:
    case 0xd2:
        return op_ref(c, op);
    case 0xfc:
        return cc_op_prefixed(c);
    default:
        return cc_malformed(c, "illegal opcode");
    }
}

bool cc_op_numeric(struct compiler *c, uint32_t op)
{
    return op_numeric(c, op);
}
