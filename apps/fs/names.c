// File system operations on names: mkdir, rmdir, unlink (with the deferred free of
// files still open), rename, symlinks. Same conventions as ops.c.
#include <errno.h>
#include <string.h>

#include "fs.h"

int fsops_mkdir(const char *path)
{
    ext2_ino_t dir, ino;
    const char *name;
    if (fsops_lookup(path, false, &ino) == 0) {
        return EEXIST;
    }
    int e = fsops_parent(path, &dir, &name);
    if (!e) {
        e = fsops_begin_change();
    }
    if (e) {
        return e;
    }
    errcode_t err = ext2fs_mkdir(fs, dir, 0, name);
    if (err == EXT2_ET_DIR_NO_SPACE) {
        err = ext2fs_expand_dir(fs, dir);
        if (!err) {
            err = ext2fs_mkdir(fs, dir, 0, name);
        }
    }
    e = fsops_errno(err);
    return e ? e : fsops_touch_dir(dir);
}

// Drops one link of `ino`; at none, frees it unless a file is open on it (then the
// last close does, fsops_release).
static int drop_link(ext2_ino_t ino)
{
    struct ext2_inode_large inode;
    int e = fsops_read_inode(ino, &inode);
    if (e || inode.i_links_count == 0) {
        return e;
    }
    inode.i_links_count--;
    inode.i_ctime = (__u32)fs->now;
    if (inode.i_links_count > 0 || open_count(ino) > 0) {
        return fsops_write_inode(ino, &inode);
    }
    inode.i_dtime = (__u32)fs->now;
    errcode_t err = ext2fs_free_ext_attr(fs, ino, &inode);
    if (!err && ext2fs_inode_has_valid_blocks2(fs, (struct ext2_inode *)&inode)) {
        err = ext2fs_punch(fs, ino, (struct ext2_inode *)&inode, NULL, 0, ~0ULL);
    }
    if (err) {
        return fsops_errno(err);
    }
    ext2fs_inode_alloc_stats2(fs, ino, -1, LINUX_S_ISDIR(inode.i_mode));
    return fsops_write_inode(ino, &inode);
}

int fsops_release(ext2_ino_t ino)
{
    struct ext2_inode_large inode;
    int e = fsops_read_inode(ino, &inode);
    if (e || inode.i_links_count > 0 || inode.i_dtime != 0) {
        return e;
    }
    e = fsops_begin_change();
    if (e) {
        return e;
    }
    inode.i_links_count = 1; // drop_link takes the last one and frees it
    e = fsops_write_inode(ino, &inode);
    return e ? e : drop_link(ino);
}

int fsops_unlink(const char *path)
{
    ext2_ino_t dir, ino;
    const char *name;
    int e = fsops_lookup(path, false, &ino);
    if (!e) {
        e = fsops_parent(path, &dir, &name);
    }
    struct ext2_inode_large inode;
    if (!e) {
        e = fsops_read_inode(ino, &inode);
    }
    if (!e && LINUX_S_ISDIR(inode.i_mode)) {
        e = EISDIR;
    }
    if (!e) {
        e = fsops_begin_change();
    }
    if (!e) {
        e = fsops_errno(ext2fs_unlink(fs, dir, name, ino, 0));
    }
    if (!e) {
        e = fsops_touch_dir(dir);
    }
    return e ? e : drop_link(ino);
}

struct dir_scan {
    ext2_ino_t parent;
    bool empty;
};

static int scan_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
                      int blocksize, char *buf, void *priv)
{
    (void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
    struct dir_scan *s = priv;
    int n = ext2fs_dirent_name_len(d);
    if (d->inode == 0 || (n == 1 && d->name[0] == '.')) {
        return 0;
    }
    if (n == 2 && d->name[0] == '.' && d->name[1] == '.') {
        s->parent = d->inode;
        return 0;
    }
    s->empty = false;
    return DIRENT_ABORT;
}

static int adjust_links(ext2_ino_t ino, int by)
{
    struct ext2_inode_large inode;
    int e = fsops_read_inode(ino, &inode);
    if (!e && (by > 0 || inode.i_links_count > 1)) {
        inode.i_links_count = (__u16)(inode.i_links_count + by);
        inode.i_mtime = inode.i_ctime = (__u32)fs->now;
        e = fsops_write_inode(ino, &inode);
    }
    return e;
}

int fsops_rmdir(const char *path)
{
    ext2_ino_t dir, ino;
    const char *name;
    if (strcmp(path, "/") == 0) {
        return EBUSY;
    }
    int e = fsops_lookup(path, false, &ino);
    if (!e) {
        e = fsops_parent(path, &dir, &name);
    }
    struct ext2_inode_large inode;
    if (!e) {
        e = fsops_read_inode(ino, &inode);
    }
    if (!e && !LINUX_S_ISDIR(inode.i_mode)) {
        e = ENOTDIR;
    }
    struct dir_scan s = {.empty = true};
    if (!e) {
        e = fsops_errno(ext2fs_dir_iterate2(fs, ino, 0, NULL, scan_entry, &s));
    }
    if (!e && !s.empty) {
        e = ENOTEMPTY;
    }
    if (!e) {
        e = fsops_begin_change();
    }
    if (!e) {
        e = fsops_errno(ext2fs_unlink(fs, dir, name, ino, 0));
    }
    if (!e) { // a directory has two links: its name and its own "."
        e = adjust_links(ino, -1);
    }
    if (!e) {
        e = drop_link(ino);
    }
    return e ? e : adjust_links(dir, -1); // its ".." no longer links the parent
}

struct dotdot {
    ext2_ino_t to;
};

static int set_dotdot(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
                      int blocksize, char *buf, void *priv)
{
    (void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
    if (ext2fs_dirent_name_len(d) == 2 && d->name[0] == '.' && d->name[1] == '.') {
        d->inode = ((struct dotdot *)priv)->to;
        return DIRENT_CHANGED | DIRENT_ABORT;
    }
    return 0;
}

static int file_type(uint16_t mode)
{
    return LINUX_S_ISDIR(mode)   ? EXT2_FT_DIR
           : LINUX_S_ISLNK(mode) ? EXT2_FT_SYMLINK
                                 : EXT2_FT_REG_FILE;
}

int fsops_rename(const char *from, const char *to)
{
    ext2_ino_t from_ino, to_ino = 0, from_dir, to_dir;
    const char *from_name, *to_name;
    size_t flen = strlen(from);
    if (strcmp(from, "/") == 0 || strcmp(to, "/") == 0) {
        return EBUSY;
    }
    if (strncmp(to, from, flen) == 0 && to[flen] == '/') {
        return EINVAL; // into itself
    }
    int e = fsops_lookup(from, false, &from_ino);
    if (!e) {
        e = fsops_parent(from, &from_dir, &from_name);
    }
    if (!e) {
        e = fsops_parent(to, &to_dir, &to_name);
    }
    if (e) {
        return e;
    }
    struct ext2_inode_large inode, target;
    e = fsops_read_inode(from_ino, &inode);
    if (e) {
        return e;
    }
    bool is_dir = LINUX_S_ISDIR(inode.i_mode);
    e = fsops_lookup(to, false, &to_ino);
    if (e == ENOENT) {
        to_ino = 0;
    } else if (e) {
        return e;
    } else if (to_ino == from_ino) {
        return 0;
    } else {
        e = fsops_read_inode(to_ino, &target);
        if (!e && is_dir && !LINUX_S_ISDIR(target.i_mode)) {
            e = ENOTDIR;
        }
        if (!e && !is_dir && LINUX_S_ISDIR(target.i_mode)) {
            e = EISDIR;
        }
        if (!e) {
            e = is_dir ? fsops_rmdir(to) : fsops_unlink(to);
        }
        if (e) {
            return e;
        }
    }
    e = fsops_begin_change();
    if (!e) {
        e = fsops_link(to_dir, to_name, from_ino, file_type(inode.i_mode));
    }
    if (!e && is_dir && from_dir != to_dir) {
        struct dotdot dd = {.to = to_dir};
        e = fsops_errno(ext2fs_dir_iterate2(fs, from_ino, 0, NULL, set_dotdot, &dd));
        if (!e) {
            e = adjust_links(from_dir, -1);
        }
        if (!e) {
            e = adjust_links(to_dir, 1);
        }
    }
    if (!e) {
        e = fsops_errno(ext2fs_unlink(fs, from_dir, from_name, from_ino, 0));
    }
    if (!e) {
        e = fsops_touch_dir(from_dir);
    }
    if (!e && to_dir != from_dir) {
        e = fsops_touch_dir(to_dir);
    }
    return e;
}

int fsops_symlink(const char *target, const char *path)
{
    ext2_ino_t dir, ino;
    const char *name;
    if (fsops_lookup(path, false, &ino) == 0) {
        return EEXIST;
    }
    int e = fsops_parent(path, &dir, &name);
    if (!e) {
        e = fsops_begin_change();
    }
    if (e) {
        return e;
    }
    errcode_t err = ext2fs_symlink(fs, dir, 0, name, target);
    if (err == EXT2_ET_DIR_NO_SPACE) {
        err = ext2fs_expand_dir(fs, dir);
        if (!err) {
            err = ext2fs_symlink(fs, dir, 0, name, target);
        }
    }
    e = fsops_errno(err);
    return e ? e : fsops_touch_dir(dir);
}

int fsops_readlink(const char *path, char *out, size_t cap, size_t *out_len)
{
    ext2_ino_t ino;
    int e = fsops_lookup(path, false, &ino);
    struct ext2_inode_large inode;
    if (!e) {
        e = fsops_read_inode(ino, &inode);
    }
    if (e) {
        return e;
    }
    if (!LINUX_S_ISLNK(inode.i_mode)) {
        return EINVAL;
    }
    size_t len = EXT2_I_SIZE(&inode) < cap ? (size_t)EXT2_I_SIZE(&inode) : cap;
    if (ext2fs_is_fast_symlink((struct ext2_inode *)&inode)) {
        memcpy(out, (char *)inode.i_block, len);
        *out_len = len;
        return 0;
    }
    uint32_t got = 0;
    e = fsops_read(ino, 0, out, (uint32_t)len, &got);
    *out_len = got;
    return e;
}
