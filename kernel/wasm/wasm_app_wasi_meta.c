// WASI preview1 functions on the fd table and on file metadata: fd_renumber,
// fd_fdstat_set_rights, fd_allocate, path_link, fd_filestat_set_times and
// path_filestat_set_times. The fd table and rights live here in the runtime; links and
// times are requests of the file protocol (LINK, UTIMENS, UTIMENSAT; docs/fs.md).
// Every fd, flag and time comes from the module and is checked before use.
#include "wasm_app_wasi_fs.h"

#define LOOKUP_SYMLINK_FOLLOW 1u
#define FST_ALL 0xfu // WASI fstflags: ATIM, ATIM_NOW, MTIM, MTIM_NOW (= FTL_FS_TIME_*)

// Both fds must be open entries of the table (3 and up). Stdio fds (0-2) are not entries
// and cannot be renumbered (ENOTSUP); a preopen can move, not be replaced (as fd_close).
enum wasm_status wasi_fd_renumber(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint32_t from = A(0), to = A(1);
    wasi_fs_setup(app);
    struct wasm_app_file *f = from > 2 ? wasi_fs_file(app, from) : NULL;
    struct wasm_app_file *t = to > 2 ? wasi_fs_file(app, to) : NULL;
    int e = E_SUCCESS;
    if ((from > 2 && !f) || (to > 2 && !t)) {
        e = E_BADF;
    } else if (from <= 2 || to <= 2) {
        e = E_NOTSUP;
    } else if (from == to) {
        e = E_SUCCESS;
    } else if (t->preopen) {
        e = E_NOTSUP;
    } else {
        e = wasm_app_fs_close(app, to);
        if (e == E_SUCCESS) {
            *t = *f;
            memset(f, 0, sizeof(*f)); // the channel now belongs to `to`
        }
    }
    return wasm_app_ret(app, ex, args, e);
}

// Rights may only shrink; later calls outside them get ENOTCAPABLE (wasi_fs_fd()).
enum wasm_status wasi_fd_fdstat_set_rights(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint64_t base = args[1].i64, inheriting = args[2].i64;
    struct wasm_app_file *f;
    int e = wasi_fs_fd(app, A(0), 0, &f);
    if (e == E_BADF && A(0) <= 2) {
        e = E_NOTSUP; // stdio keeps its fixed rights
    } else if (e == E_SUCCESS && ((base & ~f->rights) || (inheriting & ~f->inheriting))) {
        e = E_NOTCAPABLE;
    } else if (e == E_SUCCESS) {
        f->rights = base;
        f->inheriting = inheriting;
    }
    return wasm_app_ret(app, ex, args, e);
}

// Like posix_fallocate: the file grows to offset + len if it is shorter. Blocks are
// allocated when written (see docs/wasm.md).
enum wasm_status wasi_fd_allocate(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint64_t off = args[1].i64, len = args[2].i64, end;
    struct wasm_app_file *f;
    int e = wasi_fs_fd(app, A(0), RIGHT_FD_ALLOCATE, &f);
    if (e == E_SUCCESS && (f->is_dir || !f->can_write)) {
        e = E_BADF; // as posix_fallocate on an fd not open for writing
    } else if (e == E_SUCCESS && len == 0) {
        e = E_INVAL;
    } else if (e == E_SUCCESS && (__builtin_add_overflow(off, len, &end) || end > INT64_MAX)) {
        e = E_FBIG;
    }
    if (e == E_SUCCESS) {
        e = wasi_fs_file_call(app, f, FTL_FS_STAT, NULL, 0);
    }
    if (e == E_SUCCESS) {
        struct ftl_fs_stat st;
        memcpy(&st, app->msg.data, sizeof(st));
        if (st.size < end) {
            e = wasi_fs_file_call(app, f, FTL_FS_TRUNCATE, &end, 8);
        }
    }
    return wasm_app_ret(app, ex, args, e);
}

// A hard link. The old path's final symlink is linked itself (as link(2) does on Linux);
// SYMLINK_FOLLOW is refused with EINVAL, as wasmtime does.
enum wasm_status wasi_path_link(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char from[FTL_FS_PATH_MAX], to[FTL_FS_PATH_MAX];
    int e = wasi_fs_resolve(app, A(0), RIGHT_PATH_LINK_SOURCE, A(2), A(3), from);
    if (e == E_SUCCESS) {
        e = wasi_fs_resolve(app, A(4), RIGHT_PATH_LINK_TARGET, A(5), A(6), to);
    }
    if (e == E_SUCCESS && A(1) != 0) {
        e = E_INVAL;
    }
    if (e == E_SUCCESS) {
        e = wasi_fs_path_req(app, FTL_FS_LINK, from, to);
    }
    return wasm_app_ret(app, ex, args, e);
}

// The arguments of UTIMENS and UTIMENSAT: flags (the module's, plus `follow`), atime,
// mtime. EINVAL for unknown flags, a time both given and NOW, or one past INT64_MAX ns.
static int put_times(uint8_t out[20], uint32_t flags, uint32_t follow, uint64_t atim,
                     uint64_t mtim)
{
    if ((flags & ~FST_ALL) || ((flags & FTL_FS_TIME_ATIME) && (flags & FTL_FS_TIME_ATIME_NOW)) ||
        ((flags & FTL_FS_TIME_MTIME) && (flags & FTL_FS_TIME_MTIME_NOW)) ||
        ((flags & FTL_FS_TIME_ATIME) && atim > INT64_MAX) ||
        ((flags & FTL_FS_TIME_MTIME) && mtim > INT64_MAX)) {
        return E_INVAL;
    }
    flags |= follow;
    memcpy(out, &flags, 4);
    memcpy(out + 4, &atim, 8);
    memcpy(out + 12, &mtim, 8);
    return E_SUCCESS;
}

// UTIMENSAT of `path` on the service channel.
static int set_times_at(struct wasm_app *app, const char *path, uint32_t flags, uint32_t follow,
                        uint64_t atim, uint64_t mtim)
{
    uint8_t *req = app->fs_args;
    uint32_t op = FTL_FS_UTIMENSAT;
    size_t n = strlen(path);
    int e = put_times(req + 4, flags, follow, atim, mtim);
    if (e != E_SUCCESS) {
        return e;
    }
    memcpy(req, &op, 4);
    memcpy(req + 24, path, n); // n < FTL_FS_PATH_MAX: fits in fs_args
    return wasi_fs_call(app, app->fs_ch, FTL_MSG_DATA, req, 24 + n);
}

enum wasm_status wasi_fd_filestat_set_times(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint64_t atim = args[1].i64, mtim = args[2].i64;
    uint32_t flags = A(3);
    struct wasm_app_file *f;
    int e = wasi_fs_fd(app, A(0), RIGHT_FD_FILESTAT_SET_TIMES, &f);
    if (e == E_SUCCESS && f->ch < 0) { // a preopen without a channel: by its path
        e = set_times_at(app, f->path, flags, FTL_FS_TIME_FOLLOW, atim, mtim);
    } else if (e == E_SUCCESS) {
        uint8_t a[20];
        e = put_times(a, flags, 0, atim, mtim);
        if (e == E_SUCCESS) {
            e = wasi_fs_file_call(app, f, FTL_FS_UTIMENS, a, sizeof(a));
        }
    }
    return wasm_app_ret(app, ex, args, e);
}

enum wasm_status wasi_path_filestat_set_times(struct wasm_exec *ex, void *ctx,
                                              union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char path[FTL_FS_PATH_MAX];
    uint32_t lookup = A(1);
    uint64_t atim = args[4].i64, mtim = args[5].i64;
    uint32_t flags = A(6);
    int e = wasi_fs_resolve(app, A(0), RIGHT_PATH_FILESTAT_SET_TIMES, A(2), A(3), path);
    if (e == E_SUCCESS) {
        uint32_t follow = lookup & LOOKUP_SYMLINK_FOLLOW ? FTL_FS_TIME_FOLLOW : 0;
        e = set_times_at(app, path, flags, follow, atim, mtim);
    }
    return wasm_app_ret(app, ex, args, e);
}
