// WASI comparison: file I/O on the preopened directory through the raw preview1 calls
// (fd_seek, fd_tell, fd_read/write, fd_pread/pwrite, fd_filestat_get/set_size, fdstat
// flags and append mode, sync), run under wasm-run --dir and node:wasi (wasi_test.sh).
// Prints results and errno names; timestamps are checked for sanity, never printed.
#include "wasi_check.h"

static __wasi_timestamp_t now(void)
{
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
    return t;
}

static void contents(const char *label, __wasi_fd_t dir, const char *path)
{
    __wasi_fd_t fd;
    char buf[128];
    __wasi_size_t n = 0;
    __wasi_errno_t e = open_at(dir, path, 0, 0, &fd);
    if (e == 0) {
        e = read_buf(fd, buf, sizeof(buf), &n);
        (void)__wasi_fd_close(fd);
    }
    printf("%s: %s %u \"", label, en(e), (unsigned)n);
    for (__wasi_size_t i = 0; i < n; i++) {
        printf(buf[i] >= ' ' && buf[i] < 127 ? "%c" : "\\%o", buf[i]);
    }
    printf("\"\n");
}

static void stat_fd(const char *label, __wasi_fd_t fd)
{
    __wasi_filestat_t st = {0};
    __wasi_errno_t e = __wasi_fd_filestat_get(fd, &st);
    printf("%s: %s %s size %llu nlink %llu\n", label, en(e), ftype(st.filetype),
           (unsigned long long)st.size, (unsigned long long)st.nlink);
}

int main(void)
{
    const __wasi_timestamp_t slack = 2000000000ull; // file system times may be coarse
    __wasi_timestamp_t t0 = now();
    __wasi_fd_t fd, fd2;
    __wasi_size_t n = 0;
    __wasi_filesize_t pos = 0;
    char buf[64];

    R("create", open_at(PREOPEN, "io.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd));
    R("write", write_str(fd, "hello, positional world", &n));
    printf("written %u\n", (unsigned)n);
    R("tell", __wasi_fd_tell(fd, &pos));
    printf("position %llu\n", (unsigned long long)pos);

    // fd_seek: each whence, before the start, past the end.
    R("seek set 7", __wasi_fd_seek(fd, 7, __WASI_WHENCE_SET, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    R("read", read_buf(fd, buf, 10, &n));
    printf("read %u \"%.*s\"\n", (unsigned)n, (int)n, buf);
    R("seek cur -3", __wasi_fd_seek(fd, -3, __WASI_WHENCE_CUR, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    R("seek end -5", __wasi_fd_seek(fd, -5, __WASI_WHENCE_END, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    R("read to end", read_buf(fd, buf, sizeof(buf), &n));
    printf("read %u \"%.*s\"\n", (unsigned)n, (int)n, buf);
    R("read at end", read_buf(fd, buf, sizeof(buf), &n));
    printf("read %u\n", (unsigned)n);
    R("seek before start", __wasi_fd_seek(fd, -100, __WASI_WHENCE_CUR, &pos));
    R("seek bad whence", __wasi_fd_seek(fd, 0, 7, &pos));
    R("seek past end", __wasi_fd_seek(fd, 30, __WASI_WHENCE_SET, &pos));
    R("write past end", write_str(fd, "!", &n));
    stat_fd("fstat after hole", fd);
    R("pread hole", __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, 8}, 1, 24, &n));
    printf("pread %u zeros %d\n", (unsigned)n, n == 7 && memcmp(buf, "\0\0\0\0\0\0!", 7) == 0);

    // Positional I/O leaves the position alone; several iovecs.
    R("seek set 2", __wasi_fd_seek(fd, 2, __WASI_WHENCE_SET, &pos));
    R("pwrite", __wasi_fd_pwrite(fd, &(__wasi_ciovec_t){(const uint8_t *)"HELLO", 5}, 1, 0, &n));
    printf("pwrite %u\n", (unsigned)n);
    char a[4], b[6];
    __wasi_iovec_t two[2] = {{(uint8_t *)a, 4}, {(uint8_t *)b, 6}};
    R("pread two iovecs", __wasi_fd_pread(fd, two, 2, 3, &n));
    printf("pread %u \"%.4s\" \"%.6s\"\n", (unsigned)n, a, b);
    R("pread past end", __wasi_fd_pread(fd, two, 2, 1000, &n));
    printf("pread %u\n", (unsigned)n);
    R("tell after positional", __wasi_fd_tell(fd, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    __wasi_ciovec_t w2[2] = {{(const uint8_t *)"ab", 2}, {(const uint8_t *)"cd", 2}};
    R("write two iovecs", __wasi_fd_write(fd, w2, 2, &n));
    printf("written %u\n", (unsigned)n);
    R("pwrite past end", __wasi_fd_pwrite(fd, w2, 2, 40, &n));
    stat_fd("fstat", fd);

    // fd_filestat_set_size: shrink, then grow with zeros; the position stays.
    R("set_size 12", __wasi_fd_filestat_set_size(fd, 12));
    stat_fd("fstat shrunk", fd);
    R("set_size 16", __wasi_fd_filestat_set_size(fd, 16));
    R("pread grown", __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, 32}, 1, 10, &n));
    printf("pread %u tail zeros %d\n", (unsigned)n, n == 6 && memcmp(buf + 2, "\0\0\0\0", 4) == 0);
    R("tell", __wasi_fd_tell(fd, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    R("sync", __wasi_fd_sync(fd));
    R("datasync", __wasi_fd_datasync(fd));

    // Times: set, not before the test began, not in the future.
    __wasi_filestat_t st;
    R("fstat for times", __wasi_fd_filestat_get(fd, &st));
    __wasi_timestamp_t t1 = now();
    printf("times set %d\n", st.atim > 0 && st.mtim > 0 && st.ctim > 0);
    printf("mtime in range %d\n", st.mtim + slack >= t0 && st.mtim <= t1 + slack);
    printf("ctime in range %d\n", st.ctim + slack >= t0 && st.ctim <= t1 + slack);
    __wasi_filestat_t pst;
    R("path_filestat_get", __wasi_path_filestat_get(PREOPEN, 0, "io.txt", &pst));
    printf("same file %d size %llu mtime same %d\n", pst.ino == st.ino && pst.dev == st.dev,
           (unsigned long long)pst.size, pst.mtim == st.mtim);
    R("close", __wasi_fd_close(fd));
    R("close again", __wasi_fd_close(fd));
    contents("contents", PREOPEN, "io.txt");

    // fdstat: type and flags; append mode from path_open and from fd_fdstat_set_flags.
    __wasi_fdstat_t fs;
    // Write-only, as wasi-libc opens O_WRONLY | O_APPEND.
    __wasi_rights_t wr = __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL |
                         __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_FD_FILESTAT_GET;
    R("open append", __wasi_path_open(PREOPEN, 0, "io.txt", 0, wr, wr, __WASI_FDFLAGS_APPEND,
                                      &fd));
    R("fdstat", __wasi_fd_fdstat_get(fd, &fs));
    printf("type %s append %d\n", ftype(fs.fs_filetype), (fs.fs_flags & __WASI_FDFLAGS_APPEND) != 0);
    R("seek set 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    R("append write", write_str(fd, "+tail", &n));
    R("tell after append", __wasi_fd_tell(fd, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    // node:wasi clears the flag but its fdstat still reports it: the contents show it.
    R("clear append", __wasi_fd_fdstat_set_flags(fd, 0));
    R("seek set 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    R("write at start", write_str(fd, "X", &n));
    R("set append", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    R("fdstat", __wasi_fd_fdstat_get(fd, &fs));
    printf("append %d\n", (fs.fs_flags & __WASI_FDFLAGS_APPEND) != 0);
    R("append write again", write_str(fd, "+end", &n));
    R("close", __wasi_fd_close(fd));
    contents("contents", PREOPEN, "io.txt");

    // Two descriptors of one file see each other's writes.
    R("open a", open_at(PREOPEN, "two.txt", __WASI_OFLAGS_CREAT, 0, &fd));
    R("open b", open_at(PREOPEN, "two.txt", 0, 0, &fd2));
    R("write a", write_str(fd, "shared", &n));
    R("read b", read_buf(fd2, buf, sizeof(buf), &n));
    printf("read %u \"%.*s\"\n", (unsigned)n, (int)n, buf);
    R("trunc via path_open", open_at(PREOPEN, "two.txt", __WASI_OFLAGS_TRUNC, 0, &fd2));
    stat_fd("fstat a after truncate", fd);
    R("exclusive create", open_at(PREOPEN, "two.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL,
                                  0, &fd2));

    // Directories as fds: fdstat says directory; stdio is a character device.
    // Read rights only, as wasi-libc's opendir asks (node refuses a directory opened for
    // writing with EISDIR).
    __wasi_rights_t rd = __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_FILESTAT_GET |
                         __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_PATH_OPEN;
    R("open dir", __wasi_path_open(PREOPEN, 0, ".", __WASI_OFLAGS_DIRECTORY, rd, rd, 0, &fd2));
    R("fdstat dir", __wasi_fd_fdstat_get(fd2, &fs));
    printf("type %s\n", ftype(fs.fs_filetype));
    stat_fd("fstat dir", fd2);
    R("fdstat preopen", __wasi_fd_fdstat_get(PREOPEN, &fs));
    printf("type %s\n", ftype(fs.fs_filetype));
    R("fdstat stdout", __wasi_fd_fdstat_get(1, &fs)); // its type is the host's
    R("sync dir", __wasi_fd_sync(fd2));
    R("close dir", __wasi_fd_close(fd2));
    return 0;
}
