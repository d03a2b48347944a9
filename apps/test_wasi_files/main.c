// test_wasi_files: plain POSIX file calls, compiled with wasi-libc, on the fs server:
// reads /motd, writes, seeks, appends, truncates, lists a directory, renames, unlinks,
// and refuses to leave the preopen. Prints "wasi files: ok N" or the first failure,
// and leaves /wasi/result.txt for the host to check.
#define _POSIX_C_SOURCE 200809L // fileno
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int checks;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            printf("wasi files: FAIL line %d: %s (errno %d)\n", __LINE__, #cond, errno);           \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

int main(void)
{
    char buf[256];
    FILE *f = fopen("/motd", "r");
    EXPECT(f != NULL);
    EXPECT(fgets(buf, sizeof(buf), f) != NULL && strncmp(buf, "Welcome to FTL.", 15) == 0);
    fclose(f);

    EXPECT(mkdir("/wasi", 0755) == 0 || errno == EEXIST);
    f = fopen("/wasi/a.txt", "w");
    EXPECT(f != NULL);
    EXPECT(fprintf(f, "hello from wasi\n") == 16);
    EXPECT(fclose(f) == 0);

    int fd = open("wasi/a.txt", O_RDWR); // relative to the working directory "/"
    EXPECT(fd >= 0);
    EXPECT(lseek(fd, 6, SEEK_SET) == 6);
    EXPECT(read(fd, buf, 4) == 4 && memcmp(buf, "from", 4) == 0);
    EXPECT(pwrite(fd, "HELLO", 5, 0) == 5);
    EXPECT(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "HELLO", 5) == 0);
    struct stat st;
    EXPECT(fstat(fd, &st) == 0 && st.st_size == 16 && S_ISREG(st.st_mode));
    EXPECT(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
    EXPECT(fsync(fd) == 0);
    EXPECT(close(fd) == 0);

    fd = open("/wasi/a.txt", O_WRONLY | O_APPEND);
    EXPECT(fd >= 0 && write(fd, " world\n", 7) == 7);
    EXPECT(close(fd) == 0);
    f = fopen("/wasi/a.txt", "r");
    EXPECT(f && fgets(buf, sizeof(buf), f) && strcmp(buf, "HELLO world\n") == 0);
    fclose(f);

    EXPECT(open("/wasi/missing", O_RDONLY) < 0 && errno == ENOENT);
    EXPECT(open("/wasi/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 && errno == EEXIST);
    EXPECT(open("../../etc/passwd", O_RDONLY) < 0 && errno == ENOTCAPABLE);
    EXPECT(mkdir("/wasi/d", 0755) == 0);
    EXPECT(rmdir("/wasi") < 0 && errno == ENOTEMPTY);
    EXPECT(rename("/wasi/a.txt", "/wasi/d/b.txt") == 0);
    EXPECT(stat("/wasi/a.txt", &st) < 0 && errno == ENOENT);
    EXPECT(stat("/wasi/d/b.txt", &st) == 0 && st.st_size == 12);

    DIR *d = opendir("/wasi/d");
    EXPECT(d != NULL);
    int names = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        names += strcmp(e->d_name, "b.txt") == 0 || strcmp(e->d_name, ".") == 0 ||
                 strcmp(e->d_name, "..") == 0;
    }
    closedir(d);
    EXPECT(names == 3);

    EXPECT(symlink("d/b.txt", "/wasi/link") == 0);
    ssize_t n = readlink("/wasi/link", buf, sizeof(buf));
    EXPECT(n == 7 && memcmp(buf, "d/b.txt", 7) == 0);
    EXPECT(stat("/wasi/link", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 12);
    EXPECT(lstat("/wasi/link", &st) == 0 && S_ISLNK(st.st_mode));
    EXPECT(unlink("/wasi/link") == 0);

    EXPECT(unlink("/wasi/d/b.txt") == 0 && rmdir("/wasi/d") == 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT(nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL) == 0); // poll_oneoff
    clock_gettime(CLOCK_MONOTONIC, &t1);
    EXPECT((t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec) >= 20000000);
    f = fopen("/wasi/result.txt", "w");
    EXPECT(f && fprintf(f, "wasi checks passed: %d\n", checks + 1) > 0 && fflush(f) == 0);
    EXPECT(fsync(fileno(f)) == 0 && fclose(f) == 0); // everything is on the disk now
    printf("wasi files: ok %d\n", checks);
    return 0;
}
