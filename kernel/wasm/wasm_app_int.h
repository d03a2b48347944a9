// Internals of the WASM app runtime shared by wasm_app.c (loading, running),
// wasm_app_wasi.c (WASI preview1) and wasm_app_ftl.c (the `ftl` import module).
#pragma once

#include "wasm_app.h"

#define WASM_APP_ARGS_MAX 32
// iovecs per fd_read/fd_write/fd_pread/fd_pwrite (Linux's IOV_MAX): a longer list is
// EINVAL, so one call's work stays bounded whatever its fuel.
#define WASM_APP_IOV_MAX 1024
// Bytes one fd_write to stdout or stderr takes at most (a short write: wasi-libc writes
// the rest with the next call), and bytes an import moves per unit of fuel: what an
// import does for a module is paid like the module's own work, so a slice that writes
// a lot ends sooner and no single call holds the CPU long.
#define WASM_APP_WRITE_MAX 65536
#define WASM_APP_BYTES_PER_FUEL 64

// One host function the runtime offers to modules.
struct wasm_app_import {
    const char *module;
    const char *name;
    const char *sig; // params ':' results, one letter each: i = i32, I = i64
    wasm_host_fn fn; // called with the struct wasm_app as ctx
};

// A WASI file or directory fd (3 and up) on the fs server (wasm_app_wasi_fs.c).
#define WASM_APP_FILES_MAX 32
#define WASM_APP_PREOPENS_MAX 8 // fds 3.. from the environ (fs_name/fs_root, fs_name1/...)
struct wasm_app_file {
    bool used;
    bool is_dir;
    bool append; // FDFLAG_APPEND: every write goes to the end
    bool can_write;
    bool preopen;              // a preopened directory: prestat names it, it cannot close
    uint64_t rights;           // WASI rights base: what calls on this fd may do
    uint64_t inheriting;       // WASI rights inheriting: what path_open may pass on
    ftl_handle_t ch;           // the file's channel; -1 for a preopen not yet listed
    char path[1024];           // the fs server's absolute path
    char guest[FTL_ENV_STRING_MAX]; // a preopen's name for the guest, e.g. "/data"
};

// Line buffer of WASI fd 1 or 2: text waits here until a newline.
struct wasm_app_line {
    char buf[WASM_APP_LINE_MAX];
    size_t len;
};

struct wasm_app {
    const struct wasm_app_ops *ops;
    void *ctx;
    struct ftl_env *env; // copy of the environ (env_size bytes)
    size_t env_size;
    char *argv[WASM_APP_ARGS_MAX]; // argv[0] = app name; pointers into args_buf
    uint32_t argc;
    char args_buf[FTL_ENV_NAME_MAX + FTL_ENV_STRING_MAX];
    ftl_handle_t stdin_ch;   // channel item "stdin", or -1
    ftl_handle_t stdin_poll; // created on the first read that must wait, or -1
    bool stdin_eof;
    struct ftl_msg stdin_msg; // the DATA message being read, from stdin_pos on
    uint32_t stdin_pos;
    struct wasm_app_line out[2]; // stdout, stderr
    ftl_handle_t stdout_ch;      // channel item "stdout" (fd 1 writes DATA to it), or -1
    ftl_handle_t stdout_poll;    // created on the first write that must wait, or -1
    bool fs_ready;               // the preopens (fd 3..) set up from the environ's `fs` item
    ftl_handle_t fs_ch;          // the fs service channel (0: none)
    ftl_handle_t fs_poll;        // watches fs_poll_ch for a reply, or -1
    ftl_handle_t fs_poll_ch;
    uint64_t fs_cookie;
    uint8_t fs_buf[FTL_MSG_DATA_MAX];  // a request being sent
    uint8_t fs_args[FTL_MSG_DATA_MAX]; // its arguments
    struct wasm_app_file *files;       // fd 3 + i; allocated when the environ has `fs`
    struct ftl_msg msg;                // scratch for channel_recv

    struct wasm_module *mod;
    struct wasm_store *store;
    struct wasm_instance *inst;
    struct wasm_exec *ex;
    struct wasm_memory *mem; // the exported "memory", or NULL
    struct wasm_func *start; // _start
    int phase;               // 0: start section, 1: _start, 2: over
    bool suspended;          // the last slice ran out of fuel: resume it
    enum wasm_app_status status;
    bool stop; // set by proc_exit, ftl.exit or wasm_app_stop()
    int exit_code;
    char error[128];
};

extern const struct wasm_app_import wasm_app_wasi_imports[];
extern const size_t wasm_app_wasi_nimports;
extern const struct wasm_app_import wasm_app_wasi_fs_imports[];
extern const size_t wasm_app_wasi_fs_nimports;
extern const struct wasm_app_import wasm_app_ftl_imports[];
extern const size_t wasm_app_ftl_nimports;

/// File fds (wasm_app_wasi_fs.c) behind the stdio functions of wasm_app_wasi.c; each
/// returns a WASI errno (EBADF for an fd that is not a file).
int wasm_app_fs_rw(struct wasm_app *app, uint32_t fd, uint32_t iovs, uint32_t n, int64_t at,
                   bool write, uint32_t *out_total);
int wasm_app_fs_seek(struct wasm_app *app, uint32_t fd, int64_t offset, uint32_t whence,
                     uint64_t *out_pos);
int wasm_app_fs_close(struct wasm_app *app, uint32_t fd);
int wasm_app_fs_fdstat(struct wasm_app *app, uint32_t fd, uint8_t out[24]);
int wasm_app_fs_prestat(struct wasm_app *app, uint32_t fd, uint32_t buf, bool name,
                        uint32_t name_len);
/// Frees the fd table (the process's end closes the handles).
void wasm_app_fs_destroy(struct wasm_app *app);

/// Reads the app of a host function from its ctx.
static inline struct wasm_app *wasm_app_of(void *ctx)
{
    return (struct wasm_app *)ctx;
}

/// Ends the app with `code` from inside a host function: returns the trap status
/// that unwinds the module; wasm_app_run() reports it as an exit.
enum wasm_status wasm_app_exit_now(struct wasm_app *app, struct wasm_exec *ex, int code);

/// Copies `len` bytes between host memory and linear memory at `addr`; false if the
/// range is outside linear memory.
bool wasm_app_read(struct wasm_app *app, void *dst, uint64_t addr, uint64_t len);
bool wasm_app_write(struct wasm_app *app, uint64_t addr, const void *src, uint64_t len);

/// Little-endian stores and loads into linear memory; false if out of bounds.
bool wasm_app_put_u32(struct wasm_app *app, uint64_t addr, uint32_t v);
bool wasm_app_put_u64(struct wasm_app *app, uint64_t addr, uint64_t v);
bool wasm_app_get_u32(struct wasm_app *app, uint64_t addr, uint32_t *out);

/// Appends WASI stdout (fd 1) or stderr (fd 2) text, logging each complete line.
void wasm_app_line_write(struct wasm_app *app, int fd, const uint8_t *p, size_t len);
/// Logs what is left in both line buffers.
void wasm_app_line_flush(struct wasm_app *app);

/// Looks up an environ item by name (NULL if absent).
const struct ftl_env_item *wasm_app_env_find(const struct wasm_app *app, const char *name,
                                             size_t name_len);

/// Charges the fuel of `bytes` moved by an import (WASM_APP_BYTES_PER_FUEL a unit);
/// out of fuel, the run yields when the import returns.
static inline void wasm_app_charge(struct wasm_exec *ex, uint64_t bytes)
{
    int64_t fuel = wasm_exec_fuel(ex);
    if (fuel != WASM_FUEL_UNLIMITED) {
        wasm_exec_set_fuel(ex, fuel - (int64_t)(bytes / WASM_APP_BYTES_PER_FUEL));
    }
}

/// Ends a host function: the result `v` goes to args[0]; if an op asked to stop the
/// app, the module unwinds instead.
static inline enum wasm_status wasm_app_ret(struct wasm_app *app, struct wasm_exec *ex,
                                            union wasm_val *args, int32_t v)
{
    args[0].i32 = (uint32_t)v;
    return app->stop ? wasm_app_exit_now(app, ex, app->exit_code) : WASM_OK;
}
