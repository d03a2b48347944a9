// App spec files (apps/<name>/spec.yaml): the parsed form, the parser, and the
// whole-system checks (missing services, duplicate exports, dependency cycles).
// Portable: used by the kernel's startup code at boot and by tools/speccheck at build.
#pragma once

#include "klib.h"
#include <ftl/abi.h>

#define SPEC_NAME_MAX 32      // app, env key and service names, NUL included
#define SPEC_STRING_MAX 128   // string values, NUL included
#define SPEC_ENV_MAX 16       // env items per spec
#define SPEC_PREOPENS_MAX 4   // preopened directories per wasm app (WASI fds 3..6)
#define SPEC_EXPORTS_MAX 8    // exported services per spec
#define SPEC_FILE_MAX 96      // file name kept for error messages, NUL included
#define SPEC_SYSTEM_MAX 128   // specs spec_check_system accepts at once
#define SPEC_SPAWN_MAX 24     // apps one spec may grant spawning (the shell: its tools)
#define SPEC_VIA_MAX 2        // interceptors on one service item (`via:`)

enum spec_isolation {
    SPEC_ISO_INKERNEL,
    SPEC_ISO_USER,
    SPEC_ISO_WASM,
    SPEC_ISO_JS,
    SPEC_ISO_VMM,
};

enum spec_env_kind {
    SPEC_ENV_STRING,   // { string: "text" }
    SPEC_ENV_NUMBER,   // { number: 42 }  (signed 64-bit, decimal or 0x hex)
    SPEC_ENV_SERVICE,  // { service: echo }  a channel to the app exporting `echo`
    SPEC_ENV_DEVICE,   // { device: { compatible: "virtio,mmio", virtio_id: 1 } }
};

struct spec_env_item {
    char name[SPEC_NAME_MAX];
    enum spec_env_kind kind;
    int line;                        // 1-based line of the item, for errors
    char str[SPEC_STRING_MAX];       // STRING: the value; SERVICE: the service name;
                                     // DEVICE: the compatible string
    int64_t number;                  // NUMBER: the value; DEVICE: virtio_id, or -1 if absent
    bool optional;                   // SERVICE with `optional: true`: the app starts without
                                     // it when nobody serves it (ftl_service_connect later)
    uint32_t nvia;                   // SERVICE with `via: [a, b]`: the interceptor apps its
    char via[SPEC_VIA_MAX][SPEC_NAME_MAX]; // channel passes through, in order (controller.md)
};

struct spec_export {
    char service[SPEC_NAME_MAX];
    int line;
};

// What an app may do beyond itself (`grants:` in its spec, docs/specs.md). Without
// its grant, a call returns FTL_ERR_DENIED. Bit n is grant key n of spec.c.
enum spec_grant {
    SPEC_GRANT_SPAWN = 1u << 0,      // ftl_process_spawn, of the apps in `spawn` only
    SPEC_GRANT_LOG_READ = 1u << 1,   // ftl_log_read: every app's log lines
    SPEC_GRANT_PS = 1u << 2,         // ftl_ps: every process
    SPEC_GRANT_STATS = 1u << 3,      // ftl_sys_stats: system-wide memory and process counts
    SPEC_GRANT_DMA = 1u << 4,        // ftl_dma_alloc
    SPEC_GRANT_DEVICE = 1u << 5,     // `device` env items, ftl_irq_ack
    SPEC_GRANT_CONSOLE = 1u << 6,    // the `console` env item (typed bytes), ftl_console_write
    SPEC_GRANT_VM = 1u << 7,         // ftl_vm_create: a virtual machine (<ftl/vm.h>)
    SPEC_GRANT_CONTROL = 1u << 8,    // the controller's calls (<ftl/control.h>): start apps
                                     // from spec text, adopt, route and reach any service
    SPEC_GRANT_TRACE = 1u << 9,      // ftl_trace_attach: watch another app's messages
};

// restart: what the controller does when the app ends (docs/controller.md).
enum spec_restart {
    SPEC_RESTART_NEVER,              // the default: started once, like a boot app always was
    SPEC_RESTART_ON_FAILURE,         // again when it exits nonzero, crashes or is killed
    SPEC_RESTART_ALWAYS,             // again whenever it ends
};

struct spec_grants {
    uint32_t bits;                   // SPEC_GRANT_*; SPAWN iff nspawn > 0
    uint32_t nspawn;
    char spawn[SPEC_SPAWN_MAX][SPEC_NAME_MAX]; // the apps it may spawn
};

#define SPEC_HEAP_KIB_MAX (64 * 1024)  // limits.heap_kib: at most 64 MiB
#define SPEC_HANDLES_MAX FTL_PROCESS_HANDLES_MAX
#define SPEC_KMEM_KIB_MAX (1024 * 1024) // limits.kmem_kib: at most 1 GiB
#define SPEC_CPU_MS_MAX (3600 * 1000)   // limits.cpu_ms: at most an hour

// One entry of `preopens`: the directory a wasm app sees through WASI.
struct spec_preopen {
    char guest[SPEC_STRING_MAX]; // the guest's absolute path, e.g. "/data"
    char path[SPEC_STRING_MAX];  // the fs server's path behind it (the file: URI's path)
    int line;
};

struct spec {
    char file[SPEC_FILE_MAX];        // as given to spec_parse, for errors
    char name[SPEC_NAME_MAX];
    enum spec_isolation isolation;
    int64_t heap_kib;                // limits.heap_kib, or 0 for the default
    int64_t handles;                 // limits.handles, or 0 for the default
    int64_t kmem_kib;                // limits.kmem_kib, or 0 for the default
    int64_t cpu_ms;                  // limits.cpu_ms (js: CPU per event-loop turn), or 0
    struct spec_env_item env[SPEC_ENV_MAX];
    size_t nenv;
    struct spec_export exports[SPEC_EXPORTS_MAX];
    size_t nexports;
    struct spec_grants grants;
    // preopens: { "/data": "file:/data", ... } (wasm apps with an `fs` env item): the
    // guest's directory and the fs server's path behind it, in spec order (WASI fds 3..);
    // npreopens is 0 when the spec has none.
    struct spec_preopen preopens[SPEC_PREOPENS_MAX];
    size_t npreopens;
    bool no_boot;                    // `boot: false`: started only by ftl_process_spawn
    enum spec_restart restart;       // `restart:`, SPEC_RESTART_NEVER when absent
};

struct spec_error {
    char file[SPEC_FILE_MAX];
    int line;                        // 1-based; 0 when the error has no line
    char reason[160];
};

/// Parses one spec file. `text` need not be NUL-terminated.
/// Returns FTL_OK and fills `out`, or FTL_ERR_PARSE and fills `err` with the file,
/// line and reason (YAML syntax, unknown key or grant, wrong type, bad name, missing
/// `name` or `isolation`, duplicate key, too many items, a `device` env item without
/// the `device` grant); FTL_ERR_INVALID_ARG if `out` or `err`
/// is NULL, or `text` is NULL while `len` > 0. Needs about 1 KiB of stack.
FTL_MUST_CHECK ftl_err_t spec_parse(const char *file, const char *text, size_t len,
                                    struct spec *out, struct spec_error *err);

/// Checks a set of parsed specs as one system: duplicate app names, a service
/// exported twice, an env item naming a service nobody exports, and a dependency
/// cycle between apps. Marks every spec that cannot start in `out_ok[i]` (false),
/// including apps that depend, directly or not, on an app that cannot start.
/// Calls `report(ctx, err)` once per error found (`report` may be NULL); `err` lives only
/// during the call. Returns FTL_OK if there was no error, FTL_ERR_PARSE otherwise (also
/// when `n` > SPEC_SYSTEM_MAX: then every app is marked), FTL_ERR_INVALID_ARG if `specs`
/// or `out_ok` is NULL while `n` > 0.
FTL_MUST_CHECK ftl_err_t spec_check_system(const struct spec *specs, size_t n, bool *out_ok,
                                           void (*report)(void *ctx, const struct spec_error *err),
                                           void *ctx);

/// True if `name` is a valid app or environ name: a-z first, then a-z, 0-9 and _,
/// shorter than SPEC_NAME_MAX.
bool spec_name_is_valid(const char *name);

/// True if `g` lets its app spawn the app called `name`.
bool spec_grants_spawn(const struct spec_grants *g, const char *name);

/// Returns the name of an isolation mode ("inkernel", "user", ...).
const char *spec_isolation_name(enum spec_isolation iso);
