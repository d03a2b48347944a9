/* Linux baseline, storage: run as /fsbench (rdinit=/fsbench) of the baseline's
 * initramfs under QEMU with -icount shift=0,sleep=off and an ext4 image attached as
 * a virtio-blk device. Does what apps/test_fs measures through FTL's fs server:
 *   - write fs_mib MiB sequentially in 4 KiB writes, then fsync;
 *   - unmount, drop caches, mount again, read the file back in 4 KiB reads (checked);
 *   - create fs_files files of 100 bytes each (create, write, close), then syncfs.
 * fs_mib and fs_files come from the kernel command line (init's environment).
 * Prints `LINUXBENCH key=value` lines, then powers the machine off.
 * Built by tools/linux-baseline/run.py with aarch64-linux-gnu-gcc -static -O2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const MODULES[] = {"virtio_ring", "virtio", "virtio_mmio", "virtio_blk"};
static uint8_t buf[4096];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    printf("LINUXBENCH error=%s errno=%d\n", what, errno);
    fflush(stdout);
    reboot(RB_POWER_OFF);
    _exit(1);
}

static long env_num(const char *name, long dflt) {
    const char *v = getenv(name);
    return v ? atol(v) : dflt;
}

static void load_modules(void) {
    for (size_t i = 0; i < sizeof(MODULES) / sizeof(MODULES[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/modules/%s.ko", MODULES[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) die(path);
        if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) die(path);
        close(fd);
    }
}

static void mount_disk(void) {
    for (int i = 0; i < 500; i++) { /* the device node appears once virtio_blk probed */
        if (mount("/devtmp/vda", "/mnt", "ext4", 0, "") == 0) return;
        if (errno != ENOENT && errno != ENXIO) die("mount");
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    die("mount (no /dev/vda)");
}

static void drop_caches(void) {
    if (umount("/mnt") != 0) die("umount");
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0 || write(fd, "3\n", 2) != 2) die("drop_caches");
    close(fd);
    mount_disk();
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    long mib = env_num("fs_mib", 8), files = env_num("fs_files", 200);
    if (mount("devtmpfs", "/devtmp", "devtmpfs", 0, "") != 0) die("mount devtmpfs");
    if (mount("proc", "/proc", "proc", 0, "") != 0) die("mount proc");
    load_modules();
    mount_disk();

    uint64_t size = (uint64_t)mib << 20;
    int fd = open("/mnt/big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("create big.bin");
    uint64_t t0 = now_ns();
    for (uint64_t off = 0; off < size; off += sizeof(buf)) {
        memset(buf, (int)(off >> 12), sizeof(buf));
        memcpy(buf, &off, 8);
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) die("write");
    }
    if (fsync(fd) != 0) die("fsync");
    uint64_t t1 = now_ns();
    close(fd);

    drop_caches();
    fd = open("/mnt/big.bin", O_RDONLY);
    if (fd < 0) die("open big.bin");
    uint64_t bad = 0, t2 = now_ns();
    for (uint64_t off = 0; off < size; off += sizeof(buf)) {
        ssize_t got = read(fd, buf, sizeof(buf));
        uint64_t tag;
        memcpy(&tag, buf, 8);
        bad += got != (ssize_t)sizeof(buf) || tag != off || buf[4095] != (uint8_t)(off >> 12);
    }
    uint64_t t3 = now_ns();
    close(fd);
    if (bad) die("read back differs");
    if (unlink("/mnt/big.bin") != 0) die("unlink");

    if (mkdir("/mnt/small", 0755) != 0) die("mkdir");
    int dir = open("/mnt/small", O_RDONLY | O_DIRECTORY);
    if (dir < 0) die("open /mnt/small");
    uint64_t t4 = now_ns();
    for (long i = 0; i < files; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%03ld", i);
        int f = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (f < 0 || write(f, buf, 100) != 100) die("small file");
        close(f);
    }
    if (syncfs(dir) != 0) die("syncfs");
    uint64_t t5 = now_ns();
    close(dir);

    printf("LINUXBENCH fs_mib=%ld\n", mib);
    printf("LINUXBENCH fs_write_ns=%llu\n", (unsigned long long)(t1 - t0));
    printf("LINUXBENCH fs_read_ns=%llu\n", (unsigned long long)(t3 - t2));
    printf("LINUXBENCH fs_files=%ld\n", files);
    printf("LINUXBENCH fs_create_ns=%llu\n", (unsigned long long)(t5 - t4));
    if (umount("/mnt") != 0) die("final umount");
    printf("LINUXBENCH done\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
