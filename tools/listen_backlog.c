// A preload library for benchmarks: raises the backlog of every listen() to at least 128.
// QEMU's user network listens on a forwarded host port with a backlog of 1, so the host
// kernel drops connections that arrive while QEMU's main loop has not yet accepted the
// previous ones (ListenOverflows); their clients retry after 1 s or more, which no guest
// can shorten. tools/bench_net.py measures with and without it:
//   cc -shared -fPIC -o build/listen_backlog.so tools/listen_backlog.c -ldl
//   LD_PRELOAD=$PWD/build/listen_backlog.so tools/run.sh IMAGE
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

#define BACKLOG_MIN 128

int listen(int fd, int backlog)
{
    int (*real_listen)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    return real_listen(fd, backlog < BACKLOG_MIN ? BACKLOG_MIN : backlog);
}
