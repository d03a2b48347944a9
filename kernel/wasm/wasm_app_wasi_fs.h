// Internals shared by wasm_app_wasi_fs.c (the file descriptors: setup, requests, path
// resolution, read/write/seek, path_open) and wasm_app_wasi_path.c (the other file and
// path functions of WASI and the import table).
#pragma once

#include "wasm_app_int.h"

#include <ftl/fs.h>

#define E_SUCCESS 0
#define E_2BIG 1
#define E_BADF 8
#define E_BUSY 10
#define E_EXIST 20
#define E_FAULT 21
#define E_FBIG 22
#define E_INVAL 28
#define E_IO 29
#define E_ISDIR 31
#define E_LOOP 32
#define E_MFILE 33
#define E_MLINK 34
#define E_NAMETOOLONG 37
#define E_NOENT 44
#define E_NOMEM 48
#define E_NOSPC 51
#define E_NOTDIR 54
#define E_NOTEMPTY 55
#define E_NOTSUP 58
#define E_PERM 63
#define E_ROFS 69
#define E_XDEV 75
#define E_NOTCAPABLE 76

#define FT_DIRECTORY 3
#define FT_REGULAR 4
#define FT_SYMLINK 7
#define OFLAG_CREAT 1
#define OFLAG_DIRECTORY 2
#define OFLAG_EXCL 4
#define OFLAG_TRUNC 8
#define FDFLAG_APPEND 1
// WASI rights: what each call needs of its fd (wasm_app_wasi_fs.c, wasi_fs_fd()).
#define RIGHT_FD_DATASYNC (1ull << 0)
#define RIGHT_FD_READ (1ull << 1)
#define RIGHT_FD_SEEK (1ull << 2)
#define RIGHT_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define RIGHT_FD_SYNC (1ull << 4)
#define RIGHT_FD_TELL (1ull << 5)
#define RIGHT_FD_WRITE (1ull << 6)
#define RIGHT_FD_ADVISE (1ull << 7)
#define RIGHT_FD_ALLOCATE (1ull << 8)
#define RIGHT_PATH_CREATE_DIRECTORY (1ull << 9)
#define RIGHT_PATH_CREATE_FILE (1ull << 10)
#define RIGHT_PATH_LINK_SOURCE (1ull << 11)
#define RIGHT_PATH_LINK_TARGET (1ull << 12)
#define RIGHT_PATH_OPEN (1ull << 13)
#define RIGHT_FD_READDIR (1ull << 14)
#define RIGHT_PATH_READLINK (1ull << 15)
#define RIGHT_PATH_RENAME_SOURCE (1ull << 16)
#define RIGHT_PATH_RENAME_TARGET (1ull << 17)
#define RIGHT_PATH_FILESTAT_GET (1ull << 18)
#define RIGHT_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define RIGHT_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define RIGHT_FD_FILESTAT_GET (1ull << 21)
#define RIGHT_FD_FILESTAT_SET_SIZE (1ull << 22)
#define RIGHT_FD_FILESTAT_SET_TIMES (1ull << 23)
#define RIGHT_PATH_SYMLINK (1ull << 24)
#define RIGHT_PATH_REMOVE_DIRECTORY (1ull << 25)
#define RIGHT_PATH_UNLINK_FILE (1ull << 26)
#define RIGHTS_ALL 0x1fffffffull

#define A(i) (args[i].i32)
#define ROOT_FD 3

/// The server's (Linux) errno as WASI's.
int wasi_fs_errno(int e);
/// The open file or directory of `fd`, or NULL.
struct wasm_app_file *wasi_fs_file(struct wasm_app *app, uint32_t fd);
/// The open file or directory of `fd` in *out if its rights hold all of `need`; EBADF
/// (not open) or ENOTCAPABLE (rights dropped with fd_fdstat_set_rights) otherwise.
int wasi_fs_fd(struct wasm_app *app, uint32_t fd, uint64_t need, struct wasm_app_file **out);
/// Sets up the preopens (fd 3..) from the environ the first time a file call comes.
void wasi_fs_setup(struct wasm_app *app);
/// Sends a request on `ch` and waits for its reply in app->msg; a WASI errno.
int wasi_fs_call(struct wasm_app *app, ftl_handle_t ch, uint32_t type, const void *data,
                 size_t len);
/// A request on a file's channel: `op` and its arguments.
int wasi_fs_file_call(struct wasm_app *app, struct wasm_app_file *f, uint32_t op, const void *a,
                      size_t len);
/// The fs server's absolute path of guest path (addr, len) relative to `dirfd`, whose
/// rights must hold `need`; refuses absolute paths and ".." above `dirfd` (ENOTCAPABLE).
int wasi_fs_resolve(struct wasm_app *app, uint32_t dirfd, uint64_t need, uint32_t addr,
                    uint32_t len, char out[FTL_FS_PATH_MAX]);
/// A path request on the service channel: op, then one or two strings (the first with
/// a u16 length in front when there are two).
int wasi_fs_path_req(struct wasm_app *app, uint32_t op, const char *a, const char *b);
/// A WASI filestat (64 bytes) from a file protocol stat.
void wasi_fs_put_filestat(uint8_t out[64], const struct ftl_fs_stat *st);
enum wasm_status wasi_path_open(struct wasm_exec *ex, void *ctx, union wasm_val *args);
enum wasm_status wasi_prestat_dir_name(struct wasm_exec *ex, void *ctx, union wasm_val *args);

// wasm_app_wasi_meta.c: the fd table and file metadata.
enum wasm_status wasi_fd_renumber(struct wasm_exec *ex, void *ctx, union wasm_val *args);
enum wasm_status wasi_fd_fdstat_set_rights(struct wasm_exec *ex, void *ctx, union wasm_val *args);
enum wasm_status wasi_fd_allocate(struct wasm_exec *ex, void *ctx, union wasm_val *args);
enum wasm_status wasi_path_link(struct wasm_exec *ex, void *ctx, union wasm_val *args);
enum wasm_status wasi_fd_filestat_set_times(struct wasm_exec *ex, void *ctx, union wasm_val *args);
enum wasm_status wasi_path_filestat_set_times(struct wasm_exec *ex, void *ctx,
                                              union wasm_val *args);
