// WASI comparison: the fd table and file metadata through the raw preview1 calls
// (path_link, fd_filestat_set_times, path_filestat_set_times, fd_allocate,
// fd_fdstat_set_rights, fd_renumber), with their errors, run under wasm-run --dir and
// node:wasi (wasi_test.sh). Times are printed in whole seconds (node:wasi keeps no more
// of a time it sets; FTL keeps nanoseconds) or checked against the clock.
#include "wasi_check.h"

#define SEC 1000000000ull

static __wasi_timestamp_t now(void)
{
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
    return t;
}

static __wasi_filestat_t lstat_at(const char *label, __wasi_fd_t dir, const char *path)
{
    __wasi_filestat_t st = {0};
    __wasi_errno_t e = __wasi_path_filestat_get(dir, 0, path, &st);
    printf("%s: %s %s size %llu nlink %llu\n", label, en(e), ftype(st.filetype),
           (unsigned long long)st.size, (unsigned long long)st.nlink);
    return st;
}

static void contents(const char *label, __wasi_fd_t fd)
{
    char buf[64];
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, sizeof(buf)}, 1, 0, &n);
    printf("%s: %s \"", label, en(e));
    for (__wasi_size_t i = 0; i < n; i++) {
        printf(buf[i] >= ' ' && buf[i] < 127 ? "%c" : "\\%o", buf[i]);
    }
    printf("\"\n");
}

static void make_file(const char *path, const char *text)
{
    __wasi_fd_t fd;
    __wasi_size_t n;
    if (open_at(PREOPEN, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd) == 0) {
        (void)write_str(fd, text, &n);
        (void)__wasi_fd_close(fd);
    }
}

static void links(void)
{
    make_file("a.txt", "hello");
    R("mkdir d", __wasi_path_create_directory(PREOPEN, "d"));
    R("link a b", __wasi_path_link(PREOPEN, 0, "a.txt", PREOPEN, "b.txt"));
    __wasi_filestat_t a = lstat_at("stat a", PREOPEN, "a.txt");
    __wasi_filestat_t b = lstat_at("stat b", PREOPEN, "b.txt");
    printf("same inode %d\n", a.ino == b.ino && a.dev == b.dev);
    R("link into d", __wasi_path_link(PREOPEN, 0, "a.txt", PREOPEN, "d/c.txt"));
    lstat_at("stat a", PREOPEN, "a.txt");
    __wasi_fd_t fd, fd2;
    __wasi_size_t n;
    R("open b", open_at(PREOPEN, "b.txt", 0, 0, &fd));
    R("append via b", __wasi_fd_pwrite(fd, &(__wasi_ciovec_t){(const uint8_t *)" world", 6}, 1, 5, &n));
    R("open d/c", open_at(PREOPEN, "d/c.txt", 0, 0, &fd2));
    contents("d/c sees it", fd2);
    R("unlink a", __wasi_path_unlink_file(PREOPEN, "a.txt"));
    lstat_at("stat b", PREOPEN, "b.txt");
    contents("b after unlink", fd);
    (void)__wasi_fd_close(fd);
    (void)__wasi_fd_close(fd2);

    // Errors: the new name exists (a file or a directory), the old one is missing, the
    // target's directory is missing, a directory as the source, escapes, bad fds.
    R("link to existing", __wasi_path_link(PREOPEN, 0, "b.txt", PREOPEN, "d/c.txt"));
    R("link onto itself", __wasi_path_link(PREOPEN, 0, "b.txt", PREOPEN, "b.txt"));
    R("link to a dir name", __wasi_path_link(PREOPEN, 0, "b.txt", PREOPEN, "d"));
    R("link missing", __wasi_path_link(PREOPEN, 0, "nope.txt", PREOPEN, "x.txt"));
    R("link into missing dir", __wasi_path_link(PREOPEN, 0, "b.txt", PREOPEN, "nodir/x.txt"));
    R("link a directory", __wasi_path_link(PREOPEN, 0, "d", PREOPEN, "d2"));
    R("link source escapes", __wasi_path_link(PREOPEN, 0, "../x", PREOPEN, "x.txt"));
    R("link target escapes", __wasi_path_link(PREOPEN, 0, "b.txt", PREOPEN, "d/../../x"));
    R("link target absolute", __wasi_path_link(PREOPEN, 0, "b.txt", PREOPEN, "/x"));
    R("link bad old fd", __wasi_path_link(77, 0, "b.txt", PREOPEN, "x.txt"));
    R("link bad new fd", __wasi_path_link(PREOPEN, 0, "b.txt", 77, "x.txt"));
    // A symlink is linked itself; both names are symlinks to the same target.
    R("symlink", __wasi_path_symlink("b.txt", PREOPEN, "s"));
    R("link a symlink", __wasi_path_link(PREOPEN, 0, "s", PREOPEN, "s2"));
    lstat_at("lstat s2", PREOPEN, "s2");
    // Relative to an opened subdirectory.
    __wasi_rights_t rd = __WASI_RIGHTS_PATH_LINK_SOURCE | __WASI_RIGHTS_PATH_LINK_TARGET |
                         __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_FILESTAT_GET;
    R("open d", __wasi_path_open(PREOPEN, 0, "d", __WASI_OFLAGS_DIRECTORY, rd, rd, 0, &fd));
    R("link from d to preopen", __wasi_path_link(fd, 0, "c.txt", PREOPEN, "e.txt"));
    R("link escaping d", __wasi_path_link(fd, 0, "../b.txt", fd, "f.txt"));
    lstat_at("stat e", PREOPEN, "e.txt");
    (void)__wasi_fd_close(fd);
}

static void times(void)
{
    const __wasi_timestamp_t slack = 2000000000ull;
    const __wasi_timestamp_t at = 1600000000123456789ull, mt = 1500000000987654321ull;
    __wasi_timestamp_t t0 = now();
    __wasi_filestat_t st;
    __wasi_fd_t fd;
    make_file("t.txt", "times");
    R("open t", open_at(PREOPEN, "t.txt", 0, 0, &fd));
    R("set both", __wasi_fd_filestat_set_times(fd, at, mt, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    printf("atime s %llu mtime s %llu\n", (unsigned long long)(st.atim / SEC),
           (unsigned long long)(st.mtim / SEC));
    R("set atime only", __wasi_fd_filestat_set_times(fd, at + 1000 * SEC, 0, __WASI_FSTFLAGS_ATIM));
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    printf("atime s %llu mtime s %llu\n", (unsigned long long)(st.atim / SEC),
           (unsigned long long)(st.mtim / SEC));
    R("mtime now", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    __wasi_timestamp_t t1 = now();
    printf("atime kept %d mtime now %d\n", st.atim / SEC == (at + 1000 * SEC) / SEC,
           st.mtim + slack >= t0 && st.mtim <= t1 + slack);
    R("atime now", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    printf("atime now %d\n", st.atim + slack >= t0 && st.atim <= now() + slack);
    R("set nothing", __wasi_fd_filestat_set_times(fd, 0, 0, 0));
    R("set times on a closed fd", __wasi_fd_filestat_set_times(77, at, mt, __WASI_FSTFLAGS_ATIM));
    (void)__wasi_fd_close(fd);

    // By path, with and without following a final symlink.
    R("path set both", __wasi_path_filestat_set_times(PREOPEN, 0, "t.txt", mt, at,
                                                      __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    R("path_filestat_get", __wasi_path_filestat_get(PREOPEN, 0, "t.txt", &st));
    printf("atime s %llu mtime s %llu\n", (unsigned long long)(st.atim / SEC),
           (unsigned long long)(st.mtim / SEC));
    R("symlink", __wasi_path_symlink("t.txt", PREOPEN, "ts"));
    R("set through symlink", __wasi_path_filestat_set_times(PREOPEN, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                                                            "ts", at, at, __WASI_FSTFLAGS_MTIM));
    R("path_filestat_get", __wasi_path_filestat_get(PREOPEN, 0, "t.txt", &st));
    printf("target mtime s %llu\n", (unsigned long long)(st.mtim / SEC));
    R("set the symlink itself", __wasi_path_filestat_set_times(PREOPEN, 0, "ts", mt, mt,
                                                               __WASI_FSTFLAGS_MTIM));
    R("lstat ts", __wasi_path_filestat_get(PREOPEN, 0, "ts", &st));
    printf("symlink mtime s %llu\n", (unsigned long long)(st.mtim / SEC));
    R("path_filestat_get", __wasi_path_filestat_get(PREOPEN, 0, "t.txt", &st));
    printf("target mtime s %llu\n", (unsigned long long)(st.mtim / SEC));
    R("dir mtime", __wasi_path_filestat_set_times(PREOPEN, 0, "d", 0, mt, __WASI_FSTFLAGS_MTIM));
    R("path_filestat_get d", __wasi_path_filestat_get(PREOPEN, 0, "d", &st));
    printf("dir mtime s %llu\n", (unsigned long long)(st.mtim / SEC));
    R("path set missing", __wasi_path_filestat_set_times(PREOPEN, 0, "nope", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    R("path set escaping", __wasi_path_filestat_set_times(PREOPEN, 0, "../t", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    R("path set bad fd", __wasi_path_filestat_set_times(77, 0, "t.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
}

static void allocate(void)
{
    __wasi_fd_t fd, ro;
    __wasi_filestat_t st;
    char buf[8];
    __wasi_size_t n;
    make_file("alloc.txt", "12345");
    R("open", open_at(PREOPEN, "alloc.txt", 0, 0, &fd));
    R("allocate 0+100", __wasi_fd_allocate(fd, 0, 100));
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    printf("size %llu\n", (unsigned long long)st.size);
    R("allocate inside", __wasi_fd_allocate(fd, 10, 5));
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    printf("size %llu\n", (unsigned long long)st.size);
    R("allocate 200+50", __wasi_fd_allocate(fd, 200, 50));
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    printf("size %llu\n", (unsigned long long)st.size);
    R("pread", __wasi_fd_pread(fd, &(__wasi_iovec_t){(uint8_t *)buf, 8}, 1, 3, &n));
    printf("read %u \"%.2s\" then zeros %d\n", (unsigned)n, buf,
           n == 8 && memcmp(buf + 2, "\0\0\0\0\0\0", 6) == 0);
    __wasi_filesize_t pos;
    R("tell", __wasi_fd_tell(fd, &pos));
    printf("position %llu\n", (unsigned long long)pos);
    R("allocate bad fd", __wasi_fd_allocate(77, 0, 10));
    // Read-only: node:wasi narrows the rights (ENOTCAPABLE), FTL drops FD_WRITE too.
    __wasi_rights_t r = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_FILESTAT_GET;
    R("open read-only", __wasi_path_open(PREOPEN, 0, "alloc.txt", 0, r, r, 0, &ro));
    R("allocate without the right", __wasi_fd_allocate(ro, 0, 1000));
    (void)__wasi_fd_close(ro);
    (void)__wasi_fd_close(fd);
}

static void rights(void)
{
    __wasi_fd_t fd, dir, f2;
    __wasi_fdstat_t fs;
    __wasi_size_t n;
    char buf[8];
    make_file("r.txt", "rights");
    R("open", open_at(PREOPEN, "r.txt", 0, 0, &fd));
    R("fdstat", __wasi_fd_fdstat_get(fd, &fs));
    __wasi_rights_t base = fs.fs_rights_base, inh = fs.fs_rights_inheriting;
    printf("write right %d\n", (base & __WASI_RIGHTS_FD_WRITE) != 0);
    R("drop write", __wasi_fd_fdstat_set_rights(fd, base & ~__WASI_RIGHTS_FD_WRITE, inh));
    R("fdstat", __wasi_fd_fdstat_get(fd, &fs));
    printf("write right %d read right %d\n", (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0,
           (fs.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0);
    R("write", write_str(fd, "x", &n));
    R("pwrite", __wasi_fd_pwrite(fd, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, 0, &n));
    R("read", read_buf(fd, buf, 3, &n));
    printf("read %u \"%.*s\"\n", (unsigned)n, (int)n, buf);
    R("take write back", __wasi_fd_fdstat_set_rights(fd, base, inh));
    R("same rights again", __wasi_fd_fdstat_set_rights(fd, base & ~__WASI_RIGHTS_FD_WRITE, inh));
    R("drop seek and tell", __wasi_fd_fdstat_set_rights(
                                fd, base & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL), inh));
    __wasi_filesize_t pos;
    R("seek", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    R("tell", __wasi_fd_tell(fd, &pos));
    R("drop filestat rights", __wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0));
    __wasi_filestat_t st;
    R("fstat", __wasi_fd_filestat_get(fd, &st));
    R("set_size", __wasi_fd_filestat_set_size(fd, 0));
    R("set_times", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    R("sync", __wasi_fd_sync(fd));
    R("set_flags", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    R("drop all", __wasi_fd_fdstat_set_rights(fd, 0, 0));
    R("read", read_buf(fd, buf, 3, &n));
    R("close still works", __wasi_fd_close(fd));
    R("set_rights bad fd", __wasi_fd_fdstat_set_rights(fd, 0, 0));

    // A directory: its own path rights, and what it passes on to path_open.
    R("mkdir rd", __wasi_path_create_directory(PREOPEN, "rd"));
    // Directory rights only (node:wasi refuses a directory opened with FD_WRITE: EISDIR).
    R("fdstat preopen", __wasi_fd_fdstat_get(PREOPEN, &fs));
    base = __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_CREATE_FILE |
           __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE |
           __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_FILESTAT_GET;
    inh = fs.fs_rights_inheriting;
    R("open rd", __wasi_path_open(PREOPEN, 0, "rd", __WASI_OFLAGS_DIRECTORY, base, inh, 0, &dir));
    R("create in rd", open_at(dir, "x.txt", __WASI_OFLAGS_CREAT, 0, &f2));
    (void)__wasi_fd_close(f2);
    R("drop mkdir", __wasi_fd_fdstat_set_rights(dir, base & ~__WASI_RIGHTS_PATH_CREATE_DIRECTORY, inh));
    R("mkdir in rd", __wasi_path_create_directory(dir, "sub"));
    R("drop unlink", __wasi_fd_fdstat_set_rights(dir, base & ~(__WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE), inh));
    R("unlink in rd", __wasi_path_unlink_file(dir, "x.txt"));
    R("drop the write it passes on", __wasi_fd_fdstat_set_rights(
                                         dir, base & ~(__WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE),
                                         inh & ~__WASI_RIGHTS_FD_WRITE));
    R("open for writing", __wasi_path_open(dir, 0, "x.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &f2));
    R("open for reading", __wasi_path_open(dir, 0, "x.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f2));
    (void)__wasi_fd_close(f2);
    base &= ~(__WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE);
    R("grow base", __wasi_fd_fdstat_set_rights(dir, base | __WASI_RIGHTS_PATH_UNLINK_FILE, 0));
    R("drop path_open", __wasi_fd_fdstat_set_rights(dir, base & ~__WASI_RIGHTS_PATH_OPEN, 0));
    R("open in rd", __wasi_path_open(dir, 0, "x.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f2));
    R("grow inheriting", __wasi_fd_fdstat_set_rights(dir, base & ~__WASI_RIGHTS_PATH_OPEN, inh));
    R("unlink via preopen", __wasi_path_unlink_file(PREOPEN, "rd/x.txt"));
    (void)__wasi_fd_close(dir);
}

static void renumber(void)
{
    __wasi_fd_t a, b, c;
    __wasi_fdstat_t fs;
    make_file("ra.txt", "first");
    make_file("rb.txt", "second");
    R("open ra", open_at(PREOPEN, "ra.txt", 0, 0, &a));
    R("open rb", open_at(PREOPEN, "rb.txt", 0, __WASI_FDFLAGS_APPEND, &b));
    R("renumber b onto a", __wasi_fd_renumber(b, a));
    contents("a now reads", a);
    // Append mode moves with it (node:wasi's fdstat no longer reports it; the bytes do).
    __wasi_filesize_t pos;
    __wasi_size_t n;
    R("seek a to 0", __wasi_fd_seek(a, 0, __WASI_WHENCE_SET, &pos));
    R("write a", write_str(a, "+", &n));
    contents("appended", a);
    R("close b", __wasi_fd_close(b));
    R("renumber onto itself", __wasi_fd_renumber(a, a));
    contents("a still reads", a);
    R("renumber from a closed fd", __wasi_fd_renumber(b, a));
    R("renumber onto a closed fd", __wasi_fd_renumber(a, b));
    R("renumber bad fds", __wasi_fd_renumber(77, 78));
    // Rights dropped before the move stay dropped after it.
    R("open rb again", open_at(PREOPEN, "rb.txt", 0, 0, &c));
    R("fdstat c", __wasi_fd_fdstat_get(c, &fs));
    R("drop read", __wasi_fd_fdstat_set_rights(c, fs.fs_rights_base & ~__WASI_RIGHTS_FD_READ,
                                               fs.fs_rights_inheriting));
    R("renumber c onto a", __wasi_fd_renumber(c, a));
    char buf[4];
    R("read a", read_buf(a, buf, 4, &n));
    R("close a", __wasi_fd_close(a));
    R("close c", __wasi_fd_close(c));
}

int main(void)
{
    links();
    times();
    allocate();
    rights();
    renumber();
    return 0;
}
