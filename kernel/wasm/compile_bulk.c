// Translator, part 4: table instructions and the 0xfc prefix (saturating
// truncation, bulk memory, bulk table).
#include "compile.h"

static bool pop_i32s(struct compiler *c, uint32_t n, uint32_t *locs)
{
    struct ventry e;
    for (uint32_t i = n; i-- > 0;) {
        if (!cc_pop(c, WASM_I32, &e)) {
            return false;
        }
        locs[i] = e.loc;
    }
    return true;
}

static bool read_table(struct compiler *c, uint32_t *out)
{
    if (!wasm_read_u32(c->r, out)) {
        return false;
    }
    if (*out >= c->m->ntables) {
        return cc_fail(c, "unknown table");
    }
    return true;
}

static bool read_elem_seg(struct compiler *c, uint32_t *out)
{
    if (!wasm_read_u32(c->r, out)) {
        return false;
    }
    if (*out >= c->m->nelems) {
        return cc_fail(c, "unknown elem segment");
    }
    return true;
}

static bool read_data_seg(struct compiler *c, uint32_t *out)
{
    if (!wasm_read_u32(c->r, out)) {
        return false;
    }
    if (!c->m->has_datacount) {
        return cc_malformed(c, "data count section required");
    }
    if (*out >= c->m->datacount) {
        return cc_fail(c, "unknown data segment");
    }
    return true;
}

bool cc_op_table(struct compiler *c, uint8_t op)
{
    uint32_t t;
    struct ventry idx;
    struct ventry val;
    if (!read_table(c, &t)) {
        return false;
    }
    uint8_t rt = c->m->tables[t].reftype;
    if (op == 0x25) {
        if (!cc_pop(c, WASM_I32, &idx)) {
            return false;
        }
        uint32_t w[4] = {OP_TABLE_GET, cc_slot(c, c->nvals), t, idx.loc};
        return cc_emit_result_op(c, w, 4, rt);
    }
    if (!cc_pop(c, rt, &val) || !cc_pop(c, WASM_I32, &idx)) {
        return false;
    }
    uint32_t w[4] = {OP_TABLE_SET, t, idx.loc, val.loc};
    return cc_emit(c, w, 4);
}

static bool op_memory_bulk(struct compiler *c, uint32_t sub)
{
    uint32_t seg = 0;
    uint8_t zero;
    uint32_t ops[3];
    if (sub == 8 && !read_data_seg(c, &seg)) {
        return false;
    }
    uint32_t nzero = sub == 10 ? 2 : 1;
    for (uint32_t i = 0; i < nzero; i++) {
        if (!wasm_read_u8(c->r, &zero)) {
            return false;
        }
        if (zero != 0) {
            return cc_malformed(c, "zero byte expected");
        }
    }
    if (c->m->nmemories == 0) {
        return cc_fail(c, "unknown memory");
    }
    if (!pop_i32s(c, 3, ops)) {
        return false;
    }
    if (sub == 8) {
        uint32_t w[5] = {OP_MEMORY_INIT, seg, ops[0], ops[1], ops[2]};
        return cc_emit(c, w, 5);
    }
    uint32_t w[4] = {sub == 10 ? OP_MEMORY_COPY : OP_MEMORY_FILL, ops[0], ops[1], ops[2]};
    return cc_emit(c, w, 4);
}

static bool op_table_init_copy(struct compiler *c, uint32_t sub)
{
    uint32_t a;
    uint32_t b;
    uint32_t ops[3];
    if (sub == 12) {
        if (!read_elem_seg(c, &a) || !read_table(c, &b)) {
            return false;
        }
        if (c->m->elems[a].reftype != c->m->tables[b].reftype) {
            return cc_fail(c, "type mismatch");
        }
    } else {
        if (!read_table(c, &a) || !read_table(c, &b)) {
            return false;
        }
        if (c->m->tables[a].reftype != c->m->tables[b].reftype) {
            return cc_fail(c, "type mismatch");
        }
    }
    if (!pop_i32s(c, 3, ops)) {
        return false;
    }
    if (sub == 12) {
        uint32_t w[6] = {OP_TABLE_INIT, b, a, ops[0], ops[1], ops[2]};
        return cc_emit(c, w, 6);
    }
    uint32_t w[6] = {OP_TABLE_COPY, a, b, ops[0], ops[1], ops[2]};
    return cc_emit(c, w, 6);
}

static bool op_table_grow_size_fill(struct compiler *c, uint32_t sub)
{
    uint32_t t;
    struct ventry n;
    struct ventry val;
    struct ventry i;
    if (!read_table(c, &t)) {
        return false;
    }
    uint8_t rt = c->m->tables[t].reftype;
    if (sub == 16) {
        uint32_t w[3] = {OP_TABLE_SIZE, cc_slot(c, c->nvals), t};
        return cc_emit_result_op(c, w, 3, WASM_I32);
    }
    if (!cc_pop(c, WASM_I32, &n) || !cc_pop(c, rt, &val)) {
        return false;
    }
    if (sub == 15) {
        uint32_t w[5] = {OP_TABLE_GROW, cc_slot(c, c->nvals), t, val.loc, n.loc};
        return cc_emit_result_op(c, w, 5, WASM_I32);
    }
    if (!cc_pop(c, WASM_I32, &i)) {
        return false;
    }
    uint32_t w[5] = {OP_TABLE_FILL, t, i.loc, val.loc, n.loc};
    return cc_emit(c, w, 5);
}

bool cc_op_prefixed(struct compiler *c)
{
    uint32_t sub;
    uint32_t seg;
    if (!wasm_read_u32(c->r, &sub)) {
        return false;
    }
    if (sub <= 7) {
        return cc_op_numeric(c, OP_TRUNC_SAT_BASE + sub);
    }
    switch (sub) {
    case 8:
    case 10:
    case 11:
        return op_memory_bulk(c, sub);
    case 9: {
        if (!read_data_seg(c, &seg)) {
            return false;
        }
        uint32_t w[2] = {OP_DATA_DROP, seg};
        return cc_emit(c, w, 2);
    }
    case 12:
    case 14:
        return op_table_init_copy(c, sub);
    case 13: {
        if (!read_elem_seg(c, &seg)) {
            return false;
        }
        uint32_t w[2] = {OP_ELEM_DROP, seg};
        return cc_emit(c, w, 2);
    }
    case 15:
    case 16:
    case 17:
        return op_table_grow_size_fill(c, sub);
    default:
        return cc_malformed(c, "illegal opcode");
    }
}
