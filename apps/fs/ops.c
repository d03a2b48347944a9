// File system operations of the fs server on libext2fs, after the patterns of e2fsprogs'
// own fuse2fs: paths are normalised absolute paths (libs/c/fsproto), results POSIX errnos.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

ext2_filsys fs;
static bool dirty;
static int64_t base_time; // seconds: the disk's last write (or mkfs), at mount

// No wall clock: time runs on from the disk's last write time, at boot uptime's pace.
static void set_now(void)
{
    fs->now = base_time + ftl_time_now() / 1000000000;
}

int fsops_errno(errcode_t e)
{
    if (e == 0) {
        return 0;
    }
    if (e > 0 && e < 256) {
        return (int)e; // already an errno
    }
    switch (e) {
    case EXT2_ET_FILE_NOT_FOUND:
        return ENOENT;
    case EXT2_ET_NO_DIRECTORY:
        return ENOTDIR;
    case EXT2_ET_DIR_EXISTS:
    case EXT2_ET_FILE_EXISTS:
        return EEXIST;
    case EXT2_ET_BLOCK_ALLOC_FAIL:
    case EXT2_ET_INODE_ALLOC_FAIL:
    case EXT2_ET_DIR_NO_SPACE:
    case EXT2_ET_EXTENT_NO_SPACE:
        return ENOSPC;
    case EXT2_ET_SYMLINK_LOOP:
        return ELOOP;
    case EXT2_ET_FILE_TOO_BIG:
        return EFBIG;
    case EXT2_ET_NO_MEMORY:
        return ENOMEM;
    case EXT2_ET_RO_FILSYS:
        return EROFS;
    default:
        FTL_WARN("fs: libext2fs error %ld", (long)e);
        return EIO;
    }
}

int fsops_mount(void)
{
    errcode_t err =
        ext2fs_open2("blk", NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, blkio_manager, &fs);
    if (err) {
        return fsops_errno(err);
    }
    if (ext2fs_has_feature_journal_needs_recovery(fs->super)) {
        FTL_ERROR("fs: the file system's journal needs recovery; run e2fsck on the image");
        return EROFS;
    }
    err = ext2fs_read_bitmaps(fs);
    if (err) {
        return fsops_errno(err);
    }
    struct ext2_super_block *s = fs->super;
    base_time = s->s_wtime > s->s_mkfs_time ? s->s_wtime : s->s_mkfs_time;
    if (!(s->s_state & EXT2_VALID_FS)) {
        FTL_WARN("fs: the file system was not cleanly unmounted; e2fsck -p on the host repairs it");
    }
    return 0;
}

bool fsops_is_dirty(void)
{
    return dirty;
}

int fsops_begin_change(void)
{
    set_now();
    if (dirty) {
        return 0;
    }
    // Not clean from now on, on the disk before any change reaches it.
    fs->super->s_state &= (__u16)~EXT2_VALID_FS;
    ext2fs_mark_super_dirty(fs);
    errcode_t err = ext2fs_flush2(fs, 0);
    if (err) {
        return fsops_errno(err);
    }
    dirty = true;
    return 0;
}

int fsops_sync(void)
{
    set_now();
    if (!dirty) {
        return fsops_errno(blkio_flush_all());
    }
    // ext2fs_flush writes bitmaps, group descriptors and backups, flushes the device,
    // and only then the primary superblock that says "clean", and flushes again.
    fs->super->s_state |= EXT2_VALID_FS;
    ext2fs_mark_super_dirty(fs);
    errcode_t err = ext2fs_flush2(fs, 0);
    if (err) {
        return fsops_errno(err);
    }
    dirty = false;
    return 0;
}

int fsops_lookup(const char *path, bool follow, ext2_ino_t *out_ino)
{
    errcode_t err = follow ? ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, out_ino)
                           : ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, out_ino);
    return fsops_errno(err);
}

int fsops_read_inode(ext2_ino_t ino, struct ext2_inode_large *inode)
{
    memset(inode, 0, sizeof(*inode));
    return fsops_errno(ext2fs_read_inode_full(fs, ino, (struct ext2_inode *)inode, sizeof(*inode)));
}

int fsops_write_inode(ext2_ino_t ino, struct ext2_inode_large *inode)
{
    return fsops_errno(
        ext2fs_write_inode_full(fs, ino, (struct ext2_inode *)inode, sizeof(*inode)));
}

// Splits a normalised path into its parent directory's inode and the last name.
int fsops_parent(const char *path, ext2_ino_t *out_dir, const char **out_name)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash[1] == '\0') {
        return EINVAL; // "/" has no parent and no name
    }
    char dir[FTL_FS_PATH_MAX];
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    memcpy(dir, path, n);
    dir[n] = '\0';
    int e = fsops_lookup(dir, true, out_dir);
    if (e) {
        return e;
    }
    struct ext2_inode_large inode;
    e = fsops_read_inode(*out_dir, &inode);
    if (!e && !LINUX_S_ISDIR(inode.i_mode)) {
        e = ENOTDIR;
    }
    *out_name = slash + 1;
    return e;
}

int fsops_touch_dir(ext2_ino_t dir)
{
    struct ext2_inode_large inode;
    int e = fsops_read_inode(dir, &inode);
    if (!e) {
        inode.i_mtime = inode.i_ctime = (__u32)fs->now;
        e = fsops_write_inode(dir, &inode);
    }
    return e;
}

int fsops_link(ext2_ino_t dir, const char *name, ext2_ino_t ino, int type)
{
    errcode_t err = ext2fs_link(fs, dir, name, ino, type);
    if (err == EXT2_ET_DIR_NO_SPACE) {
        err = ext2fs_expand_dir(fs, dir);
        if (!err) {
            err = ext2fs_link(fs, dir, name, ino, type);
        }
    }
    return fsops_errno(err);
}

static int create_file(const char *path, ext2_ino_t *out_ino)
{
    ext2_ino_t dir, ino;
    const char *name;
    int e = fsops_parent(path, &dir, &name);
    if (e) {
        return e;
    }
    e = fsops_errno(ext2fs_new_inode(fs, dir, LINUX_S_IFREG | 0644, 0, &ino));
    if (e) {
        return e;
    }
    e = fsops_link(dir, name, ino, EXT2_FT_REG_FILE);
    if (e) {
        return e;
    }
    struct ext2_inode_large inode;
    memset(&inode, 0, sizeof(inode));
    inode.i_mode = LINUX_S_IFREG | 0644;
    inode.i_links_count = 1;
    inode.i_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
    if (ext2fs_has_feature_extents(fs->super)) {
        ext2_extent_handle_t handle;
        e = fsops_errno(ext2fs_extent_open2(fs, ino, (struct ext2_inode *)&inode, &handle));
        if (e) {
            return e;
        }
        ext2fs_extent_free(handle);
    }
    e = fsops_errno(ext2fs_write_new_inode(fs, ino, (struct ext2_inode *)&inode));
    if (e) {
        return e;
    }
    ext2fs_inode_alloc_stats2(fs, ino, 1, 0);
    *out_ino = ino;
    return fsops_touch_dir(dir);
}

int fsops_open(const char *path, uint32_t flags, ext2_ino_t *out_ino, bool *out_is_dir)
{
    ext2_ino_t ino;
    int e = fsops_lookup(path, true, &ino);
    if (e == ENOENT && (flags & FTL_FS_O_CREATE)) {
        e = fsops_begin_change();
        if (!e) {
            e = create_file(path, &ino);
        }
        if (e) {
            return e;
        }
    } else if (e) {
        return e;
    } else if ((flags & FTL_FS_O_CREATE) && (flags & FTL_FS_O_EXCL)) {
        return EEXIST;
    }
    struct ext2_inode_large inode;
    e = fsops_read_inode(ino, &inode);
    if (e) {
        return e;
    }
    *out_is_dir = LINUX_S_ISDIR(inode.i_mode);
    if (*out_is_dir && (flags & (FTL_FS_O_WRITE | FTL_FS_O_TRUNC | FTL_FS_O_APPEND))) {
        return EISDIR;
    }
    if (!*out_is_dir && (flags & FTL_FS_O_DIR)) {
        return ENOTDIR;
    }
    if (!*out_is_dir && !LINUX_S_ISREG(inode.i_mode)) {
        return EINVAL; // a device or socket node from an image: not served
    }
    if ((flags & FTL_FS_O_TRUNC) && (flags & FTL_FS_O_WRITE) && EXT2_I_SIZE(&inode) > 0) {
        e = fsops_truncate(ino, 0);
        if (e) {
            return e;
        }
    }
    *out_ino = ino;
    return 0;
}

int fsops_read(ext2_ino_t ino, uint64_t off, void *buf, uint32_t len, uint32_t *out_got)
{
    ext2_file_t f;
    errcode_t err = ext2fs_file_open(fs, ino, 0, &f);
    if (err) {
        return fsops_errno(err);
    }
    unsigned int got = 0;
    err = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL);
    if (!err) {
        err = ext2fs_file_read(f, buf, len, &got);
    }
    errcode_t cerr = ext2fs_file_close(f);
    *out_got = got;
    return fsops_errno(err ? err : cerr);
}

static int touch_file(ext2_ino_t ino)
{
    struct ext2_inode_large inode;
    int e = fsops_read_inode(ino, &inode);
    if (!e && (inode.i_mtime != (__u32)fs->now || inode.i_ctime != (__u32)fs->now)) {
        inode.i_mtime = inode.i_ctime = (__u32)fs->now;
        e = fsops_write_inode(ino, &inode);
    }
    return e;
}

int fsops_write(ext2_ino_t ino, uint64_t off, const void *buf, uint32_t len)
{
    int e = fsops_begin_change();
    if (e) {
        return e;
    }
    ext2_file_t f;
    errcode_t err = ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &f);
    if (err) {
        return fsops_errno(err);
    }
    unsigned int written = 0;
    err = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL);
    if (!err) {
        err = ext2fs_file_write(f, buf, len, &written);
    }
    errcode_t cerr = ext2fs_file_close(f);
    if (!err && !cerr && written != len) {
        return ENOSPC;
    }
    e = fsops_errno(err ? err : cerr);
    return e ? e : touch_file(ino);
}

int fsops_size(ext2_ino_t ino, uint64_t *out_size)
{
    struct ext2_inode_large inode;
    int e = fsops_read_inode(ino, &inode);
    if (!e) {
        *out_size = EXT2_I_SIZE(&inode);
    }
    return e;
}

int fsops_truncate(ext2_ino_t ino, uint64_t size)
{
    int e = fsops_begin_change();
    if (e) {
        return e;
    }
    ext2_file_t f;
    errcode_t err = ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &f);
    if (err) {
        return fsops_errno(err);
    }
    err = ext2fs_file_set_size2(f, size);
    errcode_t cerr = ext2fs_file_close(f);
    e = fsops_errno(err ? err : cerr);
    return e ? e : touch_file(ino);
}

static int64_t time_ns(__u32 sec, __u32 extra, bool has_extra)
{
    int64_t t = (int64_t)sec * 1000000000;
    if (has_extra) {
        t += (int64_t)(extra >> 2) % 1000000000;
    }
    return t;
}

int fsops_stat(ext2_ino_t ino, struct ftl_fs_stat *out)
{
    struct ext2_inode_large inode;
    int e = fsops_read_inode(ino, &inode);
    if (e) {
        return e;
    }
    bool extra = inode.i_extra_isize >= 24; // up to i_atime_extra
    *out = (struct ftl_fs_stat){
        .ino = ino,
        .size = EXT2_I_SIZE(&inode),
        .mode = inode.i_mode,
        .nlink = inode.i_links_count,
        .atime_ns = time_ns(inode.i_atime, inode.i_atime_extra, extra),
        .mtime_ns = time_ns(inode.i_mtime, inode.i_mtime_extra, extra),
        .ctime_ns = time_ns(inode.i_ctime, inode.i_ctime_extra, extra),
        .blocks = ext2fs_get_stat_i_blocks(fs, (struct ext2_inode *)&inode),
    };
    return 0;
}

struct readdir_ctx {
    uint64_t index, pos;
    uint8_t *out;
    size_t cap, len;
};

static int readdir_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
                         int blocksize, char *buf, void *priv)
{
    (void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
    struct readdir_ctx *c = priv;
    uint64_t index = c->index++;
    if (index < c->pos) {
        return 0;
    }
    size_t n = (size_t)ext2fs_dirent_name_len(d);
    if (c->len + sizeof(struct ftl_fs_dirent) + n > c->cap) {
        return DIRENT_ABORT;
    }
    int type = ext2fs_dirent_file_type(d);
    struct ftl_fs_dirent e = {
        .next = index + 1,
        .ino = d->inode,
        .type = (uint8_t)(type == EXT2_FT_REG_FILE || type == EXT2_FT_DIR || type == EXT2_FT_SYMLINK
                              ? type
                              : 0),
        .namelen = (uint8_t)n,
    };
    memcpy(c->out + c->len, &e, sizeof(e));
    memcpy(c->out + c->len + sizeof(e), d->name, n);
    c->len += sizeof(e) + n;
    return 0;
}

int fsops_readdir(ext2_ino_t ino, uint64_t pos, uint8_t *out, size_t cap, size_t *out_len)
{
    struct readdir_ctx c = {.pos = pos, .out = out, .cap = cap};
    errcode_t err = ext2fs_dir_iterate2(fs, ino, 0, NULL, readdir_entry, &c);
    *out_len = c.len;
    return fsops_errno(err);
}
