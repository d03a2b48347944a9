// Started by test_fs (at boot it finds no /clients/go and ends). test_fs_client: claims the first
// free /clients/cN (create-exclusive), writes 256 KiB of a pattern of its own into it while other
// clients do the same, and syncs. test_fs checks the files.
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
    struct ftl_file f;
    int c = 0;
    for (;; c++) {
        char uri[48];
        snprintf(uri, sizeof(uri), "file:/clients/c%d?wcx", c);
        ftl_err_t err = ftl_file_open(fs, uri, &f, NULL);
        if (err == FTL_OK) {
            break;
        }
        if (err != FTL_ERR_ALREADY_EXISTS || c > 16) {
            FTL_ERROR("test_fs_client: %s: %s", uri, ftl_err_str(err));
            ftl_exit(1);
        }
    }
    static uint8_t b[4096];
    for (int blk = 0; blk < 64; blk++) {
        memset(b, c * 31 + blk, sizeof(b));
        FTL_CHECK(ftl_file_write(&f, b, sizeof(b)));
        ftl_yield(); // let the other clients in between
    }
    FTL_CHECK(ftl_file_sync(&f));
    FTL_CHECK(ftl_file_close(&f));
    FTL_INFO("test_fs_client: wrote /clients/c%d", c);
}
