// WASI test: files in a preopened directory, compared between wasm-run --dir (the file
// protocol served from the host, tests/host_fs.c) and node:wasi. Prints what each call
// gives (results and errno names), never inode numbers, times or listing order.
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *err(int r)
{
    if (r >= 0) {
        return "ok";
    }
    switch (errno) {
    case ENOENT:
        return "ENOENT";
    case EEXIST:
        return "EEXIST";
    case EISDIR:
        return "EISDIR";
    case ENOTDIR:
        return "ENOTDIR";
    case ENOTEMPTY:
        return "ENOTEMPTY";
    case EBADF:
        return "EBADF";
    case ENOTCAPABLE:
        return "ENOTCAPABLE";
    case EINVAL:
        return "EINVAL";
    default:
        return "other";
    }
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_dot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir %s: %s\n", dir, err(-1));
        return;
    }
    char *names[64];
    int n = 0;
    for (struct dirent *e; n < 64 && (e = readdir(d)) != NULL;) {
        if (!is_dot(e->d_name)) { // node:wasi does not list "." and ".."; FTL does
            names[n++] = strdup(e->d_name);
        }
    }
    qsort(names, (size_t)n, sizeof(names[0]), cmp);
    printf("%s:", dir);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
    closedir(d);
}

int main(void)
{
    char buf[64];
    printf("mkdir: %s\n", err(mkdir("/sandbox/dir", 0755)));
    printf("mkdir again: %s\n", err(mkdir("/sandbox/dir", 0755)));
    int fd = open("/sandbox/dir/a.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("open: %s\n", err(fd));
    printf("write: %zd\n", write(fd, "0123456789", 10));
    printf("lseek end-3: %lld\n", (long long)lseek(fd, -3, SEEK_END));
    printf("read: %zd %.3s\n", read(fd, buf, 10), buf);
    printf("read at end: %zd\n", read(fd, buf, 10));
    printf("pwrite: %zd\n", pwrite(fd, "AB", 2, 4));
    printf("pread: %zd %.6s\n", pread(fd, buf, 6, 2), buf);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    struct stat st;
    printf("fstat: %s size %lld reg %d\n", err(fstat(fd, &st)), (long long)st.st_size,
           S_ISREG(st.st_mode));
    printf("ftruncate: %s\n", err(ftruncate(fd, 4)));
    printf("fsync: %s\n", err(fsync(fd)));
    printf("close: %s\n", err(close(fd)));
    printf("close again: %s\n", err(close(fd)));

    fd = open("/sandbox/dir/a.txt", O_WRONLY | O_APPEND);
    printf("append open: %s flags %d\n", err(fd), (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    printf("append write: %zd\n", write(fd, "xyz", 3));
    close(fd);
    FILE *f = fopen("/sandbox/dir/a.txt", "r");
    printf("contents: %s\n", f && fgets(buf, sizeof(buf), f) ? buf : "(none)");
    if (f) {
        fclose(f);
    }
    printf("stat: %s size %lld\n", err(stat("/sandbox/dir/a.txt", &st)), (long long)st.st_size);
    printf("stat dir: %s dir %d\n", err(stat("/sandbox/dir", &st)), S_ISDIR(st.st_mode));

    printf("open missing: %s\n", err(open("/sandbox/nope", O_RDONLY)));
    printf("open excl: %s\n", err(open("/sandbox/dir/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644)));
    printf("open dir for writing: %s\n", err(open("/sandbox/dir", O_WRONLY)));
    printf("escape: %s\n", err(open("/sandbox/../etc/passwd", O_RDONLY)));
    printf("read bad fd: %s\n", err((int)read(42, buf, 1)));
    printf("rmdir non-empty: %s\n", err(rmdir("/sandbox/dir")));
    printf("unlink dir: %s\n", err(unlink("/sandbox/dir")));

    printf("rename: %s\n", err(rename("/sandbox/dir/a.txt", "/sandbox/b.txt")));
    printf("rename missing: %s\n", err(rename("/sandbox/dir/a.txt", "/sandbox/c.txt")));
    for (int i = 0; i < 5; i++) {
        snprintf(buf, sizeof(buf), "/sandbox/dir/f%d", i);
        close(open(buf, O_WRONLY | O_CREAT, 0644));
    }
    list("/sandbox");
    list("/sandbox/dir");
    // telldir/seekdir: the rest of a listing read twice from the same cookie.
    DIR *d = opendir("/sandbox/dir");
    struct dirent *e;
    for (int skipped = 0; skipped < 2 && (e = readdir(d)) != NULL;) {
        skipped += !is_dot(e->d_name);
    }
    long pos = telldir(d);
    int rest = 0, again = 0;
    while ((e = readdir(d)) != NULL) {
        rest += !is_dot(e->d_name);
    }
    seekdir(d, pos);
    while ((e = readdir(d)) != NULL) {
        again += !is_dot(e->d_name);
    }
    closedir(d);
    printf("readdir cookies: %d %d\n", rest, again);
    for (int i = 0; i < 5; i++) {
        snprintf(buf, sizeof(buf), "/sandbox/dir/f%d", i);
        unlink(buf);
    }
    printf("rmdir: %s\n", err(rmdir("/sandbox/dir")));
    printf("unlink: %s\n", err(unlink("/sandbox/b.txt")));
    list("/sandbox");
    return 0;
}
