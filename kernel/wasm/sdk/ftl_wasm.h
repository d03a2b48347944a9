// The FTL SDK for WASM apps: the names and semantics of ftl.h on top of the `ftl`
// import module of the WASM app runtime (kernel/wasm/wasm_app_ftl.c). Header-only.
// Build an app as a WASI command:
//   clang --target=wasm32-wasi --sysroot=/usr -O2 -Ilibs/c/ftl/include \
//       -Ikernel/wasm/sdk -o app.wasm main.c
// The app's main() calls ftl_env_load() for what app_main(env) gets natively.
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftl/abi.h>
#include <ftl/calls.h>

#if !defined(__wasm32__)
#error "ftl_wasm.h is for wasm32 apps; native apps use ftl.h"
#endif

// On wasm32 the structs of ftl/calls.h have exactly the layouts the runtime reads.
_Static_assert(sizeof(struct ftl_msg_out) == 32 && offsetof(struct ftl_msg_out, data) == 16 &&
                   offsetof(struct ftl_msg_out, handles) == 20 &&
                   offsetof(struct ftl_msg_out, nhandles) == 24,
               "wasm32 ftl_msg_out layout");
_Static_assert(offsetof(struct ftl_msg, data) == 40, "wasm32 ftl_msg layout");
_Static_assert(sizeof(struct ftl_event) == 16, "wasm32 ftl_event layout");
_Static_assert(sizeof(struct ftl_env_item) == 200 && offsetof(struct ftl_env, items) == 40,
               "wasm32 ftl_env layout");

#define FTL_IMPORT(name) __attribute__((import_module("ftl"), import_name(name)))

// ---- the raw imports (see docs/wasm.md); apps use the functions below -------------

FTL_IMPORT("handle_close") ftl_err_t ftl_import_handle_close(ftl_handle_t h);
FTL_IMPORT("channel_create") ftl_err_t ftl_import_channel_create(ftl_handle_t *a, ftl_handle_t *b);
FTL_IMPORT("channel_send")
ftl_err_t ftl_import_channel_send(ftl_handle_t ch, const struct ftl_msg_out *msg);
FTL_IMPORT("channel_recv") ftl_err_t ftl_import_channel_recv(ftl_handle_t ch, struct ftl_msg *m);
FTL_IMPORT("poll_create") ftl_err_t ftl_import_poll_create(ftl_handle_t *out);
FTL_IMPORT("poll_add")
ftl_err_t ftl_import_poll_add(ftl_handle_t poll, ftl_handle_t h, uint32_t events, uint64_t ctx);
FTL_IMPORT("poll_modify")
ftl_err_t ftl_import_poll_modify(ftl_handle_t poll, ftl_handle_t h, uint32_t events, uint64_t ctx);
FTL_IMPORT("poll_remove") ftl_err_t ftl_import_poll_remove(ftl_handle_t poll, ftl_handle_t h);
FTL_IMPORT("poll_wait")
ftl_err_t ftl_import_poll_wait(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *out);
FTL_IMPORT("channel_call")
ftl_err_t ftl_import_channel_call(ftl_handle_t ch, const struct ftl_msg_out *msg, int64_t timeout_ns,
                                  struct ftl_msg *reply);
FTL_IMPORT("poll_wait_msg")
ftl_err_t ftl_import_poll_wait_msg(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *out,
                                   struct ftl_msg *msg);
FTL_IMPORT("timer_create") ftl_err_t ftl_import_timer_create(ftl_handle_t *out);
FTL_IMPORT("timer_set") ftl_err_t ftl_import_timer_set(ftl_handle_t timer, int64_t deadline_ns);
FTL_IMPORT("time_now") int64_t ftl_import_time_now(void);
FTL_IMPORT("log_write") ftl_err_t ftl_import_log_write(int level, const char *msg, size_t len);
FTL_IMPORT("yield") ftl_err_t ftl_import_yield(void);
FTL_IMPORT("exit") _Noreturn void ftl_import_exit(int code);
FTL_IMPORT("env_get") ftl_err_t ftl_import_env_get(void *buf, size_t cap, uint32_t *out_len);
FTL_IMPORT("env_lookup")
ftl_err_t ftl_import_env_lookup(const char *name, size_t name_len, struct ftl_env_item *out);
FTL_IMPORT("process_spawn")
ftl_err_t ftl_import_process_spawn(const char *app, size_t len, ftl_handle_t *out_process);
FTL_IMPORT("sys_stats") ftl_err_t ftl_import_sys_stats(struct ftl_sys_stats *out);
FTL_IMPORT("ps") ftl_err_t ftl_import_ps(struct ftl_ps_entry *out, size_t max, size_t *out_n);
FTL_IMPORT("log_read") ftl_err_t ftl_import_log_read(char *buf, size_t len, size_t *out_len);
FTL_IMPORT("irq_ack") ftl_err_t ftl_import_irq_ack(ftl_handle_t irq);
FTL_IMPORT("process_kill") ftl_err_t ftl_import_process_kill(ftl_handle_t process);

/// Names an error code ("FTL_ERR_FULL").
static inline const char *ftl_err_str(ftl_err_t err)
{
    return ftl_err_name(err);
}

// ---- handles and channels ---------------------------------------------------------

/// Closes a handle; a channel's peer then sees FTL_PEER_CLOSED. FTL_ERR_BAD_HANDLE.
FTL_MUST_CHECK static inline ftl_err_t ftl_handle_close(ftl_handle_t h)
{
    return ftl_import_handle_close(h);
}

/// Creates a connected pair of channel ends. FTL_ERR_TOO_MANY, FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK static inline ftl_err_t ftl_channel_create(ftl_handle_t *out_a, ftl_handle_t *out_b)
{
    return ftl_import_channel_create(out_a, out_b);
}

// The import's message description; false if the sizes do not fit it.
static inline bool ftl_msg_out_(struct ftl_msg_out *m, uint32_t type, uint64_t cookie,
                                const void *data, size_t len, const ftl_handle_t *handles,
                                size_t nhandles)
{
    *m = (struct ftl_msg_out){.type = type,
                              .len = (uint32_t)len,
                              .cookie = cookie,
                              .data = data,
                              .handles = handles,
                              .nhandles = (uint32_t)nhandles};
    return len <= FTL_MSG_DATA_MAX && nhandles <= FTL_MSG_HANDLES_MAX;
}

/// Sends a message without blocking, as ftl.h: FTL_ERR_FULL, FTL_ERR_PEER_CLOSED,
/// FTL_ERR_TOO_LARGE, FTL_ERR_BAD_HANDLE, FTL_ERR_NO_RIGHTS. The handles move to the
/// receiver on success only.
FTL_MUST_CHECK static inline ftl_err_t ftl_channel_send(ftl_handle_t ch, uint32_t type,
                                                        uint64_t cookie, const void *data,
                                                        size_t len, const ftl_handle_t *handles,
                                                        size_t nhandles)
{
    struct ftl_msg_out m;
    if (!ftl_msg_out_(&m, type, cookie, data, len, handles, nhandles)) {
        return FTL_ERR_TOO_LARGE;
    }
    return ftl_import_channel_send(ch, &m);
}

/// Sends a DATA message (see ftl_channel_send).
FTL_MUST_CHECK static inline ftl_err_t ftl_channel_send_data(ftl_handle_t ch, const void *data,
                                                             size_t len)
{
    return ftl_channel_send(ch, FTL_MSG_DATA, 0, data, len, NULL, 0);
}

/// Receives the oldest message into `*out_msg` (all of it must be app memory).
/// FTL_ERR_EMPTY, FTL_ERR_PEER_CLOSED. Received handles belong to the caller.
FTL_MUST_CHECK static inline ftl_err_t ftl_channel_recv(ftl_handle_t ch, struct ftl_msg *out_msg)
{
    return ftl_import_channel_recv(ch, out_msg);
}

/// Sends a message as ftl_channel_send does, waits up to `timeout_ns` (FTL_NO_TIMEOUT:
/// forever) for the next message on `ch` and receives it into `*out_reply` (a whole
/// struct ftl_msg of app memory): a request and its reply in one call. Errors before
/// the send: ftl_channel_send's, FTL_ERR_BAD_ADDRESS; after it: FTL_ERR_TIMED_OUT,
/// FTL_ERR_PEER_CLOSED, ftl_channel_recv's. FTL_ERR_UNSUPPORTED under wasm-run.
FTL_MUST_CHECK static inline ftl_err_t ftl_channel_call(ftl_handle_t ch, uint32_t type,
                                                        uint64_t cookie, const void *data,
                                                        size_t len, const ftl_handle_t *handles,
                                                        size_t nhandles, int64_t timeout_ns,
                                                        struct ftl_msg *out_reply)
{
    struct ftl_msg_out m;
    if (!ftl_msg_out_(&m, type, cookie, data, len, handles, nhandles)) {
        return FTL_ERR_TOO_LARGE;
    }
    return ftl_import_channel_call(ch, &m, timeout_ns, out_reply);
}

/// ftl_channel_call with a DATA message, no handles and no timeout.
FTL_MUST_CHECK static inline ftl_err_t ftl_channel_call_data(ftl_handle_t ch, const void *data,
                                                             size_t len, struct ftl_msg *out_reply)
{
    return ftl_channel_call(ch, FTL_MSG_DATA, 0, data, len, NULL, 0, FTL_NO_TIMEOUT, out_reply);
}

// ---- poll ---------------------------------------------------------------------------

/// Creates a poll object. FTL_ERR_NO_MEMORY, FTL_ERR_TOO_MANY.
FTL_MUST_CHECK static inline ftl_err_t ftl_poll_create(ftl_handle_t *out_poll)
{
    return ftl_import_poll_create(out_poll);
}

/// Watches `h` for `events`; `ctx` comes back with each event. FTL_ERR_ALREADY_EXISTS.
FTL_MUST_CHECK static inline ftl_err_t ftl_poll_add(ftl_handle_t poll, ftl_handle_t h,
                                                    uint32_t events, void *ctx)
{
    return ftl_import_poll_add(poll, h, events, (uint64_t)(uintptr_t)ctx);
}

/// Changes what `h` is watched for. FTL_ERR_NOT_FOUND if not watched.
FTL_MUST_CHECK static inline ftl_err_t ftl_poll_modify(ftl_handle_t poll, ftl_handle_t h,
                                                       uint32_t events, void *ctx)
{
    return ftl_import_poll_modify(poll, h, events, (uint64_t)(uintptr_t)ctx);
}

/// Stops watching `h`. FTL_ERR_NOT_FOUND if not watched.
FTL_MUST_CHECK static inline ftl_err_t ftl_poll_remove(ftl_handle_t poll, ftl_handle_t h)
{
    return ftl_import_poll_remove(poll, h);
}

/// Waits up to `timeout_ns` (FTL_NO_TIMEOUT: forever) for one event. FTL_ERR_TIMED_OUT.
FTL_MUST_CHECK static inline ftl_err_t ftl_poll_wait(ftl_handle_t poll, int64_t timeout_ns,
                                                     struct ftl_event *out_ev)
{
    return ftl_import_poll_wait(poll, timeout_ns, out_ev);
}

/// ftl_poll_wait that also receives: for a channel watched with FTL_RECEIVE, the oldest
/// message comes into `*out_msg` (a whole struct ftl_msg of app memory) and the event
/// has FTL_RECEIVE.
FTL_MUST_CHECK static inline ftl_err_t ftl_poll_wait_msg(ftl_handle_t poll, int64_t timeout_ns,
                                                         struct ftl_event *out_ev,
                                                         struct ftl_msg *out_msg)
{
    return ftl_import_poll_wait_msg(poll, timeout_ns, out_ev, out_msg);
}

// ---- time -----------------------------------------------------------------------------

/// Nanoseconds since boot (monotonic).
static inline int64_t ftl_time_now(void)
{
    return ftl_import_time_now();
}

/// Creates a timer: readable once its deadline has passed.
FTL_MUST_CHECK static inline ftl_err_t ftl_timer_create(ftl_handle_t *out_timer)
{
    return ftl_import_timer_create(out_timer);
}

/// Arms `timer` for absolute time `deadline_ns` (INT64_MAX: disarm).
FTL_MUST_CHECK static inline ftl_err_t ftl_timer_set(ftl_handle_t timer, int64_t deadline_ns)
{
    return ftl_import_timer_set(timer, deadline_ns);
}

/// Lets other threads run (ends the app's current fuel slice).
static inline void ftl_yield(void)
{
    (void)ftl_import_yield();
}

/// Sleeps for `ns` nanoseconds (a timer and a poll made for the occasion).
static inline void ftl_sleep_ns(int64_t ns)
{
    ftl_handle_t t;
    ftl_handle_t p;
    if (ftl_import_timer_create(&t) != FTL_OK) {
        return;
    }
    if (ftl_import_poll_create(&p) == FTL_OK) {
        struct ftl_event ev;
        if (ftl_import_timer_set(t, ftl_time_now() + ns) == FTL_OK &&
            ftl_import_poll_add(p, t, FTL_READABLE, 0) == FTL_OK) {
            (void)ftl_import_poll_wait(p, FTL_NO_TIMEOUT, &ev);
        }
        (void)ftl_import_handle_close(p);
    }
    (void)ftl_import_handle_close(t);
}

// ---- the environ ------------------------------------------------------------------------

/// Copies the app's environ into memory from malloc, once; later calls return the same
/// copy. NULL if out of memory.
static inline const struct ftl_env *ftl_env_load(void)
{
    static struct ftl_env *env;
    uint32_t len = 0;
    if (env || ftl_import_env_get(NULL, 0, &len) != FTL_ERR_BUFFER_TOO_SMALL) {
        return env;
    }
    struct ftl_env *e = malloc(len);
    if (e && ftl_import_env_get(e, len, &len) != FTL_OK) {
        free(e);
        e = NULL;
    }
    env = e;
    return env;
}

/// The channel on which CONNECTs for exported services arrive.
static inline ftl_handle_t ftl_env_system(const struct ftl_env *env)
{
    return env->system;
}

/// The app's name from its spec.
static inline const char *ftl_env_app_name(const struct ftl_env *env)
{
    return env->app_name;
}

static inline ftl_err_t ftl_env_find(const struct ftl_env *env, const char *name, uint32_t kind,
                                     const struct ftl_env_item **out)
{
    for (uint32_t i = 0; i < env->nitems; i++) {
        if (strncmp(env->items[i].name, name, FTL_ENV_NAME_MAX) == 0) {
            *out = &env->items[i];
            return env->items[i].kind == kind ? FTL_OK : FTL_ERR_WRONG_TYPE;
        }
    }
    return FTL_ERR_NOT_FOUND;
}

/// Looks up a string item. FTL_ERR_NOT_FOUND, FTL_ERR_WRONG_TYPE.
FTL_MUST_CHECK static inline ftl_err_t ftl_env_string(const struct ftl_env *env, const char *name,
                                                      const char **out)
{
    const struct ftl_env_item *it;
    ftl_err_t err = ftl_env_find(env, name, FTL_ENV_STRING, &it);
    if (err == FTL_OK) {
        *out = it->str;
    }
    return err;
}

/// Looks up a number item. FTL_ERR_NOT_FOUND, FTL_ERR_WRONG_TYPE.
FTL_MUST_CHECK static inline ftl_err_t ftl_env_number(const struct ftl_env *env, const char *name,
                                                      int64_t *out)
{
    const struct ftl_env_item *it;
    ftl_err_t err = ftl_env_find(env, name, FTL_ENV_NUMBER, &it);
    if (err == FTL_OK) {
        *out = it->number;
    }
    return err;
}

/// Looks up a service channel item. FTL_ERR_NOT_FOUND, FTL_ERR_WRONG_TYPE.
FTL_MUST_CHECK static inline ftl_err_t ftl_env_channel(const struct ftl_env *env, const char *name,
                                                       ftl_handle_t *out)
{
    const struct ftl_env_item *it;
    ftl_err_t err = ftl_env_find(env, name, FTL_ENV_CHANNEL, &it);
    if (err == FTL_OK) {
        *out = it->handle;
    }
    return err;
}

/// Copies one environ item by name without loading the environ. FTL_ERR_NOT_FOUND.
FTL_MUST_CHECK static inline ftl_err_t ftl_env_lookup(const char *name, struct ftl_env_item *out)
{
    return ftl_import_env_lookup(name, strlen(name), out);
}

// ---- calls that reach beyond the app: each needs a grant in the spec ----------------------

/// Starts a new instance of app `app`, as ftl.h. FTL_ERR_DENIED unless the spec lists
/// `app` in `grants: { spawn: [...] }`; FTL_ERR_NOT_FOUND, FTL_ERR_TOO_LARGE.
FTL_MUST_CHECK static inline ftl_err_t ftl_process_spawn(const char *app, ftl_handle_t *out_process)
{
    return ftl_import_process_spawn(app, strlen(app), out_process);
}

/// Reads kernel-wide figures. FTL_ERR_DENIED without `grants: { stats: true }`.
FTL_MUST_CHECK static inline ftl_err_t ftl_sys_stats(struct ftl_sys_stats *out)
{
    return ftl_import_sys_stats(out);
}

/// Lists up to `max` live processes (`out` must hold `max` entries). FTL_ERR_DENIED
/// without `grants: { ps: true }`.
FTL_MUST_CHECK static inline ftl_err_t ftl_ps(struct ftl_ps_entry *out, size_t max,
                                              size_t *out_n)
{
    return ftl_import_ps(out, max, out_n);
}

/// Copies the most recent system log into `buf`. FTL_ERR_DENIED without
/// `grants: { log_read: true }`.
FTL_MUST_CHECK static inline ftl_err_t ftl_log_read(char *buf, size_t len, size_t *out_len)
{
    return ftl_import_log_read(buf, len, out_len);
}

/// Ends a process this module spawned (see ftl.h).
FTL_MUST_CHECK static inline ftl_err_t ftl_process_kill(ftl_handle_t process)
{
    return ftl_import_process_kill(process);
}

/// Re-enables an interrupt. FTL_ERR_DENIED without `grants: { device: true }`.
FTL_MUST_CHECK static inline ftl_err_t ftl_irq_ack(ftl_handle_t irq)
{
    return ftl_import_irq_ack(irq);
}

// ---- logging and exit ---------------------------------------------------------------------

/// Logs one line at `level` (FTL_LOG_*), printf-style; cut at 1000 bytes.
__attribute__((format(printf, 2, 3))) static inline void ftl_log(int level, const char *fmt, ...)
{
    char line[1001];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) {
        (void)ftl_import_log_write(level, line, (size_t)n < sizeof(line) ? (size_t)n : 1000);
    }
}

#define FTL_DEBUG(...) ftl_log(FTL_LOG_DEBUG, __VA_ARGS__)
#define FTL_INFO(...) ftl_log(FTL_LOG_INFO, __VA_ARGS__)
#define FTL_WARN(...) ftl_log(FTL_LOG_WARN, __VA_ARGS__)
#define FTL_ERROR(...) ftl_log(FTL_LOG_ERROR, __VA_ARGS__)

/// Ends the app (WASI stdout/stderr are flushed first by exit()).
_Noreturn static inline void ftl_exit(int code)
{
    exit(code);
}

_Noreturn static inline void ftl_check_failed(const char *expr, ftl_err_t err, const char *file,
                                              int line)
{
    FTL_ERROR("%s failed: %s (%s:%d)", expr, ftl_err_str(err), file, line);
    ftl_exit(1);
}

/// Stops the app loudly (expression, error name, file, line) if `expr` is not FTL_OK.
#define FTL_CHECK(expr)                                                                            \
    do {                                                                                           \
        ftl_err_t ftl_check_err_ = (expr);                                                         \
        if (ftl_check_err_ != FTL_OK) {                                                            \
            ftl_check_failed(#expr, ftl_check_err_, __FILE__, __LINE__);                           \
        }                                                                                          \
    } while (0)
