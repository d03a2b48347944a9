// test_fs_crash: opens 10 files, streams writes into them without waiting, and exits
// without closing anything; the fs server must close them for it (test_fs checks).
#include <ftl.h>
#include <ftl/file.h>
#include <stdio.h>
#include <string.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t fs;
    FTL_CHECK(ftl_env_channel(env, "fs", &fs));
    struct ftl_fs_stat st;
    if (ftl_fs_lstat(fs, "/clients/go", &st) != FTL_OK) {
        return; // started at boot, not by test_fs: nothing to do
    }
    static struct ftl_file files[10];
    static uint8_t b[4096];
    memset(b, 'c', sizeof(b));
    for (int i = 0; i < 10; i++) {
        char uri[48];
        snprintf(uri, sizeof(uri), "file:/clients/crash%d?wc", i);
        FTL_CHECK(ftl_file_open(fs, uri, &files[i], NULL));
        FTL_CHECK(ftl_file_write(&files[i], b, sizeof(b)));
    }
    for (int i = 0; i < 10; i++) {
        for (int k = 0; k < 8; k++) {
            FTL_CHECK(ftl_file_write(&files[i], b, sizeof(b)));
        }
    }
    FTL_INFO("test_fs_crash: exiting with 10 files open mid-write");
    ftl_exit(3);
}
