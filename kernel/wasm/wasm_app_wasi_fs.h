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
#define E_NAMETOOLONG 37
#define E_NOENT 44
#define E_NOMEM 48
#define E_NOSPC 51
#define E_NOTDIR 54
#define E_NOTEMPTY 55
#define E_NOTSUP 58
#define E_ROFS 69
#define E_NOTCAPABLE 76

#define FT_DIRECTORY 3
#define FT_REGULAR 4
#define FT_SYMLINK 7
#define OFLAG_CREAT 1
#define OFLAG_DIRECTORY 2
#define OFLAG_EXCL 4
#define OFLAG_TRUNC 8
#define FDFLAG_APPEND 1
#define RIGHT_FD_READ (1ull << 1)
#define RIGHT_FD_WRITE (1ull << 6)
#define RIGHTS_ALL 0x1fffffffull

#define A(i) (args[i].i32)
#define ROOT_FD 3

/// The server's (Linux) errno as WASI's.
int wasi_fs_errno(int e);
/// The open file or directory of `fd`, or NULL.
struct wasm_app_file *wasi_fs_file(struct wasm_app *app, uint32_t fd);
/// Sets up fd 3 from the environ the first time a file call comes.
void wasi_fs_setup(struct wasm_app *app);
/// Sends a request on `ch` and waits for its reply in app->msg; a WASI errno.
int wasi_fs_call(struct wasm_app *app, ftl_handle_t ch, uint32_t type, const void *data,
                 size_t len);
/// A request on a file's channel: `op` and its arguments.
int wasi_fs_file_call(struct wasm_app *app, struct wasm_app_file *f, uint32_t op, const void *a,
                      size_t len);
/// The fs server's absolute path of guest path (addr, len) relative to `dirfd`; refuses
/// absolute paths and ".." above `dirfd` (ENOTCAPABLE).
int wasi_fs_resolve(struct wasm_app *app, uint32_t dirfd, uint32_t addr, uint32_t len,
                    char out[FTL_FS_PATH_MAX]);
/// A WASI filestat (64 bytes) from a file protocol stat.
void wasi_fs_put_filestat(uint8_t out[64], const struct ftl_fs_stat *st);
enum wasm_status wasi_path_open(struct wasm_exec *ex, void *ctx, union wasm_val *args);
enum wasm_status wasi_prestat_dir_name(struct wasm_exec *ex, void *ctx, union wasm_val *args);
