// test_fs: checks the fs server through the SDK's file client: every operation (ops.c),
// a flood of opens, several clients at once (test_fs_client), a client that dies with
// files open mid-write (test_fs_crash), a large file with its read and write rates, the
// small-file create rate, and what survives a reboot (/persist/boots counts the boots of
// the image). Env: `big_mib` sets the large file's size.
#include <stdlib.h>
#include <string.h>

#include "test_fs.h"

ftl_handle_t fs;
static int64_t big_mib;
static ftl_handle_t poll;

// Opens files until the server says FTL_ERR_TOO_MANY; closes them; returns how many.
static int open_until_full(void)
{
    static struct ftl_file files[200];
    int n = 0;
    ftl_err_t err = FTL_OK;
    while (n < 200 && (err = ftl_file_open(fs, "file:/motd", &files[n], NULL)) == FTL_OK) {
        n++;
    }
    CHECK(err == FTL_ERR_TOO_MANY);
    for (int i = 0; i < n; i++) {
        CHECK_OK(ftl_file_close(&files[i]));
    }
    return n;
}

static int flood_limit;

static void a_flood_of_opens_is_refused_cleanly(void)
{
    flood_limit = open_until_full();
    CHECK(flood_limit >= 100);
    CHECK(open_until_full() == flood_limit); // every file came back
}

static void run_children(const char *app, int n)
{
    ftl_handle_t kids[8];
    for (int i = 0; i < n; i++) {
        CHECK_OK(ftl_process_spawn(app, &kids[i]));
    }
    for (int i = 0; i < n; i++) {
        struct ftl_event ev;
        CHECK_OK(ftl_poll_add(poll, kids[i], FTL_READABLE, NULL));
        CHECK_OK(ftl_poll_wait(poll, 60 * 1000000000ll, &ev));
        CHECK_OK(ftl_poll_remove(poll, kids[i]));
        CHECK_OK(ftl_handle_close(kids[i]));
    }
}

// Four clients write a file each at once; one more dies with files open mid-write.
static void several_clients_at_once(void)
{
    // The children also start at boot (every app in the image does): they work only
    // while /clients/go exists.
    CHECK_OK(ftl_fs_mkdir(fs, "/clients"));
    CHECK_OK(ftl_fs_mkdir(fs, "/clients/go"));
    run_children("test_fs_client", 4);
    run_children("test_fs_crash", 1);
    CHECK_OK(ftl_fs_rmdir(fs, "/clients/go"));
    for (int c = 0; c < 4; c++) {
        char uri[64];
        snprintf(uri, sizeof(uri), "file:/clients/c%d", c);
        struct ftl_file f;
        struct ftl_fs_stat st;
        CHECK_OK(ftl_file_open(fs, uri, &f, &st));
        CHECK(st.size == 256 * 1024);
        static uint8_t b[4096];
        bool ok = true;
        for (uint64_t off = 0; off < st.size && ok; off += sizeof(b)) {
            size_t got;
            CHECK_OK(ftl_file_read(&f, b, sizeof(b), &got));
            for (size_t i = 0; i < got && ok; i++) {
                ok = b[i] == (uint8_t)(c * 31 + (off + i) / 4096);
            }
        }
        CHECK(ok);
        CHECK_OK(ftl_file_close(&f));
    }
    // The crashed client's files were closed for it: the limit is what it was.
    CHECK(open_until_full() == flood_limit);
}

static void large_file_and_rates(void)
{
    static uint8_t b[4096];
    struct ftl_file f;
    uint64_t size = (uint64_t)big_mib << 20;
    CHECK_OK(ftl_file_open(fs, "file:/big.bin?rwct", &f, NULL));
    int64_t t0 = ftl_time_now();
    for (uint64_t off = 0; off < size; off += sizeof(b)) {
        memset(b, (int)(off >> 12), sizeof(b));
        memcpy(b, &off, 8);
        CHECK_OK(ftl_file_write(&f, b, sizeof(b)));
    }
    CHECK_OK(ftl_file_sync(&f));
    int64_t t1 = ftl_time_now();
    struct ftl_fs_stat st;
    CHECK_OK(ftl_file_stat(&f, &st));
    CHECK(st.size == size && st.blocks >= size / 512);
    uint64_t bad = 0;
    CHECK_OK(ftl_file_seek(&f, 0, 0, NULL));
    for (uint64_t off = 0; off < size; off += sizeof(b)) {
        size_t got = 0;
        CHECK_OK(ftl_file_read(&f, b, sizeof(b), &got));
        uint64_t tag;
        memcpy(&tag, b, 8);
        bad += got != sizeof(b) || tag != off || b[4095] != (uint8_t)(off >> 12);
    }
    int64_t t2 = ftl_time_now();
    CHECK(bad == 0);
    CHECK_OK(ftl_file_close(&f));
    CHECK_OK(ftl_fs_unlink(fs, "/big.bin"));
    // Small files: create, write 100 bytes, close.
    CHECK_OK(ftl_fs_mkdir(fs, "/small"));
    int64_t t3 = ftl_time_now();
    for (int i = 0; i < 200; i++) {
        char uri[48];
        snprintf(uri, sizeof(uri), "file:/small/f%03d?wcx", i);
        CHECK_OK(ftl_file_open(fs, uri, &f, NULL));
        CHECK_OK(ftl_file_write(&f, b, 100));
        CHECK_OK(ftl_file_close(&f));
    }
    CHECK_OK(ftl_fs_sync(fs));
    int64_t t4 = ftl_time_now();
    FTL_INFO("fs figures: %lld MiB written at %lld KiB/s (fsync included), read at %lld KiB/s; "
             "%lld small files created a second",
             (long long)big_mib, (long long)(size * 1000000000 / 1024 / (uint64_t)(t1 - t0)),
             (long long)(size * 1000000000 / 1024 / (uint64_t)(t2 - t1)),
             (long long)(200ll * 1000000000 / (t4 - t3)));
}

// /persist/boots holds how many boots of this image ran test_fs.
static void persistence(void)
{
    struct ftl_file f;
    ftl_err_t err = ftl_fs_mkdir(fs, "/persist");
    CHECK(err == FTL_OK || err == FTL_ERR_ALREADY_EXISTS);
    CHECK_OK(ftl_file_open(fs, "file:/persist/boots?rwc", &f, NULL));
    char text[32] = {0};
    size_t got;
    CHECK_OK(ftl_file_read(&f, text, sizeof(text) - 1, &got));
    int boots = got ? atoi(text) : 0;
    FTL_INFO("persist: this image booted test_fs %d times before", boots);
    int len = snprintf(text, sizeof(text), "%d\n", boots + 1);
    CHECK_OK(ftl_file_truncate(&f, 0));
    CHECK_OK(ftl_file_pwrite(&f, 0, text, (size_t)len));
    CHECK_OK(ftl_file_sync(&f));
    CHECK_OK(ftl_file_close(&f));
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_env_channel(env, "fs", &fs));
    FTL_CHECK(ftl_env_number(env, "big_mib", &big_mib));
    FTL_CHECK(ftl_poll_create(&poll));
    run_test("persistence", persistence);
    struct ftl_fs_stat st;
    if (ftl_fs_lstat(fs, "/t", &st) == FTL_OK) {
        FTL_INFO("test_fs: this image ran the tests already; only persistence is checked");
        FTL_CHECK(ftl_fs_sync(fs));
        FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
        return;
    }
    run_test("motd_reads", motd_reads);
    run_test("write_read_seek", write_read_seek);
    run_test("append_and_truncate", append_and_truncate);
    run_test("rename_unlink_mkdir_rmdir", rename_unlink_mkdir_rmdir);
    run_test("readdir_lists_everything", readdir_lists_everything);
    run_test("symlinks", symlinks);
    run_test("bad_requests_get_clear_errors", bad_requests_get_clear_errors);
    run_test("unlinked_while_open_stays_readable", unlinked_while_open_stays_readable);
    run_test("hard_links_and_times", hard_links_and_times);
    run_test("a_flood_of_opens_is_refused_cleanly", a_flood_of_opens_is_refused_cleanly);
    run_test("several_clients_at_once", several_clients_at_once);
    run_test("large_file_and_rates", large_file_and_rates);
    FTL_CHECK(ftl_fs_sync(fs));
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
