// ftl-agent: /init of FTL's Linux guest. Mounts the basics, loads the virtio
// modules, opens the virtio console's port named "ftl-agent" (/dev/vportNpM, FTL's
// VMM offers one) or else its console port /dev/hvc0 in raw mode, sends HELLO and then
// serves the frames of ../agent_proto.h in one poll loop (docs/linux-guest.md).
//
// It is PID 1: it never exits (the kernel would panic), reaps every orphan, and
// answers bad input with a log line in /dev/kmsg, never with a crash.
//
// Host frames it cannot frame (len > AGENT_PAYLOAD_MAX, a type the host does not
// send, nonzero pad, or a STDIN_EOF/SIGNAL/WINDOW of the wrong length) break the
// stream: it logs once, then drops bytes one at a time until the next 12 bytes are
// a plausible header, and goes on from there. The protocol has no sync marker, so
// this is a best effort; a correct host never needs it. Well-framed frames for an
// unknown id are dropped (that is the normal race with EXIT).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

static const char *const modules[] = {
    // The order tools/linux-baseline loads them in; each needs the ones before it.
    "/modules/virtio_ring.ko",
    "/modules/virtio.ko",
    "/modules/virtio_mmio.ko",
    "/modules/virtio_console.ko",
};

#define RX_CAP (4u * (AGENT_HDR_SIZE + AGENT_PAYLOAD_MAX))
static uint8_t rx_buf[RX_CAP];
static size_t rx_len;
static bool rx_resyncing;
static size_t rx_dropped;

static int sigchld_pipe[2] = {-1, -1};

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void on_sigchld(int sig)
{
    (void)sig;
    int saved = errno;
    ssize_t n = write(sigchld_pipe[1], "c", 1); // full pipe: a wakeup is pending anyway
    (void)n;
    errno = saved;
}

// Nanoseconds since reset: the generic timer's virtual counter starts at 0 then.
static unsigned long long ns_since_reset(void)
{
    unsigned long long cnt, frq;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(cnt));
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
    return frq ? (unsigned long long)((__uint128_t)cnt * 1000000000u / frq) : 0;
}

static void mount_one(const char *src, const char *dir, const char *type, const char *opts)
{
    mkdir(dir, 0755);
    if (mount(src, dir, type, MS_NOSUID, opts) < 0 && errno != EBUSY) {
        agent_log(3, "mount %s on %s: %s", type, dir, strerror(errno));
    }
}

static void setup_system(void)
{
    mount_one("devtmpfs", "/dev", "devtmpfs", NULL);
    // Pipes must never land on 0, 1, 2 (the kernel opened /dev/console there).
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            open("/dev/null", O_RDWR);
        }
    }
    mount_one("proc", "/proc", "proc", NULL);
    mount_one("sysfs", "/sys", "sysfs", NULL);
    mount_one("tmpfs", "/tmp", "tmpfs", "mode=1777");
    mkdir("/root", 0700);

    struct sigaction sa = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &sa, NULL); // a closed pipe is EPIPE, handled where it happens
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        agent_log(3, "pipe2: %s", strerror(errno));
        sleep_ms(1000);
    }
    sa = (struct sigaction){.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
    sigaction(SIGCHLD, &sa, NULL);

    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
        int fd = open(modules[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            agent_log(3, "%s: %s", modules[i], strerror(errno));
            continue;
        }
        unsigned long long t0 = ns_since_reset();
        if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) {
            agent_log(3, "finit_module %s: %s", modules[i], strerror(errno));
        }
        agent_log(7, "%s loaded in %llu ns", modules[i], ns_since_reset() - t0);
        close(fd);
    }
}

// Opens the generic port named PORT_NAME if the console has one: it takes up to 32 KiB
// per write and whole buffers per read, where hvc0 goes through the tty layer in 2 KiB
// writes and 16-byte reads. -1 if there is none (yet).
#define PORT_NAME "ftl-agent"
static char link_path[300] = "/dev/hvc0"; // for the log

static int open_port(void)
{
    DIR *d = opendir("/sys/class/virtio-ports");
    if (!d) {
        return -1;
    }
    int fd = -1;
    struct dirent *e;
    while (fd < 0 && (e = readdir(d)) != NULL) {
        char path[300], name[64] = {0};
        snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
        int nf = open(path, O_RDONLY | O_CLOEXEC);
        if (nf < 0) {
            continue;
        }
        ssize_t n = read(nf, name, sizeof(name) - 1);
        close(nf);
        if (n == (ssize_t)sizeof(PORT_NAME) && memcmp(name, PORT_NAME "\n", (size_t)n) == 0) {
            snprintf(path, sizeof(path), "/dev/%s", e->d_name);
            fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) {
                agent_log(3, "%s: %s", path, strerror(errno));
            } else {
                memcpy(link_path, path, sizeof(link_path));
            }
        }
    }
    closedir(d);
    return fd;
}

// Opens the agent's port, or the virtio console's first port in raw mode, waiting for
// one to appear.
static int open_hvc(void)
{
    for (unsigned tries = 0;; tries++) {
        int fd = open_port();
        if (fd >= 0) {
            return fd;
        }
        fd = open("/dev/hvc0", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            struct termios t;
            if (tcgetattr(fd, &t) == 0) {
                cfmakeraw(&t); // no echo, no line discipline, no CR/LF mapping, 8 bits
                t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
                t.c_cflag &= ~(tcflag_t)CRTSCTS;
                t.c_cflag |= CLOCAL | CREAD;
                t.c_cc[VMIN] = 1;
                t.c_cc[VTIME] = 0;
                if (tcsetattr(fd, TCSANOW, &t) == 0) {
                    return fd;
                }
            }
            agent_log(3, "/dev/hvc0: raw mode: %s", strerror(errno));
            close(fd);
        } else if (tries % 1000 == 999) {
            agent_log(3, "still no port named " PORT_NAME " and no /dev/hvc0 (%s)",
                      strerror(errno));
        }
        sleep_ms(5);
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// True when h can start a host frame (see the top of this file).
static bool header_is_plausible(const struct agent_hdr *h)
{
    if (h->len > AGENT_PAYLOAD_MAX || h->pad[0] || h->pad[1] || h->pad[2]) {
        return false;
    }
    switch (h->type) {
    case AGENT_EXEC:
    case AGENT_STDIN:
        return true;
    case AGENT_STDIN_EOF:
        return h->len == 0;
    case AGENT_SIGNAL:
    case AGENT_WINDOW:
        return h->len == 4;
    default:
        return false;
    }
}

static void handle_frame(const struct agent_hdr *h, const uint8_t *payload)
{
    if (h->type == AGENT_EXEC) {
        command_exec(h->id, payload, h->len);
        return;
    }
    struct command *c = command_find(h->id);
    if (!c) {
        agent_log(7, "frame type %u for unknown id %u dropped", h->type, h->id);
        return;
    }
    switch (h->type) {
    case AGENT_STDIN:
        command_stdin(c, payload, h->len);
        break;
    case AGENT_STDIN_EOF:
        command_stdin_eof(c);
        break;
    case AGENT_SIGNAL:
        command_signal(c, le32(payload));
        break;
    case AGENT_WINDOW:
        command_window(c, le32(payload));
        break;
    default:
        break; // header_is_plausible let nothing else through
    }
}

// Acts on every whole frame in rx_buf while the queue to the host has room for the
// answer; what is left waits for more bytes or more room.
static void process_rx(void)
{
    size_t pos = 0;
    while (rx_len - pos >= AGENT_HDR_SIZE && tx_space() >= TX_RESERVE) {
        struct agent_hdr h;
        memcpy(&h, rx_buf + pos, AGENT_HDR_SIZE);
        if (!header_is_plausible(&h)) {
            if (!rx_resyncing) {
                agent_log(3, "bad frame header (len %u, type %u, id %u): resynchronizing", h.len,
                          h.type, h.id);
                rx_resyncing = true;
                rx_dropped = 0;
            }
            pos++;
            rx_dropped++;
            continue;
        }
        if (rx_len - pos < AGENT_HDR_SIZE + h.len) {
            break;
        }
        if (rx_resyncing) {
            agent_log(4, "resynchronized after dropping %zu bytes", rx_dropped);
            rx_resyncing = false;
        }
        handle_frame(&h, rx_buf + pos + AGENT_HDR_SIZE);
        pos += AGENT_HDR_SIZE + h.len;
    }
    memmove(rx_buf, rx_buf + pos, rx_len - pos);
    rx_len -= pos;
}

#define POLL_MAX (2 + AGENT_COMMANDS_MAX * COMMAND_FDS)

static void serve(int hvc)
{
    struct pollfd pfd[POLL_MAX];
    int fds[AGENT_COMMANDS_MAX][COMMAND_FDS];
    int nfds[AGENT_COMMANDS_MAX];
    bool tx_ok = true;

    for (;;) {
        process_rx();
        command_flush_all();
        bool ok = tx_flush(hvc);
        if (!ok && tx_ok) {
            agent_log(3, "%s: write: %s", link_path, strerror(errno));
        }
        if (!ok) {
            sleep_ms(10); // a broken console: retry slowly
        }
        tx_ok = ok;

        int n = 0;
        short ev = (short)((rx_len < RX_CAP && tx_space() >= TX_RESERVE ? POLLIN : 0) |
                           (tx_pending() ? POLLOUT : 0));
        pfd[n++] = (struct pollfd){.fd = hvc, .events = ev};
        pfd[n++] = (struct pollfd){.fd = sigchld_pipe[0], .events = POLLIN};
        for (unsigned i = 0; i < AGENT_COMMANDS_MAX; i++) {
            short events[COMMAND_FDS];
            nfds[i] = commands[i].used ? command_poll_fds(&commands[i], fds[i], events) : 0;
            for (int k = 0; k < nfds[i]; k++) {
                pfd[n++] = (struct pollfd){.fd = fds[i][k], .events = events[k]};
            }
        }
        if (poll(pfd, (nfds_t)n, -1) < 0) {
            if (errno != EINTR) {
                agent_log(3, "poll: %s", strerror(errno));
                sleep_ms(10);
            }
            continue;
        }

        if (pfd[1].revents) {
            char drain[64];
            while (read(sigchld_pipe[0], drain, sizeof(drain)) > 0) {
            }
            command_reap_all();
        }
        int at = 2;
        for (unsigned i = 0; i < AGENT_COMMANDS_MAX; i++) {
            short revents[COMMAND_FDS];
            for (int k = 0; k < nfds[i]; k++) {
                revents[k] = pfd[at + k].revents;
            }
            if (nfds[i] > 0) {
                command_poll_events(&commands[i], fds[i], revents, nfds[i]);
            }
            at += nfds[i];
        }
        if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && rx_len < RX_CAP) {
            ssize_t r = read(hvc, rx_buf + rx_len, RX_CAP - rx_len);
            if (r > 0) {
                rx_len += (size_t)r;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                sleep_ms(10); // a hung-up console: do not spin
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && getpid() != 1 && strcmp(argv[1], "virtio-bad-descriptors") == 0) {
        return bad_descriptors_main(); // a test's hostile program (badring.c)
    }
    unsigned long long start_ns = ns_since_reset();
    setup_system();
    int hvc = open_hvc();
    static const char hello[] = "ftl-agent " AGENT_VERSION;
    tx_frame(AGENT_HELLO, 0, hello, sizeof(hello) - 1);
    // tools/linux_guest_check.py --bench reads this line back with dmesg.
    agent_log(6, "ready on %s, %llu ns after reset (started at %llu ns)", link_path,
              ns_since_reset(), start_ns);
    serve(hvc);
    return 0; // not reached: PID 1 never returns
}
