// libFuzzer target for the file protocol's parser: any bytes, as an OPEN URI, a file
// request or a path request, must parse or be rejected with a protocol error code, never
// read out of bounds; every accepted path is normalised (and normalising it again is a
// no-op); a write's bytes lie inside the message.
#include <stdlib.h>
#include <string.h>

#include "ftl/fsproto.h"

// What a parsed UTIMENS / UTIMENSAT promises the server: known flags, never a time both
// given and NOW, given times not negative.
static void check_times(const struct fsproto_req *r, bool path)
{
    uint32_t f = r->flags;
    uint32_t known = path ? FTL_FS_TIME_ALL : FTL_FS_TIME_ALL & ~FTL_FS_TIME_FOLLOW;
    if ((f & ~known) || ((f & FTL_FS_TIME_ATIME) && (f & FTL_FS_TIME_ATIME_NOW)) ||
        ((f & FTL_FS_TIME_MTIME) && (f & FTL_FS_TIME_MTIME_NOW)) ||
        ((f & FTL_FS_TIME_ATIME) && r->atime_ns < 0) ||
        ((f & FTL_FS_TIME_MTIME) && r->mtime_ns < 0)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normal(const char *p)
{
    size_t n = strlen(p);
    char again[FTL_FS_PATH_MAX];
    if (n == 0 || n >= FTL_FS_PATH_MAX || p[0] != '/' || (n > 1 && p[n - 1] == '/') ||
        strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../") ||
        (n >= 2 && strcmp(p + n - 2, "/.") == 0) || (n >= 3 && strcmp(p + n - 3, "/..") == 0) ||
        fsproto_path(p, n, again) != FTL_OK || strcmp(p, again) != 0) {
        abort();
    }
}

static void check_err(ftl_err_t err)
{
    if (err != FTL_OK && err != FTL_ERR_PARSE && err != FTL_ERR_INVALID_ARG &&
        err != FTL_ERR_TOO_LARGE) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // A heap copy of exactly `size` bytes, so ASan sees any read past the end.
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        return 0;
    }
    memcpy(buf, data, size);
    static struct fsproto_req req;
    char path[FTL_FS_PATH_MAX];
    uint32_t flags;
    ftl_err_t err = fsproto_open((const char *)buf, size, path, &flags);
    check_err(err);
    if (err == FTL_OK) {
        check_normal(path);
        if (!(flags & (FTL_FS_O_READ | FTL_FS_O_WRITE)) || flags >= (1u << 7)) {
            abort();
        }
    }
    err = fsproto_file_req(buf, size, &req);
    check_err(err);
    if (err == FTL_OK && req.op == FTL_FS_UTIMENS) {
        check_times(&req, false);
    }
    if (err == FTL_OK && (req.op == FTL_FS_WRITE || req.op == FTL_FS_PWRITE) &&
        (req.bytes < buf || req.bytes + req.nbytes != buf + size)) {
        abort();
    }
    err = fsproto_path_req(buf, size, &req);
    check_err(err);
    if (err == FTL_OK && req.op != FTL_FS_SYNC && req.op != FTL_FS_SYMLINK) {
        check_normal(req.path);
    }
    if (err == FTL_OK && (req.op == FTL_FS_RENAME || req.op == FTL_FS_SYMLINK ||
                          req.op == FTL_FS_LINK)) {
        check_normal(req.path2);
    }
    if (err == FTL_OK && req.op == FTL_FS_UTIMENSAT) {
        check_times(&req, true);
    }
    free(buf);
    return 0;
}
