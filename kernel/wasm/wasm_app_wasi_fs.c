// WASI preview1 files on the fs server's file protocol (libs/c/ftl/include/ftl/fs.h,
// docs/fs.md). An app whose environ has a channel item `fs` (`fs: { service: fs }`) gets
// its preopened directories as fds 3, 4, ...: the string items `fs_name` (the guest's
// name, default "/") and `fs_root` (the fs server's directory, default "/") for the
// first, `fs_name1` and `fs_root1` for the second, and so on (kernel/startup.c makes them
// from the spec's `preopens`). wasm-run --dir serves the same protocol from host
// directories (tests/host_fs.c). Paths are resolved here, relative to a directory fd:
// absolute paths and ".." above that directory are refused with ENOTCAPABLE before the
// server sees them. Every call is one request and its reply. Each fd keeps WASI rights;
// a call outside them gets ENOTCAPABLE. The other WASI file functions are in
// wasm_app_wasi_path.c and wasm_app_wasi_meta.c.
#include "wasm_app_wasi_fs.h"

// Linux errno (what the fs server sends) -> WASI errno.
int wasi_fs_errno(int e)
{
    switch (e) {
    case FTL_FS_ENOENT:
        return E_NOENT;
    case FTL_FS_EEXIST:
        return E_EXIST;
    case FTL_FS_EISDIR:
        return E_ISDIR;
    case FTL_FS_ENOTDIR:
        return E_NOTDIR;
    case FTL_FS_ENOTEMPTY:
        return E_NOTEMPTY;
    case FTL_FS_EBADF:
        return E_BADF;
    case FTL_FS_ENOSPC:
        return E_NOSPC;
    case FTL_FS_ENAMETOOLONG:
        return E_NAMETOOLONG;
    case FTL_FS_EFBIG:
        return E_FBIG;
    case FTL_FS_EMFILE:
        return E_MFILE;
    case FTL_FS_ELOOP:
        return E_LOOP;
    case FTL_FS_EBUSY:
        return E_BUSY;
    case FTL_FS_EROFS:
        return E_ROFS;
    case FTL_FS_ENOMEM:
        return E_NOMEM;
    case FTL_FS_ENOTSUP:
        return E_NOTSUP;
    case FTL_FS_EINVAL:
        return E_INVAL;
    case FTL_FS_EPERM:
        return E_PERM;
    case FTL_FS_EMLINK:
        return E_MLINK;
    case FTL_FS_EXDEV:
        return E_XDEV;
    default:
        return E_IO;
    }
}

struct wasm_app_file *wasi_fs_file(struct wasm_app *app, uint32_t fd)
{
    if (!app->files || fd < ROOT_FD || fd >= ROOT_FD + WASM_APP_FILES_MAX) {
        return NULL;
    }
    struct wasm_app_file *f = &app->files[fd - ROOT_FD];
    return f->used ? f : NULL;
}

int wasi_fs_fd(struct wasm_app *app, uint32_t fd, uint64_t need, struct wasm_app_file **out)
{
    wasi_fs_setup(app);
    struct wasm_app_file *f = wasi_fs_file(app, fd);
    *out = f;
    if (!f) {
        return E_BADF;
    }
    return (f->rights & need) == need ? E_SUCCESS : E_NOTCAPABLE;
}

// The string item `base` (i = 0) or `base`i of the environ, or NULL.
static const char *preopen_item(struct wasm_app *app, const char *base, size_t i)
{
    char name[16];
    int n = snprintf(name, sizeof(name), i ? "%s%u" : "%s", base, (unsigned)i);
    const struct ftl_env_item *it = wasm_app_env_find(app, name, (size_t)n);
    return it && it->kind == FTL_ENV_STRING ? it->str : NULL;
}

// Sets up the preopens (fd 3..) the first time a file call comes (wasi-libc asks for
// them first): one per fs_root/fs_name pair, at least one ("/" as "/").
void wasi_fs_setup(struct wasm_app *app)
{
    if (app->fs_ready) {
        return;
    }
    app->fs_ready = true;
    const struct ftl_env_item *it = wasm_app_env_find(app, "fs", 2);
    if (!it || it->kind != FTL_ENV_CHANNEL) {
        return;
    }
    app->files = kzalloc(WASM_APP_FILES_MAX * sizeof(*app->files));
    if (!app->files) {
        return;
    }
    app->fs_ch = it->handle;
    for (size_t i = 0; i < WASM_APP_PREOPENS_MAX; i++) {
        const char *r = preopen_item(app, "fs_root", i);
        const char *g = preopen_item(app, "fs_name", i);
        if (i > 0 && !r && !g) {
            break;
        }
        r = r && r[0] == '/' ? r : "/";
        g = g && g[0] ? g : "/";
        struct wasm_app_file *f = &app->files[i];
        f->used = true;
        f->is_dir = true;
        f->preopen = true;
        f->rights = f->inheriting = RIGHTS_ALL;
        f->ch = -1;
        size_t n = strlen(r);
        while (n > 1 && r[n - 1] == '/') {
            n--;
        }
        memcpy(f->path, r, n < sizeof(f->path) - 1 ? n : sizeof(f->path) - 1);
        size_t gn = strlen(g); // environ strings are terminated (wasm_app.c)
        memcpy(f->guest, g, gn < sizeof(f->guest) - 1 ? gn : sizeof(f->guest) - 1);
    }
}

// Sends a request on `ch` and waits for its reply in app->msg. Returns a WASI errno.
int wasi_fs_call(struct wasm_app *app, ftl_handle_t ch, uint32_t type, const void *data, size_t len)
{
    const struct wasm_app_ops *o = app->ops;
    if (app->fs_poll < 0 || app->fs_poll_ch != ch) {
        if (app->fs_poll >= 0) {
            (void)o->handle_close(app->ctx, app->fs_poll);
        }
        app->fs_poll = -1;
        ftl_handle_t p;
        if (o->poll_create(app->ctx, &p) != FTL_OK) {
            return E_IO;
        }
        if (o->poll_add(app->ctx, p, ch, FTL_READABLE, 0) != FTL_OK) {
            (void)o->handle_close(app->ctx, p);
            return E_IO;
        }
        app->fs_poll = p;
        app->fs_poll_ch = ch;
    }
    uint64_t cookie = ++app->fs_cookie;
    struct ftl_msg_out m = {.type = type, .len = (uint32_t)len, .cookie = cookie, .data = data};
    ftl_err_t err;
    while ((err = o->channel_send(app->ctx, ch, &m)) == FTL_ERR_FULL) {
        struct ftl_event ev;
        (void)o->poll_modify(app->ctx, app->fs_poll, ch, FTL_WRITABLE, 0);
        err = o->poll_wait(app->ctx, app->fs_poll, FTL_NO_TIMEOUT, &ev);
        (void)o->poll_modify(app->ctx, app->fs_poll, ch, FTL_READABLE, 0);
        if (err != FTL_OK) {
            return E_IO;
        }
    }
    if (err != FTL_OK) {
        return E_IO;
    }
    for (;;) {
        err = o->channel_recv(app->ctx, ch, &app->msg);
        if (err == FTL_ERR_EMPTY) {
            struct ftl_event ev;
            if (o->poll_wait(app->ctx, app->fs_poll, FTL_NO_TIMEOUT, &ev) != FTL_OK) {
                return E_IO;
            }
            continue;
        }
        if (err != FTL_OK) {
            return E_IO;
        }
        if (app->msg.cookie != cookie) {
            for (uint32_t i = 0; i < app->msg.nhandles && i < FTL_MSG_HANDLES_MAX; i++) {
                (void)o->handle_close(app->ctx, app->msg.handles[i]);
            }
            continue;
        }
        if (app->msg.type == FTL_MSG_ERROR_REPLY) {
            int32_t e = 0;
            if (app->msg.len >= 8) {
                memcpy(&e, app->msg.data + 4, 4);
            }
            return wasi_fs_errno(e);
        }
        return E_SUCCESS;
    }
}

// A request on a file's channel: op and `args`.
int wasi_fs_file_call(struct wasm_app *app, struct wasm_app_file *f, uint32_t op, const void *a,
                      size_t len)
{
    uint8_t *buf = app->fs_buf;
    if (len > FTL_MSG_DATA_MAX - 4) {
        return E_INVAL;
    }
    memcpy(buf, &op, 4);
    if (len) {
        memcpy(buf + 4, a, len);
    }
    return wasi_fs_call(app, f->ch, FTL_MSG_DATA, buf, 4 + len);
}

// Resolves `len` bytes of guest path at `addr`, relative to directory fd `dirfd` (with the
// rights `need`), into an absolute fs server path. Refuses absolute paths and ".." above
// `dirfd`.
int wasi_fs_resolve(struct wasm_app *app, uint32_t dirfd, uint64_t need, uint32_t addr,
                    uint32_t len, char out[FTL_FS_PATH_MAX])
{
    struct wasm_app_file *d;
    int e = wasi_fs_fd(app, dirfd, need, &d);
    if (e != E_SUCCESS) {
        return e;
    }
    if (!d->is_dir) {
        return E_NOTDIR;
    }
    char rel[FTL_FS_PATH_MAX];
    if (len >= sizeof(rel)) {
        return E_NAMETOOLONG;
    }
    if (!wasm_app_read(app, rel, addr, len)) {
        return E_FAULT;
    }
    rel[len] = '\0';
    if (len == 0 || strlen(rel) != len) {
        return len == 0 ? E_NOENT : E_INVAL; // empty, or a NUL inside
    }
    if (rel[0] == '/') {
        return E_NOTCAPABLE;
    }
    // A directory fd is the capability: ".." may not climb above it, not even to
    // another directory inside the preopen (as node:wasi and wasmtime refuse it).
    size_t n = strlen(d->path);
    memcpy(out, d->path, n + 1);
    int depth = 0;
    for (char *c = rel; *c;) {
        char *end = strchr(c, '/');
        size_t clen = end ? (size_t)(end - c) : strlen(c);
        if (clen == 0 || (clen == 1 && c[0] == '.')) {
        } else if (clen == 2 && c[0] == '.' && c[1] == '.') {
            if (--depth < 0) {
                return E_NOTCAPABLE;
            }
            while (n > 0 && out[n - 1] != '/') {
                n--;
            }
            n = n > 1 ? n - 1 : 1;
            out[n] = '\0';
        } else {
            if (n + 1 + clen >= FTL_FS_PATH_MAX) {
                return E_NAMETOOLONG;
            }
            if (n > 1 || out[0] != '/') {
                out[n++] = '/';
            }
            memcpy(out + n, c, clen);
            n += clen;
            out[n] = '\0';
            depth++;
        }
        c += clen + (end ? 1 : 0);
    }
    return E_SUCCESS;
}

void wasi_fs_put_filestat(uint8_t out[64], const struct ftl_fs_stat *st)
{
    memset(out, 0, 64);
    uint32_t t = st->mode & FTL_FS_S_IFMT;
    uint64_t nlink = st->nlink;
    memcpy(out + 8, &st->ino, 8);
    out[16] = t == FTL_FS_S_IFDIR ? FT_DIRECTORY : t == FTL_FS_S_IFLNK ? FT_SYMLINK : FT_REGULAR;
    memcpy(out + 24, &nlink, 8);
    memcpy(out + 32, &st->size, 8);
    memcpy(out + 40, &st->atime_ns, 8);
    memcpy(out + 48, &st->mtime_ns, 8);
    memcpy(out + 56, &st->ctime_ns, 8);
}

enum wasm_status wasi_path_open(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char path[FTL_FS_PATH_MAX];
    uint32_t oflags = A(4);
    uint64_t rights = args[5].i64, inheriting = args[6].i64;
    uint32_t fdflags = A(7);
    uint64_t need = RIGHT_PATH_OPEN | (oflags & OFLAG_CREAT ? RIGHT_PATH_CREATE_FILE : 0) |
                    (oflags & OFLAG_TRUNC ? RIGHT_PATH_FILESTAT_SET_SIZE : 0);
    int e = wasi_fs_resolve(app, A(0), need, A(2), A(3), path);
    // What the new fd may do is at most what the directory passes on (bits that name
    // no right are ignored).
    rights &= RIGHTS_ALL;
    inheriting &= RIGHTS_ALL;
    struct wasm_app_file *d = e == E_SUCCESS ? wasi_fs_file(app, A(0)) : NULL;
    if (d && ((rights | inheriting) & ~d->inheriting)) {
        e = E_NOTCAPABLE;
    }
    struct wasm_app_file *f = NULL;
    for (size_t i = 0; i < WASM_APP_FILES_MAX && !f && e == E_SUCCESS; i++) {
        f = app->files[i].used ? NULL : &app->files[i];
    }
    if (e == E_SUCCESS && !f) {
        e = E_MFILE;
    }
    if (e != E_SUCCESS) {
        return wasm_app_ret(app, ex, args, e);
    }
    bool write = (rights & RIGHT_FD_WRITE) && !(oflags & OFLAG_DIRECTORY);
    char uri[FTL_FS_PATH_MAX + 16];
    int n = snprintf(uri, sizeof(uri), "file:%s?r%s%s%s%s%s", path, write ? "w" : "",
                     oflags & OFLAG_CREAT ? "c" : "", oflags & OFLAG_EXCL ? "x" : "",
                     oflags & OFLAG_TRUNC ? "t" : "", oflags & OFLAG_DIRECTORY ? "d" : "");
    if (n < 0 || (size_t)n >= sizeof(uri)) {
        return wasm_app_ret(app, ex, args, E_NAMETOOLONG);
    }
    e = wasi_fs_call(app, app->fs_ch, FTL_MSG_OPEN, uri, (size_t)n);
    if (e != E_SUCCESS) {
        return wasm_app_ret(app, ex, args, e);
    }
    if (app->msg.type != FTL_MSG_OPEN_REPLY || app->msg.nhandles != 1) {
        return wasm_app_ret(app, ex, args, E_IO);
    }
    struct ftl_fs_stat st;
    memcpy(&st, app->msg.data, sizeof(st));
    memset(f, 0, sizeof(*f));
    f->used = true;
    f->ch = app->msg.handles[0];
    f->is_dir = (st.mode & FTL_FS_S_IFMT) == FTL_FS_S_IFDIR;
    f->append = fdflags & FDFLAG_APPEND;
    f->can_write = write;
    f->rights = rights;
    f->inheriting = inheriting;
    memcpy(f->path, path, strlen(path) + 1);
    uint32_t fd = ROOT_FD + (uint32_t)(f - app->files);
    bool ok = wasm_app_put_u32(app, A(8), fd);
    return wasm_app_ret(app, ex, args, ok ? E_SUCCESS : E_FAULT);
}

int wasm_app_fs_close(struct wasm_app *app, uint32_t fd)
{
    struct wasm_app_file *f = wasi_fs_file(app, fd);
    if (!f || f->preopen) {
        return f ? E_NOTSUP : E_BADF;
    }
    if (app->fs_poll_ch == f->ch && app->fs_poll >= 0) {
        (void)app->ops->handle_close(app->ctx, app->fs_poll);
        app->fs_poll = -1;
    }
    (void)app->ops->handle_close(app->ctx, f->ch);
    f->used = false;
    return E_SUCCESS;
}

// fd_read / fd_pread / fd_write / fd_pwrite over iovecs; `at` < 0: at the position.
int wasm_app_fs_rw(struct wasm_app *app, uint32_t fd, uint32_t iovs, uint32_t n, int64_t at,
                   bool write, uint32_t *out_total)
{
    struct wasm_app_file *f;
    *out_total = 0;
    uint64_t need = (write ? RIGHT_FD_WRITE : RIGHT_FD_READ) | (at >= 0 ? RIGHT_FD_SEEK : 0);
    int re = wasi_fs_fd(app, fd, need, &f);
    if (re != E_SUCCESS) {
        return re;
    }
    if (f->is_dir) {
        return E_ISDIR;
    }
    if (n > WASM_APP_IOV_MAX) {
        return E_INVAL;
    }
    if (write && !f->can_write) {
        return E_BADF;
    }
    if (write && f->append && at < 0) {
        uint8_t sk[12] = {2};
        int e = wasi_fs_file_call(app, f, FTL_FS_SEEK, sk, 12);
        if (e != E_SUCCESS) {
            return e;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t base, len;
        if (!wasm_app_get_u32(app, iovs + 8ull * i, &base) ||
            !wasm_app_get_u32(app, iovs + 8ull * i + 4, &len)) {
            return E_FAULT;
        }
        for (uint32_t done = 0; done < len;) {
            uint32_t chunk = len - done > 4084 ? 4084 : len - done;
            uint8_t *a = app->fs_args;
            int e;
            uint64_t off = (uint64_t)at + *out_total;
            if (write) {
                size_t hdr = at >= 0 ? 8 : 0;
                memcpy(a, &off, 8);
                if (!wasm_app_read(app, a + hdr, (uint64_t)base + done, chunk)) {
                    return E_FAULT;
                }
                e = wasi_fs_file_call(app, f, at >= 0 ? FTL_FS_PWRITE : FTL_FS_WRITE, a,
                                      hdr + chunk);
            } else {
                memcpy(a, &off, 8);
                memcpy(a + (at >= 0 ? 8 : 0), &chunk, 4);
                e = wasi_fs_file_call(app, f, at >= 0 ? FTL_FS_PREAD : FTL_FS_READ, a,
                                      at >= 0 ? 12 : 4);
                if (e == E_SUCCESS &&
                    !wasm_app_write(app, (uint64_t)base + done, app->msg.data, app->msg.len)) {
                    return E_FAULT;
                }
                if (e == E_SUCCESS && app->msg.len < chunk) {
                    *out_total += app->msg.len;
                    return E_SUCCESS; // the end of the file
                }
            }
            if (e != E_SUCCESS) {
                return *out_total > 0 ? E_SUCCESS : e;
            }
            done += chunk;
            *out_total += chunk;
        }
    }
    return E_SUCCESS;
}

int wasm_app_fs_seek(struct wasm_app *app, uint32_t fd, int64_t offset, uint32_t whence,
                     uint64_t *out_pos)
{
    struct wasm_app_file *f;
    int re = wasi_fs_fd(app, fd, offset == 0 && whence == 1 ? RIGHT_FD_TELL : RIGHT_FD_SEEK, &f);
    if (re != E_SUCCESS) {
        return re;
    }
    if (f->is_dir || whence > 2) {
        return f->is_dir ? E_BADF : E_INVAL;
    }
    uint8_t a[12];
    // WASI whence: 0 SET, 1 CUR, 2 END, as the protocol's.
    memcpy(a, &whence, 4);
    memcpy(a + 4, &offset, 8);
    int e = wasi_fs_file_call(app, f, FTL_FS_SEEK, a, 12);
    if (e == E_SUCCESS) {
        memcpy(out_pos, app->msg.data, 8);
    }
    return e;
}

int wasm_app_fs_fdstat(struct wasm_app *app, uint32_t fd, uint8_t out[24])
{
    wasi_fs_setup(app);
    struct wasm_app_file *f = wasi_fs_file(app, fd);
    if (!f) {
        return E_BADF;
    }
    memset(out, 0, 24);
    out[0] = f->is_dir ? FT_DIRECTORY : FT_REGULAR;
    out[2] = f->append ? FDFLAG_APPEND : 0;
    memcpy(out + 8, &f->rights, 8);
    memcpy(out + 16, &f->inheriting, 8);
    return E_SUCCESS;
}

int wasm_app_fs_prestat(struct wasm_app *app, uint32_t fd, uint32_t buf, bool name,
                        uint32_t name_len)
{
    wasi_fs_setup(app);
    struct wasm_app_file *f = wasi_fs_file(app, fd);
    if (!f || !f->preopen) {
        return E_BADF;
    }
    const char *g = f->guest; // the guest's name of the preopen: "/", "/data", ...
    uint32_t n = (uint32_t)strlen(g);
    if (name) {
        return name_len < n ? E_NAMETOOLONG : wasm_app_write(app, buf, g, n) ? E_SUCCESS : E_FAULT;
    }
    uint8_t st[8] = {0}; // tag 0: a directory; then the name's length
    memcpy(st + 4, &n, 4);
    return wasm_app_write(app, buf, st, 8) ? E_SUCCESS : E_FAULT;
}

enum wasm_status wasi_prestat_dir_name(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    return wasm_app_ret(app, ex, args, wasm_app_fs_prestat(app, A(0), A(1), true, A(2)));
}

void wasm_app_fs_destroy(struct wasm_app *app)
{
    kfree(app->files);
    app->files = NULL;
}
