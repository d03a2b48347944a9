// Parsing of the file protocol's requests (<ftl/fs.h>) for the fs server: OPEN URIs,
// file channel requests and service channel (path) requests. Pure functions over
// caller memory: no allocation, no global state. Paths come out normalised: absolute,
// no empty, "." or ".." components (".." of the root is the root), no trailing '/'.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ftl/abi.h>
#include <ftl/fs.h>

// One parsed request. Only the fields of its operation are set.
struct fsproto_req {
    uint32_t op;          // FTL_FS_*
    uint64_t offset;      // PREAD, PWRITE; SEEK (as int64_t); TRUNCATE size; READDIR position
    uint32_t count;       // READ, PREAD: bytes wanted (1 .. FTL_FS_IO_MAX)
    uint32_t whence;      // SEEK: 0 set, 1 current, 2 end
    const uint8_t *bytes; // WRITE, PWRITE: the bytes (inside the parsed message)
    size_t nbytes;
    uint32_t flags;       // UTIMENS, UTIMENSAT: FTL_FS_TIME_*
    int64_t atime_ns;     // UTIMENS, UTIMENSAT: the times to set (>= 0 when set)
    int64_t mtime_ns;
    char path[FTL_FS_PATH_MAX];   // path requests: the (first) path, normalised
    char path2[FTL_FS_PATH_MAX];  // RENAME, LINK: the new path; SYMLINK: the link's path
    char target[FTL_FS_PATH_MAX]; // SYMLINK: the target, as given (NUL-terminated)
};

/// Normalises the absolute path of `len` bytes at `s` into `out` (NUL-terminated, at most
/// FTL_FS_PATH_MAX bytes with the NUL). FTL_ERR_PARSE if it is not absolute or holds a NUL;
/// FTL_ERR_TOO_LARGE if it or a component is too long.
FTL_MUST_CHECK ftl_err_t fsproto_path(const char *s, size_t len, char out[FTL_FS_PATH_MAX]);

/// Parses an OPEN URI ("file:/path" or "file:/path?FLAGS") into a normalised path and
/// FTL_FS_O_* flags. FTL_ERR_PARSE for another scheme, an unknown flag letter, x without c,
/// or a bad path; FTL_ERR_TOO_LARGE for a path too long.
FTL_MUST_CHECK ftl_err_t fsproto_open(const char *uri, size_t len, char out_path[FTL_FS_PATH_MAX],
                                      uint32_t *out_flags);

/// Parses a request on a file's channel (FTL_FS_READ .. FTL_FS_UTIMENS). FTL_ERR_PARSE
/// for a short, long or unknown request, FTL_ERR_INVALID_ARG for a value out of range (a
/// count of 0 or over FTL_FS_IO_MAX, a whence over 2, an offset over INT64_MAX, unknown
/// FTL_FS_TIME_* flags, a time both given and NOW, a negative time given).
FTL_MUST_CHECK ftl_err_t fsproto_file_req(const uint8_t *data, size_t len, struct fsproto_req *out);

/// Parses a request on the service channel (FTL_FS_MKDIR .. FTL_FS_UTIMENSAT), errors as above
/// and as for fsproto_path.
FTL_MUST_CHECK ftl_err_t fsproto_path_req(const uint8_t *data, size_t len, struct fsproto_req *out);

/// The ftl_err_t of an ERROR_REPLY for a failure with POSIX errno `e` (by name, so a
/// server on any C library maps the same way); FTL_OK for 0.
ftl_err_t fsproto_err_of_errno(int e);
