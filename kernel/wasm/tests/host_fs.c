// The file protocol of libs/c/ftl/include/ftl/fs.h served from host directories, for
// wasm-run --dir: the app's `fs` channel reaches this instead of the fs server. The k-th
// directory is the server's "/k" (the runtime's fs_root items say so). It answers when
// the app waits (the runner's idle hook), with POSIX calls under the directories; paths
// come normalised by libs/c/fsproto, so ".." never leaves one.
#define _GNU_SOURCE
#include "host_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ftl/fsproto.h>

#define FILES_MAX 64

struct hfile {
    struct host_chan *ch; // NULL: free
    int fd;
    bool dir, append, rd, wr;
};

#define ROOTS_MAX 8

static struct host_chan *service;
static char roots[ROOTS_MAX][4096];
static int nroots;
static struct hfile files[FILES_MAX];
static uint8_t in[FTL_MSG_DATA_MAX], out[FTL_MSG_DATA_MAX];
static struct fsproto_req req;

static void reply(struct host_chan *ch, uint64_t cookie, int e, const void *data, size_t len)
{
    if (e) {
        int32_t body[2] = {fsproto_err_of_errno(e), e}; // Linux errnos: the protocol's numbers
        (void)host_chan_reply(ch, FTL_MSG_ERROR_REPLY, cookie, body, sizeof(body), NULL);
    } else {
        (void)host_chan_reply(ch, FTL_MSG_DATA, cookie, data, len, NULL);
    }
}

// The host path of server path "/k/rest": the k-th directory, then "/rest". Paths outside
// every directory get one that does not exist.
static void host_path(const char *p, char *buf, size_t cap)
{
    int k = p[1] >= '0' && p[1] <= '9' && (p[2] == '/' || p[2] == '\0') ? p[1] - '0' : -1;
    if (k < 0 || k >= nroots) {
        snprintf(buf, cap, "/nonexistent/host_fs%s", p);
        return;
    }
    snprintf(buf, cap, "%s%s", roots[k], p + 2);
}

static void to_stat(const struct stat *s, struct ftl_fs_stat *st)
{
    *st = (struct ftl_fs_stat){
        .ino = s->st_ino,
        .size = (uint64_t)s->st_size,
        .nlink = (uint32_t)s->st_nlink,
        .mode = (S_ISDIR(s->st_mode)   ? FTL_FS_S_IFDIR
                 : S_ISLNK(s->st_mode) ? FTL_FS_S_IFLNK
                                       : FTL_FS_S_IFREG) |
                (s->st_mode & 07777),
        .atime_ns = s->st_atim.tv_sec * 1000000000ll + s->st_atim.tv_nsec,
        .mtime_ns = s->st_mtim.tv_sec * 1000000000ll + s->st_mtim.tv_nsec,
        .ctime_ns = s->st_ctim.tv_sec * 1000000000ll + s->st_ctim.tv_nsec,
        .blocks = (uint64_t)s->st_blocks,
    };
}

// UTIMENS / UTIMENSAT flags and times as utimensat's: UTIME_OMIT and UTIME_NOW.
static void to_times(const struct fsproto_req *r, struct timespec ts[2])
{
    int64_t t[2] = {r->atime_ns, r->mtime_ns};
    for (int i = 0; i < 2; i++) {
        uint32_t set = i ? FTL_FS_TIME_MTIME : FTL_FS_TIME_ATIME;
        uint32_t now = i ? FTL_FS_TIME_MTIME_NOW : FTL_FS_TIME_ATIME_NOW;
        ts[i].tv_sec = (r->flags & set) ? t[i] / 1000000000 : 0;
        ts[i].tv_nsec = (r->flags & set)   ? t[i] % 1000000000
                        : (r->flags & now) ? UTIME_NOW
                                           : UTIME_OMIT;
    }
}

static void open_file(uint64_t cookie, size_t len)
{
    char path[FTL_FS_PATH_MAX], hp[8192];
    uint32_t fl;
    ftl_err_t err = fsproto_open((const char *)in, len, path, &fl);
    if (err != FTL_OK) {
        int32_t body[2] = {err, EBADMSG};
        (void)host_chan_reply(service, FTL_MSG_ERROR_REPLY, cookie, body, sizeof(body), NULL);
        return;
    }
    struct hfile *f = NULL;
    for (int i = 0; i < FILES_MAX && !f; i++) {
        f = files[i].ch ? NULL : &files[i];
    }
    if (!f) {
        reply(service, cookie, EMFILE, NULL, 0);
        return;
    }
    host_path(path, hp, sizeof(hp));
    bool wr = fl & FTL_FS_O_WRITE;
    int flags = (wr ? ((fl & FTL_FS_O_READ) ? O_RDWR : O_WRONLY) : O_RDONLY) |
                (fl & FTL_FS_O_CREATE ? O_CREAT : 0) | (fl & FTL_FS_O_EXCL ? O_EXCL : 0) |
                (fl & FTL_FS_O_TRUNC ? O_TRUNC : 0) | (fl & FTL_FS_O_DIR ? O_DIRECTORY : 0);
    int fd = open(hp, flags, 0644);
    struct stat s;
    if (fd < 0 || fstat(fd, &s) != 0) {
        reply(service, cookie, errno, NULL, 0);
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    struct ftl_fs_stat st;
    to_stat(&s, &st);
    *f = (struct hfile){.fd = fd,
                        .dir = S_ISDIR(s.st_mode),
                        .append = fl & FTL_FS_O_APPEND,
                        .rd = fl & FTL_FS_O_READ,
                        .wr = wr};
    if (host_chan_reply(service, FTL_MSG_OPEN_REPLY, cookie, &st, sizeof(st), &f->ch) != FTL_OK) {
        close(fd);
        f->ch = NULL;
    }
}

static void path_request(uint64_t cookie, size_t len)
{
    ftl_err_t err = fsproto_path_req(in, len, &req);
    if (err != FTL_OK) {
        int32_t body[2] = {err, EBADMSG};
        (void)host_chan_reply(service, FTL_MSG_ERROR_REPLY, cookie, body, sizeof(body), NULL);
        return;
    }
    char a[8192], b[8192];
    host_path(req.path, a, sizeof(a));
    host_path(req.path2, b, sizeof(b));
    int r = 0;
    size_t n = 0;
    struct stat s;
    switch (req.op) {
    case FTL_FS_MKDIR:
        r = mkdir(a, 0755);
        break;
    case FTL_FS_RMDIR:
        r = rmdir(a);
        break;
    case FTL_FS_UNLINK:
        r = unlink(a);
        break;
    case FTL_FS_RENAME:
        r = rename(a, b);
        break;
    case FTL_FS_SYMLINK:
        r = symlink(req.target, b);
        break;
    case FTL_FS_SYNC:
        sync();
        break;
    case FTL_FS_LINK:
        r = link(a, b);
        break;
    case FTL_FS_UTIMENSAT: {
        struct timespec ts[2];
        to_times(&req, ts);
        r = utimensat(AT_FDCWD, a, ts, req.flags & FTL_FS_TIME_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW);
        break;
    }
    case FTL_FS_LSTAT:
        r = lstat(a, &s);
        if (r == 0) {
            to_stat(&s, (struct ftl_fs_stat *)(void *)out);
            n = sizeof(struct ftl_fs_stat);
        }
        break;
    case FTL_FS_READLINK: {
        ssize_t k = readlink(a, (char *)out, FTL_FS_PATH_MAX);
        r = k < 0 ? -1 : 0;
        n = k < 0 ? 0 : (size_t)k;
        break;
    }
    }
    reply(service, cookie, r ? errno : 0, out, n);
}

// READDIR position p: the p-th entry of a fresh listing (".", ".." included).
static int list_dir(struct hfile *f, uint64_t pos, size_t *out_len)
{
    int fd = openat(f->fd, ".", O_RDONLY | O_DIRECTORY);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        return errno;
    }
    size_t len = 0;
    uint64_t i = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL; i++) {
        size_t nl = strlen(e->d_name);
        if (i < pos) {
            continue;
        }
        if (len + sizeof(struct ftl_fs_dirent) + nl > sizeof(out)) {
            break;
        }
        struct ftl_fs_dirent de = {
            .next = i + 1,
            .ino = e->d_ino,
            .namelen = (uint8_t)nl,
            .type = e->d_type == DT_DIR   ? FTL_FS_DT_DIR
                    : e->d_type == DT_LNK ? FTL_FS_DT_SYMLINK
                                          : FTL_FS_DT_FILE,
        };
        memcpy(out + len, &de, sizeof(de));
        memcpy(out + len + sizeof(de), e->d_name, nl);
        len += sizeof(de) + nl;
    }
    closedir(d);
    *out_len = len;
    return 0;
}

static void file_request(struct hfile *f, uint64_t cookie, size_t len)
{
    if (cookie == 0) { // streamed contents: no reply
        if (f->wr && (f->append ? lseek(f->fd, 0, SEEK_END) : 0) >= 0) {
            (void)!write(f->fd, in, len);
        }
        return;
    }
    ftl_err_t err = fsproto_file_req(in, len, &req);
    if (err != FTL_OK) {
        int32_t body[2] = {err, EBADMSG};
        (void)host_chan_reply(f->ch, FTL_MSG_ERROR_REPLY, cookie, body, sizeof(body), NULL);
        return;
    }
    int e = 0;
    size_t n = 0;
    ssize_t k;
    uint32_t n32;
    struct stat s;
    switch (req.op) {
    case FTL_FS_READ:
    case FTL_FS_PREAD:
        k = f->dir                  ? (errno = EISDIR, -1)
            : !f->rd                ? (errno = EBADF, -1)
            : req.op == FTL_FS_READ ? read(f->fd, out, req.count)
                                    : pread(f->fd, out, req.count, (off_t)req.offset);
        e = k < 0 ? errno : 0;
        n = k < 0 ? 0 : (size_t)k;
        break;
    case FTL_FS_WRITE:
    case FTL_FS_PWRITE:
        if (!f->wr) {
            e = f->dir ? EISDIR : EBADF;
            break;
        }
        if (f->append && req.op == FTL_FS_WRITE) {
            (void)lseek(f->fd, 0, SEEK_END);
        }
        k = req.op == FTL_FS_WRITE ? write(f->fd, req.bytes, req.nbytes)
                                   : pwrite(f->fd, req.bytes, req.nbytes, (off_t)req.offset);
        e = k < 0 ? errno : 0;
        n32 = k < 0 ? 0 : (uint32_t)k;
        memcpy(out, &n32, 4);
        n = 4;
        break;
    case FTL_FS_SEEK: {
        off_t p = lseek(f->fd, (off_t)(int64_t)req.offset, (int)req.whence);
        e = p < 0 ? errno : 0;
        uint64_t pos = (uint64_t)p;
        memcpy(out, &pos, 8);
        n = 8;
        break;
    }
    case FTL_FS_STAT:
        e = fstat(f->fd, &s) ? errno : 0;
        to_stat(&s, (struct ftl_fs_stat *)(void *)out);
        n = sizeof(struct ftl_fs_stat);
        break;
    case FTL_FS_TRUNCATE:
        e = !f->wr ? EBADF : ftruncate(f->fd, (off_t)req.offset) ? errno : 0;
        break;
    case FTL_FS_FSYNC:
        e = fsync(f->fd) ? errno : 0;
        break;
    case FTL_FS_READDIR:
        e = f->dir ? list_dir(f, req.offset, &n) : ENOTDIR;
        break;
    case FTL_FS_UTIMENS: {
        struct timespec ts[2];
        to_times(&req, ts);
        e = futimens(f->fd, ts) ? errno : 0;
        break;
    }
    }
    reply(f->ch, cookie, e, out, e ? 0 : n);
}

bool host_fs_idle(void)
{
    bool did = false;
    uint32_t type;
    uint64_t cookie;
    size_t len;
    if (!service) {
        return false;
    }
    while (host_chan_recv_msg(service, &type, &cookie, in, sizeof(in), &len) == FTL_OK) {
        did = true;
        if (type == FTL_MSG_OPEN) {
            open_file(cookie, len);
        } else if (type == FTL_MSG_DATA && cookie != 0) {
            path_request(cookie, len);
        }
    }
    for (int i = 0; i < FILES_MAX; i++) {
        struct hfile *f = &files[i];
        ftl_err_t e;
        while (f->ch && (e = host_chan_recv_msg(f->ch, &type, &cookie, in, sizeof(in), &len)) !=
                            FTL_ERR_EMPTY) {
            did = true;
            if (e != FTL_OK) { // the app closed the file
                host_chan_close(f->ch);
                close(f->fd);
                f->ch = NULL;
            } else if (type == FTL_MSG_DATA) {
                file_request(f, cookie, len);
            }
        }
    }
    return did;
}

ftl_err_t host_fs_add(struct host_ftl *hf, const char *dir, char out_root[8], ftl_handle_t *out_h)
{
    if (nroots >= ROOTS_MAX) {
        return FTL_ERR_TOO_MANY;
    }
    char *root = roots[nroots];
    if (!realpath(dir, root)) {
        return FTL_ERR_NOT_FOUND;
    }
    size_t n = strlen(root);
    if (n > 1 && root[n - 1] == '/') {
        root[n - 1] = '\0';
    }
    ftl_err_t err = service ? FTL_OK : host_ftl_channel_pair(hf, out_h, &service);
    if (err == FTL_OK) {
        snprintf(out_root, 8, "/%d", nroots++);
    }
    return err;
}
