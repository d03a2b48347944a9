// The translator's state: validation stacks (spec appendix algorithm) plus the
// slot-code being emitted. Shared by compile*.c.
#pragma once

#include "wasm_int.h"

#define TYPE_ANY 0 // the "unknown" operand type of unreachable code
#define CC_MAX_LAZY 16 // stack entries that may still live in a local's slot

enum ctrl_kind { CTRL_FUNC, CTRL_BLOCK, CTRL_LOOP, CTRL_IF, CTRL_ELSE };

// One operand-stack entry: its type and the slot that holds it now. An entry is
// either in its canonical slot (nlocals + height) or, lazily, still in a local's
// slot after local.get (see materialize_*).
struct ventry {
    uint8_t type;
    uint32_t loc; // CC_CONST_LOC: a constant not yet written anywhere (value in k)
    uint64_t k;
};

#define CC_CONST_LOC UINT32_MAX

struct ctrl {
    uint8_t kind;
    bool unreachable;
    bool dead; // the whole block is unreachable code: nothing is emitted
    uint32_t height;
    uint32_t nparams;
    uint32_t nresults;
    const uint8_t *params;
    const uint8_t *results;
    uint8_t single; // the type of a one-result block type
    uint32_t loop_pc;   // loop: word index of the loop header
    uint32_t fixups;    // forward branches to patch at end: word index + 1, 0 = none
    uint32_t else_site; // if: word index + 1 of the BR_UNLESS offset
};

struct compiler {
    struct wasm_reader *r;
    struct wasm_module *m;
    uint8_t *locals; // types of params and locals
    uint32_t nlocals;
    struct ventry *vals;
    uint32_t nvals;
    uint32_t capvals;
    struct ctrl *ctrls;
    uint32_t nctrls;
    uint32_t capctrls;
    uint32_t *code;
    uint32_t ncode;
    uint32_t capcode;
    uint32_t max_height;
    int64_t last_op;  // word index of the last emitted value-producing op, -1 if none
    int64_t last_dst; // word index of its destination operand
    // Heights of the entries not in their canonical slot (still in a local's slot,
    // or constants), ascending. Bounded so that local.set and control flow cost
    // O(1), not O(stack height).
    uint32_t lazy[CC_MAX_LAZY];
    uint32_t nlazy;
};

bool cc_fail(struct compiler *c, const char *reason);
bool cc_malformed(struct compiler *c, const char *reason);
bool cc_live(const struct compiler *c);
uint32_t cc_slot(const struct compiler *c, uint32_t height);
bool cc_push(struct compiler *c, uint8_t type, uint32_t loc);
bool cc_push_result(struct compiler *c, uint8_t type);
bool cc_pop(struct compiler *c, uint8_t want, struct ventry *out);
bool cc_pop_raw(struct compiler *c, uint8_t want, struct ventry *out);
bool cc_push_const(struct compiler *c, uint8_t type, uint64_t k);
bool cc_emit_const(struct compiler *c, uint32_t dst, uint8_t type, uint64_t k);
bool cc_top_is_const(const struct compiler *c);
bool cc_emit(struct compiler *c, const uint32_t *words, uint32_t n);
bool cc_emit_result_op(struct compiler *c, const uint32_t *words, uint32_t n, uint8_t type);
bool cc_materialize_all(struct compiler *c);
bool cc_materialize_local(struct compiler *c, uint32_t x);
bool cc_emit_copy(struct compiler *c, uint32_t dst, uint32_t src);
bool cc_grow(struct compiler *c, void **arr, uint32_t *cap, uint32_t need, size_t elem);
bool cc_push_ctrl(struct compiler *c, const struct ctrl *f);

bool cc_op_control(struct compiler *c, uint8_t op, bool *handled);
bool cc_op_other(struct compiler *c, uint8_t op);
bool cc_op_numeric(struct compiler *c, uint32_t op);
bool cc_op_prefixed(struct compiler *c);
bool cc_op_table(struct compiler *c, uint8_t op);
