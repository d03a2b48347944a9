// Portable WebAssembly 2.0 engine (no SIMD): decoder, validator, translator to
// pre-decoded slot code, and a resumable interpreter with fuel.
#pragma once

#include "../klib.h"

/// Value types, encoded as in the binary format.
enum wasm_valtype {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
};

enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
};

/// Status of every engine call. Negative values are errors.
enum wasm_status {
    WASM_OK = 0,
    WASM_OUT_OF_FUEL = 1,    // the run stopped at a yield point; wasm_resume() continues it
    WASM_ERR_MALFORMED = -1, // the binary cannot be decoded
    WASM_ERR_INVALID = -2,   // the module decodes but does not validate
    WASM_ERR_LINK = -3,      // an import is missing or has the wrong type
    WASM_ERR_TRAP = -4,      // the module trapped; wasm_exec_trap_message() says why
    WASM_ERR_NO_MEMORY = -5, // an allocation or an engine limit failed
    WASM_ERR_ARG = -6,       // the host passed a bad argument (e.g. wrong value count)
};

#define WASM_PAGE_SIZE 65536u
#define WASM_FUEL_UNLIMITED INT64_MAX

/// One value. i32/f32 use the low 32 bits. A funcref is a `struct wasm_func *` (0 is
/// null); an externref is an opaque host word (0 is null).
union wasm_val {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    uint64_t ref;
};

struct wasm_functype {
    uint32_t nparams;
    uint32_t nresults;
    const uint8_t *params; // enum wasm_valtype each
    const uint8_t *results;
};

struct wasm_store;
struct wasm_module;
struct wasm_instance;
struct wasm_func;
struct wasm_table;
struct wasm_memory;
struct wasm_global;
struct wasm_exec;

/// An imported or exported object.
struct wasm_extern {
    enum wasm_extern_kind kind;
    union {
        struct wasm_func *func;
        struct wasm_table *table;
        struct wasm_memory *memory;
        struct wasm_global *global;
    };
};

/// What a module expects for one import.
struct wasm_import_desc {
    const char *module; // NUL-terminated, but may also contain NULs: see *_len
    const char *name;
    uint32_t module_len;
    uint32_t name_len;
    enum wasm_extern_kind kind;
    const struct wasm_functype *functype; // WASM_EXTERN_FUNC
    uint8_t type;                         // table reftype or global valtype
    bool mut;                             // global
    uint32_t min, max;                    // table/memory limits
    bool has_max;
};

/// A host function: reads its arguments from `args[0..nparams)` and writes its
/// results to `args[0..nresults)`. Returns WASM_OK, or WASM_ERR_TRAP after
/// wasm_exec_set_trap() to stop the module.
typedef enum wasm_status (*wasm_host_fn)(struct wasm_exec *ex, void *ctx, union wasm_val *args);

// ---- modules -------------------------------------------------------------

/// Decodes and validates `len` bytes and translates every function body. The bytes
/// may be freed afterwards. On failure returns WASM_ERR_MALFORMED or
/// WASM_ERR_INVALID (or WASM_ERR_NO_MEMORY) and writes "section, offset: reason" to
/// `err`. The module must outlive every instance made from it.
enum wasm_status wasm_module_load(const uint8_t *bytes, size_t len, char *err, size_t errlen,
                                  struct wasm_module **out_mod);

/// Frees a module returned by wasm_module_load(). NULL is ignored.
void wasm_module_free(struct wasm_module *mod);

/// Number of imports; wasm_module_import() describes import `i` (false if out of range).
uint32_t wasm_module_import_count(const struct wasm_module *mod);
bool wasm_module_import(const struct wasm_module *mod, uint32_t i, struct wasm_import_desc *out);

/// Number of exports; wasm_module_export_name() gives the name of export `i` (its
/// length in *out_len) and its kind, false if out of range.
uint32_t wasm_module_export_count(const struct wasm_module *mod);
bool wasm_module_export_name(const struct wasm_module *mod, uint32_t i, const char **out_name,
                             uint32_t *out_len, enum wasm_extern_kind *out_kind);

// ---- store: owns instances and every runtime object -----------------------

/// Creates an empty store. `max_memory_pages` caps each linear memory (0: 65536).
struct wasm_store *wasm_store_create(uint32_t max_memory_pages);

/// Who pays for the store's memories and tables: `charge(ctx, bytes)` is asked
/// before they take `bytes` more (false refuses: creation or growth fails as if
/// out of memory) and `uncharge(ctx, bytes)` told when they give bytes back. Set it
/// before anything is created in the store; without it nothing is charged.
void wasm_store_set_charge(struct wasm_store *store, bool (*charge)(void *ctx, size_t bytes),
                           void (*uncharge)(void *ctx, size_t bytes), void *ctx);

/// Frees the store and everything created in it. NULL is ignored.
void wasm_store_destroy(struct wasm_store *store);

/// Creates a host function with a copy of `type`. Returns NULL when out of memory.
struct wasm_func *wasm_func_create_host(struct wasm_store *store, const struct wasm_functype *type,
                                        wasm_host_fn fn, void *ctx);
struct wasm_table *wasm_table_create(struct wasm_store *store, uint8_t reftype, uint32_t min,
                                     uint32_t max, bool has_max);
struct wasm_memory *wasm_memory_create(struct wasm_store *store, uint32_t min, uint32_t max,
                                       bool has_max);
struct wasm_global *wasm_global_create(struct wasm_store *store, uint8_t type, bool mut,
                                       union wasm_val val);

/// The function's signature (valid as long as the store).
const struct wasm_functype *wasm_func_type(const struct wasm_func *f);
union wasm_val wasm_global_get(const struct wasm_global *g);
uint8_t wasm_global_type(const struct wasm_global *g);
/// Current base and size in bytes of a memory; the base moves when it grows.
uint8_t *wasm_memory_data(const struct wasm_memory *mem, uint64_t *out_size);

/// Links `mod` against `imports` (one per import, in order), allocates its objects
/// and applies its element and data segments. Does not run the start function.
/// Returns WASM_ERR_LINK (missing/mismatched import), WASM_ERR_TRAP (a segment is
/// out of bounds; earlier segments stay applied, as the spec requires) or
/// WASM_ERR_NO_MEMORY, with a message in `err`.
enum wasm_status wasm_instance_create(struct wasm_store *store, const struct wasm_module *mod,
                                      const struct wasm_extern *imports, uint32_t nimports,
                                      char *err, size_t errlen, struct wasm_instance **out_inst);

/// Runs the start function, if any, on `ex` (returns as wasm_call()).
enum wasm_status wasm_instance_start(struct wasm_instance *inst, struct wasm_exec *ex);

/// Looks up an export by name; false if there is none.
bool wasm_instance_export(const struct wasm_instance *inst, const char *name,
                          struct wasm_extern *out);
/// The same for names of `len` bytes that may contain NUL.
bool wasm_instance_export_n(const struct wasm_instance *inst, const char *name, size_t len,
                            struct wasm_extern *out);

// ---- execution --------------------------------------------------------------

/// Creates an execution context (one wasm thread) with a value stack of `stack_slots`
/// 8-byte slots and at most `max_frames` nested calls; exceeding either traps with
/// "call stack exhausted". Fuel starts unlimited.
struct wasm_exec *wasm_exec_create(uint32_t stack_slots, uint32_t max_frames);
void wasm_exec_destroy(struct wasm_exec *ex);

/// Sets the fuel: one unit is spent per function entry and loop iteration. When it
/// runs out, the run returns WASM_OUT_OF_FUEL and wasm_resume() continues it. A host
/// function may call both on its `ex`: setting 0 ends the run at the next yield point.
void wasm_exec_set_fuel(struct wasm_exec *ex, int64_t fuel);
int64_t wasm_exec_fuel(const struct wasm_exec *ex);

/// Calls `f` with `nargs` arguments (checked against its type). Returns WASM_OK with
/// the results in `results`, WASM_ERR_TRAP, or WASM_OUT_OF_FUEL (then the context is
/// suspended: call wasm_resume() with more fuel, or wasm_exec_abort()). Returns
/// WASM_ERR_ARG on a count mismatch, while suspended, or when called from a host
/// function running on the same context (use another wasm_exec for that).
enum wasm_status wasm_call(struct wasm_exec *ex, struct wasm_func *f, const union wasm_val *args,
                           uint32_t nargs, union wasm_val *results, uint32_t nresults);

/// Continues a run suspended by WASM_OUT_OF_FUEL; returns as wasm_call().
enum wasm_status wasm_resume(struct wasm_exec *ex, union wasm_val *results, uint32_t nresults);

/// Drops a suspended run.
void wasm_exec_abort(struct wasm_exec *ex);

/// The reason for the last WASM_ERR_TRAP.
const char *wasm_exec_trap_message(const struct wasm_exec *ex);

/// For host functions: records a trap reason and returns WASM_ERR_TRAP.
enum wasm_status wasm_exec_set_trap(struct wasm_exec *ex, const char *msg);
