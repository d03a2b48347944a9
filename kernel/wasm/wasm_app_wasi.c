// The WASI preview1 subset: args and environ from the FTL environ, stdout/stderr as
// log lines, stdin from DATA messages on the "stdin" channel, clocks, randomness and
// exit. Files (fd 3 and up) are in wasm_app_wasi_fs.c. Layouts and numbers follow
// wasi_snapshot_preview1 (witx); all little-endian.
#include "wasm_app_int.h"

#define WASI_ESUCCESS 0
#define WASI_EBADF 8
#define WASI_EFAULT 21
#define WASI_EINVAL 28
#define WASI_EIO 29
#define WASI_ESPIPE 70

#define WASI_CLOCK_REALTIME 0
#define WASI_CLOCK_MONOTONIC 1
#define WASI_FILETYPE_CHARACTER_DEVICE 2
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
#define WASI_RIGHT_POLL_FD_READWRITE (1ull << 27)

#define A(i) (args[i].i32) // an i32 argument

// ---- args and environ ---------------------------------------------------------------

static enum wasm_status wasi_args_sizes_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint32_t size = 0;
    for (uint32_t i = 0; i < app->argc; i++) {
        size += (uint32_t)strlen(app->argv[i]) + 1;
    }
    bool ok = wasm_app_put_u32(app, A(0), app->argc) && wasm_app_put_u32(app, A(1), size);
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

static enum wasm_status wasi_args_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint64_t ptrs = A(0);
    uint64_t buf = A(1);
    bool ok = true;
    for (uint32_t i = 0; i < app->argc && ok; i++) {
        size_t n = strlen(app->argv[i]) + 1;
        ok = wasm_app_put_u32(app, ptrs + 4 * i, (uint32_t)buf) &&
             wasm_app_write(app, buf, app->argv[i], n);
        buf += n;
    }
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

// Formats environ item `it` as NAME=value into `buf`; 0 if it is not a WASI variable.
static size_t env_var(const struct ftl_env_item *it, char *buf, size_t len)
{
    bool preopen = strncmp(it->name, "fs_root", 7) == 0 || strncmp(it->name, "fs_name", 7) == 0;
    for (const char *c = it->name + 7; preopen && *c; c++) {
        preopen = *c >= '0' && *c <= '9'; // fs_root, fs_root1, ...
    }
    if (strcmp(it->name, "args") == 0 || preopen) {
        return 0; // argv, and the preopens' settings (wasm_app_wasi_fs.c)
    }
    int n = 0;
    if (it->kind == FTL_ENV_STRING) {
        n = snprintf(buf, len, "%s=%s", it->name, it->str);
    } else if (it->kind == FTL_ENV_NUMBER) {
        n = snprintf(buf, len, "%s=%lld", it->name, (long long)it->number);
    }
    return n > 0 ? (size_t)n + 1 : 0; // with the NUL
}

#define ENV_VAR_MAX (FTL_ENV_NAME_MAX + FTL_ENV_STRING_MAX + 2)

static enum wasm_status wasi_environ_sizes_get(struct wasm_exec *ex, void *ctx,
                                               union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint32_t count = 0;
    uint32_t size = 0;
    char var[ENV_VAR_MAX];
    for (uint32_t i = 0; i < app->env->nitems; i++) {
        size_t n = env_var(&app->env->items[i], var, sizeof(var));
        count += n > 0;
        size += (uint32_t)n;
    }
    bool ok = wasm_app_put_u32(app, A(0), count) && wasm_app_put_u32(app, A(1), size);
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

static enum wasm_status wasi_environ_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint64_t ptrs = A(0);
    uint64_t buf = A(1);
    bool ok = true;
    char var[ENV_VAR_MAX];
    for (uint32_t i = 0; i < app->env->nitems && ok; i++) {
        size_t n = env_var(&app->env->items[i], var, sizeof(var));
        if (n == 0) {
            continue;
        }
        ok = wasm_app_put_u32(app, ptrs, (uint32_t)buf) && wasm_app_write(app, buf, var, n);
        ptrs += 4;
        buf += n;
    }
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

// ---- stdio --------------------------------------------------------------------------

// Waits until the stdout channel has room (or its reader is gone).
static int stdout_wait(struct wasm_app *app)
{
    const struct wasm_app_ops *o = app->ops;
    if (app->stdout_poll < 0) {
        ftl_handle_t p;
        if (o->poll_create(app->ctx, &p) != FTL_OK) {
            return WASI_EIO;
        }
        if (o->poll_add(app->ctx, p, app->stdout_ch, FTL_WRITABLE, 0) != FTL_OK) {
            (void)o->handle_close(app->ctx, p);
            return WASI_EIO;
        }
        app->stdout_poll = p;
    }
    struct ftl_event ev;
    return o->poll_wait(app->ctx, app->stdout_poll, FTL_NO_TIMEOUT, &ev) == FTL_OK ? WASI_ESUCCESS
                                                                                   : WASI_EIO;
}

// fd 1 bound to the environ's `stdout` channel (docs/pipes.md): the bytes go out as
// DATA messages of up to 4096 bytes; a full queue makes the program wait (backpressure,
// nothing dropped). A reader that is gone ends the program, as SIGPIPE would.
static int stdout_send(struct wasm_app *app, const uint8_t *p, size_t len)
{
    while (len > 0 && !app->stop) {
        size_t n = len < FTL_MSG_DATA_MAX ? len : FTL_MSG_DATA_MAX;
        struct ftl_msg_out m = {.type = FTL_MSG_DATA, .len = (uint32_t)n, .data = p};
        ftl_err_t e = app->ops->channel_send(app->ctx, app->stdout_ch, &m);
        if (e == FTL_OK) {
            p += n;
            len -= n;
        } else if (e == FTL_ERR_PEER_CLOSED) {
            app->stop = true;
            app->exit_code = 0;
        } else if (e != FTL_ERR_FULL || stdout_wait(app) != WASI_ESUCCESS) {
            return WASI_EIO;
        }
    }
    return WASI_ESUCCESS;
}

static enum wasm_status wasi_fd_write(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint32_t fd = A(0);
    if (fd > 2) { // a file (wasm_app_wasi_fs.c)
        uint32_t n = 0;
        int e = wasm_app_fs_rw(app, fd, A(1), A(2), -1, true, &n);
        if (e == WASI_ESUCCESS && !wasm_app_put_u32(app, A(3), n)) {
            e = WASI_EFAULT;
        }
        return wasm_app_ret(app, ex, args, e);
    }
    if (fd != 1 && fd != 2) {
        return wasm_app_ret(app, ex, args, WASI_EBADF);
    }
    if (A(2) > WASM_APP_IOV_MAX) {
        return wasm_app_ret(app, ex, args, WASI_EINVAL);
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < A(2) && total < WASM_APP_WRITE_MAX; i++) {
        uint32_t base;
        uint32_t len;
        if (!wasm_app_get_u32(app, A(1) + 8ull * i, &base) ||
            !wasm_app_get_u32(app, A(1) + 8ull * i + 4, &len)) {
            return wasm_app_ret(app, ex, args, WASI_EFAULT);
        }
        if (len > WASM_APP_WRITE_MAX - total) {
            len = (uint32_t)(WASM_APP_WRITE_MAX - total); // a short write
        }
        const uint8_t *p = len ? wasm_app_mem(app, base, len) : NULL;
        if (len && !p) {
            return wasm_app_ret(app, ex, args, WASI_EFAULT);
        }
        if (fd == 1 && app->stdout_ch >= 0) {
            int e = stdout_send(app, p, len);
            if (e != WASI_ESUCCESS) {
                return wasm_app_ret(app, ex, args, e);
            }
        } else {
            wasm_app_line_write(app, (int)fd, p, len);
        }
        total += len;
        wasm_app_charge(ex, 8 + (uint64_t)len); // the iovec and its bytes
    }
    bool ok = wasm_app_put_u32(app, A(3), (uint32_t)total);
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

// Closes handles that arrived on stdin with a message: fd 0 has no use for them.
static void drop_handles(struct wasm_app *app, const struct ftl_msg *m)
{
    for (uint32_t i = 0; i < m->nhandles && i < FTL_MSG_HANDLES_MAX; i++) {
        (void)app->ops->handle_close(app->ctx, m->handles[i]);
    }
}

// Waits until the stdin channel is readable (or closed).
static int stdin_wait(struct wasm_app *app)
{
    const struct wasm_app_ops *o = app->ops;
    if (app->stdin_poll < 0) {
        ftl_handle_t p;
        if (o->poll_create(app->ctx, &p) != FTL_OK) {
            return WASI_EIO;
        }
        if (o->poll_add(app->ctx, p, app->stdin_ch, FTL_READABLE, 0) != FTL_OK) {
            (void)o->handle_close(app->ctx, p);
            return WASI_EIO;
        }
        app->stdin_poll = p;
    }
    struct ftl_event ev;
    return o->poll_wait(app->ctx, app->stdin_poll, FTL_NO_TIMEOUT, &ev) == FTL_OK ? WASI_ESUCCESS
                                                                                  : WASI_EIO;
}

// Makes the next stdin bytes available in app->stdin_msg. With `block`, waits for
// them; returns WASI_ESUCCESS with nothing buffered at EOF or (without `block`) when
// no message is queued.
static int stdin_fill(struct wasm_app *app, bool block)
{
    struct ftl_msg *m = &app->stdin_msg;
    while (app->stdin_pos >= m->len && !app->stdin_eof && !app->stop) {
        ftl_err_t e = app->ops->channel_recv(app->ctx, app->stdin_ch, m);
        app->stdin_pos = 0;
        if (e == FTL_OK) {
            drop_handles(app, m);
            if (m->type != FTL_MSG_DATA || m->len > FTL_MSG_DATA_MAX) {
                m->len = 0; // only DATA carries stdin bytes
            }
            continue;
        }
        m->len = 0;
        if (e == FTL_ERR_PEER_CLOSED) {
            app->stdin_eof = true;
        } else if (e != FTL_ERR_EMPTY) {
            return WASI_EIO;
        } else if (!block) {
            break;
        } else if (stdin_wait(app) != WASI_ESUCCESS) {
            return WASI_EIO;
        }
    }
    return WASI_ESUCCESS;
}

// Reads into one iovec; *out_n bytes were copied.
static int stdin_read_iov(struct wasm_app *app, uint64_t iov, bool block, uint32_t *out_n)
{
    uint32_t base;
    uint32_t len;
    *out_n = 0;
    if (!wasm_app_get_u32(app, iov, &base) || !wasm_app_get_u32(app, iov + 4, &len)) {
        return WASI_EFAULT;
    }
    while (*out_n < len) {
        int e = stdin_fill(app, block && *out_n == 0);
        if (e != WASI_ESUCCESS) {
            return e;
        }
        struct ftl_msg *m = &app->stdin_msg;
        uint32_t n = m->len - app->stdin_pos;
        if (n == 0) {
            break; // EOF, or nothing more without waiting
        }
        n = n < len - *out_n ? n : len - *out_n;
        if (!wasm_app_write(app, (uint64_t)base + *out_n, m->data + app->stdin_pos, n)) {
            return WASI_EFAULT;
        }
        app->stdin_pos += n;
        *out_n += n;
    }
    return WASI_ESUCCESS;
}

// Like read(2) on a pipe: waits only while nothing has been read yet.
static enum wasm_status wasi_fd_read(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    if (A(0) > 2) { // a file (wasm_app_wasi_fs.c)
        uint32_t n = 0;
        int e = wasm_app_fs_rw(app, A(0), A(1), A(2), -1, false, &n);
        if (e == WASI_ESUCCESS && !wasm_app_put_u32(app, A(3), n)) {
            e = WASI_EFAULT;
        }
        return wasm_app_ret(app, ex, args, e);
    }
    if (A(0) != 0) {
        return wasm_app_ret(app, ex, args, WASI_EBADF);
    }
    if (A(2) > WASM_APP_IOV_MAX) {
        return wasm_app_ret(app, ex, args, WASI_EINVAL);
    }
    uint32_t total = 0;
    int e = WASI_ESUCCESS;
    for (uint32_t i = 0; i < A(2) && e == WASI_ESUCCESS; i++) {
        uint32_t n;
        e = stdin_read_iov(app, A(1) + 8ull * i, total == 0, &n);
        total += n;
        wasm_app_charge(ex, 8 + (uint64_t)n); // the iovec and its bytes
    }
    if (e == WASI_ESUCCESS && !wasm_app_put_u32(app, A(3), total)) {
        e = WASI_EFAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status wasi_fd_fdstat_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint32_t fd = A(0);
    if (fd > 2) { // a file (wasm_app_wasi_fs.c)
        uint8_t st[24];
        int e = wasm_app_fs_fdstat(app, fd, st);
        if (e == WASI_ESUCCESS && !wasm_app_write(app, A(1), st, sizeof(st))) {
            e = WASI_EFAULT;
        }
        return wasm_app_ret(app, ex, args, e);
    }
    // struct fdstat: u8 filetype @0, u16 flags @2, u64 rights_base @8, u64 inheriting @16.
    // A character device without seek/tell rights: wasi-libc treats it as a terminal.
    uint8_t st[24] = {WASI_FILETYPE_CHARACTER_DEVICE};
    uint64_t rights =
        WASI_RIGHT_POLL_FD_READWRITE | (fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE);
    for (int i = 0; i < 8; i++) {
        st[8 + i] = (uint8_t)(rights >> (8 * i));
    }
    bool ok = wasm_app_write(app, A(1), st, sizeof(st));
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

static enum wasm_status wasi_fd_seek(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    if (A(0) <= 2) {
        return wasm_app_ret(app, ex, args, WASI_ESPIPE);
    }
    uint64_t pos = 0;
    int e = wasm_app_fs_seek(app, A(0), (int64_t)args[1].i64, A(2), &pos);
    if (e == WASI_ESUCCESS && !wasm_app_put_u64(app, A(3), pos)) {
        e = WASI_EFAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status wasi_fd_close(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    return wasm_app_ret(app, ex, args, A(0) <= 2 ? WASI_ESUCCESS : wasm_app_fs_close(app, A(0)));
}

// fds 3.. are the preopened directories when the environ has `fs` (wasm_app_wasi_fs.c);
// wasi-libc stops scanning at the first EBADF.
static enum wasm_status wasi_fd_prestat_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    return wasm_app_ret(app, ex, args, wasm_app_fs_prestat(app, A(0), A(1), false, 0));
}

// ---- clocks, randomness, exit -------------------------------------------------------

static enum wasm_status wasi_clock_time_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    const struct wasm_app_ops *o = app->ops;
    int64_t t;
    if (A(0) == WASI_CLOCK_MONOTONIC) {
        t = o->time_now(app->ctx);
    } else if (A(0) == WASI_CLOCK_REALTIME) {
        t = o->time_realtime ? o->time_realtime(app->ctx) : o->time_now(app->ctx);
    } else {
        return wasm_app_ret(app, ex, args, WASI_EINVAL);
    }
    bool ok = wasm_app_put_u64(app, args[2].i32, (uint64_t)t); // args[1] is the precision
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

// Both clocks count nanoseconds.
static enum wasm_status wasi_clock_res_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    if (A(0) != WASI_CLOCK_MONOTONIC && A(0) != WASI_CLOCK_REALTIME) {
        return wasm_app_ret(app, ex, args, WASI_EINVAL);
    }
    bool ok = wasm_app_put_u64(app, A(1), 1);
    return wasm_app_ret(app, ex, args, ok ? WASI_ESUCCESS : WASI_EFAULT);
}

static enum wasm_status wasi_random_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint8_t *p = wasm_app_mem(app, A(0), A(1));
    if (!p && A(1)) {
        return wasm_app_ret(app, ex, args, WASI_EFAULT);
    }
    for (uint32_t off = 0; off < A(1); off += 4096) {
        uint32_t n = A(1) - off < 4096 ? A(1) - off : 4096;
        app->ops->random(app->ctx, p + off, n);
    }
    return wasm_app_ret(app, ex, args, WASI_ESUCCESS);
}

static enum wasm_status wasi_proc_exit(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return wasm_app_exit_now(wasm_app_of(ctx), ex, (int)A(0));
}

#define W "wasi_snapshot_preview1"

const struct wasm_app_import wasm_app_wasi_imports[] = {
    {W, "args_get", "ii:i", wasi_args_get},
    {W, "args_sizes_get", "ii:i", wasi_args_sizes_get},
    {W, "environ_get", "ii:i", wasi_environ_get},
    {W, "environ_sizes_get", "ii:i", wasi_environ_sizes_get},
    {W, "fd_write", "iiii:i", wasi_fd_write},
    {W, "fd_read", "iiii:i", wasi_fd_read},
    {W, "fd_fdstat_get", "ii:i", wasi_fd_fdstat_get},
    {W, "fd_seek", "iIii:i", wasi_fd_seek},
    {W, "fd_close", "i:i", wasi_fd_close},
    {W, "fd_prestat_get", "ii:i", wasi_fd_prestat_get},
    {W, "clock_res_get", "ii:i", wasi_clock_res_get},
    {W, "clock_time_get", "iIi:i", wasi_clock_time_get},
    {W, "random_get", "ii:i", wasi_random_get},
    {W, "proc_exit", "i:", wasi_proc_exit},
};
const size_t wasm_app_wasi_nimports =
    sizeof(wasm_app_wasi_imports) / sizeof(wasm_app_wasi_imports[0]);
