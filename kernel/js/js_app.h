// The JS app runtime: runs one app's main.js on QuickJS as an FTL app, with the
// `ftl` API (kernel/js/prelude.js) and an event loop over one poll handle. It
// reaches the outside world only through struct wasm_app_ops (kernel/wasm/wasm_app.h:
// the same table, with host pointers), and allocates only from the arena it is
// given, so the same code serves the kernel (`isolation: js`, kernel/isolation/js.c),
// the Linux runner js-run and the fuzzer.
#pragma once

#include "arena.h"
#include "../wasm/wasm_app.h"

#define JS_APP_HEAP_DEFAULT (4u << 20)  // arena limit without limits.heap_kib
#define JS_APP_ERROR_MAX 480            // bytes of an error description

struct js_app_config {
    const struct ftl_env *env;       // read during js_app_create; its handles are the app's
    size_t stack_size;               // C stack the engine may use (JS_SetMaxStackSize)
    /// Optional: called by the engine's interrupt hook (about every 10,000 bytecodes
    /// and inside regexps); returning true stops the script with "interrupted".
    bool (*interrupt)(void *ctx);
    /// Optional: called when a turn of the event loop starts (after each wait).
    void (*turn_begin)(void *ctx);
};

enum js_app_status {
    JS_APP_EXITED = 0,   // nothing left to do, or ftl.exit(): js_app_exit_code()
    JS_APP_FAILED = -1,  // uncaught exception, rejection, load error: js_app_error()
};

struct js_app;

/// Makes a runtime and context in `arena` (which must outlive the app), installs the
/// API and compiles `src` (`len` bytes, named `file` in errors and stacks). A syntax
/// error fails with FTL_ERR_PARSE and "<file>:<line>:<col>: SyntaxError: <reason>" in
/// `err`; FTL_ERR_NO_MEMORY if the arena is too small for an empty runtime.
FTL_MUST_CHECK ftl_err_t js_app_create(struct js_arena *arena, const char *file, const char *src,
                                       size_t len, const struct wasm_app_ops *ops, void *ctx,
                                       const struct js_app_config *cfg, char *err, size_t errlen,
                                       struct js_app **out_app);
/// Runs main.js, then the event loop until nothing is left to wait for, ftl.exit(),
/// or an exception nobody caught.
enum js_app_status js_app_run(struct js_app *app);
/// The exit code once JS_APP_EXITED.
int js_app_exit_code(const struct js_app *app);
/// What ended a JS_APP_FAILED app ("uncaught exception", "cpu budget exceeded",
/// "unhandled promise rejection") and the details (message and JS stack, one line).
const char *js_app_error_kind(const struct js_app *app);
const char *js_app_error(const struct js_app *app);
/// Frees the runtime through the engine (host builds: checks for leaks). The kernel
/// does not call it: it drops the whole arena instead.
void js_app_destroy(struct js_app *app);
