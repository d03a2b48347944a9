// test_wasi_preopens: a wasi-libc program with two preopened directories on the fs
// server (/data and /out, fds 3 and 4 as its spec lists them). It reads from one, writes
// to the other, hard-links across them, sets times to the nanosecond, extends a file
// with posix_fallocate, drops an fd's rights and renumbers fds. Prints
// "wasi preopens: ok N" or the first failure; tests/test_storage.py then checks the disk
// with debugfs and e2fsck.
#define _POSIX_C_SOURCE 200809L // fileno
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static int checks;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            printf("wasi preopens: FAIL line %d: %s (errno %d)\n", __LINE__, #cond, errno);        \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int prestat_is(__wasi_fd_t fd, const char *want)
{
    __wasi_prestat_t ps;
    char name[64] = {0};
    if (__wasi_fd_prestat_get(fd, &ps) != 0 || ps.u.dir.pr_name_len >= sizeof(name)) {
        return 0;
    }
    return __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, ps.u.dir.pr_name_len) == 0 &&
           strcmp(name, want) == 0;
}

int main(void)
{
    char buf[256];
    struct stat st, st2;
    EXPECT(prestat_is(3, "/data") && prestat_is(4, "/out"));
    EXPECT(__wasi_fd_prestat_get(5, &(__wasi_prestat_t){0}) == __WASI_ERRNO_BADF);

    // Each path reaches its own preopen.
    FILE *f = fopen("/data/readme.txt", "r");
    EXPECT(f && fgets(buf, sizeof(buf), f) && strncmp(buf, "FTL keeps files", 15) == 0);
    fclose(f);
    f = fopen("/out/result.txt", "w");
    EXPECT(f && fputs("written through /out\n", f) >= 0 && fclose(f) == 0);
    EXPECT(stat("/data/result.txt", &st) < 0 && errno == ENOENT);
    EXPECT(open("/out/../data/readme.txt", O_RDONLY) < 0 && errno == ENOTCAPABLE);

    // A hard link from one preopen into the other: one inode, two names.
    EXPECT(link("/data/readme.txt", "/out/readme.link") == 0);
    EXPECT(stat("/data/readme.txt", &st) == 0 && stat("/out/readme.link", &st2) == 0);
    EXPECT(st.st_ino == st2.st_ino && st.st_nlink == 2 && st2.st_nlink == 2);
    EXPECT(link("/data/readme.txt", "/out/readme.link") < 0 && errno == EEXIST);
    EXPECT(link("/data", "/out/dir.link") < 0 && errno == EPERM);
    EXPECT(link("/out/missing", "/out/x") < 0 && errno == ENOENT);
    EXPECT(link("/out/result.txt", "/out/../x") < 0 && errno == ENOTCAPABLE);
    EXPECT(link("/out/result.txt", "/out/tmp.link") == 0 && unlink("/out/tmp.link") == 0);
    EXPECT(stat("/out/result.txt", &st) == 0 && st.st_nlink == 1);

    // Times to the nanosecond (ext4 keeps them), through either name.
    struct timespec ts[2] = {{1600000000, 123456789}, {1500000000, 987654321}};
    EXPECT(utimensat(AT_FDCWD, "/out/readme.link", ts, 0) == 0);
    EXPECT(stat("/data/readme.txt", &st) == 0 && st.st_mtim.tv_sec == 1500000000 &&
           st.st_mtim.tv_nsec == 987654321 && st.st_atim.tv_sec == 1600000000 &&
           st.st_atim.tv_nsec == 123456789);
    int fd = open("/data/readme.txt", O_RDONLY);
    EXPECT(fd >= 0);
    // Debian's wasi-libc refuses UTIME_NOW and UTIME_OMIT (EINVAL): the raw call for NOW.
    EXPECT(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW) == 0);
    EXPECT(fstat(fd, &st) == 0 && st.st_atim.tv_sec != 1600000000 &&
           st.st_mtim.tv_sec == 1500000000 && st.st_mtim.tv_nsec == 987654321);
    EXPECT(__wasi_fd_filestat_set_times(fd, 1, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW) ==
           __WASI_ERRNO_INVAL);
    EXPECT(futimens(fd, (struct timespec[2]){{1700000000, 5}, {1700000000, 6}}) == 0);
    EXPECT(fstat(fd, &st) == 0 && st.st_atim.tv_nsec == 5 && st.st_mtim.tv_nsec == 6);
    EXPECT(utimensat(AT_FDCWD, "/data/readme.txt", ts, 0) == 0);
    EXPECT(close(fd) == 0);

    // posix_fallocate grows the file, never shrinks it.
    fd = open("/out/result.txt", O_RDWR);
    EXPECT(fd >= 0 && posix_fallocate(fd, 0, 10000) == 0);
    EXPECT(posix_fallocate(fd, 10, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000);
    EXPECT(pread(fd, buf, 8, 9000) == 8 && memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);

    // Rights only shrink; a write outside them is refused.
    __wasi_fdstat_t fs;
    EXPECT(__wasi_fd_fdstat_get(fd, &fs) == 0 && (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
    EXPECT(__wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE,
                                       fs.fs_rights_inheriting) == 0);
    __wasi_size_t n;
    __wasi_ciovec_t x = {(const uint8_t *)"x", 1};
    EXPECT(__wasi_fd_write(fd, &x, 1, &n) == __WASI_ERRNO_NOTCAPABLE);
    EXPECT(write(fd, "x", 1) < 0 && errno == EBADF); // wasi-libc's name for ENOTCAPABLE
    EXPECT(__wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base, fs.fs_rights_inheriting) ==
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(pread(fd, buf, 7, 0) == 7 && memcmp(buf, "written", 7) == 0);

    // fd_renumber: the second file takes the first's number.
    int fd2 = open("/data/readme.txt", O_RDONLY);
    EXPECT(fd2 >= 0 && __wasi_fd_renumber((__wasi_fd_t)fd2, (__wasi_fd_t)fd) == 0);
    EXPECT(pread(fd, buf, 3, 0) == 3 && memcmp(buf, "FTL", 3) == 0);
    EXPECT(close(fd2) < 0 && errno == EBADF);
    EXPECT(close(fd) == 0);

    f = fopen("/out/result.txt", "r+");
    EXPECT(f && fsync(fileno(f)) == 0 && fclose(f) == 0); // everything is on the disk now
    printf("wasi preopens: ok %d\n", checks);
    return 0;
}
