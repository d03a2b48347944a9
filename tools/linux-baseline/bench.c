/* Linux baseline benchmarks, run as /init of a tiny initramfs under QEMU with
 * -icount shift=0 (guest clock: 1 ns = 1 guest instruction). Prints
 * `LINUXBENCH key=value` lines on the console, then powers the machine off.
 * Built by tools/linux-baseline/run.py with aarch64-linux-gnu-gcc -static -O2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PIPE_WARMUP 200
#define PIPE_ROUNDS_1B 20000
#define PIPE_ROUNDS_4K 10000
#define SPAWN_WARMUP 10
#define SPAWN_ROUNDS 300

static char buf[4096];

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

static void read_full(int fd, char *p, size_t n) {
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            if (r == 0) _exit(0); /* peer closed: the child's way out */
            die("read");
        }
        p += r; n -= (size_t)r;
    }
}

static void write_full(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; die("write"); }
        p += w; n -= (size_t)w;
    }
}

/* Round trip: parent writes n bytes on to_child, child reads them all and writes
 * them back on to_parent, parent reads them all. Returns ns per round trip. */
static uint64_t pingpong(const char *kind, size_t n, int rounds) {
    int a[2], b[2]; /* a: parent -> child, b: child -> parent */
    int p_w, p_r, c_r, c_w;
    if (!strcmp(kind, "pipe")) {
        if (pipe(a) || pipe(b)) die("pipe");
        p_w = a[1]; c_r = a[0]; c_w = b[1]; p_r = b[0];
    } else {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, a)) die("socketpair");
        p_w = p_r = a[0]; c_r = c_w = a[1];
    }
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(p_w); if (p_r != p_w) close(p_r);
        for (;;) { read_full(c_r, buf, n); write_full(c_w, buf, n); }
    }
    close(c_r); if (c_w != c_r) close(c_w);
    memset(buf, 'x', n);
    for (int i = 0; i < PIPE_WARMUP; i++) { write_full(p_w, buf, n); read_full(p_r, buf, n); }
    uint64_t t0 = now_ns();
    for (int i = 0; i < rounds; i++) { write_full(p_w, buf, n); read_full(p_r, buf, n); }
    uint64_t t1 = now_ns();
    close(p_w); if (p_r != p_w) close(p_r);
    waitpid(pid, NULL, 0);
    return (t1 - t0) / (uint64_t)rounds;
}

static uint64_t fork_exec_wait(int rounds) {
    char *argv[] = {"/true", NULL}, *envp[] = {NULL};
    uint64_t t0 = 0;
    for (int i = 0; i < SPAWN_WARMUP + rounds; i++) {
        if (i == SPAWN_WARMUP) t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) { execve(argv[0], argv, envp); _exit(127); }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) die("exec");
    }
    return (now_ns() - t0) / (uint64_t)rounds;
}

int main(void) {
    /* First thing: how long since reset. The generic timer's virtual counter
     * starts at 0 when QEMU resets the machine (TCG, no EL2: CNTVOFF is 0);
     * CLOCK_BOOTTIME starts when the kernel's timekeeping does. */
    uint64_t cnt, frq;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(cnt));
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
    struct timespec bt;
    clock_gettime(CLOCK_BOOTTIME, &bt);
    uint64_t boot_ns = (uint64_t)((unsigned __int128)cnt * 1000000000u / frq);
    uint64_t boottime_ns = (uint64_t)bt.tv_sec * 1000000000u + (uint64_t)bt.tv_nsec;

    setvbuf(stdout, NULL, _IOLBF, 0);
    struct utsname u;
    uname(&u);
    printf("LINUXBENCH uname_release=%s\n", u.release);
    printf("LINUXBENCH uname_version=%s\n", u.version);
    printf("LINUXBENCH boot_to_init_ns=%llu\n", (unsigned long long)boot_ns);
    printf("LINUXBENCH boottime_at_init_ns=%llu\n", (unsigned long long)boottime_ns);
    printf("LINUXBENCH pipe_rt_1b_ns=%llu\n", (unsigned long long)pingpong("pipe", 1, PIPE_ROUNDS_1B));
    printf("LINUXBENCH pipe_rt_4k_ns=%llu\n", (unsigned long long)pingpong("pipe", 4096, PIPE_ROUNDS_4K));
    printf("LINUXBENCH socketpair_rt_1b_ns=%llu\n",
           (unsigned long long)pingpong("socketpair", 1, PIPE_ROUNDS_1B));
    printf("LINUXBENCH fork_exec_wait_ns=%llu\n", (unsigned long long)fork_exec_wait(SPAWN_ROUNDS));
    printf("LINUXBENCH done\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
