// Error numbers of the fs server: a POSIX errno (what ops.c, names.c and links.c
// return) as the protocol's (Linux) number in an ERROR_REPLY (its ftl_err_t comes from
// fsproto_err_of_errno), and the errno of a request the parser refused.
#include <errno.h>

#include "fs.h"

int fs_wire_errno(int e)
{
    static const int map[][2] = {
        {ENOENT, FTL_FS_ENOENT},       {EIO, FTL_FS_EIO},
        {EBADF, FTL_FS_EBADF},         {ENOMEM, FTL_FS_ENOMEM},
        {EBUSY, FTL_FS_EBUSY},         {EEXIST, FTL_FS_EEXIST},
        {ENOTDIR, FTL_FS_ENOTDIR},     {EISDIR, FTL_FS_EISDIR},
        {EINVAL, FTL_FS_EINVAL},       {EMFILE, FTL_FS_EMFILE},
        {EFBIG, FTL_FS_EFBIG},         {ENOSPC, FTL_FS_ENOSPC},
        {EROFS, FTL_FS_EROFS},         {ENAMETOOLONG, FTL_FS_ENAMETOOLONG},
        {ENOTEMPTY, FTL_FS_ENOTEMPTY}, {ELOOP, FTL_FS_ELOOP},
        {EBADMSG, FTL_FS_EBADMSG},     {ENOTSUP, FTL_FS_ENOTSUP},
        {EPERM, FTL_FS_EPERM},         {EMLINK, FTL_FS_EMLINK},
        {EXDEV, FTL_FS_EXDEV},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i][0] == e) {
            return map[i][1];
        }
    }
    return FTL_FS_EIO;
}

int fs_errno_of(ftl_err_t err)
{
    switch (err) {
    case FTL_ERR_PARSE:
        return EBADMSG;
    case FTL_ERR_TOO_LARGE:
        return ENAMETOOLONG;
    case FTL_ERR_NO_RIGHTS:
        return EBADF;
    case FTL_ERR_UNSUPPORTED:
        return ENOTSUP;
    default:
        return EINVAL;
    }
}
