// Internal data structures of the wasm engine, shared by the decoder, the
// translator, the instantiator and the interpreter.
#pragma once

#include "wasm.h"

#define WASM_MAX_PAGES 65536u
#define WASM_MAX_LOCALS 50000u        // engine limit on params + locals per function
#define WASM_MAX_PARAMS 1000u         // engine limit on params, and on results, per type
#define WASM_MAX_TABLE_SIZE 10000000u // engine limit on table elements
#define WASM_STATIC_TYPE_ANY 0        // "unknown" operand type during validation

// ---- translated code ------------------------------------------------------
//
// A function body becomes an array of 32-bit words: an opcode followed by its
// operands. Operands are frame slot indices (locals first, then one slot per
// operand-stack height), 32-bit immediates, or branch offsets relative to the word
// that holds them. Numeric ops, loads and stores keep their wasm opcode number;
// the other ops use the free numbers below 0x28 and from 0xc5.

enum wasm_op {
    OP_UNREACHABLE = 0x00, // -
    OP_FUEL = 0x01,        // -            (yield point: function entry, loop header)
    OP_BR = 0x02,          // off
    OP_BR_IF = 0x03,       // cond off
    OP_BR_UNLESS = 0x04,   // cond off
    OP_BR_TABLE = 0x05,    // idx n off*(n+1)
    OP_RETURN = 0x06,      // -            (results already in slots 0..)
    OP_CALL = 0x07,        // funcidx base
    OP_CALL_INDIRECT = 0x08, // table typeidx base idx
    OP_SELECT = 0x09,      // dst a b cond
    OP_COPY = 0x0a,        // dst src
    OP_CONST32 = 0x0b,     // dst imm
    OP_CONST64 = 0x0c,     // dst lo hi
    OP_GLOBAL_GET = 0x0d,  // dst idx
    OP_GLOBAL_SET = 0x0e,  // idx src
    OP_TABLE_GET = 0x0f,   // dst table idx
    OP_TABLE_SET = 0x10,   // table idx val
    OP_MEMORY_SIZE = 0x11, // dst
    OP_MEMORY_GROW = 0x12, // dst delta
    OP_MEMORY_INIT = 0x13, // seg d s n
    OP_DATA_DROP = 0x14,   // seg
    OP_MEMORY_COPY = 0x15, // d s n
    OP_MEMORY_FILL = 0x16, // d v n
    OP_TABLE_INIT = 0x17,  // table seg d s n
    OP_ELEM_DROP = 0x18,   // seg
    OP_TABLE_COPY = 0x19,  // dtable stable d s n
    OP_TABLE_GROW = 0x1a,  // dst table init n
    OP_TABLE_SIZE = 0x1b,  // dst table
    OP_TABLE_FILL = 0x1c,  // table i val n
    OP_REF_IS_NULL = 0x1d, // dst src
    OP_REF_FUNC = 0x1e,    // dst funcidx
    OP_COPY2 = 0x1f,       // dst src dst2 src2
    // 0x28..0x3e: loads (dst addr offset) and stores (addr val offset)
    // 0x45..0xc4: numeric (dst a [b])
    OP_TRUNC_SAT_BASE = 0xc5, // 0xc5..0xcc: i32.trunc_sat_f32_s .. i64.trunc_sat_f64_u
    // fused compare-and-branch: a b off
    OP_BR_I32_EQ = 0xcd,
    OP_BR_I32_NE,
    OP_BR_I32_LT_S,
    OP_BR_I32_LT_U,
    OP_BR_I32_GT_S,
    OP_BR_I32_GT_U,
    OP_BR_I32_LE_S,
    OP_BR_I32_LE_U,
    OP_BR_I32_GE_S,
    OP_BR_I32_GE_U,
    // i32 binary ops 0x46..0x78 with a constant right operand: dst a imm
    OP_IMM32_BASE = 0x100,
    // i64 binary ops 0x7c..0x8a with a constant right operand: dst a lo hi
    OP_IMM64_BASE = OP_IMM32_BASE + (0x78 - 0x46 + 1),
    // fused i32 compare-with-constant-and-branch (same order as OP_BR_I32_*): a imm off
    OP_BRI_I32_BASE = OP_IMM64_BASE + (0x8a - 0x7c + 1),
    OP_COUNT = OP_BRI_I32_BASE + 10,
};

struct wasm_code {
    uint32_t *words;
    uint32_t nwords;
    uint32_t nparams;
    uint32_t nlocals;     // params + declared locals
    uint32_t frame_slots; // nlocals + deepest operand stack (>= nresults)
};

// ---- module ---------------------------------------------------------------

struct wasm_limits {
    uint32_t min;
    uint32_t max;
    bool has_max;
};

struct wasm_table_type {
    uint8_t reftype;
    struct wasm_limits lim;
};

struct wasm_global_type {
    uint8_t type;
    bool mut;
};

// A constant expression: one instruction (2.0 has no extended-const).
struct wasm_const_expr {
    uint8_t op; // 0x41..0x44 const, 0xd0 ref.null, 0xd2 ref.func, 0x23 global.get
    uint32_t idx;
    union wasm_val val;
};

struct wasm_import {
    char *module;
    char *name;
    uint32_t module_len;
    uint32_t name_len;
    uint8_t kind;
    uint32_t type_idx;              // func
    struct wasm_table_type table;   // table
    struct wasm_limits mem;         // memory
    struct wasm_global_type global; // global
};

struct wasm_export {
    char *name;
    uint32_t name_len; // names may contain NUL
    uint8_t kind;
    uint32_t idx;
};

enum wasm_seg_mode { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

struct wasm_elem {
    uint8_t mode;
    uint8_t reftype;
    uint32_t table;
    struct wasm_const_expr offset;
    uint32_t n;
    struct wasm_const_expr *items;
};

struct wasm_data {
    uint8_t mode;
    struct wasm_const_expr offset;
    uint32_t len;
    uint8_t *bytes;
};

struct wasm_module {
    struct wasm_functype *types;
    uint32_t ntypes;
    struct wasm_import *imports;
    uint32_t nimports;
    uint32_t *func_type;  // type index of every function, imports first
    uint32_t nfuncs;
    uint32_t nfunc_imports;
    struct wasm_code *codes; // defined functions
    bool *func_declared;     // may be named by ref.func in code
    struct wasm_table_type *tables;
    uint32_t ntables;
    uint32_t ntable_imports;
    struct wasm_limits memory;
    uint32_t nmemories; // 0 or 1
    bool memory_imported;
    struct wasm_global_type *globals;
    struct wasm_const_expr *global_init; // defined globals only
    uint32_t nglobals;
    uint32_t nglobal_imports;
    struct wasm_export *exports;
    uint32_t nexports;
    int64_t start; // -1 when absent
    struct wasm_elem *elems;
    uint32_t nelems;
    struct wasm_data *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;
};

// ---- runtime objects ---------------------------------------------------------

struct wasm_func {
    const struct wasm_functype *type;
    struct wasm_instance *inst; // NULL for host functions
    const struct wasm_code *code;
    wasm_host_fn host;
    void *ctx;
};

struct wasm_table {
    uint8_t reftype;
    uint32_t size;
    uint32_t max; // engine max when the type has none
    bool has_max;
    union wasm_val *elems;
    struct wasm_store *store; // charged for elems
};

struct wasm_memory {
    uint8_t *data;
    uint64_t size; // bytes
    uint32_t pages;
    uint32_t max_pages;
    bool has_max;
    struct wasm_store *store; // charged for data
};

struct wasm_global {
    uint8_t type;
    bool mut;
    union wasm_val val;
};

struct wasm_elem_inst {
    uint32_t n; // 0 once dropped
    union wasm_val *refs;
};

struct wasm_instance {
    const struct wasm_module *mod;
    struct wasm_store *store;
    struct wasm_func **funcs;
    struct wasm_table **tables;
    struct wasm_memory *memory; // never NULL: an empty memory when the module has none
    struct wasm_global **globals;
    struct wasm_elem_inst *elems;
    bool *data_dropped;
};

struct wasm_frame {
    const uint32_t *ip; // NULL: return to the host
    union wasm_val *fp;
    struct wasm_instance *inst;
};

struct wasm_exec {
    union wasm_val *stack;
    union wasm_val *stack_end;
    struct wasm_frame *frames;
    uint32_t max_frames;
    uint32_t nframes;
    int64_t fuel;
    bool running; // inside wasm_interp_run (a host function must not re-enter)
    // state of a run suspended by WASM_OUT_OF_FUEL
    bool suspended;
    const uint32_t *ip;
    union wasm_val *fp;
    struct wasm_instance *inst;
    const struct wasm_functype *entry_type;
    const char *trap;
    char trap_buf[96];
};

// ---- internal functions --------------------------------------------------------

/// Translates (and validates) one function body; `r` is positioned at its locals.
struct wasm_reader;
bool wasm_compile_body(struct wasm_reader *r, struct wasm_module *m, uint32_t func_idx,
                       const uint8_t *end);

/// Runs the interpreter from the state saved in `ex` (a fresh call or a resume).
enum wasm_status wasm_interp_run(struct wasm_exec *ex);

bool wasm_functype_eq(const struct wasm_functype *a, const struct wasm_functype *b);

// store.c
enum wasm_obj_kind { OBJ_PLAIN, OBJ_TABLE, OBJ_MEMORY, OBJ_INSTANCE };
/// Makes the store own `p` (from kzalloc); frees it and returns NULL when out of memory.
void *wasm_store_adopt(struct wasm_store *s, void *p, uint8_t kind);
/// Old size in pages/elements, or -1 when the object cannot grow by `delta`.
int64_t wasm_memory_grow_pages(struct wasm_memory *mem, uint32_t delta);
int64_t wasm_table_grow_elems(struct wasm_table *t, uint32_t delta, union wasm_val init);

/// Byte-stream reader with error reporting shared by the decoder and the translator.
struct wasm_reader {
    const uint8_t *start;
    const uint8_t *p;
    const uint8_t *end;
    const char *section;
    enum wasm_status status; // first error, WASM_OK while none
    char *err;
    size_t errlen;
};

bool wasm_fail(struct wasm_reader *r, enum wasm_status st, const char *reason);
bool wasm_read_u8(struct wasm_reader *r, uint8_t *out);
bool wasm_read_u32(struct wasm_reader *r, uint32_t *out);
bool wasm_read_s32(struct wasm_reader *r, int32_t *out);
bool wasm_read_s33(struct wasm_reader *r, int64_t *out);
bool wasm_read_s64(struct wasm_reader *r, int64_t *out);
bool wasm_read_bytes(struct wasm_reader *r, void *dst, size_t n);
bool wasm_read_valtype(struct wasm_reader *r, uint8_t *out);
bool wasm_read_reftype(struct wasm_reader *r, uint8_t *out);

// segments.c and the constant expressions they share with decode.c
bool wasm_decode_elems(struct wasm_reader *r, struct wasm_module *m);
bool wasm_decode_datas(struct wasm_reader *r, struct wasm_module *m);
bool wasm_read_const_expr(struct wasm_reader *r, struct wasm_module *m, uint8_t want,
                          struct wasm_const_expr *out);

/// The trap of a call to a function whose body is missing. The loader refuses such
/// modules; the interpreter checks again rather than follow a NULL code pointer.
#define WASM_TRAP_NO_CODE "function has no code"

static inline bool wasm_code_is_runnable(const struct wasm_code *c)
{
    return c && c->words && c->nwords > 0;
}

static inline bool wasm_is_reftype(uint8_t t)
{
    return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}
