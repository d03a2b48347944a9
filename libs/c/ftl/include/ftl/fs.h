// The file protocol: what the fs server (apps/fs) speaks on its `fs` service.
// docs/fs.md describes it with examples; libs/c/ftl/src/file.c is a C client.
//
// On the service channel (an env item `fs: { service: fs }`):
//   OPEN "file:/path" or "file:/path?FLAGS"   -> OPEN_REPLY, handles[0] = the file's
//        channel, data = struct ftl_fs_stat of the file; or ERROR_REPLY
//   DATA with a request of FTL_FS_MKDIR .. FTL_FS_UTIMENSAT (below) -> DATA or ERROR_REPLY
// On a file's channel:
//   DATA with cookie 0: bytes to write at the file position (no reply; a failure is
//        reported by the next request that has a reply, FSYNC included)
//   DATA with cookie != 0: a request of FTL_FS_READ .. FTL_FS_UTIMENS -> DATA or ERROR_REPLY
//   closing the channel closes the file (buffered data is written first).
// A request's data starts with its operation as a 32-bit little-endian number, then the
// arguments listed beside it, packed, little endian. Replies carry the request's cookie.
// ERROR_REPLY data: an ftl_err_t (4 bytes), then the POSIX errno it stands for (4 bytes,
// Linux numbering: 2 ENOENT, 17 EEXIST, 21 EISDIR, 28 ENOSPC, ...).
#pragma once

#include <stdint.h>

// FLAGS letters of OPEN: r read, w write, c create if missing, x with c: fail if it
// exists, t truncate to 0, a append (every write goes to the end), d must be a
// directory (for READDIR). No `?FLAGS` means "r".
#define FTL_FS_O_READ (1u << 0)
#define FTL_FS_O_WRITE (1u << 1)
#define FTL_FS_O_CREATE (1u << 2)
#define FTL_FS_O_EXCL (1u << 3)
#define FTL_FS_O_TRUNC (1u << 4)
#define FTL_FS_O_APPEND (1u << 5)
#define FTL_FS_O_DIR (1u << 6)

// File channel requests (cookie != 0).
#define FTL_FS_READ 1     // u32 count (<= 4096)        -> the bytes at the position (0: end)
#define FTL_FS_PREAD 2    // u64 offset, u32 count      -> the bytes at offset; position unchanged
#define FTL_FS_WRITE 3    // bytes (<= 4092)            -> u32 bytes written
#define FTL_FS_PWRITE 4   // u64 offset, bytes (<= 4084) -> u32 bytes written; position unchanged
#define FTL_FS_SEEK 5     // u32 whence (0 set, 1 current, 2 end), i64 offset -> u64 position
#define FTL_FS_STAT 6     //                            -> struct ftl_fs_stat
#define FTL_FS_TRUNCATE 7 // u64 size                   -> empty
#define FTL_FS_FSYNC                                                                               \
    8 //                            -> empty, once data and metadata are
      //                               on the disk (the device flushed)
#define FTL_FS_READDIR                                                                             \
    9 // u64 position (0: first)    -> entries (struct ftl_fs_dirent,
      //                               each followed by its name); empty: end
#define FTL_FS_UTIMENS 10 // u32 FTL_FS_TIME_* flags, i64 atime ns, i64 mtime ns -> empty
// Service channel requests (cookie != 0). Paths are absolute, not NUL-terminated.
#define FTL_FS_MKDIR 16    // path
#define FTL_FS_RMDIR 17    // path (an empty directory)
#define FTL_FS_UNLINK 18   // path (not a directory)
#define FTL_FS_RENAME 19   // u16 length of the old path, old path, new path (replaced)
#define FTL_FS_LSTAT 20    // path (a symlink itself)  -> struct ftl_fs_stat
#define FTL_FS_SYMLINK 21  // u16 length of the target, target, path of the new link
#define FTL_FS_READLINK 22 // path                     -> the target
#define FTL_FS_SYNC 23     //                          -> empty, once everything is on the disk
#define FTL_FS_LINK 24     // u16 length of the old path, old path, new path (a hard link)
#define FTL_FS_UTIMENSAT 25 // u32 FTL_FS_TIME_* flags, i64 atime ns, i64 mtime ns, path

// UTIMENS / UTIMENSAT flags (WASI's fstflags, plus FOLLOW): which times change. SET and
// NOW of one time together are EINVAL; times are ns since 1970, >= 0.
#define FTL_FS_TIME_ATIME (1u << 0)     // atime := the given atime
#define FTL_FS_TIME_ATIME_NOW (1u << 1) // atime := now
#define FTL_FS_TIME_MTIME (1u << 2)     // mtime := the given mtime
#define FTL_FS_TIME_MTIME_NOW (1u << 3) // mtime := now
#define FTL_FS_TIME_FOLLOW (1u << 4)    // UTIMENSAT: follow a final symlink
#define FTL_FS_TIME_ALL 0x1fu

#define FTL_FS_PATH_MAX 1024 // bytes in a path, and in a symlink's target
#define FTL_FS_NAME_MAX 255  // bytes in one path component
#define FTL_FS_IO_MAX 4096   // bytes per READ / PREAD reply
#define FTL_FS_REQ_HDR 4     // the op in front of every request

// The errno numbers ERROR_REPLY carries (Linux's; a C library's errno.h may differ:
// picolibc's ENOTEMPTY is 90).
#define FTL_FS_EPERM 1
#define FTL_FS_ENOENT 2
#define FTL_FS_EIO 5
#define FTL_FS_EBADF 9
#define FTL_FS_ENOMEM 12
#define FTL_FS_EBUSY 16
#define FTL_FS_EEXIST 17
#define FTL_FS_EXDEV 18
#define FTL_FS_ENOTDIR 20
#define FTL_FS_EISDIR 21
#define FTL_FS_EINVAL 22
#define FTL_FS_EMFILE 24
#define FTL_FS_EFBIG 27
#define FTL_FS_ENOSPC 28
#define FTL_FS_EROFS 30
#define FTL_FS_EMLINK 31
#define FTL_FS_ENAMETOOLONG 36
#define FTL_FS_ENOTEMPTY 39
#define FTL_FS_ELOOP 40
#define FTL_FS_EBADMSG 74
#define FTL_FS_ENOTSUP 95

// File types in st_mode (POSIX values) and in ftl_fs_dirent.type (ext2's).
#define FTL_FS_S_IFMT 0170000
#define FTL_FS_S_IFREG 0100000
#define FTL_FS_S_IFDIR 0040000
#define FTL_FS_S_IFLNK 0120000
#define FTL_FS_DT_FILE 1
#define FTL_FS_DT_DIR 2
#define FTL_FS_DT_SYMLINK 7

struct ftl_fs_stat {
    uint64_t ino;
    uint64_t size;
    uint32_t mode; // FTL_FS_S_IF* | permission bits
    uint32_t nlink;
    int64_t atime_ns;
    int64_t mtime_ns;
    int64_t ctime_ns;
    uint64_t blocks; // 512-byte units allocated
};

// One READDIR entry; `namelen` bytes of name follow, then the next entry.
struct ftl_fs_dirent {
    uint64_t next; // the position to ask for after this entry
    uint64_t ino;
    uint8_t type; // FTL_FS_DT_*, 0 for other kinds
    uint8_t namelen;
} __attribute__((packed));
