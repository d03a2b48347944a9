// fs: the file server. It mounts the ext4 file system on the disk behind the `blk`
// service (apps/virtio_blk) with libext2fs (Debian's e2fsprogs, libs/c/ext2fs) and
// serves files to any number of clients over the file protocol of <ftl/fs.h>: OPEN
// "file:/path?FLAGS" on the `fs` service gives a channel per open file. Documented in
// docs/fs.md.
//
// One thread, one poll. A reply that meets a full client queue is parked and the
// client's channel is not read again until it is writable: memory stays bounded. A
// client that goes away closes its files; nothing it started stays behind. Changes are
// written out (and the file system marked clean) when the server has been idle for
// SYNC_IDLE_NS, at most SYNC_MAX_NS after the first change, and on FSYNC / SYNC.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

#define CLIENTS_MAX 32
#define FILES_MAX 128
#define SYNC_IDLE_NS 100000000ll // 100 ms
#define SYNC_MAX_NS 2000000000ll // 2 s
#define BATCH 16                 // messages handled per channel per wake-up
// How a client's or a file's channel is watched while its replies flow: its requests
// come with the wait (ftl_poll_wait_msg), or are handed straight into `msg` while the
// server waits. A channel with a parked reply is watched for FTL_WRITABLE alone.
#define WATCH_REQUESTS (FTL_READABLE | FTL_RECEIVE)

enum ep_kind { EP_SYSTEM, EP_CLIENT, EP_FILE };

// A parked reply: the client's queue was full.
struct parked {
    uint32_t type;
    uint64_t cookie;
    uint32_t len;
    ftl_handle_t handle; // OPEN_REPLY: the file's channel; 0 otherwise
    uint8_t data[FTL_MSG_DATA_MAX];
};

// A channel the server reads: the system channel, a client's or an open file's.
struct ep {
    enum ep_kind kind;
    ftl_handle_t ch;
    uint32_t events;
    struct parked *parked;
};

struct ofile {
    struct ep ep; // first: the poll's ctx points at it
    bool used;
    bool is_dir;
    ext2_ino_t ino;
    uint32_t flags;
    uint64_t pos;
    int sticky; // errno of a failed cookie-0 write, reported by the next request
};

static struct ep system_ep = {.kind = EP_SYSTEM};
static struct ep clients[CLIENTS_MAX];
static struct ofile files[FILES_MAX];
static ftl_handle_t poll;
static struct ftl_msg msg;
static uint8_t out[FTL_MSG_DATA_MAX];
static struct fsproto_req req;
static int64_t dirty_since;
static uint64_t nopen, ops;

uint32_t open_count(ext2_ino_t ino)
{
    uint32_t n = 0;
    for (size_t i = 0; i < FILES_MAX; i++) {
        n += files[i].used && files[i].ino == ino;
    }
    return n;
}

static void watch(struct ep *e, uint32_t events)
{
    if (events != e->events) {
        FTL_CHECK(ftl_poll_modify(poll, e->ch, events, e));
        e->events = events;
    }
}

// Sends a reply, or parks it if the client's queue is full.
static void send(struct ep *e, uint32_t type, uint64_t cookie, const void *data, size_t len,
                 ftl_handle_t handle)
{
    ftl_err_t err =
        ftl_channel_send(e->ch, type, cookie, data, len, handle ? &handle : NULL, handle ? 1 : 0);
    if (err == FTL_OK) {
        return;
    }
    if (err == FTL_ERR_FULL) {
        struct parked *p = malloc(sizeof(*p));
        if (p) {
            p->type = type;
            p->cookie = cookie;
            p->len = (uint32_t)len;
            p->handle = handle;
            memcpy(p->data, data, len);
            e->parked = p;
            watch(e, FTL_WRITABLE);
            return;
        }
        FTL_WARN("fs: no memory to hold a reply for a client that does not read them");
    }
    if (handle) { // the reply is lost: so is the file it named (its peer sees it closed)
        (void)ftl_handle_close(handle);
    }
}

static void send_error(struct ep *e, uint64_t cookie, ftl_err_t err, int posix)
{
    int32_t body[2] = {err, fs_wire_errno(posix)};
    send(e, FTL_MSG_ERROR_REPLY, cookie, body, sizeof(body), 0);
}

static void reply_errno(struct ep *e, uint64_t cookie, int posix, const void *data, size_t len)
{
    if (posix) {
        send_error(e, cookie, fsproto_err_of_errno(posix), posix);
    } else {
        send(e, FTL_MSG_DATA, cookie, data, len, 0);
    }
}

static void changed(void)
{
    if (dirty_since == 0 && fsops_is_dirty()) {
        dirty_since = ftl_time_now();
    }
}

static void file_close(struct ofile *f)
{
    if (f->ep.parked) {
        if (f->ep.parked->handle) {
            (void)ftl_handle_close(f->ep.parked->handle);
        }
        free(f->ep.parked);
        f->ep.parked = NULL;
    }
    FTL_CHECK(ftl_handle_close(f->ep.ch));
    f->used = false;
    nopen--;
    if (open_count(f->ino) == 0) {
        int e = fsops_release(f->ino);
        if (e) {
            FTL_WARN("fs: freeing unlinked inode %u: errno %d", (unsigned)f->ino, e);
        }
    }
}

static void open_file(struct ep *client, uint64_t cookie, const char *uri, size_t len)
{
    char path[FTL_FS_PATH_MAX];
    uint32_t flags;
    ftl_err_t err = fsproto_open(uri, len, path, &flags);
    if (err != FTL_OK) {
        send_error(client, cookie, err, fs_errno_of(err));
        return;
    }
    struct ofile *f = NULL;
    for (size_t i = 0; i < FILES_MAX && !f; i++) {
        f = files[i].used ? NULL : &files[i];
    }
    if (!f) {
        send_error(client, cookie, FTL_ERR_TOO_MANY, EMFILE);
        return;
    }
    ext2_ino_t ino;
    bool is_dir;
    int e = fsops_open(path, flags, &ino, &is_dir);
    changed();
    struct ftl_fs_stat st;
    if (!e) {
        e = fsops_stat(ino, &st);
    }
    if (e) {
        send_error(client, cookie, fsproto_err_of_errno(e), e);
        return;
    }
    ftl_handle_t mine, theirs;
    err = ftl_channel_create(&mine, &theirs);
    if (err == FTL_OK) {
        err = ftl_poll_add(poll, mine, WATCH_REQUESTS, &f->ep);
        if (err != FTL_OK) {
            (void)ftl_handle_close(mine);
            (void)ftl_handle_close(theirs);
        }
    }
    if (err != FTL_OK) {
        send_error(client, cookie, err, EMFILE);
        return;
    }
    *f = (struct ofile){.ep = {.kind = EP_FILE, .ch = mine, .events = WATCH_REQUESTS},
                        .used = true,
                        .is_dir = is_dir,
                        .ino = ino,
                        .flags = flags};
    nopen++;
    send(client, FTL_MSG_OPEN_REPLY, cookie, &st, sizeof(st), theirs);
}

// A request on the service channel: a path operation.
static void path_request(struct ep *client)
{
    ftl_err_t err = fsproto_path_req(msg.data, msg.len, &req);
    if (err != FTL_OK) {
        send_error(client, msg.cookie, err, fs_errno_of(err));
        return;
    }
    int e = 0;
    size_t len = 0;
    ext2_ino_t ino;
    switch (req.op) {
    case FTL_FS_MKDIR:
        e = fsops_mkdir(req.path);
        break;
    case FTL_FS_RMDIR:
        e = fsops_rmdir(req.path);
        break;
    case FTL_FS_UNLINK:
        e = fsops_unlink(req.path);
        break;
    case FTL_FS_RENAME:
        e = fsops_rename(req.path, req.path2);
        break;
    case FTL_FS_LSTAT:
        e = fsops_lookup(req.path, false, &ino);
        if (!e) {
            e = fsops_stat(ino, (struct ftl_fs_stat *)(void *)out);
            len = sizeof(struct ftl_fs_stat);
        }
        break;
    case FTL_FS_SYMLINK:
        e = fsops_symlink(req.target, req.path2);
        break;
    case FTL_FS_READLINK:
        e = fsops_readlink(req.path, (char *)out, FTL_FS_PATH_MAX, &len);
        break;
    case FTL_FS_SYNC:
        e = fsops_sync();
        dirty_since = 0;
        break;
    case FTL_FS_LINK: // links.c
        e = fsops_hardlink(req.path, req.path2);
        break;
    case FTL_FS_UTIMENSAT:
        e = fsops_utimensat(req.path, req.flags, req.atime_ns, req.mtime_ns);
        break;
    }
    changed();
    reply_errno(client, msg.cookie, e, out, len);
}

// What a write at the file's position is allowed to do.
static int may(const struct ofile *f, uint32_t need)
{
    if (f->is_dir && need == FTL_FS_O_WRITE) {
        return EISDIR;
    }
    return (f->flags & need) ? 0 : EBADF;
}

static int write_at(struct ofile *f, uint64_t off, const uint8_t *bytes, size_t n, bool advance)
{
    int e = may(f, FTL_FS_O_WRITE);
    uint64_t size = 0;
    if (!e && (f->flags & FTL_FS_O_APPEND)) {
        e = fsops_size(f->ino, &size);
        off = size;
    }
    if (!e && n > 0) {
        e = fsops_write(f->ino, off, bytes, (uint32_t)n);
    }
    if (!e && advance) {
        f->pos = off + n;
    }
    changed();
    return e;
}

static void file_request(struct ofile *f)
{
    struct ep *ep = &f->ep;
    if (msg.cookie == 0) { // contents to write, no reply
        int e = write_at(f, f->pos, msg.data, msg.len, true);
        if (e && !f->sticky) {
            f->sticky = e;
        }
        return;
    }
    if (f->sticky) {
        int e = f->sticky;
        f->sticky = 0;
        send_error(ep, msg.cookie, fsproto_err_of_errno(e), e);
        return;
    }
    ftl_err_t err = fsproto_file_req(msg.data, msg.len, &req);
    if (err != FTL_OK) {
        send_error(ep, msg.cookie, err, fs_errno_of(err));
        return;
    }
    int e = 0;
    size_t len = 0;
    uint32_t got = 0, n32;
    uint64_t size = 0;
    switch (req.op) {
    case FTL_FS_READ:
    case FTL_FS_PREAD:
        e = f->is_dir ? EISDIR : may(f, FTL_FS_O_READ);
        if (!e) {
            uint64_t off = req.op == FTL_FS_READ ? f->pos : req.offset;
            e = fsops_read(f->ino, off, out, req.count, &got);
            len = got;
            if (!e && req.op == FTL_FS_READ) {
                f->pos += got;
            }
        }
        break;
    case FTL_FS_WRITE:
    case FTL_FS_PWRITE:
        e = write_at(f, req.op == FTL_FS_WRITE ? f->pos : req.offset, req.bytes, req.nbytes,
                     req.op == FTL_FS_WRITE);
        n32 = (uint32_t)req.nbytes;
        memcpy(out, &n32, 4);
        len = 4;
        break;
    case FTL_FS_SEEK: {
        int64_t base = req.whence == 0 ? 0 : req.whence == 1 ? (int64_t)f->pos : 0;
        if (req.whence == 2) {
            e = fsops_size(f->ino, &size);
            base = (int64_t)size;
        }
        int64_t to;
        if (!e && (__builtin_add_overflow(base, (int64_t)req.offset, &to) || to < 0)) {
            e = EINVAL;
        }
        if (!e) {
            f->pos = (uint64_t)to;
            memcpy(out, &f->pos, 8);
            len = 8;
        }
        break;
    }
    case FTL_FS_STAT:
        e = fsops_stat(f->ino, (struct ftl_fs_stat *)(void *)out);
        len = sizeof(struct ftl_fs_stat);
        break;
    case FTL_FS_TRUNCATE:
        e = may(f, FTL_FS_O_WRITE);
        if (!e) {
            e = fsops_truncate(f->ino, req.offset);
        }
        break;
    case FTL_FS_FSYNC:
        e = fsops_sync();
        dirty_since = 0;
        break;
    case FTL_FS_READDIR:
        e = f->is_dir ? fsops_readdir(f->ino, req.offset, out, sizeof(out), &len) : ENOTDIR;
        break;
    case FTL_FS_UTIMENS: // links.c; allowed without `w`, as futimens(2) of the owner
        e = fsops_set_times(f->ino, req.flags, req.atime_ns, req.mtime_ns);
        break;
    }
    changed();
    reply_errno(ep, msg.cookie, e, out, e ? 0 : len);
}

static void client_message(struct ep *client)
{
    if (msg.type == FTL_MSG_OPEN) {
        open_file(client, msg.cookie, (const char *)msg.data, msg.len);
    } else if (msg.type == FTL_MSG_DATA && msg.cookie != 0) {
        path_request(client);
    } else {
        send_error(client, msg.cookie, FTL_ERR_UNSUPPORTED, ENOTSUP);
    }
}

static void drop(struct ep *e)
{
    if (e->kind == EP_FILE) {
        file_close((struct ofile *)(void *)e);
        return;
    }
    if (e->parked) {
        if (e->parked->handle) {
            (void)ftl_handle_close(e->parked->handle);
        }
        free(e->parked);
        e->parked = NULL;
    }
    FTL_CHECK(ftl_handle_close(e->ch));
    e->ch = 0;
}

// Reads up to BATCH messages from a client's or a file's channel; `have`: the first
// is in `msg` already (it came with the wait).
static void readable(struct ep *e, bool have)
{
    for (int i = 0; i < BATCH && !e->parked; i++, have = false) {
        ftl_err_t err = have ? FTL_OK : ftl_channel_recv(e->ch, &msg);
        if (err == FTL_ERR_EMPTY) {
            return;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            drop(e);
            return;
        }
        FTL_CHECK(err);
        for (uint32_t h = 0; h < msg.nhandles; h++) {
            (void)ftl_handle_close(msg.handles[h]); // the protocol carries none
        }
        ops++;
        if (e->kind == EP_CLIENT) {
            client_message(e);
        } else if (msg.type == FTL_MSG_DATA) {
            file_request((struct ofile *)(void *)e);
        } else {
            send_error(e, msg.cookie, FTL_ERR_UNSUPPORTED, ENOTSUP);
        }
    }
}

static void writable(struct ep *e)
{
    struct parked *p = e->parked;
    e->parked = NULL;
    watch(e, WATCH_REQUESTS);
    send(e, p->type, p->cookie, p->data, p->len, p->handle);
    free(p);
}

static void system_readable(void)
{
    while (ftl_channel_recv(system_ep.ch, &msg) == FTL_OK) {
        if (msg.type != FTL_MSG_CONNECT || msg.nhandles != 1) {
            for (uint32_t h = 0; h < msg.nhandles; h++) {
                (void)ftl_handle_close(msg.handles[h]);
            }
            continue;
        }
        struct ep *c = NULL;
        for (size_t i = 0; i < CLIENTS_MAX && !c; i++) {
            c = clients[i].ch ? NULL : &clients[i];
        }
        if (!c || ftl_poll_add(poll, msg.handles[0], WATCH_REQUESTS, c) != FTL_OK) {
            FTL_WARN("fs: too many clients; refusing one");
            (void)ftl_handle_close(msg.handles[0]);
            continue;
        }
        *c = (struct ep){.kind = EP_CLIENT, .ch = msg.handles[0], .events = WATCH_REQUESTS};
    }
}

static void sync_now(void)
{
    int e = fsops_sync();
    if (e) {
        FTL_ERROR("fs: writing the file system out failed: errno %d", e);
    }
    dirty_since = 0;
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t blk;
    FTL_CHECK(ftl_env_channel(env, "disk", &blk));
    struct ftl_blk_info info;
    FTL_CHECK(blkio_init(blk, &info));
    int e = fsops_mount();
    if (e) {
        FTL_ERROR("fs: cannot mount the disk's ext4 file system: errno %d", e);
        ftl_exit(1);
    }
    FTL_INFO("fs: mounted ext4 '%.16s' (%llu MiB, %llu MiB free%s); serving file:",
             fs->super->s_volume_name, (unsigned long long)(info.sectors / 2048),
             (unsigned long long)(ext2fs_free_blocks_count(fs->super) * fs->blocksize >> 20),
             info.read_only ? ", read-only disk" : "");

    system_ep.ch = ftl_env_system(env);
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, system_ep.ch, FTL_READABLE, &system_ep));
    for (;;) {
        int64_t timeout = FTL_NO_TIMEOUT;
        if (dirty_since) {
            int64_t left = dirty_since + SYNC_MAX_NS - ftl_time_now();
            timeout = left < SYNC_IDLE_NS ? (left > 0 ? left : 0) : SYNC_IDLE_NS;
        }
        struct ftl_event ev;
        ftl_err_t err = ftl_poll_wait_msg(poll, timeout, &ev, &msg);
        if (err == FTL_ERR_TIMED_OUT) {
            sync_now();
            continue;
        }
        FTL_CHECK(err);
        struct ep *ep = (struct ep *)(uintptr_t)ev.ctx;
        if (ep->kind == EP_SYSTEM) {
            system_readable();
        } else if ((ev.events & FTL_WRITABLE) && ep->parked) {
            writable(ep);
        } else if (ev.events & FTL_READABLE) {
            readable(ep, ev.events & FTL_RECEIVE);
        } else if (ev.events & FTL_PEER_CLOSED) {
            drop(ep);
        }
        if (dirty_since && ftl_time_now() - dirty_since > SYNC_MAX_NS) {
            sync_now();
        }
    }
}
