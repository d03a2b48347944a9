// WASI preview1 file and path functions beyond the descriptors of wasm_app_wasi_fs.c:
// positional I/O, stat, directories, rename, symlinks, sync, flags, poll_oneoff, and the
// import table of both files. Each is one request of the file protocol and its reply.
#include "wasm_app_wasi_fs.h"

static enum wasm_status fd_pread(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint32_t total;
    int e = (int64_t)args[3].i64 < 0
                ? E_INVAL
                : wasm_app_fs_rw(app, A(0), A(1), A(2), (int64_t)args[3].i64, false, &total);
    if (e == E_SUCCESS && !wasm_app_put_u32(app, A(4), total)) {
        e = E_FAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status fd_pwrite(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint32_t total;
    int e = (int64_t)args[3].i64 < 0
                ? E_INVAL
                : wasm_app_fs_rw(app, A(0), A(1), A(2), (int64_t)args[3].i64, true, &total);
    if (e == E_SUCCESS && !wasm_app_put_u32(app, A(4), total)) {
        e = E_FAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status fd_tell(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint64_t pos = 0;
    int e = A(0) <= 2 ? 70 /* ESPIPE */ : wasm_app_fs_seek(app, A(0), 0, 1, &pos);
    if (e == E_SUCCESS && !wasm_app_put_u64(app, A(1), pos)) {
        e = E_FAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status fd_filestat_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    struct wasm_app_file *f;
    int e = wasi_fs_fd(app, A(0), RIGHT_FD_FILESTAT_GET, &f);
    struct ftl_fs_stat st;
    if (e != E_SUCCESS) {
        f = NULL;
    } else if (f->ch < 0) { // a preopen not listed yet: it has no channel
        uint8_t req[4 + FTL_FS_PATH_MAX];
        uint32_t op = FTL_FS_LSTAT;
        size_t n = strlen(f->path);
        memcpy(req, &op, 4);
        memcpy(req + 4, f->path, n);
        e = wasi_fs_call(app, app->fs_ch, FTL_MSG_DATA, req, 4 + n);
    } else {
        e = wasi_fs_file_call(app, f, FTL_FS_STAT, NULL, 0);
    }
    if (e == E_SUCCESS) {
        memcpy(&st, app->msg.data, sizeof(st));
        uint8_t out[64];
        wasi_fs_put_filestat(out, &st);
        e = wasm_app_write(app, A(1), out, 64) ? E_SUCCESS : E_FAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

int wasi_fs_path_req(struct wasm_app *app, uint32_t op, const char *a, const char *b)
{
    uint8_t *req = app->fs_args;
    size_t alen = strlen(a), blen = b ? strlen(b) : 0;
    size_t len = 4 + (b ? 2 : 0) + alen + blen;
    if (len > FTL_MSG_DATA_MAX) {
        return E_NAMETOOLONG;
    }
    memcpy(req, &op, 4);
    uint8_t *p = req + 4;
    if (b) {
        uint16_t n = (uint16_t)alen;
        memcpy(p, &n, 2);
        p += 2;
    }
    memcpy(p, a, alen);
    if (b) {
        memcpy(p + alen, b, blen);
    }
    return wasi_fs_call(app, app->fs_ch, FTL_MSG_DATA, req, len);
}

static enum wasm_status path_filestat_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char path[FTL_FS_PATH_MAX];
    int e = wasi_fs_resolve(app, A(0), RIGHT_PATH_FILESTAT_GET, A(2), A(3), path);
    struct ftl_fs_stat st;
    if (e == E_SUCCESS && (A(1) & 1)) { // follow symlinks: open it, the reply has the stat
        char uri[FTL_FS_PATH_MAX + 8];
        int n = snprintf(uri, sizeof(uri), "file:%s", path);
        e = wasi_fs_call(app, app->fs_ch, FTL_MSG_OPEN, uri, (size_t)n);
        if (e == E_SUCCESS && app->msg.nhandles == 1) {
            (void)app->ops->handle_close(app->ctx, app->msg.handles[0]);
        }
    } else if (e == E_SUCCESS) {
        e = wasi_fs_path_req(app, FTL_FS_LSTAT, path, NULL);
    }
    if (e == E_SUCCESS) {
        memcpy(&st, app->msg.data, sizeof(st));
        uint8_t out[64];
        wasi_fs_put_filestat(out, &st);
        e = wasm_app_write(app, A(4), out, 64) ? E_SUCCESS : E_FAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status path_simple(struct wasm_exec *ex, union wasm_val *args, void *ctx,
                                    uint32_t op, uint64_t need)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char path[FTL_FS_PATH_MAX];
    int e = wasi_fs_resolve(app, A(0), need, A(1), A(2), path);
    if (e == E_SUCCESS) {
        e = wasi_fs_path_req(app, op, path, NULL);
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status path_create_directory(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return path_simple(ex, args, ctx, FTL_FS_MKDIR, RIGHT_PATH_CREATE_DIRECTORY);
}

static enum wasm_status path_remove_directory(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return path_simple(ex, args, ctx, FTL_FS_RMDIR, RIGHT_PATH_REMOVE_DIRECTORY);
}

static enum wasm_status path_unlink_file(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return path_simple(ex, args, ctx, FTL_FS_UNLINK, RIGHT_PATH_UNLINK_FILE);
}

static enum wasm_status path_rename(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char from[FTL_FS_PATH_MAX], to[FTL_FS_PATH_MAX];
    int e = wasi_fs_resolve(app, A(0), RIGHT_PATH_RENAME_SOURCE, A(1), A(2), from);
    if (e == E_SUCCESS) {
        e = wasi_fs_resolve(app, A(3), RIGHT_PATH_RENAME_TARGET, A(4), A(5), to);
    }
    if (e == E_SUCCESS) {
        e = wasi_fs_path_req(app, FTL_FS_RENAME, from, to);
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status path_symlink(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char target[FTL_FS_PATH_MAX], path[FTL_FS_PATH_MAX];
    int e = wasi_fs_resolve(app, A(2), RIGHT_PATH_SYMLINK, A(3), A(4), path);
    if (e == E_SUCCESS && A(1) >= sizeof(target)) {
        e = E_NAMETOOLONG;
    }
    if (e == E_SUCCESS && !wasm_app_read(app, target, A(0), A(1))) {
        e = E_FAULT;
    }
    if (e == E_SUCCESS) {
        target[A(1)] = '\0';
        // The target is stored as given; the server resolves it inside its own tree.
        e = strlen(target) != A(1) || A(1) == 0 ? E_INVAL
                                                : wasi_fs_path_req(app, FTL_FS_SYMLINK, target, path);
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status path_readlink(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char path[FTL_FS_PATH_MAX];
    int e = wasi_fs_resolve(app, A(0), RIGHT_PATH_READLINK, A(1), A(2), path);
    if (e == E_SUCCESS) {
        e = wasi_fs_path_req(app, FTL_FS_READLINK, path, NULL);
    }
    if (e == E_SUCCESS) {
        uint32_t n = app->msg.len < A(4) ? app->msg.len : A(4); // truncated, as POSIX does
        e = wasm_app_write(app, A(3), app->msg.data, n) && wasm_app_put_u32(app, A(5), n)
                ? E_SUCCESS
                : E_FAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

// Opens the preopen's own directory on the server, for fd_readdir on fd 3.
static int open_root_dir(struct wasm_app *app, struct wasm_app_file *f)
{
    char uri[FTL_FS_PATH_MAX + 16];
    int n = snprintf(uri, sizeof(uri), "file:%s?rd", f->path);
    if (n < 0 || (size_t)n >= sizeof(uri)) {
        return E_NAMETOOLONG;
    }
    int e = wasi_fs_call(app, app->fs_ch, FTL_MSG_OPEN, uri, (size_t)n);
    if (e == E_SUCCESS && (app->msg.type != FTL_MSG_OPEN_REPLY || app->msg.nhandles != 1)) {
        e = E_IO;
    }
    if (e == E_SUCCESS) {
        f->ch = app->msg.handles[0];
    }
    return e;
}

static enum wasm_status fd_readdir(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    struct wasm_app_file *f;
    uint64_t cookie = args[3].i64;
    uint32_t buf = A(1), cap = A(2), used = 0;
    int e = wasi_fs_fd(app, A(0), RIGHT_FD_READDIR, &f);
    if (e == E_SUCCESS && !f->is_dir) {
        e = E_NOTDIR;
    }
    if (e == E_SUCCESS && f->ch < 0) {
        e = open_root_dir(app, f); // the preopen gets its channel when first listed
    }
    while (e == E_SUCCESS && used < cap) {
        e = wasi_fs_file_call(app, f, FTL_FS_READDIR, &cookie, 8);
        if (e != E_SUCCESS || app->msg.len == 0) {
            break;
        }
        static uint8_t entries[FTL_MSG_DATA_MAX];
        uint32_t n = app->msg.len;
        memcpy(entries, app->msg.data, n);
        for (uint32_t off = 0; off + sizeof(struct ftl_fs_dirent) <= n && used < cap;) {
            struct ftl_fs_dirent d;
            memcpy(&d, entries + off, sizeof(d));
            uint8_t w[24] = {0};
            uint32_t namlen = d.namelen;
            memcpy(w, &d.next, 8);
            memcpy(w + 8, &d.ino, 8);
            memcpy(w + 16, &namlen, 4);
            w[20] = d.type == FTL_FS_DT_DIR       ? FT_DIRECTORY
                    : d.type == FTL_FS_DT_SYMLINK ? FT_SYMLINK
                                                  : FT_REGULAR;
            uint32_t k = cap - used < 24 ? cap - used : 24;
            uint32_t m = cap - used - k < namlen ? cap - used - k : namlen;
            if (!wasm_app_write(app, (uint64_t)buf + used, w, k) ||
                !wasm_app_write(app, (uint64_t)buf + used + k, entries + off + sizeof(d), m)) {
                e = E_FAULT;
                break;
            }
            used += k + m;
            cookie = d.next;
            off += sizeof(d) + d.namelen;
        }
    }
    if (e == E_SUCCESS && !wasm_app_put_u32(app, A(4), used)) {
        e = E_FAULT;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status sync_fd(struct wasm_exec *ex, void *ctx, union wasm_val *args,
                                uint64_t need)
{
    struct wasm_app *app = wasm_app_of(ctx);
    struct wasm_app_file *f;
    int e = wasi_fs_fd(app, A(0), need, &f);
    if (e == E_SUCCESS) {
        e = f->is_dir ? wasi_fs_path_req(app, FTL_FS_SYNC, "", NULL)
                      : wasi_fs_file_call(app, f, FTL_FS_FSYNC, NULL, 0);
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status fd_sync(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return sync_fd(ex, ctx, args, RIGHT_FD_SYNC);
}

static enum wasm_status fd_datasync(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return sync_fd(ex, ctx, args, RIGHT_FD_DATASYNC);
}

static enum wasm_status fd_filestat_set_size(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    struct wasm_app_file *f;
    uint64_t size = args[1].i64;
    int e = wasi_fs_fd(app, A(0), RIGHT_FD_FILESTAT_SET_SIZE, &f);
    if (e == E_SUCCESS) {
        e = f->is_dir ? E_ISDIR : wasi_fs_file_call(app, f, FTL_FS_TRUNCATE, &size, 8);
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status fd_fdstat_set_flags(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    struct wasm_app_file *f;
    if (A(0) <= 2) {
        return wasm_app_ret(app, ex, args, E_SUCCESS); // stdio: no flags to keep
    }
    int e = wasi_fs_fd(app, A(0), RIGHT_FD_FDSTAT_SET_FLAGS, &f);
    if (e != E_SUCCESS) {
        return wasm_app_ret(app, ex, args, e);
    }
    f->append = A(1) & FDFLAG_APPEND;
    return wasm_app_ret(app, ex, args, (A(1) & ~0x1fu) ? E_INVAL : E_SUCCESS);
}

// Clock subscriptions wait (the earliest deadline); fd subscriptions are ready at once
// (files never block; stdin is reported readable and fd_read then waits).
static enum wasm_status poll_oneoff(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    const struct wasm_app_ops *o = app->ops;
    uint32_t nsubs = A(2);
    if (nsubs == 0) {
        return wasm_app_ret(app, ex, args, E_INVAL);
    }
    int64_t now = o->time_now(app->ctx);
    int64_t real = o->time_realtime ? o->time_realtime(app->ctx) : now;
    int64_t first = INT64_MAX;
    uint32_t nfd = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t nev = 0;
        for (uint32_t i = 0; i < nsubs; i++) {
            uint8_t sub[48];
            if (!wasm_app_read(app, sub, (uint64_t)A(0) + 48ull * i, 48)) {
                return wasm_app_ret(app, ex, args, E_FAULT);
            }
            uint8_t ev[32] = {0};
            memcpy(ev, sub, 8); // userdata
            ev[10] = sub[8];    // the event type is the subscription's tag
            bool ready = sub[8] != 0;
            if (sub[8] == 0) {
                uint32_t id;
                uint64_t timeout;
                uint16_t flags;
                memcpy(&id, sub + 16, 4);
                memcpy(&timeout, sub + 24, 8);
                memcpy(&flags, sub + 40, 2);
                int64_t t = (int64_t)(timeout > INT64_MAX / 2 ? INT64_MAX / 2 : timeout);
                int64_t dl = !(flags & 1) ? now + t : id == 0 ? now + (t - real) : t;
                if (id > 1) {
                    ev[8] = E_INVAL;
                    ready = true;
                } else if (pass == 0) {
                    first = dl < first ? dl : first;
                } else {
                    ready = dl <= o->time_now(app->ctx);
                }
            } else if (pass == 0) {
                nfd++;
            }
            if (pass == 1 && ready) {
                if (!wasm_app_write(app, (uint64_t)A(1) + 32ull * nev, ev, 32)) {
                    return wasm_app_ret(app, ex, args, E_FAULT);
                }
                nev++;
            }
        }
        if (pass == 0 && nfd == 0 && first > now) {
            ftl_handle_t p;
            struct ftl_event e;
            if (o->poll_create(app->ctx, &p) == FTL_OK) {
                (void)o->poll_wait(app->ctx, p, first - now, &e); // times out: nothing watched
                (void)o->handle_close(app->ctx, p);
            }
        }
        if (pass == 1) {
            bool ok = wasm_app_put_u32(app, A(3), nev);
            return wasm_app_ret(app, ex, args, ok ? E_SUCCESS : E_FAULT);
        }
    }
    return wasm_app_ret(app, ex, args, E_SUCCESS);
}

// Advice only: checked and accepted, as runtimes do.
static enum wasm_status fd_advise(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    struct wasm_app_file *f;
    int e = wasi_fs_fd(app, A(0), RIGHT_FD_ADVISE, &f);
    if (e == E_SUCCESS && A(3) > 5) {
        e = E_INVAL;
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status not_supported(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return wasm_app_ret(wasm_app_of(ctx), ex, args, E_NOTSUP);
}

// sock_*: no fd is a socket (preview1 cannot open one), so no fd has the socket
// rights: ENOTCAPABLE for stdio and open fds, EBADF for the rest, as node:wasi answers.
static enum wasm_status sock_call(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    struct wasm_app_file *f;
    int e = A(0) <= 2 || wasi_fs_fd(app, A(0), 0, &f) == E_SUCCESS ? E_NOTCAPABLE : E_BADF;
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status sched_yield(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return wasm_app_ret(wasm_app_of(ctx), ex, args, E_SUCCESS);
}

#define W "wasi_snapshot_preview1"

const struct wasm_app_import wasm_app_wasi_fs_imports[] = {
    {W, "fd_prestat_dir_name", "iii:i", wasi_prestat_dir_name},
    {W, "path_open", "iiiiiIIii:i", wasi_path_open},
    {W, "fd_pread", "iiiIi:i", fd_pread},
    {W, "fd_pwrite", "iiiIi:i", fd_pwrite},
    {W, "fd_tell", "ii:i", fd_tell},
    {W, "fd_filestat_get", "ii:i", fd_filestat_get},
    {W, "path_filestat_get", "iiiii:i", path_filestat_get},
    {W, "path_create_directory", "iii:i", path_create_directory},
    {W, "path_remove_directory", "iii:i", path_remove_directory},
    {W, "path_unlink_file", "iii:i", path_unlink_file},
    {W, "path_rename", "iiiiii:i", path_rename},
    {W, "fd_readdir", "iiiIi:i", fd_readdir},
    {W, "fd_sync", "i:i", fd_sync},
    {W, "fd_datasync", "i:i", fd_datasync},
    {W, "fd_filestat_set_size", "iI:i", fd_filestat_set_size},
    {W, "fd_fdstat_set_flags", "ii:i", fd_fdstat_set_flags},
    {W, "sched_yield", ":i", sched_yield},
    {W, "fd_advise", "iIIi:i", fd_advise},
    {W, "fd_allocate", "iII:i", wasi_fd_allocate},
    {W, "fd_fdstat_set_rights", "iII:i", wasi_fd_fdstat_set_rights},
    {W, "fd_filestat_set_times", "iIIi:i", wasi_fd_filestat_set_times},
    {W, "fd_renumber", "ii:i", wasi_fd_renumber},
    {W, "path_filestat_set_times", "iiiiIIi:i", wasi_path_filestat_set_times},
    {W, "path_link", "iiiiiii:i", wasi_path_link},
    {W, "path_readlink", "iiiiii:i", path_readlink},
    {W, "path_symlink", "iiiii:i", path_symlink},
    {W, "poll_oneoff", "iiii:i", poll_oneoff},
    // Not supported (ENOTSUP, as runtimes without it answer): see docs/wasm.md.
    {W, "proc_raise", "i:i", not_supported},
    // Sockets are the tcpip service's (through the `ftl` module).
    {W, "sock_accept", "iii:i", sock_call},
    {W, "sock_recv", "iiiiii:i", sock_call},
    {W, "sock_send", "iiiii:i", sock_call},
    {W, "sock_shutdown", "ii:i", sock_call},
};
const size_t wasm_app_wasi_fs_nimports =
    sizeof(wasm_app_wasi_fs_imports) / sizeof(wasm_app_wasi_fs_imports[0]);
