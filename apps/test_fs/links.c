// test_fs: hard links (LINK) and times (UTIMENS, UTIMENSAT) on the fs server. The link
// counts are checked here and by e2fsck afterwards (tests/test_storage.py).
#include <errno.h>
#include <string.h>

#include "test_fs.h"

#define NS 1000000000ll

void hard_links_and_times(void)
{
    struct ftl_file f, g;
    struct ftl_fs_stat st, st2;
    size_t got;
    char text[16];
    CHECK_OK(ftl_file_open(fs, "file:/t/orig?rwc", &f, NULL));
    CHECK_OK(ftl_file_write(&f, "linked", 6));
    CHECK_OK(ftl_fs_link(fs, "/t/orig", "/t/second"));
    CHECK_OK(ftl_fs_mkdir(fs, "/t/ld"));
    CHECK_OK(ftl_fs_link(fs, "/t/second", "/t/ld/third"));
    CHECK_OK(ftl_fs_lstat(fs, "/t/ld/third", &st));
    CHECK_OK(ftl_file_stat(&f, &st2));
    CHECK(st.ino == st2.ino && st.nlink == 3 && st.size == 6);
    CHECK_ERR(ftl_fs_link(fs, "/t/orig", "/t/second"), FTL_ERR_ALREADY_EXISTS);
    CHECK_ERR(ftl_fs_link(fs, "/t/ld", "/t/ld2"), FTL_ERR_DENIED);
    CHECK(ftl_fs_last_errno() == EPERM);
    CHECK_ERR(ftl_fs_link(fs, "/t/none", "/t/x"), FTL_ERR_NOT_FOUND);
    CHECK_ERR(ftl_fs_link(fs, "/t/orig", "/t/none/x"), FTL_ERR_NOT_FOUND);
    // Dropping names one by one: the data stays while a name or an open file holds it.
    CHECK_OK(ftl_fs_unlink(fs, "/t/orig"));
    CHECK_OK(ftl_fs_rename(fs, "/t/second", "/t/ld/third")); // two names of one inode
    CHECK_OK(ftl_fs_lstat(fs, "/t/second", &st));
    CHECK(st.nlink == 2);
    CHECK_OK(ftl_fs_unlink(fs, "/t/second"));
    CHECK_OK(ftl_file_open(fs, "file:/t/ld/third", &g, &st));
    CHECK(st.nlink == 1);
    CHECK_OK(ftl_file_read(&g, text, sizeof(text), &got));
    CHECK(got == 6 && memcmp(text, "linked", 6) == 0);

    // Times to the nanosecond; NOW and OMIT; through the path, a symlink or itself.
    int64_t at = 1600000000 * NS + 123456789, mt = 1500000000 * NS + 987654321;
    CHECK_OK(ftl_file_set_times(&g, FTL_FS_TIME_ATIME | FTL_FS_TIME_MTIME, at, mt));
    CHECK_OK(ftl_file_stat(&f, &st)); // the same inode through the other open file
    CHECK(st.atime_ns == at && st.mtime_ns == mt && st.ctime_ns > mt);
    CHECK_OK(ftl_file_set_times(&g, FTL_FS_TIME_MTIME_NOW, 0, 0));
    CHECK_OK(ftl_file_stat(&g, &st2));
    CHECK(st2.atime_ns == at && st2.mtime_ns > mt && st2.mtime_ns <= st2.ctime_ns);
    CHECK_ERR(ftl_file_set_times(&g, FTL_FS_TIME_ATIME | FTL_FS_TIME_ATIME_NOW, 0, 0),
              FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_file_set_times(&g, FTL_FS_TIME_MTIME, 0, -1), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_file_set_times(&g, FTL_FS_TIME_FOLLOW, 0, 0), FTL_ERR_INVALID_ARG);
    CHECK_OK(ftl_file_close(&g));
    CHECK_OK(ftl_file_close(&f));
    CHECK_OK(ftl_fs_unlink(fs, "/t/ld/third"));
    CHECK_OK(ftl_fs_rmdir(fs, "/t/ld"));
}
