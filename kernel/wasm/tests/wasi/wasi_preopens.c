// WASI comparison: two preopened directories (wasi_test.sh runs it with --dir A::/data
// --dir B::/tmp under wasm-run and node:wasi). Checks their fds and names (3 and 4, in
// the order given), that each call reaches the right one, through raw calls and through
// wasi-libc's path lookup (fopen of an absolute path), links and renames between them,
// and that ".." cannot cross from one to the other.
#include <dirent.h>
#include <stdlib.h>

#include "wasi_check.h"

static void prestat(__wasi_fd_t fd)
{
    __wasi_prestat_t ps;
    char name[64] = {0};
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
    if (e == __WASI_ERRNO_SUCCESS) {
        e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, ps.u.dir.pr_name_len);
    }
    printf("prestat %u: %s \"%s\"\n", (unsigned)fd, en(e), name);
}

static void cat(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[64] = {0};
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    printf("%s: %s \"%.*s\"\n", path, f ? "ok" : "missing", (int)n, buf);
    if (f) {
        fclose(f);
    }
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    char *names[32];
    int n = 0;
    for (struct dirent *e; d && n < 32 && (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            names[n++] = strdup(e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    qsort(names, (size_t)n, sizeof(names[0]), cmp);
    printf("%s:", dir);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(void)
{
    const __wasi_fd_t data = 3, tmp = 4;
    prestat(data);
    prestat(tmp);
    prestat(5);

    // Raw calls on each fd land in its own directory.
    __wasi_fd_t fd;
    __wasi_size_t n;
    R("create in data", open_at(data, "d.txt", __WASI_OFLAGS_CREAT, 0, &fd));
    R("write", write_str(fd, "in data", &n));
    R("close", __wasi_fd_close(fd));
    R("create in tmp", open_at(tmp, "t.txt", __WASI_OFLAGS_CREAT, 0, &fd));
    R("write", write_str(fd, "in tmp", &n));
    R("close", __wasi_fd_close(fd));
    R("mkdir in tmp", __wasi_path_create_directory(tmp, "sub"));
    R("d.txt not in tmp", __wasi_path_filestat_get(tmp, 0, "d.txt", &(__wasi_filestat_t){0}));
    R("t.txt not in data", __wasi_path_filestat_get(data, 0, "t.txt", &(__wasi_filestat_t){0}));

    // wasi-libc picks the preopen by the longest matching name.
    cat("/data/d.txt");
    cat("/tmp/t.txt");
    cat("/tmp/d.txt");
    FILE *f = fopen("/tmp/sub/libc.txt", "w");
    printf("fopen /tmp/sub/libc.txt: %s\n", f ? "ok" : "failed");
    if (f) {
        fputs("via libc", f);
        fclose(f);
    }
    cat("/tmp/sub/libc.txt");

    // Between the two: a hard link and a rename (one file system here, so neither is
    // EXDEV), and ".." never crosses from one to the other.
    R("link data -> tmp", __wasi_path_link(data, 0, "d.txt", tmp, "d-link.txt"));
    __wasi_filestat_t st = {0};
    R("stat link", __wasi_path_filestat_get(tmp, 0, "d-link.txt", &st));
    printf("nlink %llu\n", (unsigned long long)st.nlink);
    R("rename tmp -> data", __wasi_path_rename(tmp, "t.txt", data, "moved.txt"));
    R("escape tmp to data", __wasi_path_filestat_get(tmp, 0, "../data/d.txt", &st));
    R("escape data to tmp", open_at(data, "../tmp/t.txt", 0, 0, &fd));
    R("absolute path", __wasi_path_filestat_get(tmp, 0, "/data/d.txt", &st));
    list("/data");
    list("/tmp");
    list("/tmp/sub");
    return 0;
}
