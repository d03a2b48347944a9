// test_fs_bench: what `make bench` measures through the fs server (tools/bench_fs.py), the
// same steps as tools/linux-baseline/fsbench.c does on Linux:
//   - write `mib` MiB to /bench.bin in 4 KiB writes, then sync the file;
//   - read it back in 4 KiB reads, checking every block (the server's cache holds
//     8 MiB, so most of a large file comes from the device);
//   - create `files` files of 100 bytes in /bench_small (open with create, write,
//     close), then sync the file system; remove everything.
// Logs `BENCH fs_... ns=` lines (guest clock) and `BENCH done`.
#include <ftl.h>
#include <ftl/file.h>
#include <stdio.h>
#include <string.h>

static uint8_t block[4096];

static void write_big(ftl_handle_t fs, uint64_t size)
{
    struct ftl_file f;
    FTL_CHECK(ftl_file_open(fs, "file:/bench.bin?rwct", &f, NULL));
    int64_t t0 = ftl_time_now();
    for (uint64_t off = 0; off < size; off += sizeof(block)) {
        memset(block, (int)(off >> 12), sizeof(block));
        memcpy(block, &off, 8);
        FTL_CHECK(ftl_file_write(&f, block, sizeof(block)));
    }
    FTL_CHECK(ftl_file_sync(&f));
    FTL_INFO("BENCH fs_write bytes=%llu ns=%lld", (unsigned long long)size,
             (long long)(ftl_time_now() - t0));
    FTL_CHECK(ftl_file_close(&f));
}

static void read_big(ftl_handle_t fs, uint64_t size)
{
    struct ftl_file f;
    FTL_CHECK(ftl_file_open(fs, "file:/bench.bin", &f, NULL));
    uint64_t bad = 0;
    int64_t t0 = ftl_time_now();
    for (uint64_t off = 0; off < size; off += sizeof(block)) {
        size_t got = 0;
        FTL_CHECK(ftl_file_read(&f, block, sizeof(block), &got));
        uint64_t tag;
        memcpy(&tag, block, 8);
        bad += got != sizeof(block) || tag != off || block[4095] != (uint8_t)(off >> 12);
    }
    int64_t ns = ftl_time_now() - t0;
    FTL_CHECK(ftl_file_close(&f));
    if (bad) {
        FTL_INFO("BENCH error=read back differs in %llu blocks", (unsigned long long)bad);
        return;
    }
    FTL_INFO("BENCH fs_read bytes=%llu ns=%lld", (unsigned long long)size, (long long)ns);
    FTL_CHECK(ftl_fs_unlink(fs, "/bench.bin"));
}

static void small_files(ftl_handle_t fs, int64_t n)
{
    FTL_CHECK(ftl_fs_mkdir(fs, "/bench_small"));
    int64_t t0 = ftl_time_now();
    for (int64_t i = 0; i < n; i++) {
        char uri[48];
        snprintf(uri, sizeof(uri), "file:/bench_small/f%03lld?wcx", (long long)i);
        struct ftl_file f;
        FTL_CHECK(ftl_file_open(fs, uri, &f, NULL));
        FTL_CHECK(ftl_file_write(&f, block, 100));
        FTL_CHECK(ftl_file_close(&f));
    }
    FTL_CHECK(ftl_fs_sync(fs));
    FTL_INFO("BENCH fs_create files=%lld ns=%lld", (long long)n, (long long)(ftl_time_now() - t0));
    for (int64_t i = 0; i < n; i++) {
        char path[48];
        snprintf(path, sizeof(path), "/bench_small/f%03lld", (long long)i);
        FTL_CHECK(ftl_fs_unlink(fs, path));
    }
    FTL_CHECK(ftl_fs_rmdir(fs, "/bench_small"));
    FTL_CHECK(ftl_fs_sync(fs));
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t fs;
    int64_t mib, files;
    FTL_CHECK(ftl_env_channel(env, "fs", &fs));
    FTL_CHECK(ftl_env_number(env, "mib", &mib));
    FTL_CHECK(ftl_env_number(env, "files", &files));
    write_big(fs, (uint64_t)mib << 20);
    read_big(fs, (uint64_t)mib << 20);
    small_files(fs, files);
    FTL_INFO("BENCH done");
}
