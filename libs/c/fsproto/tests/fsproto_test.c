// Tests of the file protocol's parser: path normalisation (".", "..", "//", limits),
// OPEN URIs and their flags, every file and path request, and malformed requests.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ftl/fsproto.h"

static struct fsproto_req req;

static void assert_path(const char *in, const char *want)
{
    char out[FTL_FS_PATH_MAX];
    assert_int_equal(fsproto_path(in, strlen(in), out), FTL_OK);
    assert_string_equal(out, want);
}

static void paths_are_normalised(void **state)
{
    (void)state;
    assert_path("/", "/");
    assert_path("/motd", "/motd");
    assert_path("//a///b/", "/a/b");
    assert_path("/a/./b/.", "/a/b");
    assert_path("/a/b/../c", "/a/c");
    assert_path("/..", "/");
    assert_path("/../../etc/../x", "/x");
    assert_path("/a/..", "/");
    assert_path("/.../..x", "/.../..x");
}

static void bad_paths_are_refused(void **state)
{
    (void)state;
    char out[FTL_FS_PATH_MAX];
    assert_int_equal(fsproto_path("", 0, out), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path("motd", 4, out), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path("/a\0b", 4, out), FTL_ERR_PARSE);
    static char long_path[FTL_FS_PATH_MAX + 8];
    memset(long_path, 'a', sizeof(long_path));
    long_path[0] = '/';
    assert_int_equal(fsproto_path(long_path, FTL_FS_PATH_MAX, out), FTL_ERR_TOO_LARGE);
    long_path[300] = '/';
    assert_int_equal(fsproto_path(long_path, 299, out), FTL_ERR_TOO_LARGE); // a 298-byte name
    assert_int_equal(fsproto_path(long_path, 256, out), FTL_OK);            // a 255-byte name
}

static void open_uris_carry_flags(void **state)
{
    (void)state;
    char path[FTL_FS_PATH_MAX];
    uint32_t flags = 0;
    const char *u = "file:/motd";
    assert_int_equal(fsproto_open(u, strlen(u), path, &flags), FTL_OK);
    assert_string_equal(path, "/motd");
    assert_int_equal(flags, FTL_FS_O_READ);
    u = "file:/data/x?wcta";
    assert_int_equal(fsproto_open(u, strlen(u), path, &flags), FTL_OK);
    assert_string_equal(path, "/data/x");
    assert_int_equal(flags, FTL_FS_O_WRITE | FTL_FS_O_CREATE | FTL_FS_O_TRUNC | FTL_FS_O_APPEND);
    u = "file:/?d";
    assert_int_equal(fsproto_open(u, strlen(u), path, &flags), FTL_OK);
    assert_int_equal(flags, FTL_FS_O_READ | FTL_FS_O_DIR);
    u = "file:/x?rwcx";
    assert_int_equal(fsproto_open(u, strlen(u), path, &flags), FTL_OK);
    assert_int_equal(flags, 0xf);
    const char *bad[] = {"tcp:/x",    "file:",       "file:x",  "file:/x?q",
                         "file:/x?x", "file:/x?r?w", "File:/x", "file"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (fsproto_open(bad[i], strlen(bad[i]), path, &flags) != FTL_ERR_PARSE) {
            fail_msg("accepted %s", bad[i]);
        }
    }
}

static size_t put(uint8_t *b, uint32_t op, const void *args, size_t n)
{
    memcpy(b, &op, 4);
    if (n > 0) {
        memcpy(b + 4, args, n);
    }
    return 4 + n;
}

static void file_requests_parse(void **state)
{
    (void)state;
    uint8_t b[64];
    uint32_t count = 100;
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_READ, &count, 4), &req), FTL_OK);
    assert_int_equal(req.op, FTL_FS_READ);
    assert_int_equal(req.count, 100);
    uint8_t pr[12];
    uint64_t off = 1ull << 33;
    memcpy(pr, &off, 8);
    memcpy(pr + 8, &count, 4);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_PREAD, pr, 12), &req), FTL_OK);
    assert_int_equal(req.offset, off);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_WRITE, "hello", 5), &req), FTL_OK);
    assert_int_equal(req.nbytes, 5);
    assert_memory_equal(req.bytes, "hello", 5);
    uint8_t pw[13];
    memcpy(pw, &off, 8);
    memcpy(pw + 8, "abcde", 5);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_PWRITE, pw, 13), &req), FTL_OK);
    assert_int_equal(req.offset, off);
    assert_int_equal(req.nbytes, 5);
    uint8_t sk[12];
    uint32_t whence = 2;
    int64_t back = -10;
    memcpy(sk, &whence, 4);
    memcpy(sk + 4, &back, 8);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_SEEK, sk, 12), &req), FTL_OK);
    assert_int_equal((int64_t)req.offset, -10);
    assert_int_equal(req.whence, 2);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_STAT, NULL, 0), &req), FTL_OK);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_FSYNC, NULL, 0), &req), FTL_OK);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_TRUNCATE, &off, 8), &req), FTL_OK);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_READDIR, &off, 8), &req), FTL_OK);
}

static void bad_file_requests_are_refused(void **state)
{
    (void)state;
    uint8_t b[64];
    uint32_t zero = 0, big = FTL_FS_IO_MAX + 1;
    assert_int_equal(fsproto_file_req(b, 3, &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_file_req(b, put(b, 77, NULL, 0), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_READ, &zero, 4), &req), FTL_ERR_INVALID_ARG);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_READ, &big, 4), &req), FTL_ERR_INVALID_ARG);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_READ, &big, 3), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_STAT, &big, 1), &req), FTL_ERR_PARSE);
    uint8_t sk[12] = {3};
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_SEEK, sk, 12), &req), FTL_ERR_INVALID_ARG);
    uint64_t huge = UINT64_MAX;
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_TRUNCATE, &huge, 8), &req),
                     FTL_ERR_INVALID_ARG);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_PWRITE, &huge, 7), &req), FTL_ERR_PARSE);
    // Path requests are not file requests, and the reverse.
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_MKDIR, "/x", 2), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_READ, &big, 4), &req), FTL_ERR_PARSE);
}

static void path_requests_parse(void **state)
{
    (void)state;
    uint8_t b[128];
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_MKDIR, "/a//b/", 6), &req), FTL_OK);
    assert_string_equal(req.path, "/a/b");
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UNLINK, "/x/../y", 7), &req), FTL_OK);
    assert_string_equal(req.path, "/y");
    uint8_t rn[32];
    uint16_t n = 4;
    memcpy(rn, &n, 2);
    memcpy(rn + 2, "/old/new", 8);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_RENAME, rn, 10), &req), FTL_OK);
    assert_string_equal(req.path, "/old");
    assert_string_equal(req.path2, "/new");
    n = 7;
    memcpy(rn, &n, 2);
    memcpy(rn + 2, "../motd/lnk", 11);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_SYMLINK, rn, 13), &req), FTL_OK);
    assert_string_equal(req.target, "../motd");
    assert_string_equal(req.path2, "/lnk");
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_SYNC, NULL, 0), &req), FTL_OK);
}

static void bad_path_requests_are_refused(void **state)
{
    (void)state;
    uint8_t b[128];
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_MKDIR, "a", 1), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_MKDIR, "", 0), &req), FTL_ERR_PARSE);
    uint8_t rn[8];
    uint16_t n = 40;
    memcpy(rn, &n, 2);
    memcpy(rn + 2, "/a/b", 4);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_RENAME, rn, 6), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_RENAME, rn, 1), &req), FTL_ERR_PARSE);
    n = 0;
    memcpy(rn, &n, 2);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_SYMLINK, rn, 6), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_SYNC, "x", 1), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, 99, "/x", 2), &req), FTL_ERR_PARSE);
}

// UTIMENS / UTIMENSAT arguments: flags, atime, mtime (and the path).
static size_t put_times(uint8_t *a, uint32_t flags, int64_t at, int64_t mt, const char *path)
{
    memcpy(a, &flags, 4);
    memcpy(a + 4, &at, 8);
    memcpy(a + 12, &mt, 8);
    size_t n = path ? strlen(path) : 0;
    if (n) {
        memcpy(a + 20, path, n);
    }
    return 20 + n;
}

static void link_and_times_requests_parse(void **state)
{
    (void)state;
    uint8_t b[128], a[64];
    uint16_t n = 6;
    memcpy(a, &n, 2);
    memcpy(a + 2, "/a/./b/c/../d", 13);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_LINK, a, 15), &req), FTL_OK);
    assert_int_equal(req.op, FTL_FS_LINK);
    assert_string_equal(req.path, "/a/b");
    assert_string_equal(req.path2, "/d");
    size_t k = put_times(a, FTL_FS_TIME_ATIME | FTL_FS_TIME_MTIME_NOW, 1600000000123456789ll, -5,
                         NULL);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_UTIMENS, a, k), &req), FTL_OK);
    assert_int_equal(req.op, FTL_FS_UTIMENS);
    assert_int_equal(req.flags, FTL_FS_TIME_ATIME | FTL_FS_TIME_MTIME_NOW);
    assert_int_equal(req.atime_ns, 1600000000123456789ll);
    assert_int_equal(req.mtime_ns, -5); // not set: not checked
    k = put_times(a, FTL_FS_TIME_MTIME | FTL_FS_TIME_FOLLOW, 0, 42, "/x//y/");
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENSAT, a, k), &req), FTL_OK);
    assert_int_equal(req.op, FTL_FS_UTIMENSAT);
    assert_int_equal(req.flags, FTL_FS_TIME_MTIME | FTL_FS_TIME_FOLLOW);
    assert_int_equal(req.mtime_ns, 42);
    assert_string_equal(req.path, "/x/y");
    k = put_times(a, 0, 0, 0, "/");
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENSAT, a, k), &req), FTL_OK);
}

static void bad_link_and_times_requests_are_refused(void **state)
{
    (void)state;
    uint8_t b[128], a[64];
    uint16_t n = 30;
    memcpy(a, &n, 2);
    memcpy(a + 2, "/a/b", 4);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_LINK, a, 6), &req), FTL_ERR_PARSE);
    n = 2;
    memcpy(a, &n, 2);
    memcpy(a + 2, "/ab", 3); // no second path
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_LINK, a, 4), &req), FTL_ERR_PARSE);
    memcpy(a + 2, "/ab", 3);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_LINK, a, 5), &req), FTL_ERR_PARSE);
    // Both a time and NOW, unknown flags, negative times, FOLLOW on a file channel.
    uint32_t bad[] = {FTL_FS_TIME_ATIME | FTL_FS_TIME_ATIME_NOW,
                      FTL_FS_TIME_MTIME | FTL_FS_TIME_MTIME_NOW, 1u << 5, 1u << 31};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t k = put_times(a, bad[i], 1, 1, NULL);
        assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_UTIMENS, a, k), &req),
                         FTL_ERR_INVALID_ARG);
        k = put_times(a, bad[i], 1, 1, "/f");
        assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENSAT, a, k), &req),
                         FTL_ERR_INVALID_ARG);
    }
    size_t k = put_times(a, FTL_FS_TIME_FOLLOW, 0, 0, NULL);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_UTIMENS, a, k), &req), FTL_ERR_INVALID_ARG);
    k = put_times(a, FTL_FS_TIME_ATIME, -1, 0, NULL);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_UTIMENS, a, k), &req), FTL_ERR_INVALID_ARG);
    k = put_times(a, FTL_FS_TIME_MTIME, 0, INT64_MIN, "/f");
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENSAT, a, k), &req),
                     FTL_ERR_INVALID_ARG);
    // Short, long, and without or with a bad path.
    k = put_times(a, 0, 0, 0, NULL);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_UTIMENS, a, k - 1), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_UTIMENS, a, k + 1), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENSAT, a, k), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENSAT, a, 7), &req), FTL_ERR_PARSE);
    k = put_times(a, 0, 0, 0, "rel");
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENSAT, a, k), &req), FTL_ERR_PARSE);
    // Each on the other channel.
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_UTIMENSAT, a, k), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_path_req(b, put(b, FTL_FS_UTIMENS, a, 20), &req), FTL_ERR_PARSE);
    assert_int_equal(fsproto_file_req(b, put(b, FTL_FS_LINK, a, 20), &req), FTL_ERR_PARSE);
}

static void errnos_map_to_their_ftl_errors(void **state)
{
    (void)state;
    assert_int_equal(fsproto_err_of_errno(0), FTL_OK);
    assert_int_equal(fsproto_err_of_errno(ENOENT), FTL_ERR_NOT_FOUND);
    assert_int_equal(fsproto_err_of_errno(EEXIST), FTL_ERR_ALREADY_EXISTS);
    assert_int_equal(fsproto_err_of_errno(ENOSPC), FTL_ERR_NO_MEMORY);
    assert_int_equal(fsproto_err_of_errno(EMLINK), FTL_ERR_TOO_MANY);
    assert_int_equal(fsproto_err_of_errno(EACCES), FTL_ERR_DENIED);
    assert_int_equal(fsproto_err_of_errno(EBADMSG), FTL_ERR_PARSE);
    assert_int_equal(fsproto_err_of_errno(ENOTEMPTY), FTL_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paths_are_normalised),          cmocka_unit_test(bad_paths_are_refused),
        cmocka_unit_test(open_uris_carry_flags),         cmocka_unit_test(file_requests_parse),
        cmocka_unit_test(bad_file_requests_are_refused), cmocka_unit_test(path_requests_parse),
        cmocka_unit_test(bad_path_requests_are_refused),
        cmocka_unit_test(link_and_times_requests_parse),
        cmocka_unit_test(bad_link_and_times_requests_are_refused),
        cmocka_unit_test(errnos_map_to_their_ftl_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
