// Helpers of the WASI comparison programs (wasi_io.c, wasi_dirs.c, wasi_misc.c): they call
// wasi_snapshot_preview1 directly (<wasi/api.h>) and print each result as an errno name,
// so wasm-run and node:wasi can be compared line by line.
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define PREOPEN 3 // the one preopened directory

static inline const char *en(__wasi_errno_t e)
{
    static char other[16];
    switch (e) {
    case __WASI_ERRNO_SUCCESS:
        return "ok";
    case __WASI_ERRNO_ACCES:
        return "EACCES";
    case __WASI_ERRNO_BADF:
        return "EBADF";
    case __WASI_ERRNO_EXIST:
        return "EEXIST";
    case __WASI_ERRNO_FAULT:
        return "EFAULT";
    case __WASI_ERRNO_INVAL:
        return "EINVAL";
    case __WASI_ERRNO_ISDIR:
        return "EISDIR";
    case __WASI_ERRNO_LOOP:
        return "ELOOP";
    case __WASI_ERRNO_NAMETOOLONG:
        return "ENAMETOOLONG";
    case __WASI_ERRNO_NOENT:
        return "ENOENT";
    case __WASI_ERRNO_NOSYS:
        return "ENOSYS";
    case __WASI_ERRNO_NOTDIR:
        return "ENOTDIR";
    case __WASI_ERRNO_NOTEMPTY:
        return "ENOTEMPTY";
    case __WASI_ERRNO_NOTSUP:
        return "ENOTSUP";
    case __WASI_ERRNO_PERM:
        return "EPERM";
    case __WASI_ERRNO_SPIPE:
        return "ESPIPE";
    case __WASI_ERRNO_NOTCAPABLE:
        return "ENOTCAPABLE";
    default:
        snprintf(other, sizeof(other), "errno%d", (int)e);
        return other;
    }
}

#define R(label, call) printf("%s: %s\n", label, en(call))

static inline __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags,
                                     __wasi_fdflags_t fdflags, __wasi_fd_t *fd)
{
    // The rights the directory passes on, as wasi-libc asks for them.
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(dir, &st);
    if (e != __WASI_ERRNO_SUCCESS) {
        return e;
    }
    return __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags,
                            st.fs_rights_inheriting, st.fs_rights_inheriting, fdflags, fd);
}

static inline __wasi_errno_t write_str(__wasi_fd_t fd, const char *s, __wasi_size_t *n)
{
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    return __wasi_fd_write(fd, &iov, 1, n);
}

static inline __wasi_errno_t read_buf(__wasi_fd_t fd, char *buf, size_t cap, __wasi_size_t *n)
{
    __wasi_iovec_t iov = {(uint8_t *)buf, cap};
    return __wasi_fd_read(fd, &iov, 1, n);
}

static inline const char *ftype(__wasi_filetype_t t)
{
    switch (t) {
    case __WASI_FILETYPE_DIRECTORY:
        return "dir";
    case __WASI_FILETYPE_REGULAR_FILE:
        return "file";
    case __WASI_FILETYPE_SYMBOLIC_LINK:
        return "symlink";
    case __WASI_FILETYPE_CHARACTER_DEVICE:
        return "chardev";
    default:
        return "other";
    }
}
