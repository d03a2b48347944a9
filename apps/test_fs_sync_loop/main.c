// test_fs_sync_loop: writes /crash/fN (48 KiB, every byte (N * 13 + offset / 512) & 0xff,
// so a torn or stale block shows), fsyncs it, logs "fsynced N", and goes on with N + 1
// until the machine is killed. Each file also gets a rename and an append in between,
// so metadata changes are in flight when the kill comes.
#include <ftl.h>
#include <ftl/file.h>
#include <stdio.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t fs;
    FTL_CHECK(ftl_env_channel(env, "fs", &fs));
    ftl_err_t err = ftl_fs_mkdir(fs, "/crash");
    if (err != FTL_OK && err != FTL_ERR_ALREADY_EXISTS) {
        FTL_CHECK(err);
    }
    static uint8_t b[48 * 1024];
    for (int n = 0;; n++) {
        char uri[48], tmp[32], path[32];
        for (size_t i = 0; i < sizeof(b); i++) {
            b[i] = (uint8_t)(n * 13 + i / 512);
        }
        snprintf(uri, sizeof(uri), "file:/crash/tmp%d?wct", n);
        snprintf(tmp, sizeof(tmp), "/crash/tmp%d", n);
        snprintf(path, sizeof(path), "/crash/f%d", n);
        struct ftl_file f;
        FTL_CHECK(ftl_file_open(fs, uri, &f, NULL));
        FTL_CHECK(ftl_file_write(&f, b, sizeof(b) / 2));
        FTL_CHECK(ftl_file_close(&f));
        FTL_CHECK(ftl_fs_rename(fs, tmp, path));
        snprintf(uri, sizeof(uri), "file:/crash/f%d?wa", n);
        FTL_CHECK(ftl_file_open(fs, uri, &f, NULL));
        FTL_CHECK(ftl_file_write(&f, b + sizeof(b) / 2, sizeof(b) / 2));
        FTL_CHECK(ftl_file_sync(&f));
        FTL_CHECK(ftl_file_close(&f));
        FTL_INFO("fsynced %d", n);
    }
}
