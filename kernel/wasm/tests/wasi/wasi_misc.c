// WASI comparison: args and environ, clocks, poll_oneoff with clock and fd subscriptions,
// random_get, sched_yield, the functions FTL leaves unsupported, and proc_exit with a
// nonzero code, through the raw preview1 calls; run under wasm-run --dir and node:wasi
// (wasi_test.sh). Times and random bytes are checked, never printed.
#include "wasi_check.h"

#include <stdlib.h>

static __wasi_timestamp_t mono(void)
{
    __wasi_timestamp_t t = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    return t;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t ud, __wasi_clockid_t id,
                                       __wasi_timestamp_t timeout, __wasi_subclockflags_t flags)
{
    __wasi_subscription_t s = {.userdata = ud, .u = {.tag = __WASI_EVENTTYPE_CLOCK}};
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.flags = flags;
    return s;
}

static void events(const char *label, const __wasi_subscription_t *subs, int n,
                   __wasi_timestamp_t min_wait)
{
    __wasi_event_t ev[4];
    __wasi_size_t got = 0;
    __wasi_timestamp_t t0 = mono();
    __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, (__wasi_size_t)n, &got);
    __wasi_timestamp_t waited = mono() - t0;
    printf("%s: %s events %u", label, en(e), (unsigned)got);
    for (__wasi_size_t i = 0; i < got && e == __WASI_ERRNO_SUCCESS; i++) {
        printf(" [%llu %s %s]", (unsigned long long)ev[i].userdata,
               ev[i].type == __WASI_EVENTTYPE_CLOCK ? "clock" : "fd", en(ev[i].error));
    }
    printf("%s\n", waited >= min_wait ? "" : " woke EARLY");
}

static void distinct(const char *label, size_t len)
{
    static uint8_t a[100000], b[100000];
    memset(a, 0, len);
    memset(b, 0, len);
    __wasi_errno_t e1 = __wasi_random_get(a, len);
    __wasi_errno_t e2 = __wasi_random_get(b, len);
    int seen[256] = {0}, values = 0;
    for (size_t i = 0; i < len; i++) {
        values += !seen[a[i]]++;
    }
    printf("%s: %s %s differ %d byte values %s\n", label, en(e1), en(e2),
           memcmp(a, b, len) != 0, values > (len >= 4096 ? 250 : len >= 64 ? 30 : 0) ? "spread" : "BROKEN");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); // each line out at once, should a call hang
    // args and environ: the sizes agree with the strings.
    __wasi_size_t argc = 0, argsz = 0, envc = 0, envsz = 0;
    R("args_sizes_get", __wasi_args_sizes_get(&argc, &argsz));
    char **argv = calloc(argc + 1, sizeof(char *));
    char *argbuf = malloc(argsz);
    R("args_get", __wasi_args_get((uint8_t **)argv, (uint8_t *)argbuf));
    size_t total = 0;
    for (__wasi_size_t i = 0; i < argc; i++) {
        printf("argv[%u] = %s\n", (unsigned)i, argv[i]);
        total += strlen(argv[i]) + 1;
    }
    printf("args size agrees %d\n", total == argsz);
    R("environ_sizes_get", __wasi_environ_sizes_get(&envc, &envsz));
    char **env = calloc(envc + 1, sizeof(char *));
    char *envbuf = malloc(envsz);
    R("environ_get", __wasi_environ_get((uint8_t **)env, (uint8_t *)envbuf));
    total = 0;
    qsort(env, envc, sizeof(char *), (int (*)(const void *, const void *))strcmp);
    for (__wasi_size_t i = 0; i < envc; i++) {
        total += strlen(env[i]) + 1;
    }
    printf("environ %u, size agrees %d\n", (unsigned)envc, total == envsz);

    // Clocks: resolution, monotonic order, realtime after 2020, unknown clocks.
    __wasi_timestamp_t res = 0, t1 = 0, t2 = 0, rt = 0;
    R("clock_res_get monotonic", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res));
    printf("resolution set %d\n", res > 0 && res <= 1000000000ull);
    R("clock_res_get realtime", __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res));
    printf("resolution set %d\n", res > 0 && res <= 1000000000ull);
    R("clock_res_get unknown", __wasi_clock_res_get(99, &res));
    R("clock_time_get monotonic", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t1));
    R("clock_time_get monotonic", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t2));
    printf("monotonic ordered %d\n", t2 >= t1);
    R("clock_time_get realtime", __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt));
    printf("realtime after 2020 %d\n", rt > 1577836800ull * 1000000000ull);
    R("clock_time_get unknown", __wasi_clock_time_get(99, 1, &rt));

    // poll_oneoff with clocks: relative, the earliest of two, absolute, in the past.
    const __wasi_timestamp_t ms = 1000000;
    __wasi_subscription_t s[3];
    s[0] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 20 * ms, 0);
    events("sleep 20ms", s, 1, 20 * ms);
    s[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 3000 * ms, 0);
    s[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 10 * ms, 0);
    events("earliest of two", s, 2, 10 * ms);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt);
    s[0] = clock_sub(3, __WASI_CLOCKID_REALTIME, rt + 15 * ms, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    events("absolute realtime", s, 1, 5 * ms);
    // Not compared: node:wasi never returns for an absolute monotonic deadline or one in
    // the past.
    s[0] = clock_sub(6, __WASI_CLOCKID_MONOTONIC, 0, 0);
    events("zero timeout", s, 1, 0);
    R("no subscriptions", __wasi_poll_oneoff(s, &(__wasi_event_t){0}, 0, &(__wasi_size_t){0}));

    // (fd subscriptions on files are not compared: node:wasi answers EPERM, FTL reports
    // them ready at once as poll(2) does.)
    __wasi_fd_t fd;
    __wasi_size_t n;
    R("create", open_at(PREOPEN, "poll.txt", __WASI_OFLAGS_CREAT, 0, &fd));
    R("write", write_str(fd, "data", &n));

    // The rest of the fd calls in their plain case (wasi_meta.c has their errors); the
    // hard link is undone afterwards so the directories compare.
    R("advise", __wasi_fd_advise(fd, 0, 4, __WASI_ADVICE_SEQUENTIAL));
    R("advise bad", __wasi_fd_advise(fd, 0, 4, 77));
    R("allocate", __wasi_fd_allocate(fd, 0, 4));
    R("filestat_set_times", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
    R("path_filestat_set_times", __wasi_path_filestat_set_times(PREOPEN, 0, "poll.txt", 0, 0,
                                                                 __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_fdstat_t fs;
    R("fdstat", __wasi_fd_fdstat_get(fd, &fs));
    R("fdstat_set_rights", __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base, fs.fs_rights_inheriting));
    R("path_link", __wasi_path_link(PREOPEN, 0, "poll.txt", PREOPEN, "hard.txt"));
    R("unlink link", __wasi_path_unlink_file(PREOPEN, "hard.txt"));
    __wasi_fd_t fd2;
    R("open again", open_at(PREOPEN, "poll.txt", 0, 0, &fd2));
    R("renumber", __wasi_fd_renumber(fd2, fd));
    R("close renumbered", __wasi_fd_close(fd));
    R("close moved", __wasi_fd_close(fd2));
    R("unlink", __wasi_path_unlink_file(PREOPEN, "poll.txt"));

    // random_get: lengths 0, small, large; never the same twice, bytes spread.
    R("random 0 bytes", __wasi_random_get((uint8_t *)&n, 0));
    distinct("random 16", 16);
    distinct("random 64", 64);
    distinct("random 100000", 100000);
    R("sched_yield", __wasi_sched_yield());

    // Sockets: preview1 cannot open one, so no fd has the socket rights.
    __wasi_fd_t sfd = 0;
    __wasi_size_t slen = 0;
    __wasi_roflags_t rof = 0;
    __wasi_iovec_t riov = {.buf = (uint8_t *)&n, .buf_len = sizeof(n)};
    __wasi_ciovec_t siov = {.buf = (const uint8_t *)&n, .buf_len = sizeof(n)};
    R("sock_accept", __wasi_sock_accept(PREOPEN, 0, &sfd));
    R("sock_recv", __wasi_sock_recv(1, &riov, 1, 0, &slen, &rof));
    R("sock_send", __wasi_sock_send(1, &siov, 1, 0, &slen));
    R("sock_shutdown", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    R("sock_shutdown bad fd", __wasi_sock_shutdown(99, __WASI_SDFLAGS_WR));

    fflush(stdout);
    __wasi_proc_exit(42);
}
