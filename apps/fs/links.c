// File system operations on hard links and times: LINK, UTIMENS and UTIMENSAT of the
// file protocol (docs/fs.md). Same conventions as ops.c: normalised paths, POSIX errnos.
#include <errno.h>
#include <string.h>

#include "fs.h"

#define LINKS_MAX 65000 // ext4's EXT4_LINK_MAX: more links is EMLINK
#define NS 1000000000ll

static int dirent_type(uint16_t mode)
{
    return LINUX_S_ISDIR(mode)   ? EXT2_FT_DIR
           : LINUX_S_ISLNK(mode) ? EXT2_FT_SYMLINK
                                 : EXT2_FT_REG_FILE;
}

int fsops_hardlink(const char *from, const char *to)
{
    ext2_ino_t ino, dir, existing;
    const char *name;
    struct ext2_inode_large inode;
    int e = fsops_lookup(from, false, &ino); // a final symlink is linked itself, as link(2)
    if (!e) {
        e = fsops_read_inode(ino, &inode);
    }
    if (!e && LINUX_S_ISDIR(inode.i_mode)) {
        e = EPERM; // no hard links to directories
    }
    if (!e) {
        e = fsops_parent(to, &dir, &name);
    }
    if (!e && fsops_lookup(to, false, &existing) == 0) {
        e = EEXIST;
    }
    if (!e && inode.i_links_count >= LINKS_MAX) {
        e = EMLINK;
    }
    if (!e) {
        e = fsops_begin_change();
    }
    if (!e) {
        e = fsops_link(dir, name, ino, dirent_type(inode.i_mode));
    }
    if (e) {
        return e;
    }
    // The name is in: count it, even if the directory's times fail below.
    e = fsops_read_inode(ino, &inode);
    if (!e) {
        inode.i_links_count++;
        inode.i_ctime = (__u32)fs->now;
        e = fsops_write_inode(ino, &inode);
    }
    return e ? e : fsops_touch_dir(dir);
}

// ext4 keeps a time as 32 bits of seconds and an "extra" word: nanoseconds << 2 and two
// more bits of seconds (the epoch), for times from 1901 to 2446.
static void put_time(__u32 *sec, __u32 *extra, bool has_extra, int64_t ns)
{
    int64_t s = ns / NS;
    *sec = (__u32)s;
    if (has_extra) {
        *extra = (__u32)((ns % NS) << 2) | (__u32)(((s - (int32_t)(__u32)s) >> 32) & 3);
    }
}

int fsops_set_times(ext2_ino_t ino, uint32_t flags, int64_t atime_ns, int64_t mtime_ns)
{
    if (!(flags & (FTL_FS_TIME_ATIME | FTL_FS_TIME_ATIME_NOW | FTL_FS_TIME_MTIME |
                   FTL_FS_TIME_MTIME_NOW))) {
        return 0; // nothing to change, ctime included (as utimensat with UTIME_OMIT twice)
    }
    int e = fsops_begin_change(); // also brings fs->now up to date
    struct ext2_inode_large inode;
    if (!e) {
        e = fsops_read_inode(ino, &inode);
    }
    if (e) {
        return e;
    }
    // Now, to the nanosecond: fs->now's seconds and the uptime's fraction of one.
    int64_t now = (int64_t)fs->now * NS + ftl_time_now() % NS;
    bool extra = inode.i_extra_isize >= 24; // up to i_atime_extra, as fsops_stat reads it
    if (flags & (FTL_FS_TIME_ATIME | FTL_FS_TIME_ATIME_NOW)) {
        put_time(&inode.i_atime, &inode.i_atime_extra, extra,
                 flags & FTL_FS_TIME_ATIME ? atime_ns : now);
    }
    if (flags & (FTL_FS_TIME_MTIME | FTL_FS_TIME_MTIME_NOW)) {
        put_time(&inode.i_mtime, &inode.i_mtime_extra, extra,
                 flags & FTL_FS_TIME_MTIME ? mtime_ns : now);
    }
    put_time(&inode.i_ctime, &inode.i_ctime_extra, extra, now);
    return fsops_write_inode(ino, &inode);
}

int fsops_utimensat(const char *path, uint32_t flags, int64_t atime_ns, int64_t mtime_ns)
{
    ext2_ino_t ino;
    int e = fsops_lookup(path, flags & FTL_FS_TIME_FOLLOW, &ino);
    return e ? e : fsops_set_times(ino, flags, atime_ns, mtime_ns);
}
