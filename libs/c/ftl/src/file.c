// The blocking file client of <ftl/file.h>: one request, one reply, over the file
// protocol of <ftl/fs.h>.
#include <errno.h>
#include <ftl/file.h>
#include <string.h>

static struct ftl_msg reply;
static int last_errno;
static uint64_t path_cookie;

// The protocol's (Linux) errno -> this C library's.
int ftl_fs_last_errno(void)
{
    static const int map[][2] = {
        {FTL_FS_ENOENT, ENOENT},       {FTL_FS_EIO, EIO},
        {FTL_FS_EBADF, EBADF},         {FTL_FS_ENOMEM, ENOMEM},
        {FTL_FS_EBUSY, EBUSY},         {FTL_FS_EEXIST, EEXIST},
        {FTL_FS_ENOTDIR, ENOTDIR},     {FTL_FS_EISDIR, EISDIR},
        {FTL_FS_EINVAL, EINVAL},       {FTL_FS_EMFILE, EMFILE},
        {FTL_FS_EFBIG, EFBIG},         {FTL_FS_ENOSPC, ENOSPC},
        {FTL_FS_EROFS, EROFS},         {FTL_FS_ENAMETOOLONG, ENAMETOOLONG},
        {FTL_FS_ENOTEMPTY, ENOTEMPTY}, {FTL_FS_ELOOP, ELOOP},
        {FTL_FS_EBADMSG, EBADMSG},     {FTL_FS_ENOTSUP, ENOTSUP},
        {FTL_FS_EPERM, EPERM},         {FTL_FS_EMLINK, EMLINK},
        {FTL_FS_EXDEV, EXDEV},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i][0] == last_errno) {
            return map[i][1];
        }
    }
    return last_errno;
}

// Waits for the reply with `cookie` on `ch`, watched by `poll`; `have`: a message is in
// `reply` already (what ftl_channel_call received). Other messages are dropped (their
// handles closed).
static ftl_err_t wait_reply(ftl_handle_t ch, ftl_handle_t poll, uint64_t cookie, bool have)
{
    for (;; have = false) {
        ftl_err_t err = have ? FTL_OK : ftl_channel_recv(ch, &reply);
        if (err == FTL_ERR_EMPTY) {
            struct ftl_event ev;
            err = ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev);
            if (err != FTL_OK) {
                return err;
            }
            continue;
        }
        if (err != FTL_OK) {
            return err;
        }
        if (reply.cookie == cookie) {
            if (reply.type == FTL_MSG_ERROR_REPLY) {
                ftl_err_t code = FTL_ERR_PARSE;
                if (reply.len >= 4) {
                    memcpy(&code, reply.data, 4);
                }
                last_errno = 0;
                if (reply.len >= 8) {
                    memcpy(&last_errno, reply.data + 4, 4);
                }
                return code;
            }
            return FTL_OK;
        }
        for (uint32_t i = 0; i < reply.nhandles; i++) {
            (void)ftl_handle_close(reply.handles[i]);
        }
    }
}

static ftl_err_t send_wait(ftl_handle_t ch, ftl_handle_t poll, uint32_t type, uint64_t cookie,
                           const void *data, size_t len)
{
    for (;;) {
        // The request and (normally) its reply in one kernel call.
        ftl_err_t err = ftl_channel_call(ch, type, cookie, data, len, NULL, 0, FTL_NO_TIMEOUT,
                                         &reply);
        if (err != FTL_ERR_FULL) {
            return err == FTL_OK ? wait_reply(ch, poll, cookie, true) : err;
        }
        struct ftl_event ev;
        err = ftl_poll_modify(poll, ch, FTL_WRITABLE, NULL);
        if (err == FTL_OK) {
            err = ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev);
        }
        ftl_err_t back = ftl_poll_modify(poll, ch, FTL_READABLE, NULL);
        if (err != FTL_OK || back != FTL_OK) {
            return err != FTL_OK ? err : back;
        }
    }
}

// A request on the service channel, with a poll made for the wait.
static ftl_err_t path_call(ftl_handle_t fs, uint32_t type, const void *data, size_t len)
{
    ftl_handle_t poll;
    ftl_err_t err = ftl_poll_create(&poll);
    if (err != FTL_OK) {
        return err;
    }
    err = ftl_poll_add(poll, fs, FTL_READABLE, NULL);
    if (err == FTL_OK) {
        err = send_wait(fs, poll, type, ++path_cookie, data, len);
    }
    (void)ftl_handle_close(poll);
    return err;
}

ftl_err_t ftl_file_open(ftl_handle_t fs, const char *uri, struct ftl_file *out,
                        struct ftl_fs_stat *out_stat)
{
    size_t len = strlen(uri);
    if (len > FTL_MSG_DATA_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    ftl_err_t err = path_call(fs, FTL_MSG_OPEN, uri, len);
    if (err != FTL_OK) {
        return err;
    }
    if (reply.type != FTL_MSG_OPEN_REPLY || reply.nhandles != 1) {
        return FTL_ERR_PARSE;
    }
    if (out_stat && reply.len >= sizeof(*out_stat)) {
        memcpy(out_stat, reply.data, sizeof(*out_stat));
    }
    out->ch = reply.handles[0];
    out->cookie = 0;
    err = ftl_poll_create(&out->poll);
    if (err == FTL_OK) {
        err = ftl_poll_add(out->poll, out->ch, FTL_READABLE, NULL);
        if (err != FTL_OK) {
            (void)ftl_handle_close(out->poll);
        }
    }
    if (err != FTL_OK) {
        (void)ftl_handle_close(out->ch);
    }
    return err;
}

// A request on a file's channel: `op`, then `args` of `len` bytes.
static ftl_err_t file_call(struct ftl_file *f, uint32_t op, const void *args, size_t len)
{
    static uint8_t buf[FTL_MSG_DATA_MAX];
    if (len > sizeof(buf) - FTL_FS_REQ_HDR) {
        return FTL_ERR_TOO_LARGE;
    }
    memcpy(buf, &op, 4);
    if (len > 0) {
        memcpy(buf + FTL_FS_REQ_HDR, args, len);
    }
    return send_wait(f->ch, f->poll, FTL_MSG_DATA, ++f->cookie, buf, FTL_FS_REQ_HDR + len);
}

static ftl_err_t read_common(struct ftl_file *f, bool at, uint64_t offset, void *buf, size_t len,
                             size_t *out_got)
{
    size_t got = 0;
    while (got < len) {
        uint32_t n = len - got > FTL_FS_IO_MAX ? FTL_FS_IO_MAX : (uint32_t)(len - got);
        uint8_t args[12];
        uint64_t off = offset + got;
        memcpy(args, &off, 8);
        memcpy(args + 8, &n, 4);
        ftl_err_t err =
            at ? file_call(f, FTL_FS_PREAD, args, 12) : file_call(f, FTL_FS_READ, &n, 4);
        if (err != FTL_OK) {
            *out_got = got;
            return err;
        }
        memcpy((uint8_t *)buf + got, reply.data, reply.len < n ? reply.len : n);
        got += reply.len < n ? reply.len : n;
        if (reply.len < n) {
            break;
        }
    }
    *out_got = got;
    return FTL_OK;
}

ftl_err_t ftl_file_read(struct ftl_file *f, void *buf, size_t len, size_t *out_got)
{
    return read_common(f, false, 0, buf, len, out_got);
}

ftl_err_t ftl_file_pread(struct ftl_file *f, uint64_t offset, void *buf, size_t len,
                         size_t *out_got)
{
    return read_common(f, true, offset, buf, len, out_got);
}

ftl_err_t ftl_file_write(struct ftl_file *f, const void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t n = len - done > FTL_MSG_DATA_MAX ? FTL_MSG_DATA_MAX : len - done;
        ftl_err_t err =
            ftl_channel_send(f->ch, FTL_MSG_DATA, 0, (const uint8_t *)buf + done, n, NULL, 0);
        if (err == FTL_ERR_FULL) {
            struct ftl_event ev;
            err = ftl_poll_modify(f->poll, f->ch, FTL_WRITABLE, NULL);
            if (err == FTL_OK) {
                err = ftl_poll_wait(f->poll, FTL_NO_TIMEOUT, &ev);
            }
            ftl_err_t back = ftl_poll_modify(f->poll, f->ch, FTL_READABLE, NULL);
            if (err != FTL_OK || back != FTL_OK) {
                return err != FTL_OK ? err : back;
            }
            continue;
        }
        if (err != FTL_OK) {
            return err;
        }
        done += n;
    }
    return FTL_OK;
}

ftl_err_t ftl_file_pwrite(struct ftl_file *f, uint64_t offset, const void *buf, size_t len)
{
    static uint8_t args[FTL_MSG_DATA_MAX];
    const size_t max = FTL_MSG_DATA_MAX - FTL_FS_REQ_HDR - 8;
    size_t done = 0;
    do {
        size_t n = len - done > max ? max : len - done;
        uint64_t off = offset + done;
        memcpy(args, &off, 8);
        memcpy(args + 8, (const uint8_t *)buf + done, n);
        ftl_err_t err = file_call(f, FTL_FS_PWRITE, args, 8 + n);
        if (err != FTL_OK) {
            return err;
        }
        done += n;
    } while (done < len);
    return FTL_OK;
}

ftl_err_t ftl_file_seek(struct ftl_file *f, int64_t offset, uint32_t whence, uint64_t *out_pos)
{
    uint8_t args[12];
    memcpy(args, &whence, 4);
    memcpy(args + 4, &offset, 8);
    ftl_err_t err = file_call(f, FTL_FS_SEEK, args, 12);
    if (err == FTL_OK && out_pos) {
        memcpy(out_pos, reply.data, 8);
    }
    return err;
}

ftl_err_t ftl_file_stat(struct ftl_file *f, struct ftl_fs_stat *out)
{
    ftl_err_t err = file_call(f, FTL_FS_STAT, NULL, 0);
    if (err == FTL_OK) {
        memcpy(out, reply.data, sizeof(*out));
    }
    return err;
}

ftl_err_t ftl_file_truncate(struct ftl_file *f, uint64_t size)
{
    return file_call(f, FTL_FS_TRUNCATE, &size, 8);
}

ftl_err_t ftl_file_sync(struct ftl_file *f)
{
    return file_call(f, FTL_FS_FSYNC, NULL, 0);
}

ftl_err_t ftl_file_set_times(struct ftl_file *f, uint32_t flags, int64_t atime_ns, int64_t mtime_ns)
{
    uint8_t a[20];
    memcpy(a, &flags, 4);
    memcpy(a + 4, &atime_ns, 8);
    memcpy(a + 12, &mtime_ns, 8);
    return file_call(f, FTL_FS_UTIMENS, a, sizeof(a));
}

ftl_err_t ftl_file_readdir(struct ftl_file *f, uint64_t pos, void *buf, size_t cap, size_t *out_len)
{
    ftl_err_t err = file_call(f, FTL_FS_READDIR, &pos, 8);
    if (err != FTL_OK) {
        return err;
    }
    if (reply.len > cap) {
        return FTL_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(buf, reply.data, reply.len);
    *out_len = reply.len;
    return FTL_OK;
}

ftl_err_t ftl_file_close(struct ftl_file *f)
{
    ftl_err_t err = ftl_handle_close(f->poll);
    ftl_err_t err2 = ftl_handle_close(f->ch);
    f->ch = f->poll = 0;
    return err != FTL_OK ? err : err2;
}

// A path request: op, then one or two strings (with a u16 length before the first).
static ftl_err_t path_op(ftl_handle_t fs, uint32_t op, const char *a, const char *b)
{
    static uint8_t buf[FTL_MSG_DATA_MAX];
    size_t alen = a ? strlen(a) : 0, blen = b ? strlen(b) : 0;
    size_t len = FTL_FS_REQ_HDR + (b ? 2 : 0) + alen + blen;
    if (len > sizeof(buf) || alen > 0xffff) {
        return FTL_ERR_TOO_LARGE;
    }
    memcpy(buf, &op, 4);
    uint8_t *p = buf + FTL_FS_REQ_HDR;
    if (b) {
        uint16_t n = (uint16_t)alen;
        memcpy(p, &n, 2);
        p += 2;
    }
    if (alen) {
        memcpy(p, a, alen);
    }
    if (blen) {
        memcpy(p + alen, b, blen);
    }
    return path_call(fs, FTL_MSG_DATA, buf, len);
}

ftl_err_t ftl_fs_mkdir(ftl_handle_t fs, const char *path)
{
    return path_op(fs, FTL_FS_MKDIR, path, NULL);
}

ftl_err_t ftl_fs_rmdir(ftl_handle_t fs, const char *path)
{
    return path_op(fs, FTL_FS_RMDIR, path, NULL);
}

ftl_err_t ftl_fs_unlink(ftl_handle_t fs, const char *path)
{
    return path_op(fs, FTL_FS_UNLINK, path, NULL);
}

ftl_err_t ftl_fs_rename(ftl_handle_t fs, const char *from, const char *to)
{
    return path_op(fs, FTL_FS_RENAME, from, to);
}

ftl_err_t ftl_fs_link(ftl_handle_t fs, const char *from, const char *to)
{
    return path_op(fs, FTL_FS_LINK, from, to);
}

ftl_err_t ftl_fs_lstat(ftl_handle_t fs, const char *path, struct ftl_fs_stat *out)
{
    ftl_err_t err = path_op(fs, FTL_FS_LSTAT, path, NULL);
    if (err == FTL_OK) {
        memcpy(out, reply.data, sizeof(*out));
    }
    return err;
}

ftl_err_t ftl_fs_symlink(ftl_handle_t fs, const char *target, const char *path)
{
    return path_op(fs, FTL_FS_SYMLINK, target, path);
}

ftl_err_t ftl_fs_readlink(ftl_handle_t fs, const char *path, char *buf, size_t cap)
{
    ftl_err_t err = path_op(fs, FTL_FS_READLINK, path, NULL);
    if (err != FTL_OK) {
        return err;
    }
    if (reply.len + 1 > cap) {
        return FTL_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(buf, reply.data, reply.len);
    buf[reply.len] = '\0';
    return FTL_OK;
}

ftl_err_t ftl_fs_sync(ftl_handle_t fs)
{
    return path_op(fs, FTL_FS_SYNC, NULL, NULL);
}
