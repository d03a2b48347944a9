// The WASM app runtime: runs one WASI command module (`_start`) as an FTL app, with
// the WASI preview1 subset and the `ftl` import module, in fuel slices. Everything
// it needs from the outside world goes through struct wasm_app_ops, so the same code
// serves the kernel (`isolation: wasm`) and the Linux runner (tests/wasm_run.c).
#pragma once

#include "wasm.h"
#include <ftl/calls.h>

/// Where the runtime reaches the outside world. Every function gets the `ctx` given to
/// wasm_app_create() and has the semantics and error codes of the same entry of struct
/// ftl_calls (ftl/calls.h), with one difference: pointers are never app addresses.
/// The runtime checks every address the module passes against its linear memory
/// (FTL_ERR_BAD_ADDRESS otherwise, before any op runs) and converts the wasm32 layouts,
/// so each pointer an op receives is host memory in the native layout: a properly
/// aligned struct owned by the runtime (out_*, msg, out_ev, out_msg), or a checked
/// range of linear memory (msg->data, log text; bytes only). Pointers are valid only
/// during the call. The kernel can therefore pass them to its sys_* functions as
/// uaddr_t when its copy functions, for a wasm process, are plain memcpy.
///
/// Ops may block (poll_wait), in the thread that called wasm_app_run(). An op may call
/// wasm_app_stop() to end the app when it returns.
struct wasm_app_ops {
    ftl_err_t (*handle_close)(void *ctx, ftl_handle_t h);
    ftl_err_t (*channel_create)(void *ctx, ftl_handle_t *out_a, ftl_handle_t *out_b);
    /// `msg->data` points into linear memory (msg->len bytes, checked), `msg->handles`
    /// to a runtime copy of msg->nhandles handles. len <= FTL_MSG_DATA_MAX and
    /// nhandles <= FTL_MSG_HANDLES_MAX are already checked.
    ftl_err_t (*channel_send)(void *ctx, ftl_handle_t ch, const struct ftl_msg_out *msg);
    /// Fills a runtime-owned struct ftl_msg; the runtime copies header and msg->len
    /// bytes to the app.
    ftl_err_t (*channel_recv)(void *ctx, ftl_handle_t ch, struct ftl_msg *out_msg);
    ftl_err_t (*poll_create)(void *ctx, ftl_handle_t *out_poll);
    ftl_err_t (*poll_add)(void *ctx, ftl_handle_t poll, ftl_handle_t h, uint32_t events,
                          uint64_t ev_ctx);
    ftl_err_t (*poll_modify)(void *ctx, ftl_handle_t poll, ftl_handle_t h, uint32_t events,
                             uint64_t ev_ctx);
    ftl_err_t (*poll_remove)(void *ctx, ftl_handle_t poll, ftl_handle_t h);
    ftl_err_t (*poll_wait)(void *ctx, ftl_handle_t poll, int64_t timeout_ns,
                           struct ftl_event *out_ev);
    ftl_err_t (*timer_create)(void *ctx, ftl_handle_t *out_timer);
    ftl_err_t (*timer_set)(void *ctx, ftl_handle_t timer, int64_t deadline_ns);
    /// Monotonic nanoseconds since boot.
    int64_t (*time_now)(void *ctx);
    /// Nanoseconds since 1970-01-01 UTC for WASI's realtime clock. May be NULL: the
    /// runtime then uses time_now.
    int64_t (*time_realtime)(void *ctx);
    /// One log line without its newline (`len` <= WASM_APP_LINE_MAX, checked). WASI
    /// stdout lines come at FTL_LOG_INFO, stderr lines at FTL_LOG_WARN.
    ftl_err_t (*log_write)(void *ctx, int level, const char *msg, size_t len);
    /// Fills `buf` with `len` random bytes (WASI random_get; len <= 4096 per call).
    void (*random)(void *ctx, void *buf, size_t len);

    // Calls that reach beyond the app, each subject to a grant in the app's spec. Optional:
    // NULL makes the import return FTL_ERR_UNSUPPORTED.
    /// `app` is a checked range of linear memory (`len` bytes, not NUL-terminated).
    ftl_err_t (*process_spawn)(void *ctx, const char *app, size_t len, ftl_handle_t *out_process);
    /// `out` is a checked range of linear memory (same layout on wasm32).
    ftl_err_t (*sys_stats)(void *ctx, struct ftl_sys_stats *out);
    /// `out` is a checked range of linear memory, `max` entries (same layout on wasm32).
    ftl_err_t (*ps)(void *ctx, struct ftl_ps_entry *out, size_t max, size_t *out_n);
    /// `buf` is a checked range of linear memory, `len` bytes.
    ftl_err_t (*log_read)(void *ctx, char *buf, size_t len, size_t *out_len);
    ftl_err_t (*irq_ack)(void *ctx, ftl_handle_t irq);
    ftl_err_t (*process_kill)(void *ctx, ftl_handle_t process);

    // Calls that save kernel calls. Optional: NULL makes the import return
    // FTL_ERR_UNSUPPORTED (the Linux runner has no channel_call: its clients move only
    // while the app waits on a poll).
    /// As channel_send, then waits for the next message on `ch` and fills `out_reply`
    /// (runtime-owned, as for channel_recv).
    ftl_err_t (*channel_call)(void *ctx, ftl_handle_t ch, const struct ftl_msg_out *msg,
                              int64_t timeout_ns, struct ftl_msg *out_reply);
    /// poll_wait that fills `out_msg` (runtime-owned) when the event has FTL_RECEIVE.
    ftl_err_t (*poll_wait_msg)(void *ctx, ftl_handle_t poll, int64_t timeout_ns,
                               struct ftl_event *out_ev, struct ftl_msg *out_msg);
};

#define WASM_APP_LINE_MAX 1000     // bytes per log line; longer stdout lines are split
#define WASM_APP_PAGES_DEFAULT 256 // 16 MiB of linear memory at most

/// What the app gets besides its module.
struct wasm_app_config {
    /// The FTL environ, in the layout of ftl/calls.h (identical for wasm32 and the
    /// native ABI). Read during wasm_app_create() and copied; the handles in it belong
    /// to the app. app_name is argv[0]. String and number items become the WASI
    /// environment as NAME=value; a string item "args" is split at spaces into
    /// argv[1..]; a channel item "stdin" is where fd 0 reads DATA messages from (EOF
    /// when its peer closes; without it fd 0 is at EOF).
    const struct ftl_env *env;
    uint32_t max_memory_pages; // 0: WASM_APP_PAGES_DEFAULT
    uint32_t stack_slots;      // 0: 64 Ki 8-byte value slots
    uint32_t max_frames;       // 0: 4096 nested calls
    /// Optional: who pays for the app's linear memory and tables (see
    /// wasm_store_set_charge); called with the ops' ctx.
    bool (*charge)(void *ctx, size_t bytes);
    void (*uncharge)(void *ctx, size_t bytes);
};

/// What wasm_app_run() reports.
enum wasm_app_status {
    WASM_APP_RUNNING = 1,  // the slice ended (fuel used up or the app yielded): run again
    WASM_APP_EXITED = 0,   // _start returned or the app exited: wasm_app_exit_code()
    WASM_APP_TRAPPED = -1, // the module trapped: wasm_app_error() says why
};

struct wasm_app;

/// Loads, validates and instantiates a WASI command module. Every import must be a
/// function of the WASI subset or of the `ftl` module with the right type; otherwise
/// fails with "unknown import <module>.<name>" (or the reason) in `err`. The bytes may
/// be freed afterwards; `ops` and `ctx` must outlive the app. Returns FTL_OK,
/// FTL_ERR_PARSE (malformed, invalid or unlinkable module, no `_start`),
/// FTL_ERR_INVALID_ARG (no environ or an op missing) or FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t wasm_app_create(const uint8_t *bytes, size_t len,
                                         const struct wasm_app_ops *ops, void *ctx,
                                         const struct wasm_app_config *cfg, char *err,
                                         size_t errlen, struct wasm_app **out_app);

/// Runs the app for at most `fuel` units (one per function entry and loop iteration;
/// WASM_FUEL_UNLIMITED to finish). Returns WASM_APP_RUNNING when the slice ends first
/// (call again to continue), WASM_APP_EXITED or WASM_APP_TRAPPED when it is over
/// (every later call returns the same). Buffered stdout/stderr text is flushed as a
/// last log line when the app ends.
enum wasm_app_status wasm_app_run(struct wasm_app *app, int64_t fuel);

/// The exit code once WASM_APP_EXITED (0 if _start returned).
int wasm_app_exit_code(const struct wasm_app *app);

/// The trap reason once WASM_APP_TRAPPED ("out of bounds memory access", ...).
const char *wasm_app_error(const struct wasm_app *app);

/// For ops: ends the app with `code` as soon as the current op returns.
void wasm_app_stop(struct wasm_app *app, int code);

/// Host view of linear memory [addr, addr + len), or NULL if the range is outside it
/// (or the module has no exported memory). Valid until the module runs again.
void *wasm_app_mem(struct wasm_app *app, uint64_t addr, uint64_t len);

/// Frees the app. Does not close its handles: that is the caller's (the kernel closes
/// the process's handle table).
void wasm_app_destroy(struct wasm_app *app);
