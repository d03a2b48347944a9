// test_fs: the single-client checks of every file protocol operation.
#include <errno.h>
#include <string.h>

#include "test_fs.h"

static uint8_t buf[16384], back[16384];

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 7 + (i >> 9));
    }
}

void motd_reads(void)
{
    struct ftl_file f;
    struct ftl_fs_stat st;
    CHECK_OK(ftl_file_open(fs, "file:/motd", &f, &st));
    size_t got = 0;
    CHECK_OK(ftl_file_read(&f, buf, sizeof(buf), &got));
    CHECK(got == st.size && got > 15 && memcmp(buf, "Welcome to FTL.", 15) == 0);
    CHECK((st.mode & FTL_FS_S_IFMT) == FTL_FS_S_IFREG && st.nlink == 1);
    CHECK_OK(ftl_file_close(&f));
}

void write_read_seek(void)
{
    CHECK_OK(ftl_fs_mkdir(fs, "/t"));
    struct ftl_file f;
    CHECK_OK(ftl_file_open(fs, "file:/t/a.txt?rwc", &f, NULL));
    fill(buf, 10000, 1);
    CHECK_OK(ftl_file_write(&f, buf, 10000));
    uint64_t pos = 0;
    CHECK_OK(ftl_file_seek(&f, 0, 1, &pos));
    CHECK(pos == 10000);
    CHECK_OK(ftl_file_seek(&f, 0, 0, &pos));
    size_t got = 0;
    CHECK_OK(ftl_file_read(&f, back, sizeof(back), &got));
    CHECK(got == 10000 && memcmp(buf, back, 10000) == 0);
    CHECK_OK(ftl_file_pread(&f, 4000, back, 100, &got));
    CHECK(got == 100 && memcmp(buf + 4000, back, 100) == 0);
    CHECK_OK(ftl_file_pwrite(&f, 5000, "HELLO", 5));
    CHECK_OK(ftl_file_pread(&f, 4998, back, 9, &got));
    CHECK(got == 9 && memcmp(back + 2, "HELLO", 5) == 0 && back[0] == buf[4998]);
    CHECK_OK(ftl_file_seek(&f, -10, 2, &pos));
    CHECK(pos == 9990);
    CHECK_ERR(ftl_file_seek(&f, -20000, 1, &pos), FTL_ERR_INVALID_ARG);
    // Past the end: a hole that reads as zeros.
    CHECK_OK(ftl_file_pwrite(&f, 20000, "Z", 1));
    CHECK_OK(ftl_file_pread(&f, 12000, back, 100, &got));
    CHECK(got == 100 && back[0] == 0 && back[99] == 0);
    struct ftl_fs_stat st;
    CHECK_OK(ftl_file_stat(&f, &st));
    CHECK(st.size == 20001 && st.mtime_ns > 0 && st.ino > 0);
    CHECK_OK(ftl_file_sync(&f));
    CHECK_OK(ftl_file_close(&f));
}

void append_and_truncate(void)
{
    struct ftl_file f;
    CHECK_OK(ftl_file_open(fs, "file:/t/log?wca", &f, NULL));
    CHECK_OK(ftl_file_write(&f, "one\n", 4));
    uint64_t pos;
    CHECK_OK(ftl_file_seek(&f, 0, 0, &pos));
    CHECK_OK(ftl_file_write(&f, "two\n", 4)); // append: at the end regardless
    CHECK_OK(ftl_file_close(&f));
    CHECK_OK(ftl_file_open(fs, "file:/t/log", &f, NULL));
    size_t got;
    CHECK_OK(ftl_file_read(&f, back, 100, &got));
    CHECK(got == 8 && memcmp(back, "one\ntwo\n", 8) == 0);
    CHECK_ERR(ftl_file_truncate(&f, 2), FTL_ERR_NO_RIGHTS); // opened read-only
    CHECK(ftl_fs_last_errno() == EBADF);
    CHECK_OK(ftl_file_close(&f));
    CHECK_OK(ftl_file_open(fs, "file:/t/log?rw", &f, NULL));
    CHECK_OK(ftl_file_truncate(&f, 2));
    struct ftl_fs_stat st;
    CHECK_OK(ftl_file_stat(&f, &st));
    CHECK(st.size == 2);
    CHECK_OK(ftl_file_truncate(&f, 6000)); // grows with zeros
    CHECK_OK(ftl_file_pread(&f, 0, back, 6000, &got));
    CHECK(got == 6000 && back[0] == 'o' && back[1] == 'n' && back[2] == 0 && back[5999] == 0);
    CHECK_OK(ftl_file_close(&f));
    // t: truncate at open.
    CHECK_OK(ftl_file_open(fs, "file:/t/log?wt", &f, &st));
    CHECK(st.size == 0);
    CHECK_OK(ftl_file_close(&f));
}

void rename_unlink_mkdir_rmdir(void)
{
    struct ftl_file f;
    struct ftl_fs_stat st;
    CHECK_OK(ftl_fs_rename(fs, "/t/log", "/t/log2"));
    CHECK_ERR(ftl_fs_lstat(fs, "/t/log", &st), FTL_ERR_NOT_FOUND);
    CHECK_OK(ftl_fs_lstat(fs, "/t/log2", &st));
    // Over an existing file: replaced.
    CHECK_OK(ftl_fs_rename(fs, "/t/log2", "/t/a.txt"));
    CHECK_OK(ftl_fs_lstat(fs, "/t/a.txt", &st));
    CHECK(st.size == 0);
    // Directories: across parents, with their contents; not into themselves.
    CHECK_OK(ftl_fs_mkdir(fs, "/t/d1"));
    CHECK_OK(ftl_fs_mkdir(fs, "/t/d1/sub"));
    CHECK_OK(ftl_file_open(fs, "file:/t/d1/sub/f?wc", &f, NULL));
    CHECK_OK(ftl_file_write(&f, "x", 1));
    CHECK_OK(ftl_file_close(&f));
    CHECK_ERR(ftl_fs_mkdir(fs, "/t/d1"), FTL_ERR_ALREADY_EXISTS);
    CHECK_ERR(ftl_fs_rename(fs, "/t/d1", "/t/d1/sub/in"), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_fs_mkdir(fs, "/t2"));
    CHECK_OK(ftl_fs_rename(fs, "/t/d1", "/t2/moved"));
    CHECK_OK(ftl_fs_lstat(fs, "/t2/moved/sub/f", &st));
    CHECK(st.size == 1);
    CHECK_OK(ftl_file_open(fs, "file:/t2/moved/sub/../sub/f", &f, NULL)); // ".." after the move
    CHECK_OK(ftl_file_close(&f));
    CHECK_ERR(ftl_fs_rmdir(fs, "/t2/moved/sub"), FTL_ERR_INVALID_ARG);
    CHECK(ftl_fs_last_errno() == ENOTEMPTY);
    CHECK_ERR(ftl_fs_unlink(fs, "/t2/moved/sub"), FTL_ERR_INVALID_ARG);
    CHECK(ftl_fs_last_errno() == EISDIR);
    CHECK_ERR(ftl_fs_rmdir(fs, "/t2/moved/sub/f"), FTL_ERR_INVALID_ARG);
    CHECK(ftl_fs_last_errno() == ENOTDIR);
    CHECK_OK(ftl_fs_unlink(fs, "/t2/moved/sub/f"));
    CHECK_ERR(ftl_fs_unlink(fs, "/t2/moved/sub/f"), FTL_ERR_NOT_FOUND);
    CHECK_OK(ftl_fs_rmdir(fs, "/t2/moved/sub"));
    CHECK_OK(ftl_fs_rmdir(fs, "/t2/moved"));
    CHECK_OK(ftl_fs_rmdir(fs, "/t2"));
    CHECK_ERR(ftl_fs_rmdir(fs, "/"), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_fs_lstat(fs, "/t", &st));
    CHECK((st.mode & FTL_FS_S_IFMT) == FTL_FS_S_IFDIR && st.nlink == 2);
}

void readdir_lists_everything(void)
{
    CHECK_OK(ftl_fs_mkdir(fs, "/t/many"));
    char uri[64];
    for (int i = 0; i < 60; i++) {
        struct ftl_file f;
        snprintf(uri, sizeof(uri), "file:/t/many/file-%02d?wcx", i);
        CHECK_OK(ftl_file_open(fs, uri, &f, NULL));
        CHECK_OK(ftl_file_close(&f));
    }
    struct ftl_file d;
    CHECK_OK(ftl_file_open(fs, "file:/t/many?d", &d, NULL));
    bool seen[60] = {false};
    int dots = 0, total = 0;
    uint64_t pos = 0;
    for (;;) {
        size_t len = 0;
        static uint8_t entries[FTL_FS_IO_MAX];
        CHECK_OK(ftl_file_readdir(&d, pos, entries, sizeof(entries), &len));
        if (len == 0) {
            break;
        }
        for (size_t off = 0; off < len;) {
            struct ftl_fs_dirent e;
            memcpy(&e, entries + off, sizeof(e));
            const char *name = (const char *)entries + off + sizeof(e);
            int n;
            if (e.namelen == 7 && sscanf(name, "file-%2d", &n) == 1 && n >= 0 && n < 60) {
                seen[n] = e.type == FTL_FS_DT_FILE;
            } else if ((e.namelen == 1 && name[0] == '.') ||
                       (e.namelen == 2 && memcmp(name, "..", 2) == 0)) {
                dots += e.type == FTL_FS_DT_DIR;
            }
            total++;
            pos = e.next;
            off += sizeof(e) + e.namelen;
        }
    }
    int found = 0;
    for (int i = 0; i < 60; i++) {
        found += seen[i];
    }
    CHECK(found == 60 && dots == 2 && total == 62);
    CHECK_ERR(ftl_file_read(&d, buf, 10, &(size_t){0}), FTL_ERR_INVALID_ARG); // EISDIR
    CHECK_OK(ftl_file_close(&d));
    CHECK_ERR(ftl_file_open(fs, "file:/t/many/file-01?d", &d, NULL), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_file_open(fs, "file:/t/many?w", &d, NULL), FTL_ERR_INVALID_ARG);
    CHECK(ftl_fs_last_errno() == EISDIR);
}

void symlinks(void)
{
    CHECK_OK(ftl_fs_symlink(fs, "../motd", "/t/motd-link"));
    char target[64];
    CHECK_OK(ftl_fs_readlink(fs, "/t/motd-link", target, sizeof(target)));
    CHECK(strcmp(target, "../motd") == 0);
    struct ftl_fs_stat st;
    CHECK_OK(ftl_fs_lstat(fs, "/t/motd-link", &st));
    CHECK((st.mode & FTL_FS_S_IFMT) == FTL_FS_S_IFLNK && st.size == 7);
    struct ftl_file f;
    CHECK_OK(ftl_file_open(fs, "file:/t/motd-link", &f, &st)); // followed
    CHECK((st.mode & FTL_FS_S_IFMT) == FTL_FS_S_IFREG);
    size_t got;
    CHECK_OK(ftl_file_read(&f, buf, 15, &got));
    CHECK(got == 15 && memcmp(buf, "Welcome to FTL.", 15) == 0);
    CHECK_OK(ftl_file_close(&f));
    // A long target does not fit in the inode: stored in a block.
    static char longt[300];
    memset(longt, 'x', sizeof(longt) - 1);
    longt[0] = '/';
    CHECK_OK(ftl_fs_symlink(fs, longt, "/t/long-link"));
    static char back_t[400];
    CHECK_OK(ftl_fs_readlink(fs, "/t/long-link", back_t, sizeof(back_t)));
    CHECK(strcmp(back_t, longt) == 0);
    CHECK_ERR(ftl_file_open(fs, "file:/t/long-link", &f, NULL), FTL_ERR_NOT_FOUND); // dangling
    CHECK_ERR(ftl_fs_readlink(fs, "/motd", back_t, sizeof(back_t)), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_fs_symlink(fs, "x", "/t/motd-link"), FTL_ERR_ALREADY_EXISTS);
    CHECK_OK(ftl_fs_unlink(fs, "/t/long-link"));
}

void bad_requests_get_clear_errors(void)
{
    struct ftl_file f;
    CHECK_ERR(ftl_file_open(fs, "tcp:/motd", &f, NULL), FTL_ERR_PARSE);
    CHECK_ERR(ftl_file_open(fs, "file:motd", &f, NULL), FTL_ERR_PARSE);
    CHECK_ERR(ftl_file_open(fs, "file:/motd?z", &f, NULL), FTL_ERR_PARSE);
    CHECK_ERR(ftl_file_open(fs, "file:/nope", &f, NULL), FTL_ERR_NOT_FOUND);
    CHECK(ftl_fs_last_errno() == ENOENT);
    CHECK_ERR(ftl_file_open(fs, "file:/nope/x?wc", &f, NULL), FTL_ERR_NOT_FOUND);
    CHECK_ERR(ftl_file_open(fs, "file:/motd/x", &f, NULL), FTL_ERR_INVALID_ARG); // ENOTDIR
    CHECK_ERR(ftl_file_open(fs, "file:/motd?wcx", &f, NULL), FTL_ERR_ALREADY_EXISTS);
    static char longp[1100];
    memcpy(longp, "file:/", 6);
    memset(longp + 6, 'a', sizeof(longp) - 7);
    CHECK_ERR(ftl_file_open(fs, longp, &f, NULL), FTL_ERR_TOO_LARGE);
    // A write to a file open for reading fails at the next request that has a reply.
    CHECK_OK(ftl_file_open(fs, "file:/motd", &f, NULL));
    CHECK_OK(ftl_file_write(&f, "oops", 4));
    struct ftl_fs_stat st;
    CHECK_ERR(ftl_file_stat(&f, &st), FTL_ERR_NO_RIGHTS);
    CHECK_OK(ftl_file_stat(&f, &st)); // reported once
    // Raw malformed requests on the file channel and the service channel.
    uint32_t bogus[2] = {77, 0};
    CHECK_OK(ftl_channel_send(f.ch, FTL_MSG_DATA, 99, bogus, 8, NULL, 0));
    static struct ftl_msg m;
    struct ftl_event ev;
    CHECK_OK(ftl_poll_wait(f.poll, FTL_NO_TIMEOUT, &ev));
    CHECK_OK(ftl_channel_recv(f.ch, &m));
    ftl_err_t code = 0;
    memcpy(&code, m.data, 4);
    CHECK(m.type == FTL_MSG_ERROR_REPLY && m.cookie == 99 && code == FTL_ERR_PARSE);
    CHECK_OK(ftl_channel_send(f.ch, FTL_MSG_OPEN, 98, "file:/x", 7, NULL, 0));
    CHECK_OK(ftl_poll_wait(f.poll, FTL_NO_TIMEOUT, &ev));
    CHECK_OK(ftl_channel_recv(f.ch, &m));
    memcpy(&code, m.data, 4);
    CHECK(m.type == FTL_MSG_ERROR_REPLY && m.cookie == 98 && code == FTL_ERR_UNSUPPORTED);
    CHECK_OK(ftl_file_close(&f));
}

void unlinked_while_open_stays_readable(void)
{
    struct ftl_file f;
    CHECK_OK(ftl_file_open(fs, "file:/t/ghost?rwc", &f, NULL));
    fill(buf, 9000, 5);
    CHECK_OK(ftl_file_write(&f, buf, 9000));
    CHECK_OK(ftl_fs_unlink(fs, "/t/ghost"));
    struct ftl_fs_stat st;
    CHECK_ERR(ftl_fs_lstat(fs, "/t/ghost", &st), FTL_ERR_NOT_FOUND);
    size_t got;
    CHECK_OK(ftl_file_pread(&f, 0, back, 9000, &got));
    CHECK(got == 9000 && memcmp(buf, back, 9000) == 0);
    CHECK_OK(ftl_file_stat(&f, &st));
    CHECK(st.nlink == 0);
    CHECK_OK(ftl_file_close(&f)); // the last close frees it (e2fsck checks that later)
}
