// The file protocol's request parser (see ftl/fsproto.h and docs/fs.md).
#include "ftl/fsproto.h"

#include <errno.h>
#include <string.h>

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

ftl_err_t fsproto_path(const char *s, size_t len, char out[FTL_FS_PATH_MAX])
{
    if (len == 0 || s[0] != '/') {
        return FTL_ERR_PARSE;
    }
    if (len >= FTL_FS_PATH_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    if (memchr(s, '\0', len)) {
        return FTL_ERR_PARSE;
    }
    size_t n = 0; // bytes written to out, always without a trailing '/'
    size_t i = 0;
    while (i < len) {
        while (i < len && s[i] == '/') {
            i++;
        }
        size_t start = i;
        while (i < len && s[i] != '/') {
            i++;
        }
        size_t clen = i - start;
        if (clen == 0 || (clen == 1 && s[start] == '.')) {
            continue;
        }
        if (clen > FTL_FS_NAME_MAX) {
            return FTL_ERR_TOO_LARGE;
        }
        if (clen == 2 && s[start] == '.' && s[start + 1] == '.') {
            while (n > 0 && out[n - 1] != '/') {
                n--;
            }
            if (n > 0) {
                n--; // the '/' before the dropped component; the root stays the root
            }
            continue;
        }
        out[n++] = '/'; // n + 1 + clen <= len < FTL_FS_PATH_MAX: normalising never grows
        memcpy(out + n, s + start, clen);
        n += clen;
    }
    if (n == 0) {
        out[n++] = '/';
    }
    out[n] = '\0';
    return FTL_OK;
}

ftl_err_t fsproto_open(const char *uri, size_t len, char out_path[FTL_FS_PATH_MAX],
                       uint32_t *out_flags)
{
    static const char scheme[] = "file:";
    if (len < sizeof(scheme) - 1 || memcmp(uri, scheme, sizeof(scheme) - 1) != 0) {
        return FTL_ERR_PARSE;
    }
    const char *p = uri + sizeof(scheme) - 1;
    size_t plen = len - (sizeof(scheme) - 1);
    const char *q = memchr(p, '?', plen);
    uint32_t flags = 0;
    if (q) {
        for (const char *f = q + 1; f < p + plen; f++) {
            const char *letters = "rwcxtad";
            const char *hit = *f ? strchr(letters, *f) : NULL;
            if (!hit) {
                return FTL_ERR_PARSE;
            }
            flags |= 1u << (hit - letters);
        }
        plen = (size_t)(q - p);
    }
    if (!(flags & (FTL_FS_O_READ | FTL_FS_O_WRITE))) {
        flags |= FTL_FS_O_READ;
    }
    if ((flags & FTL_FS_O_EXCL) && !(flags & FTL_FS_O_CREATE)) {
        return FTL_ERR_PARSE;
    }
    ftl_err_t err = fsproto_path(p, plen, out_path);
    if (err != FTL_OK) {
        return err;
    }
    *out_flags = flags;
    return FTL_OK;
}

#define TIMES_LEN 20 // u32 flags, i64 atime, i64 mtime

// The arguments of UTIMENS and UTIMENSAT: flags (FOLLOW only for a path), two times.
static ftl_err_t times(const uint8_t *a, struct fsproto_req *out, bool path)
{
    out->flags = get32(a);
    out->atime_ns = (int64_t)get64(a + 4);
    out->mtime_ns = (int64_t)get64(a + 12);
    uint32_t f = out->flags;
    if ((f & ~(path ? FTL_FS_TIME_ALL : FTL_FS_TIME_ALL & ~FTL_FS_TIME_FOLLOW)) ||
        ((f & FTL_FS_TIME_ATIME) && (f & FTL_FS_TIME_ATIME_NOW)) ||
        ((f & FTL_FS_TIME_MTIME) && (f & FTL_FS_TIME_MTIME_NOW)) ||
        ((f & FTL_FS_TIME_ATIME) && out->atime_ns < 0) ||
        ((f & FTL_FS_TIME_MTIME) && out->mtime_ns < 0)) {
        return FTL_ERR_INVALID_ARG;
    }
    return FTL_OK;
}

ftl_err_t fsproto_file_req(const uint8_t *data, size_t len, struct fsproto_req *out)
{
    if (len < FTL_FS_REQ_HDR || len > FTL_MSG_DATA_MAX) {
        return FTL_ERR_PARSE;
    }
    uint32_t op = get32(data);
    const uint8_t *a = data + FTL_FS_REQ_HDR;
    size_t alen = len - FTL_FS_REQ_HDR;
    out->op = op;
    switch (op) {
    case FTL_FS_READ:
        if (alen != 4) {
            return FTL_ERR_PARSE;
        }
        out->count = get32(a);
        return out->count == 0 || out->count > FTL_FS_IO_MAX ? FTL_ERR_INVALID_ARG : FTL_OK;
    case FTL_FS_PREAD:
        if (alen != 12) {
            return FTL_ERR_PARSE;
        }
        out->offset = get64(a);
        out->count = get32(a + 8);
        if (out->count == 0 || out->count > FTL_FS_IO_MAX || out->offset > INT64_MAX) {
            return FTL_ERR_INVALID_ARG;
        }
        return FTL_OK;
    case FTL_FS_WRITE:
        out->bytes = a;
        out->nbytes = alen;
        return FTL_OK;
    case FTL_FS_PWRITE:
        if (alen < 8) {
            return FTL_ERR_PARSE;
        }
        out->offset = get64(a);
        out->bytes = a + 8;
        out->nbytes = alen - 8;
        return out->offset > INT64_MAX ? FTL_ERR_INVALID_ARG : FTL_OK;
    case FTL_FS_SEEK:
        if (alen != 12) {
            return FTL_ERR_PARSE;
        }
        out->whence = get32(a);
        out->offset = get64(a + 4);
        return out->whence > 2 ? FTL_ERR_INVALID_ARG : FTL_OK;
    case FTL_FS_TRUNCATE:
        if (alen != 8) {
            return FTL_ERR_PARSE;
        }
        out->offset = get64(a);
        return out->offset > INT64_MAX ? FTL_ERR_INVALID_ARG : FTL_OK;
    case FTL_FS_READDIR:
        if (alen != 8) {
            return FTL_ERR_PARSE;
        }
        out->offset = get64(a);
        return FTL_OK;
    case FTL_FS_STAT:
    case FTL_FS_FSYNC:
        return alen == 0 ? FTL_OK : FTL_ERR_PARSE;
    case FTL_FS_UTIMENS:
        if (alen != TIMES_LEN) {
            return FTL_ERR_PARSE;
        }
        return times(a, out, false);
    default:
        return FTL_ERR_PARSE;
    }
}

// A u16 length, then that many bytes, then the rest: two strings.
static ftl_err_t split2(const uint8_t *a, size_t alen, const char **first, size_t *first_len,
                        const char **second, size_t *second_len)
{
    if (alen < 2) {
        return FTL_ERR_PARSE;
    }
    uint16_t n;
    memcpy(&n, a, 2);
    if ((size_t)n > alen - 2) {
        return FTL_ERR_PARSE;
    }
    *first = (const char *)a + 2;
    *first_len = n;
    *second = (const char *)a + 2 + n;
    *second_len = alen - 2 - n;
    return FTL_OK;
}

ftl_err_t fsproto_path_req(const uint8_t *data, size_t len, struct fsproto_req *out)
{
    if (len < FTL_FS_REQ_HDR || len > FTL_MSG_DATA_MAX) {
        return FTL_ERR_PARSE;
    }
    uint32_t op = get32(data);
    const char *a = (const char *)data + FTL_FS_REQ_HDR;
    size_t alen = len - FTL_FS_REQ_HDR;
    out->op = op;
    const char *s1, *s2;
    size_t n1, n2;
    ftl_err_t err;
    switch (op) {
    case FTL_FS_MKDIR:
    case FTL_FS_RMDIR:
    case FTL_FS_UNLINK:
    case FTL_FS_LSTAT:
    case FTL_FS_READLINK:
        return fsproto_path(a, alen, out->path);
    case FTL_FS_RENAME:
    case FTL_FS_LINK:
        err = split2((const uint8_t *)a, alen, &s1, &n1, &s2, &n2);
        if (err == FTL_OK) {
            err = fsproto_path(s1, n1, out->path);
        }
        if (err == FTL_OK) {
            err = fsproto_path(s2, n2, out->path2);
        }
        return err;
    case FTL_FS_SYMLINK:
        err = split2((const uint8_t *)a, alen, &s1, &n1, &s2, &n2);
        if (err != FTL_OK) {
            return err;
        }
        if (n1 == 0 || memchr(s1, '\0', n1)) {
            return FTL_ERR_PARSE;
        }
        if (n1 >= FTL_FS_PATH_MAX) {
            return FTL_ERR_TOO_LARGE;
        }
        memcpy(out->target, s1, n1);
        out->target[n1] = '\0';
        return fsproto_path(s2, n2, out->path2);
    case FTL_FS_SYNC:
        return alen == 0 ? FTL_OK : FTL_ERR_PARSE;
    case FTL_FS_UTIMENSAT:
        if (alen < TIMES_LEN) {
            return FTL_ERR_PARSE;
        }
        err = times((const uint8_t *)a, out, true);
        return err == FTL_OK ? fsproto_path(a + TIMES_LEN, alen - TIMES_LEN, out->path) : err;
    default:
        return FTL_ERR_PARSE;
    }
}

ftl_err_t fsproto_err_of_errno(int e)
{
    switch (e) {
    case 0:
        return FTL_OK;
    case ENOENT:
        return FTL_ERR_NOT_FOUND;
    case EEXIST:
        return FTL_ERR_ALREADY_EXISTS;
    case EBADF:
        return FTL_ERR_NO_RIGHTS;
    case ENOSPC:
    case ENOMEM:
        return FTL_ERR_NO_MEMORY;
    case EFBIG:
    case ENAMETOOLONG:
        return FTL_ERR_TOO_LARGE;
    case EMFILE:
    case EMLINK:
        return FTL_ERR_TOO_MANY;
    case EIO:
        return FTL_ERR_BUSY;
    case EACCES:
    case EPERM:
    case EROFS:
        return FTL_ERR_DENIED;
    case EBADMSG:
        return FTL_ERR_PARSE;
    default: // ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, ELOOP, EBUSY
        return FTL_ERR_INVALID_ARG;
    }
}
