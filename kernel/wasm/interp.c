// The interpreter: token-threaded dispatch over translated slot code. All state
// lives in struct wasm_exec (explicit frame stack, no C recursion), so a run can
// stop at any yield point when its fuel runs out and continue later.
//
// This is deliberately one large function: computed goto needs every handler in
// the same body, and the hot state (ip, fp, memory base/size) stays in registers.
#include "numeric.h"
#include "wasm_int.h"

static const char TRAP_OOB_MEM[] = "out of bounds memory access";
static const char TRAP_OOB_TABLE[] = "out of bounds table access";
static const char TRAP_DIV_ZERO[] = "integer divide by zero";
static const char TRAP_OVERFLOW[] = "integer overflow";
static const char TRAP_CONVERSION[] = "invalid conversion to integer";
static const char TRAP_EXHAUSTED[] = "call stack exhausted";

#define S(i) fp[ip[i]]
#define NEXT() goto *dispatch[*ip]
#define TRAP(msg)                                                                                  \
    do {                                                                                           \
        trap_msg = (msg);                                                                          \
        goto trap;                                                                                 \
    } while (0)
#define RELOAD_MEM()                                                                               \
    do {                                                                                           \
        mem = inst->memory->data;                                                                  \
        memsz = inst->memory->size;                                                                \
    } while (0)

#define UN(op, RF, expr)                                                                           \
    l_##op:                                                                                        \
    {                                                                                              \
        union wasm_val a = S(2);                                                                   \
        S(1).RF = (expr);                                                                          \
        ip += 3;                                                                                   \
        NEXT();                                                                                    \
    }
#define BIN(op, RF, expr)                                                                          \
    l_##op:                                                                                        \
    {                                                                                              \
        union wasm_val a = S(2);                                                                   \
        union wasm_val b = S(3);                                                                   \
        S(1).RF = (expr);                                                                          \
        ip += 4;                                                                                   \
        NEXT();                                                                                    \
    }
#define LOAD(op, T, RF, CAST)                                                                      \
    l_##op:                                                                                        \
    {                                                                                              \
        uint64_t ea = (uint64_t)S(2).i32 + ip[3];                                                  \
        if (ea + sizeof(T) > memsz) {                                                              \
            TRAP(TRAP_OOB_MEM);                                                                    \
        }                                                                                          \
        T v;                                                                                       \
        __builtin_memcpy(&v, mem + ea, sizeof(T));                                                 \
        S(1).RF = CAST v;                                                                          \
        ip += 4;                                                                                   \
        NEXT();                                                                                    \
    }
#define STORE(op, T, F)                                                                            \
    l_##op:                                                                                        \
    {                                                                                              \
        uint64_t ea = (uint64_t)S(1).i32 + ip[3];                                                  \
        if (ea + sizeof(T) > memsz) {                                                              \
            TRAP(TRAP_OOB_MEM);                                                                    \
        }                                                                                          \
        T v = (T)S(2).F;                                                                           \
        __builtin_memcpy(mem + ea, &v, sizeof(T));                                                 \
        ip += 4;                                                                                   \
        NEXT();                                                                                    \
    }
#define BR_CMP(op, T, cmp)                                                                         \
    l_##op:                                                                                        \
    {                                                                                              \
        if ((T)S(1).i32 cmp(T) S(2).i32) {                                                         \
            ip += 3 + (int32_t)ip[3];                                                              \
        } else {                                                                                   \
            ip += 4;                                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    }
#define BINI32(op, RF, expr)                                                                       \
    l_imm_##op:                                                                                    \
    {                                                                                              \
        union wasm_val a = S(2);                                                                   \
        union wasm_val b = {.i64 = ip[3]};                                                         \
        S(1).RF = (expr);                                                                          \
        ip += 4;                                                                                   \
        NEXT();                                                                                    \
    }
#define BINI64(op, RF, expr)                                                                       \
    l_imm_##op:                                                                                    \
    {                                                                                              \
        union wasm_val a = S(2);                                                                   \
        union wasm_val b = {.i64 = ip[3] | ((uint64_t)ip[4] << 32)};                               \
        S(1).RF = (expr);                                                                          \
        ip += 5;                                                                                   \
        NEXT();                                                                                    \
    }
#define BRI_CMP(name, T, cmp)                                                                      \
    l_##name:                                                                                      \
    {                                                                                              \
        if ((T)S(1).i32 cmp(T) ip[2]) {                                                            \
            ip += 3 + (int32_t)ip[3];                                                              \
        } else {                                                                                   \
            ip += 4;                                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    }
// Trapping float-to-int truncation: x is the operand widened to double.
#define TRUNC(op, RF, SRC, lo_ok, hi_ok, CAST)                                                     \
    l_##op:                                                                                        \
    {                                                                                              \
        double x = (double)S(2).SRC;                                                               \
        if (x != x) {                                                                              \
            TRAP(TRAP_CONVERSION);                                                                 \
        }                                                                                          \
        if (!(lo_ok) || !(hi_ok)) {                                                                \
            TRAP(TRAP_OVERFLOW);                                                                   \
        }                                                                                          \
        S(1).RF = CAST x;                                                                          \
        ip += 3;                                                                                   \
        NEXT();                                                                                    \
    }

#define L(op) [op] = &&l_##op
#define LI32(op) [OP_IMM32_BASE + ((op)-0x46)] = &&l_imm_##op
#define LI64(op) [OP_IMM64_BASE + ((op)-0x7c)] = &&l_imm_##op

enum wasm_status wasm_interp_run(struct wasm_exec *ex)
{
    static const void *const dispatch[OP_COUNT] = {
        [OP_UNREACHABLE] = &&l_unreachable,
        [OP_FUEL] = &&l_fuel,
        [OP_BR] = &&l_br,
        [OP_BR_IF] = &&l_br_if,
        [OP_BR_UNLESS] = &&l_br_unless,
        [OP_BR_TABLE] = &&l_br_table,
        [OP_RETURN] = &&l_return,
        [OP_CALL] = &&l_call,
        [OP_CALL_INDIRECT] = &&l_call_indirect,
        [OP_SELECT] = &&l_select,
        [OP_COPY] = &&l_copy,
        [OP_CONST32] = &&l_const32,
        [OP_CONST64] = &&l_const64,
        [OP_GLOBAL_GET] = &&l_global_get,
        [OP_GLOBAL_SET] = &&l_global_set,
        [OP_TABLE_GET] = &&l_table_get,
        [OP_TABLE_SET] = &&l_table_set,
        [OP_MEMORY_SIZE] = &&l_memory_size,
        [OP_MEMORY_GROW] = &&l_memory_grow,
        [OP_MEMORY_INIT] = &&l_memory_init,
        [OP_DATA_DROP] = &&l_data_drop,
        [OP_MEMORY_COPY] = &&l_memory_copy,
        [OP_MEMORY_FILL] = &&l_memory_fill,
        [OP_TABLE_INIT] = &&l_table_init,
        [OP_ELEM_DROP] = &&l_elem_drop,
        [OP_TABLE_COPY] = &&l_table_copy,
        [OP_TABLE_GROW] = &&l_table_grow,
        [OP_TABLE_SIZE] = &&l_table_size,
        [OP_TABLE_FILL] = &&l_table_fill,
        [OP_REF_IS_NULL] = &&l_ref_is_null,
        [OP_REF_FUNC] = &&l_ref_func,
        [OP_COPY2] = &&l_copy2,
        L(0x28),
        L(0x29),
        L(0x2a),
        L(0x2b),
        L(0x2c),
        L(0x2d),
        L(0x2e),
        L(0x2f),
        L(0x30),
        L(0x31),
        L(0x32),
        L(0x33),
        L(0x34),
        L(0x35),
        L(0x36),
        L(0x37),
        L(0x38),
        L(0x39),
        L(0x3a),
        L(0x3b),
        L(0x3c),
        L(0x3d),
        L(0x3e),
        L(0x45),
        L(0x46),
        L(0x47),
        L(0x48),
        L(0x49),
        L(0x4a),
        L(0x4b),
        L(0x4c),
        L(0x4d),
        L(0x4e),
        L(0x4f),
        L(0x50),
        L(0x51),
        L(0x52),
        L(0x53),
        L(0x54),
        L(0x55),
        L(0x56),
        L(0x57),
        L(0x58),
        L(0x59),
        L(0x5a),
        L(0x5b),
        L(0x5c),
        L(0x5d),
        L(0x5e),
        L(0x5f),
        L(0x60),
        L(0x61),
        L(0x62),
        L(0x63),
        L(0x64),
        L(0x65),
        L(0x66),
        L(0x67),
        L(0x68),
        L(0x69),
        L(0x6a),
        L(0x6b),
        L(0x6c),
        L(0x6d),
        L(0x6e),
        L(0x6f),
        L(0x70),
        L(0x71),
        L(0x72),
        L(0x73),
        L(0x74),
        L(0x75),
        L(0x76),
        L(0x77),
        L(0x78),
        L(0x79),
        L(0x7a),
        L(0x7b),
        L(0x7c),
        L(0x7d),
        L(0x7e),
        L(0x7f),
        L(0x80),
        L(0x81),
        L(0x82),
        L(0x83),
        L(0x84),
        L(0x85),
        L(0x86),
        L(0x87),
        L(0x88),
        L(0x89),
        L(0x8a),
        L(0x8b),
        L(0x8c),
        L(0x8d),
        L(0x8e),
        L(0x8f),
        L(0x90),
        L(0x91),
        L(0x92),
        L(0x93),
        L(0x94),
        L(0x95),
        L(0x96),
        L(0x97),
        L(0x98),
        L(0x99),
        L(0x9a),
        L(0x9b),
        L(0x9c),
        L(0x9d),
        L(0x9e),
        L(0x9f),
        L(0xa0),
        L(0xa1),
        L(0xa2),
        L(0xa3),
        L(0xa4),
        L(0xa5),
        L(0xa6),
        L(0xa7),
        L(0xa8),
        L(0xa9),
        L(0xaa),
        L(0xab),
        L(0xac),
        L(0xad),
        L(0xae),
        L(0xaf),
        L(0xb0),
        L(0xb1),
        L(0xb2),
        L(0xb3),
        L(0xb4),
        L(0xb5),
        L(0xb6),
        L(0xb7),
        L(0xb8),
        L(0xb9),
        L(0xba),
        L(0xbb),
        L(0xbc),
        L(0xbd),
        L(0xbe),
        L(0xbf),
        L(0xc0),
        L(0xc1),
        L(0xc2),
        L(0xc3),
        L(0xc4),
        L(0xc5),
        L(0xc6),
        L(0xc7),
        L(0xc8),
        L(0xc9),
        L(0xca),
        L(0xcb),
        L(0xcc),
        [OP_BR_I32_EQ] = &&l_br_eq,
        [OP_BR_I32_NE] = &&l_br_ne,
        [OP_BR_I32_LT_S] = &&l_br_lt_s,
        [OP_BR_I32_LT_U] = &&l_br_lt_u,
        [OP_BR_I32_GT_S] = &&l_br_gt_s,
        [OP_BR_I32_GT_U] = &&l_br_gt_u,
        [OP_BR_I32_LE_S] = &&l_br_le_s,
        [OP_BR_I32_LE_U] = &&l_br_le_u,
        [OP_BR_I32_GE_S] = &&l_br_ge_s,
        [OP_BR_I32_GE_U] = &&l_br_ge_u,
        LI32(0x46),
        LI32(0x47),
        LI32(0x48),
        LI32(0x49),
        LI32(0x4a),
        LI32(0x4b),
        LI32(0x4c),
        LI32(0x4d),
        LI32(0x4e),
        LI32(0x4f),
        LI32(0x6a),
        LI32(0x6b),
        LI32(0x6c),
        LI32(0x71),
        LI32(0x72),
        LI32(0x73),
        LI32(0x74),
        LI32(0x75),
        LI32(0x76),
        LI32(0x77),
        LI32(0x78),
        LI64(0x7c),
        LI64(0x7d),
        LI64(0x7e),
        LI64(0x83),
        LI64(0x84),
        LI64(0x85),
        LI64(0x86),
        LI64(0x87),
        LI64(0x88),
        LI64(0x89),
        LI64(0x8a),
        [OP_BRI_I32_BASE + 0] = &&l_bri_eq,
        [OP_BRI_I32_BASE + 1] = &&l_bri_ne,
        [OP_BRI_I32_BASE + 2] = &&l_bri_lt_s,
        [OP_BRI_I32_BASE + 3] = &&l_bri_lt_u,
        [OP_BRI_I32_BASE + 4] = &&l_bri_gt_s,
        [OP_BRI_I32_BASE + 5] = &&l_bri_gt_u,
        [OP_BRI_I32_BASE + 6] = &&l_bri_le_s,
        [OP_BRI_I32_BASE + 7] = &&l_bri_le_u,
        [OP_BRI_I32_BASE + 8] = &&l_bri_ge_s,
        [OP_BRI_I32_BASE + 9] = &&l_bri_ge_u,
    };

    const uint32_t *ip = ex->ip;
    union wasm_val *fp = ex->fp;
    struct wasm_instance *inst = ex->inst;
    struct wasm_frame *frames = ex->frames;
    uint32_t nframes = ex->nframes;
    const uint32_t max_frames = ex->max_frames;
    union wasm_val *const stack_end = ex->stack_end;
    int64_t fuel = ex->fuel;
    const char *trap_msg = NULL;
    struct wasm_func *f;
    union wasm_val *nfp;
    uint8_t *mem;
    uint64_t memsz;
    RELOAD_MEM();
    if (!ip) {
        TRAP(WASM_TRAP_NO_CODE);
    }
    NEXT();

l_unreachable:
    TRAP("unreachable");
l_fuel:
    if (--fuel < 0) {
        fuel = 0;
        ex->ip = ip;
        ex->fp = fp;
        ex->inst = inst;
        ex->nframes = nframes;
        ex->fuel = 0;
        ex->suspended = true;
        return WASM_OUT_OF_FUEL;
    }
    ip += 1;
    NEXT();
l_br:
    ip += 1 + (int32_t)ip[1];
    NEXT();
l_br_if:
    ip = S(1).i32 ? ip + 2 + (int32_t)ip[2] : ip + 3;
    NEXT();
l_br_unless:
    ip = S(1).i32 ? ip + 3 : ip + 2 + (int32_t)ip[2];
    NEXT();
l_br_table : {
    uint32_t i = S(1).i32;
    uint32_t n = ip[2];
    const uint32_t *t = ip + 3 + (i < n ? i : n);
    ip = t + (int32_t)*t;
    NEXT();
}
    BR_CMP(br_eq, uint32_t, ==)
    BR_CMP(br_ne, uint32_t, !=)
    BR_CMP(br_lt_s, int32_t, <)
    BR_CMP(br_lt_u, uint32_t, <)
    BR_CMP(br_gt_s, int32_t, >)
    BR_CMP(br_gt_u, uint32_t, >)
    BR_CMP(br_le_s, int32_t, <=)
    BR_CMP(br_le_u, uint32_t, <=)
    BR_CMP(br_ge_s, int32_t, >=)
    BR_CMP(br_ge_u, uint32_t, >=)
    BRI_CMP(bri_eq, uint32_t, ==)
    BRI_CMP(bri_ne, uint32_t, !=)
    BRI_CMP(bri_lt_s, int32_t, <)
    BRI_CMP(bri_lt_u, uint32_t, <)
    BRI_CMP(bri_gt_s, int32_t, >)
    BRI_CMP(bri_gt_u, uint32_t, >)
    BRI_CMP(bri_le_s, int32_t, <=)
    BRI_CMP(bri_le_u, uint32_t, <=)
    BRI_CMP(bri_ge_s, int32_t, >=)
    BRI_CMP(bri_ge_u, uint32_t, >=)
l_return : {
    struct wasm_frame *fr = &frames[--nframes];
    if (!fr->ip) {
        goto done;
    }
    ip = fr->ip;
    fp = fr->fp;
    inst = fr->inst;
    RELOAD_MEM();
    NEXT();
}
l_call:
    f = inst->funcs[ip[1]];
    nfp = fp + ip[2];
    ip += 3;
    goto do_call;
l_call_indirect : {
    struct wasm_table *t = inst->tables[ip[1]];
    uint32_t i = S(4).i32;
    if (i >= t->size) {
        TRAP("undefined element");
    }
    f = (struct wasm_func *)(uintptr_t)t->elems[i].ref;
    if (!f) {
        TRAP("uninitialized element");
    }
    const struct wasm_functype *want = &inst->mod->types[ip[2]];
    if (f->type != want && !wasm_functype_eq(f->type, want)) {
        TRAP("indirect call type mismatch");
    }
    nfp = fp + ip[3];
    ip += 5;
    goto do_call;
}
do_call:
    if (f->host) {
        uint32_t need = f->type->nparams > f->type->nresults ? f->type->nparams : f->type->nresults;
        if (need > (size_t)(stack_end - nfp)) {
            TRAP(TRAP_EXHAUSTED);
        }
        ex->trap = NULL;
        ex->fuel = fuel; // host functions may read or change the fuel (e.g. to yield)
        if (f->host(ex, f->ctx, nfp) != WASM_OK) {
            TRAP(ex->trap ? ex->trap : "host function failed");
        }
        fuel = ex->fuel;
        RELOAD_MEM();
        NEXT();
    }
    if (!wasm_code_is_runnable(f->code)) {
        TRAP(WASM_TRAP_NO_CODE);
    }
    if (nframes >= max_frames || f->code->frame_slots > (size_t)(stack_end - nfp)) {
        TRAP(TRAP_EXHAUSTED);
    }
    frames[nframes].ip = ip;
    frames[nframes].fp = fp;
    frames[nframes].inst = inst;
    nframes++;
    memset(nfp + f->code->nparams, 0, (f->code->nlocals - f->code->nparams) * sizeof(*nfp));
    fp = nfp;
    ip = f->code->words;
    if (f->inst != inst) {
        inst = f->inst;
        RELOAD_MEM();
    }
    NEXT();
l_select:
    S(1) = S(4).i32 ? S(2) : S(3);
    ip += 5;
    NEXT();
l_copy:
    S(1) = S(2);
    ip += 3;
    NEXT();
l_copy2:
    S(1) = S(2);
    S(3) = S(4);
    ip += 5;
    NEXT();
l_const32:
    S(1).i64 = ip[2];
    ip += 3;
    NEXT();
l_const64:
    S(1).i64 = (uint64_t)ip[2] | ((uint64_t)ip[3] << 32);
    ip += 4;
    NEXT();
l_global_get:
    S(1) = inst->globals[ip[2]]->val;
    ip += 3;
    NEXT();
l_global_set:
    inst->globals[ip[1]]->val = S(2);
    ip += 3;
    NEXT();
l_table_get : {
    struct wasm_table *t = inst->tables[ip[2]];
    uint32_t i = S(3).i32;
    if (i >= t->size) {
        TRAP(TRAP_OOB_TABLE);
    }
    S(1) = t->elems[i];
    ip += 4;
    NEXT();
}
l_table_set : {
    struct wasm_table *t = inst->tables[ip[1]];
    uint32_t i = S(2).i32;
    if (i >= t->size) {
        TRAP(TRAP_OOB_TABLE);
    }
    t->elems[i] = S(3);
    ip += 4;
    NEXT();
}
l_memory_size:
    S(1).i32 = inst->memory->pages;
    ip += 2;
    NEXT();
l_memory_grow:
    S(1).i32 = (uint32_t)wasm_memory_grow_pages(inst->memory, S(2).i32);
    RELOAD_MEM();
    ip += 3;
    NEXT();
l_memory_init : {
    const struct wasm_data *d = &inst->mod->datas[ip[1]];
    uint64_t len = inst->data_dropped[ip[1]] ? 0 : d->len;
    uint64_t dst = S(2).i32;
    uint64_t src = S(3).i32;
    uint64_t n = S(4).i32;
    if (src + n > len || dst + n > memsz) {
        TRAP(TRAP_OOB_MEM);
    }
    if (n) {
        memcpy(mem + dst, d->bytes + src, n);
    }
    ip += 5;
    NEXT();
}
l_data_drop:
    inst->data_dropped[ip[1]] = true;
    ip += 2;
    NEXT();
l_memory_copy : {
    uint64_t dst = S(1).i32;
    uint64_t src = S(2).i32;
    uint64_t n = S(3).i32;
    if (src + n > memsz || dst + n > memsz) {
        TRAP(TRAP_OOB_MEM);
    }
    if (n) {
        memmove(mem + dst, mem + src, n);
    }
    ip += 4;
    NEXT();
}
l_memory_fill : {
    uint64_t dst = S(1).i32;
    uint64_t n = S(3).i32;
    if (dst + n > memsz) {
        TRAP(TRAP_OOB_MEM);
    }
    if (n) {
        memset(mem + dst, (int)(S(2).i32 & 0xff), n);
    }
    ip += 4;
    NEXT();
}
l_table_init : {
    struct wasm_table *t = inst->tables[ip[1]];
    const struct wasm_elem_inst *e = &inst->elems[ip[2]];
    uint64_t dst = S(3).i32;
    uint64_t src = S(4).i32;
    uint64_t n = S(5).i32;
    if (src + n > e->n || dst + n > t->size) {
        TRAP(TRAP_OOB_TABLE);
    }
    if (n) {
        memcpy(t->elems + dst, e->refs + src, n * sizeof(*t->elems));
    }
    ip += 6;
    NEXT();
}
l_elem_drop:
    inst->elems[ip[1]].n = 0;
    ip += 2;
    NEXT();
l_table_copy : {
    struct wasm_table *td = inst->tables[ip[1]];
    struct wasm_table *ts = inst->tables[ip[2]];
    uint64_t dst = S(3).i32;
    uint64_t src = S(4).i32;
    uint64_t n = S(5).i32;
    if (src + n > ts->size || dst + n > td->size) {
        TRAP(TRAP_OOB_TABLE);
    }
    if (n) {
        memmove(td->elems + dst, ts->elems + src, n * sizeof(*td->elems));
    }
    ip += 6;
    NEXT();
}
l_table_grow:
    S(1).i32 = (uint32_t)wasm_table_grow_elems(inst->tables[ip[2]], S(4).i32, S(3));
    ip += 5;
    NEXT();
l_table_size:
    S(1).i32 = inst->tables[ip[2]]->size;
    ip += 3;
    NEXT();
l_table_fill : {
    struct wasm_table *t = inst->tables[ip[1]];
    uint64_t i = S(2).i32;
    union wasm_val v = S(3);
    uint64_t n = S(4).i32;
    if (i + n > t->size) {
        TRAP(TRAP_OOB_TABLE);
    }
    for (uint64_t k = 0; k < n; k++) {
        t->elems[i + k] = v;
    }
    ip += 5;
    NEXT();
}
l_ref_is_null:
    S(1).i32 = S(2).ref == 0;
    ip += 3;
    NEXT();
l_ref_func:
    S(1).ref = (uint64_t)(uintptr_t)inst->funcs[ip[2]];
    ip += 3;
    NEXT();

    // ---- memory ----
    LOAD(0x28, uint32_t, i32, (uint32_t))
    LOAD(0x29, uint64_t, i64, (uint64_t))
    LOAD(0x2a, uint32_t, i32, (uint32_t))
    LOAD(0x2b, uint64_t, i64, (uint64_t))
    LOAD(0x2c, int8_t, i32, (uint32_t)(int32_t))
    LOAD(0x2d, uint8_t, i32, (uint32_t))
    LOAD(0x2e, int16_t, i32, (uint32_t)(int32_t))
    LOAD(0x2f, uint16_t, i32, (uint32_t))
    LOAD(0x30, int8_t, i64, (uint64_t)(int64_t))
    LOAD(0x31, uint8_t, i64, (uint64_t))
    LOAD(0x32, int16_t, i64, (uint64_t)(int64_t))
    LOAD(0x33, uint16_t, i64, (uint64_t))
    LOAD(0x34, int32_t, i64, (uint64_t)(int64_t))
    LOAD(0x35, uint32_t, i64, (uint64_t))
    STORE(0x36, uint32_t, i32)
    STORE(0x37, uint64_t, i64)
    STORE(0x38, uint32_t, i32)
    STORE(0x39, uint64_t, i64)
    STORE(0x3a, uint8_t, i32)
    STORE(0x3b, uint16_t, i32)
    STORE(0x3c, uint8_t, i64)
    STORE(0x3d, uint16_t, i64)
    STORE(0x3e, uint32_t, i64)

    // ---- i32 / i64 comparisons ----
    UN(0x45, i32, a.i32 == 0)
    BIN(0x46, i32, a.i32 == b.i32)
    BIN(0x47, i32, a.i32 != b.i32)
    BIN(0x48, i32, (int32_t)a.i32 < (int32_t)b.i32)
    BIN(0x49, i32, a.i32 < b.i32)
    BIN(0x4a, i32, (int32_t)a.i32 > (int32_t)b.i32)
    BIN(0x4b, i32, a.i32 > b.i32)
    BIN(0x4c, i32, (int32_t)a.i32 <= (int32_t)b.i32)
    BIN(0x4d, i32, a.i32 <= b.i32)
    BIN(0x4e, i32, (int32_t)a.i32 >= (int32_t)b.i32)
    BIN(0x4f, i32, a.i32 >= b.i32)
    UN(0x50, i32, a.i64 == 0)
    BIN(0x51, i32, a.i64 == b.i64)
    BIN(0x52, i32, a.i64 != b.i64)
    BIN(0x53, i32, (int64_t)a.i64 < (int64_t)b.i64)
    BIN(0x54, i32, a.i64 < b.i64)
    BIN(0x55, i32, (int64_t)a.i64 > (int64_t)b.i64)
    BIN(0x56, i32, a.i64 > b.i64)
    BIN(0x57, i32, (int64_t)a.i64 <= (int64_t)b.i64)
    BIN(0x58, i32, a.i64 <= b.i64)
    BIN(0x59, i32, (int64_t)a.i64 >= (int64_t)b.i64)
    BIN(0x5a, i32, a.i64 >= b.i64)
    BIN(0x5b, i32, a.f32 == b.f32)
    BIN(0x5c, i32, a.f32 != b.f32)
    BIN(0x5d, i32, a.f32 < b.f32)
    BIN(0x5e, i32, a.f32 > b.f32)
    BIN(0x5f, i32, a.f32 <= b.f32)
    BIN(0x60, i32, a.f32 >= b.f32)
    BIN(0x61, i32, a.f64 == b.f64)
    BIN(0x62, i32, a.f64 != b.f64)
    BIN(0x63, i32, a.f64 < b.f64)
    BIN(0x64, i32, a.f64 > b.f64)
    BIN(0x65, i32, a.f64 <= b.f64)
    BIN(0x66, i32, a.f64 >= b.f64)

    // ---- i32 arithmetic ----
    UN(0x67, i32, clz32(a.i32))
    UN(0x68, i32, ctz32(a.i32))
    UN(0x69, i32, (uint32_t)__builtin_popcount(a.i32))
    BIN(0x6a, i32, a.i32 + b.i32)
    BIN(0x6b, i32, a.i32 - b.i32)
    BIN(0x6c, i32, a.i32 * b.i32)
l_0x6d : {
    int32_t a = (int32_t)S(2).i32;
    int32_t b = (int32_t)S(3).i32;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    if (a == INT32_MIN && b == -1) {
        TRAP(TRAP_OVERFLOW);
    }
    S(1).i32 = (uint32_t)(a / b);
    ip += 4;
    NEXT();
}
l_0x6e : {
    uint32_t b = S(3).i32;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    S(1).i32 = S(2).i32 / b;
    ip += 4;
    NEXT();
}
l_0x6f : {
    int32_t a = (int32_t)S(2).i32;
    int32_t b = (int32_t)S(3).i32;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    S(1).i32 = b == -1 ? 0 : (uint32_t)(a % b);
    ip += 4;
    NEXT();
}
l_0x70 : {
    uint32_t b = S(3).i32;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    S(1).i32 = S(2).i32 % b;
    ip += 4;
    NEXT();
}
    BIN(0x71, i32, a.i32 & b.i32)
    BIN(0x72, i32, a.i32 | b.i32)
    BIN(0x73, i32, a.i32 ^ b.i32)
    BIN(0x74, i32, a.i32 << (b.i32 & 31))
    BIN(0x75, i32, (uint32_t)((int32_t)a.i32 >> (b.i32 & 31)))
    BIN(0x76, i32, a.i32 >> (b.i32 & 31))
    BIN(0x77, i32, rotl32(a.i32, b.i32))
    BIN(0x78, i32, rotr32(a.i32, b.i32))

    // ---- i64 arithmetic ----
    UN(0x79, i64, clz64(a.i64))
    UN(0x7a, i64, ctz64(a.i64))
    UN(0x7b, i64, (uint64_t)__builtin_popcountll(a.i64))
    BIN(0x7c, i64, a.i64 + b.i64)
    BIN(0x7d, i64, a.i64 - b.i64)
    BIN(0x7e, i64, a.i64 * b.i64)
l_0x7f : {
    int64_t a = (int64_t)S(2).i64;
    int64_t b = (int64_t)S(3).i64;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    if (a == INT64_MIN && b == -1) {
        TRAP(TRAP_OVERFLOW);
    }
    S(1).i64 = (uint64_t)(a / b);
    ip += 4;
    NEXT();
}
l_0x80 : {
    uint64_t b = S(3).i64;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    S(1).i64 = S(2).i64 / b;
    ip += 4;
    NEXT();
}
l_0x81 : {
    int64_t a = (int64_t)S(2).i64;
    int64_t b = (int64_t)S(3).i64;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    S(1).i64 = b == -1 ? 0 : (uint64_t)(a % b);
    ip += 4;
    NEXT();
}
l_0x82 : {
    uint64_t b = S(3).i64;
    if (b == 0) {
        TRAP(TRAP_DIV_ZERO);
    }
    S(1).i64 = S(2).i64 % b;
    ip += 4;
    NEXT();
}
    BIN(0x83, i64, a.i64 & b.i64)
    BIN(0x84, i64, a.i64 | b.i64)
    BIN(0x85, i64, a.i64 ^ b.i64)
    BIN(0x86, i64, a.i64 << (b.i64 & 63))
    BIN(0x87, i64, (uint64_t)((int64_t)a.i64 >> (b.i64 & 63)))
    BIN(0x88, i64, a.i64 >> (b.i64 & 63))
    BIN(0x89, i64, rotl64(a.i64, b.i64))
    BIN(0x8a, i64, rotr64(a.i64, b.i64))

    // ---- f32 / f64 arithmetic ----
    UN(0x8b, i32, a.i32 & 0x7fffffffu)
    UN(0x8c, i32, a.i32 ^ 0x80000000u)
    UN(0x8d, f32, __builtin_ceilf(a.f32))
    UN(0x8e, f32, __builtin_floorf(a.f32))
    UN(0x8f, f32, __builtin_truncf(a.f32))
    UN(0x90, f32, __builtin_nearbyintf(a.f32))
    UN(0x91, f32, __builtin_sqrtf(a.f32))
    BIN(0x92, f32, a.f32 + b.f32)
    BIN(0x93, f32, a.f32 - b.f32)
    BIN(0x94, f32, a.f32 * b.f32)
    BIN(0x95, f32, a.f32 / b.f32)
    BIN(0x96, f32, f32_min(a.f32, b.f32))
    BIN(0x97, f32, f32_max(a.f32, b.f32))
    BIN(0x98, i32, (a.i32 & 0x7fffffffu) | (b.i32 & 0x80000000u))
    UN(0x99, i64, a.i64 & 0x7fffffffffffffffull)
    UN(0x9a, i64, a.i64 ^ 0x8000000000000000ull)
    UN(0x9b, f64, __builtin_ceil(a.f64))
    UN(0x9c, f64, __builtin_floor(a.f64))
    UN(0x9d, f64, __builtin_trunc(a.f64))
    UN(0x9e, f64, __builtin_nearbyint(a.f64))
    UN(0x9f, f64, __builtin_sqrt(a.f64))
    BIN(0xa0, f64, a.f64 + b.f64)
    BIN(0xa1, f64, a.f64 - b.f64)
    BIN(0xa2, f64, a.f64 * b.f64)
    BIN(0xa3, f64, a.f64 / b.f64)
    BIN(0xa4, f64, f64_min(a.f64, b.f64))
    BIN(0xa5, f64, f64_max(a.f64, b.f64))
    BIN(0xa6, i64, (a.i64 & 0x7fffffffffffffffull) | (b.i64 & 0x8000000000000000ull))

    // ---- conversions ----
    UN(0xa7, i32, (uint32_t)a.i64)
    TRUNC(0xa8, i32, f32, x > I32_LO_S, x < I32_HI_S, (uint32_t)(int32_t))
    TRUNC(0xa9, i32, f32, x > -1.0, x < I32_HI_U, (uint32_t))
    TRUNC(0xaa, i32, f64, x > I32_LO_S, x < I32_HI_S, (uint32_t)(int32_t))
    TRUNC(0xab, i32, f64, x > -1.0, x < I32_HI_U, (uint32_t))
    UN(0xac, i64, (uint64_t)(int64_t)(int32_t)a.i32)
    UN(0xad, i64, (uint64_t)a.i32)
    TRUNC(0xae, i64, f32, x >= -I64_HI_S, x < I64_HI_S, (uint64_t)(int64_t))
    TRUNC(0xaf, i64, f32, x > -1.0, x < I64_HI_U, (uint64_t))
    TRUNC(0xb0, i64, f64, x >= -I64_HI_S, x < I64_HI_S, (uint64_t)(int64_t))
    TRUNC(0xb1, i64, f64, x > -1.0, x < I64_HI_U, (uint64_t))
    UN(0xb2, f32, (float)(int32_t)a.i32)
    UN(0xb3, f32, (float)a.i32)
    UN(0xb4, f32, (float)(int64_t)a.i64)
    UN(0xb5, f32, (float)a.i64)
    UN(0xb6, f32, (float)a.f64)
    UN(0xb7, f64, (double)(int32_t)a.i32)
    UN(0xb8, f64, (double)a.i32)
    UN(0xb9, f64, (double)(int64_t)a.i64)
    UN(0xba, f64, (double)a.i64)
    UN(0xbb, f64, (double)a.f32)
    UN(0xbc, i32, a.i32)
    UN(0xbd, i64, a.i64)
    UN(0xbe, i32, a.i32)
    UN(0xbf, i64, a.i64)
    UN(0xc0, i32, (uint32_t)(int32_t)(int8_t)a.i32)
    UN(0xc1, i32, (uint32_t)(int32_t)(int16_t)a.i32)
    UN(0xc2, i64, (uint64_t)(int64_t)(int8_t)a.i64)
    UN(0xc3, i64, (uint64_t)(int64_t)(int16_t)a.i64)
    UN(0xc4, i64, (uint64_t)(int64_t)(int32_t)a.i64)
    UN(0xc5, i32, sat_i32_s(a.f32))
    UN(0xc6, i32, sat_i32_u(a.f32))
    UN(0xc7, i32, sat_i32_s(a.f64))
    UN(0xc8, i32, sat_i32_u(a.f64))
    UN(0xc9, i64, sat_i64_s(a.f32))
    UN(0xca, i64, sat_i64_u(a.f32))
    UN(0xcb, i64, sat_i64_s(a.f64))
    UN(0xcc, i64, sat_i64_u(a.f64))

    // ---- binary ops with an immediate right operand ----
    BINI32(0x46, i32, a.i32 == b.i32)
    BINI32(0x47, i32, a.i32 != b.i32)
    BINI32(0x48, i32, (int32_t)a.i32 < (int32_t)b.i32)
    BINI32(0x49, i32, a.i32 < b.i32)
    BINI32(0x4a, i32, (int32_t)a.i32 > (int32_t)b.i32)
    BINI32(0x4b, i32, a.i32 > b.i32)
    BINI32(0x4c, i32, (int32_t)a.i32 <= (int32_t)b.i32)
    BINI32(0x4d, i32, a.i32 <= b.i32)
    BINI32(0x4e, i32, (int32_t)a.i32 >= (int32_t)b.i32)
    BINI32(0x4f, i32, a.i32 >= b.i32)
    BINI32(0x6a, i32, a.i32 + b.i32)
    BINI32(0x6b, i32, a.i32 - b.i32)
    BINI32(0x6c, i32, a.i32 * b.i32)
    BINI32(0x71, i32, a.i32 & b.i32)
    BINI32(0x72, i32, a.i32 | b.i32)
    BINI32(0x73, i32, a.i32 ^ b.i32)
    BINI32(0x74, i32, a.i32 << (b.i32 & 31))
    BINI32(0x75, i32, (uint32_t)((int32_t)a.i32 >> (b.i32 & 31)))
    BINI32(0x76, i32, a.i32 >> (b.i32 & 31))
    BINI32(0x77, i32, rotl32(a.i32, b.i32))
    BINI32(0x78, i32, rotr32(a.i32, b.i32))
    BINI64(0x7c, i64, a.i64 + b.i64)
    BINI64(0x7d, i64, a.i64 - b.i64)
    BINI64(0x7e, i64, a.i64 * b.i64)
    BINI64(0x83, i64, a.i64 & b.i64)
    BINI64(0x84, i64, a.i64 | b.i64)
    BINI64(0x85, i64, a.i64 ^ b.i64)
    BINI64(0x86, i64, a.i64 << (b.i64 & 63))
    BINI64(0x87, i64, (uint64_t)((int64_t)a.i64 >> (b.i64 & 63)))
    BINI64(0x88, i64, a.i64 >> (b.i64 & 63))
    BINI64(0x89, i64, rotl64(a.i64, b.i64))
    BINI64(0x8a, i64, rotr64(a.i64, b.i64))

done:
    ex->nframes = 0;
    ex->fuel = fuel;
    ex->suspended = false;
    return WASM_OK;
trap:
    ex->trap = trap_msg;
    ex->nframes = 0;
    ex->fuel = fuel;
    ex->suspended = false;
    return WASM_ERR_TRAP;
}
