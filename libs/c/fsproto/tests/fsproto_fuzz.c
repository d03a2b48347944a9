// libFuzzer target for the file protocol's parser: any bytes, as an OPEN URI, a file
// request or a path request, must parse or be rejected with a protocol error code, never
// read out of bounds; every accepted path is normalised (and normalising it again is a
// no-op); a write's bytes lie inside the message.
#include <stdlib.h>
#include <string.h>

#include "ftl/fsproto.h"

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
    if (err == FTL_OK && (req.op == FTL_FS_WRITE || req.op == FTL_FS_PWRITE) &&
        (req.bytes < buf || req.bytes + req.nbytes != buf + size)) {
        abort();
    }
    err = fsproto_path_req(buf, size, &req);
    check_err(err);
    if (err == FTL_OK && req.op != FTL_FS_SYNC && req.op != FTL_FS_SYMLINK) {
        check_normal(req.path);
    }
    if (err == FTL_OK && (req.op == FTL_FS_RENAME || req.op == FTL_FS_SYMLINK)) {
        check_normal(req.path2);
    }
    free(buf);
    return 0;
}
