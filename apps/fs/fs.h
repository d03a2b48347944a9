// The fs server's parts: blkio.c (the libext2fs I/O manager over the block protocol),
// ops.c, names.c and links.c (file system operations on libext2fs, by path and inode,
// POSIX errno results), errors.c (their numbers on the wire) and main.c (clients, open
// files and the file protocol of <ftl/fs.h>).
#pragma once

#include <ext2fs/ext2fs.h>
#include <ftl.h>
#include <ftl/blk.h>
#include <ftl/fs.h>
#include <ftl/fsproto.h>

// ---- blkio.c ----
struct blkio_stats {
    uint64_t hits, misses, readahead, writes, rewrites, merged, flushes;
};
extern struct blkio_stats blkio_stats;
extern io_manager blkio_manager;

/// Takes the channel to the block driver and asks it for the disk's size.
FTL_MUST_CHECK ftl_err_t blkio_init(ftl_handle_t blk, struct ftl_blk_info *out_info);
/// Waits for every write in flight, then has the device flush its cache. EIO if a
/// write since the last flush failed.
errcode_t blkio_flush_all(void);

// ---- ops.c, names.c: every function returns 0 or a POSIX errno ----
extern ext2_filsys fs;

/// Opens the file system on the block channel blkio_init took.
int fsops_mount(void);
/// Writes everything out and marks the file system clean: on the disk when it returns.
int fsops_sync(void);
/// Called before every change: the first change after a sync marks the file system
/// not clean on the disk (e2fsck then checks it fully after a crash).
int fsops_begin_change(void);
/// Whether changes were made since the last fsops_sync.
bool fsops_is_dirty(void);

int fsops_lookup(const char *path, bool follow, ext2_ino_t *out_ino);
/// Opens (and per FTL_FS_O_* creates or truncates) the file at `path`.
int fsops_open(const char *path, uint32_t flags, ext2_ino_t *out_ino, bool *out_is_dir);
int fsops_read(ext2_ino_t ino, uint64_t off, void *buf, uint32_t len, uint32_t *out_got);
int fsops_write(ext2_ino_t ino, uint64_t off, const void *buf, uint32_t len);
int fsops_size(ext2_ino_t ino, uint64_t *out_size);
int fsops_truncate(ext2_ino_t ino, uint64_t size);
int fsops_stat(ext2_ino_t ino, struct ftl_fs_stat *out);
/// Fills `out` with entries from position `pos` on; *out_len 0: no more.
int fsops_readdir(ext2_ino_t ino, uint64_t pos, uint8_t *out, size_t cap, size_t *out_len);
int fsops_mkdir(const char *path);
int fsops_rmdir(const char *path);
/// `open_count(ino)` says how many open files hold an inode: its blocks are freed
/// only when the last one closes (fsops_release).
int fsops_unlink(const char *path);
int fsops_rename(const char *from, const char *to);
int fsops_symlink(const char *target, const char *path);
int fsops_readlink(const char *path, char *out, size_t cap, size_t *out_len);
/// The last open file of `ino` closed: frees it if it was unlinked meanwhile.
int fsops_release(ext2_ino_t ino);

// ---- links.c ----
/// A hard link `to` of `from` (not a directory: EPERM; `to` exists: EEXIST).
int fsops_hardlink(const char *from, const char *to);
/// Sets the times FTL_FS_TIME_* `flags` name (given or now); ctime becomes now.
int fsops_set_times(ext2_ino_t ino, uint32_t flags, int64_t atime_ns, int64_t mtime_ns);
/// fsops_set_times() of `path`, following a final symlink with FTL_FS_TIME_FOLLOW.
int fsops_utimensat(const char *path, uint32_t flags, int64_t atime_ns, int64_t mtime_ns);

// Shared by ops.c and names.c.
int fsops_errno(errcode_t e); // a libext2fs error as a POSIX errno
int fsops_read_inode(ext2_ino_t ino, struct ext2_inode_large *inode);
int fsops_write_inode(ext2_ino_t ino, struct ext2_inode_large *inode);
/// The inode of the directory holding normalised `path`, and its last name.
int fsops_parent(const char *path, ext2_ino_t *out_dir, const char **out_name);
int fsops_touch_dir(ext2_ino_t dir);                                        // mtime and ctime: now
int fsops_link(ext2_ino_t dir, const char *name, ext2_ino_t ino, int type); // grows dir

// ---- errors.c ----
/// A POSIX errno of this C library as the protocol's (Linux) number.
int fs_wire_errno(int e);
/// The errno of a request the parser refused with `err`.
int fs_errno_of(ftl_err_t err);

// ---- main.c ----
/// How many open files hold `ino`.
uint32_t open_count(ext2_ino_t ino);
