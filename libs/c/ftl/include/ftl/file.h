// Files for C apps: a small blocking client of the fs server's file protocol
// (<ftl/fs.h>, docs/fs.md). `fs` is the app's channel to the service, from an env
// item `fs: { service: fs }`. Each call sends one request and waits for its reply;
// messages on the channel that are not that reply are dropped, so use one file (and
// the service channel) from one place at a time.
#pragma once

#include <ftl.h>
#include <ftl/fs.h>

struct ftl_file {
    ftl_handle_t ch;   // the file's channel (from OPEN_REPLY)
    ftl_handle_t poll; // watches ch
    uint64_t cookie;   // the last request's
};

/// Opens `uri` ("file:/path" or "file:/path?FLAGS", FLAGS from r w c x t a d). `out_stat`
/// may be NULL. Errors: the server's (FTL_ERR_NOT_FOUND, FTL_ERR_ALREADY_EXISTS,
/// FTL_ERR_INVALID_ARG for a directory opened for writing, FTL_ERR_TOO_MANY, ...) and the
/// channel's (FTL_ERR_PEER_CLOSED if the server is gone).
FTL_MUST_CHECK ftl_err_t ftl_file_open(ftl_handle_t fs, const char *uri, struct ftl_file *out,
                                       struct ftl_fs_stat *out_stat);
/// Reads up to `len` bytes at the file position; `*out_got` < len only at the end.
FTL_MUST_CHECK ftl_err_t ftl_file_read(struct ftl_file *f, void *buf, size_t len, size_t *out_got);
/// Reads up to `len` bytes at `offset`; the file position stays.
FTL_MUST_CHECK ftl_err_t ftl_file_pread(struct ftl_file *f, uint64_t offset, void *buf, size_t len,
                                        size_t *out_got);
/// Writes at the file position (at the end with FLAGS `a`) without waiting for the server:
/// a failure (disk full, file not open for writing) is returned by the next call that
/// waits, ftl_file_sync included.
FTL_MUST_CHECK ftl_err_t ftl_file_write(struct ftl_file *f, const void *buf, size_t len);
/// Writes at `offset` and waits; the file position stays.
FTL_MUST_CHECK ftl_err_t ftl_file_pwrite(struct ftl_file *f, uint64_t offset, const void *buf,
                                         size_t len);
/// Moves the file position (whence 0: from the start, 1: from it, 2: from the end).
FTL_MUST_CHECK ftl_err_t ftl_file_seek(struct ftl_file *f, int64_t offset, uint32_t whence,
                                       uint64_t *out_pos);
FTL_MUST_CHECK ftl_err_t ftl_file_stat(struct ftl_file *f, struct ftl_fs_stat *out);
FTL_MUST_CHECK ftl_err_t ftl_file_truncate(struct ftl_file *f, uint64_t size);
/// Returns once everything written (to any file) is on the disk.
FTL_MUST_CHECK ftl_err_t ftl_file_sync(struct ftl_file *f);
/// Reads directory entries from position `pos` (0 first) into `buf` (struct ftl_fs_dirent,
/// each followed by its name); *out_len 0 at the end. Each entry's `next` is the position
/// of the one after it.
FTL_MUST_CHECK ftl_err_t ftl_file_readdir(struct ftl_file *f, uint64_t pos, void *buf, size_t cap,
                                          size_t *out_len);
/// Sets the times FTL_FS_TIME_* `flags` name: given (ns since 1970) or now. ctime
/// becomes now.
FTL_MUST_CHECK ftl_err_t ftl_file_set_times(struct ftl_file *f, uint32_t flags, int64_t atime_ns,
                                            int64_t mtime_ns);
/// Closes the file (the server writes it out in its own time; ftl_file_sync waits).
FTL_MUST_CHECK ftl_err_t ftl_file_close(struct ftl_file *f);

// Path operations on the service channel.
FTL_MUST_CHECK ftl_err_t ftl_fs_mkdir(ftl_handle_t fs, const char *path);
FTL_MUST_CHECK ftl_err_t ftl_fs_rmdir(ftl_handle_t fs, const char *path);
FTL_MUST_CHECK ftl_err_t ftl_fs_unlink(ftl_handle_t fs, const char *path);
FTL_MUST_CHECK ftl_err_t ftl_fs_rename(ftl_handle_t fs, const char *from, const char *to);
/// A hard link: `to` becomes a second name of `from` (not a directory).
FTL_MUST_CHECK ftl_err_t ftl_fs_link(ftl_handle_t fs, const char *from, const char *to);
FTL_MUST_CHECK ftl_err_t ftl_fs_lstat(ftl_handle_t fs, const char *path, struct ftl_fs_stat *out);
FTL_MUST_CHECK ftl_err_t ftl_fs_symlink(ftl_handle_t fs, const char *target, const char *path);
/// Reads a symlink's target into `buf` (NUL-terminated; FTL_ERR_BUFFER_TOO_SMALL if it
/// does not fit).
FTL_MUST_CHECK ftl_err_t ftl_fs_readlink(ftl_handle_t fs, const char *path, char *buf, size_t cap);
FTL_MUST_CHECK ftl_err_t ftl_fs_sync(ftl_handle_t fs);

/// The POSIX errno of the last ERROR_REPLY a call of this library received (0 if none),
/// in this C library's numbering:
/// finer than the ftl_err_t (EISDIR and ENOTEMPTY are both FTL_ERR_INVALID_ARG).
int ftl_fs_last_errno(void);
