// WASI comparison: directories and paths through the raw preview1 calls (mkdir, rmdir,
// fd_readdir with cookies, rename, unlink, path_filestat_get, symlinks) and their error
// cases (ENOENT, EBADF, EEXIST, ENOTEMPTY, ENOTDIR, escapes with ".." and absolute
// paths), run under wasm-run --dir and node:wasi (wasi_test.sh). Listings are printed
// sorted and without "." and "..", which FTL lists and node:wasi does not.
#include "wasi_check.h"

#include <stdlib.h>

#define NAMES_MAX 64

struct listing {
    int n;
    char names[NAMES_MAX][32];
    char types[NAMES_MAX];
};

static int cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static int is_dot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

// Reads entries of `fd` from `cookie` with a `cap`-byte buffer, refilling from the last
// whole entry's cookie, until the end; appends them to `l`. Returns the errno.
static __wasi_errno_t read_dir(__wasi_fd_t fd, __wasi_dircookie_t cookie, size_t cap,
                               struct listing *l, int max)
{
    static uint8_t buf[4096];
    for (;;) {
        __wasi_size_t used = 0;
        __wasi_errno_t e = __wasi_fd_readdir(fd, buf, cap, cookie, &used);
        if (e != __WASI_ERRNO_SUCCESS) {
            return e;
        }
        size_t off = 0;
        while (off + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + off, sizeof(d));
            if (off + sizeof(d) + d.d_namlen > used) {
                break; // cut: read it again from its cookie
            }
            char name[32] = {0};
            memcpy(name, buf + off + sizeof(d), d.d_namlen < 31 ? d.d_namlen : 31);
            if (!is_dot(name) && l->n < NAMES_MAX) {
                strcpy(l->names[l->n], name);
                l->types[l->n] = d.d_type == __WASI_FILETYPE_DIRECTORY ? 'd'
                                 : d.d_type == __WASI_FILETYPE_REGULAR_FILE ? 'f'
                                 : d.d_type == __WASI_FILETYPE_SYMBOLIC_LINK ? 'l'
                                                                            : '?';
                l->n++;
            }
            cookie = d.d_next;
            off += sizeof(d) + d.d_namlen;
            if (max > 0 && l->n >= max) {
                return __WASI_ERRNO_SUCCESS;
            }
        }
        if (used < cap) {
            return __WASI_ERRNO_SUCCESS; // the end
        }
        if (off == 0) {
            return __WASI_ERRNO_NOBUFS; // not one whole entry fits
        }
    }
}

static void show(const char *label, struct listing *l)
{
    char line[NAMES_MAX][34];
    for (int i = 0; i < l->n; i++) {
        snprintf(line[i], sizeof(line[i]), "%s:%c", l->names[i], l->types[i]);
    }
    qsort(line, (size_t)l->n, sizeof(line[0]), cmp);
    printf("%s (%d):", label, l->n);
    for (int i = 0; i < l->n; i++) {
        printf(" %s", line[i]);
    }
    printf("\n");
}

static void list(const char *label, const char *path, size_t cap)
{
    __wasi_rights_t rd = __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_FILESTAT_GET |
                         __WASI_RIGHTS_PATH_OPEN;
    __wasi_fd_t fd;
    struct listing l = {0};
    __wasi_errno_t e = __wasi_path_open(PREOPEN, 0, path, __WASI_OFLAGS_DIRECTORY, rd, rd, 0, &fd);
    if (e == __WASI_ERRNO_SUCCESS) {
        e = read_dir(fd, 0, cap, &l, 0);
        (void)__wasi_fd_close(fd);
    }
    if (e != __WASI_ERRNO_SUCCESS) {
        printf("%s: %s\n", label, en(e));
        return;
    }
    show(label, &l);
}

static void pstat(const char *label, __wasi_fd_t dir, __wasi_lookupflags_t fl, const char *path)
{
    __wasi_filestat_t st = {0};
    __wasi_errno_t e = __wasi_path_filestat_get(dir, fl, path, &st);
    if (e != __WASI_ERRNO_SUCCESS) {
        printf("%s: %s\n", label, en(e));
        return;
    }
    // Directory sizes and link counts depend on the file system: print them for files.
    printf("%s: ok %s", label, ftype(st.filetype));
    if (st.filetype != __WASI_FILETYPE_DIRECTORY) {
        printf(" size %llu nlink %llu", (unsigned long long)st.size, (unsigned long long)st.nlink);
    }
    printf(" times %s\n", st.atim && st.mtim && st.ctim ? "set" : "BROKEN");
}

static const char *refused(__wasi_errno_t e)
{
    return e == __WASI_ERRNO_NOTDIR || e == __WASI_ERRNO_NOTCAPABLE ? "refused" : en(e);
}

static void make_file(const char *path, const char *text)
{
    __wasi_fd_t fd;
    __wasi_size_t n;
    __wasi_errno_t e = open_at(PREOPEN, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd);
    if (e == __WASI_ERRNO_SUCCESS) {
        e = write_str(fd, text, &n);
        (void)__wasi_fd_close(fd);
    }
    printf("create %s: %s\n", path, en(e));
}

int main(void)
{
    __wasi_fd_t fd;
    char buf[64];
    __wasi_size_t n;

    R("mkdir d", __wasi_path_create_directory(PREOPEN, "d"));
    R("mkdir d/sub", __wasi_path_create_directory(PREOPEN, "d/sub"));
    R("mkdir d again", __wasi_path_create_directory(PREOPEN, "d"));
    R("mkdir in missing", __wasi_path_create_directory(PREOPEN, "nope/x"));
    make_file("d/a.txt", "alpha");
    make_file("d/sub/deep.txt", "deep");
    R("mkdir over file", __wasi_path_create_directory(PREOPEN, "d/a.txt"));
    R("mkdir under file", __wasi_path_create_directory(PREOPEN, "d/a.txt/x"));
    char name[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "d/f%02d", i);
        make_file(name, "x");
    }

    // Listings: whole, through a small buffer (entries cut and re-read from their
    // cookie), and resumed from the cookie of the 7th entry.
    list("list d", "d", 4096);
    list("list d small buffer", "d", 40);
    list("list d tiny buffer", "d", 30);
    list("list root", ".", 4096);
    list("list d/sub", "d/sub", 4096);
    __wasi_rights_t rd = __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN;
    R("open d", __wasi_path_open(PREOPEN, 0, "d", __WASI_OFLAGS_DIRECTORY, rd, rd, 0, &fd));
    static uint8_t dbuf[4096];
    __wasi_size_t used = 0;
    R("readdir all", __wasi_fd_readdir(fd, dbuf, sizeof(dbuf), 0, &used));
    // The cookie after the 7th entry, and the names from there on.
    struct listing first = {0}, rest = {0}, again = {0};
    size_t off = 0;
    __wasi_dircookie_t cookie = 0;
    for (int i = 0; i < 7 && off < used; i++) {
        __wasi_dirent_t d;
        memcpy(&d, dbuf + off, sizeof(d));
        memcpy(first.names[first.n], dbuf + off + sizeof(d), d.d_namlen);
        first.types[first.n++] = 'x';
        cookie = d.d_next;
        off += sizeof(d) + d.d_namlen;
    }
    R("readdir from cookie", read_dir(fd, cookie, 4096, &rest, 0));
    R("readdir from cookie again", read_dir(fd, cookie, 60, &again, 0));
    int total = 0;
    for (int i = 0; i < first.n; i++) {
        total += !is_dot(first.names[i]);
    }
    int overlap = 0;
    for (int i = 0; i < first.n; i++) {
        for (int j = 0; j < rest.n; j++) {
            overlap += strcmp(first.names[i], rest.names[j]) == 0;
        }
    }
    printf("resumed: all %d, same again %d, overlap %d\n", total + rest.n == 22,
           rest.n == again.n && memcmp(rest.names, again.names, sizeof(rest.names)) == 0, overlap);
    struct listing end = {0};
    __wasi_dircookie_t last = 0;
    R("readdir all again", __wasi_fd_readdir(fd, dbuf, sizeof(dbuf), 0, &used));
    for (off = 0; off + sizeof(__wasi_dirent_t) <= used;) {
        __wasi_dirent_t d;
        memcpy(&d, dbuf + off, sizeof(d));
        last = d.d_next;
        off += sizeof(d) + d.d_namlen;
    }
    R("readdir at the end", read_dir(fd, last, 4096, &end, 0));
    printf("entries after the end %d\n", end.n);
    R("close d", __wasi_fd_close(fd));

    // Stat through paths.
    pstat("stat d/a.txt", PREOPEN, 0, "d/a.txt");
    pstat("stat d", PREOPEN, 0, "d");
    pstat("stat d/sub/../a.txt", PREOPEN, 0, "d/sub/../a.txt");
    pstat("stat missing", PREOPEN, 0, "d/missing");
    pstat("stat file as dir", PREOPEN, 0, "d/a.txt/x");
    R("symlink", __wasi_path_symlink("a.txt", PREOPEN, "d/link"));
    pstat("lstat link", PREOPEN, 0, "d/link");
    pstat("stat link", PREOPEN, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/link");
    R("readlink", __wasi_path_readlink(PREOPEN, "d/link", (uint8_t *)buf, sizeof(buf), &n));
    printf("link %.*s\n", (int)n, buf);
    R("readlink file", __wasi_path_readlink(PREOPEN, "d/a.txt", (uint8_t *)buf, sizeof(buf), &n));
    R("unlink link", __wasi_path_unlink_file(PREOPEN, "d/link"));

    // Paths relative to an opened directory; ".." back inside is fine.
    __wasi_fdstat_t fs;
    R("fdstat preopen", __wasi_fd_fdstat_get(PREOPEN, &fs));
    // Without the rights that make node:wasi open it for writing (EISDIR).
    __wasi_rights_t dr = fs.fs_rights_inheriting & ~(__WASI_RIGHTS_FD_WRITE |
                                                      __WASI_RIGHTS_FD_ALLOCATE |
                                                      __WASI_RIGHTS_FD_DATASYNC |
                                                      __WASI_RIGHTS_FD_FILESTAT_SET_SIZE);
    R("open d/sub", __wasi_path_open(PREOPEN, 0, "d/sub", __WASI_OFLAGS_DIRECTORY, dr, dr, 0, &fd));
    pstat("stat via d/sub", fd, 0, "deep.txt");
    pstat("stat via d/sub ..", fd, 0, "../a.txt");
    pstat("stat via d/sub ../..", fd, 0, "../../d/a.txt");
    pstat("escape via d/sub ../../..", fd, 0, "../../../x");
    R("close d/sub", __wasi_fd_close(fd));

    // Rename: a file, over a file, a directory, into a missing directory, missing source.
    make_file("b.txt", "bravo");
    R("rename file", __wasi_path_rename(PREOPEN, "d/a.txt", PREOPEN, "a2.txt"));
    R("rename over file", __wasi_path_rename(PREOPEN, "a2.txt", PREOPEN, "b.txt"));
    R("rename missing", __wasi_path_rename(PREOPEN, "a2.txt", PREOPEN, "c.txt"));
    R("rename into missing dir", __wasi_path_rename(PREOPEN, "b.txt", PREOPEN, "no/b.txt"));
    R("rename dir", __wasi_path_rename(PREOPEN, "d/sub", PREOPEN, "sub2"));
    R("rename file over dir", __wasi_path_rename(PREOPEN, "b.txt", PREOPEN, "sub2"));
    R("rename dir into itself", __wasi_path_rename(PREOPEN, "sub2", PREOPEN, "sub2/inner"));
    R("rename escape", __wasi_path_rename(PREOPEN, "b.txt", PREOPEN, "../b.txt"));
    pstat("stat b.txt", PREOPEN, 0, "b.txt");
    pstat("stat sub2/deep.txt", PREOPEN, 0, "sub2/deep.txt");

    // Unlink and rmdir, with their errors.
    R("unlink dir", __wasi_path_unlink_file(PREOPEN, "sub2"));
    R("unlink missing", __wasi_path_unlink_file(PREOPEN, "nope"));
    R("rmdir non-empty", __wasi_path_remove_directory(PREOPEN, "sub2"));
    R("rmdir file", __wasi_path_remove_directory(PREOPEN, "b.txt"));
    R("rmdir missing", __wasi_path_remove_directory(PREOPEN, "nope"));
    R("unlink sub2/deep.txt", __wasi_path_unlink_file(PREOPEN, "sub2/deep.txt"));
    R("rmdir sub2", __wasi_path_remove_directory(PREOPEN, "sub2"));
    for (int i = 0; i < 20; i += 2) {
        snprintf(name, sizeof(name), "d/f%02d", i);
        R(name, __wasi_path_unlink_file(PREOPEN, name));
    }
    list("list d after unlinks", "d", 64);

    // Errors: missing files, bad fds, escapes from the preopen.
    R("open missing", open_at(PREOPEN, "missing.txt", 0, 0, &fd));
    R("open missing dir", open_at(PREOPEN, "missing/x.txt", __WASI_OFLAGS_CREAT, 0, &fd));
    R("open file as dir", __wasi_path_open(PREOPEN, 0, "b.txt", __WASI_OFLAGS_DIRECTORY, rd, rd,
                                           0, &fd));
    R("open with ..", open_at(PREOPEN, "../etc/passwd", 0, 0, &fd));
    R("open with inner ..", open_at(PREOPEN, "d/../../etc/passwd", 0, 0, &fd));
    R("open absolute", open_at(PREOPEN, "/etc/passwd", 0, 0, &fd));
    R("mkdir with ..", __wasi_path_create_directory(PREOPEN, "../outside"));
    R("unlink with ..", __wasi_path_unlink_file(PREOPEN, "../b.txt"));
    R("stat absolute", __wasi_path_filestat_get(PREOPEN, 0, "/etc", &(__wasi_filestat_t){0}));
    R("path_open bad fd", open_at(42, "b.txt", 0, 0, &fd));
    R("mkdir bad fd", __wasi_path_create_directory(42, "x"));
    R("read bad fd", read_buf(42, buf, sizeof(buf), &n));
    R("write bad fd", write_str(42, "x", &n));
    R("seek bad fd", __wasi_fd_seek(42, 0, __WASI_WHENCE_SET, &(__wasi_filesize_t){0}));
    R("tell bad fd", __wasi_fd_tell(42, &(__wasi_filesize_t){0}));
    R("fstat bad fd", __wasi_fd_filestat_get(42, &(__wasi_filestat_t){0}));
    R("fdstat bad fd", __wasi_fd_fdstat_get(42, &(__wasi_fdstat_t){0}));
    R("set_size bad fd", __wasi_fd_filestat_set_size(42, 0));
    R("set_flags bad fd", __wasi_fd_fdstat_set_flags(42, 0));
    R("readdir bad fd", __wasi_fd_readdir(42, dbuf, sizeof(dbuf), 0, &used));
    R("sync bad fd", __wasi_fd_sync(42));
    R("close bad fd", __wasi_fd_close(42));
    R("prestat bad fd", __wasi_fd_prestat_get(42, &(__wasi_prestat_t){0}));
    R("open b.txt", open_at(PREOPEN, "b.txt", 0, 0, &fd));
    // node:wasi narrows a file's rights to those of files and answers ENOTCAPABLE; FTL
    // keeps no rights and answers ENOTDIR, as POSIX does.
    printf("path_open on a file fd: %s\n", refused(open_at(fd, "x", 0, 0, &(__wasi_fd_t){0})));
    printf("readdir on a file: %s\n", refused(__wasi_fd_readdir(fd, dbuf, sizeof(dbuf), 0, &used)));
    R("close", __wasi_fd_close(fd));
    R("read closed fd", read_buf(fd, buf, sizeof(buf), &n));

    // The preopen: a directory whose name the guest sees.
    __wasi_prestat_t ps;
    R("prestat", __wasi_fd_prestat_get(PREOPEN, &ps));
    printf("tag %d len %u\n", ps.tag, (unsigned)ps.u.dir.pr_name_len);
    R("prestat_dir_name", __wasi_fd_prestat_dir_name(PREOPEN, (uint8_t *)buf, ps.u.dir.pr_name_len));
    printf("name %.*s\n", (int)ps.u.dir.pr_name_len, buf);
    pstat("fstat preopen", PREOPEN, 0, ".");
    list("list root at the end", ".", 4096);
    struct listing l = {0};
    R("readdir on the preopen itself", read_dir(PREOPEN, 0, 50, &l, 0));
    show("list preopen fd", &l);
    return 0;
}
