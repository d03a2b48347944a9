// One command from EXEC to EXIT: `/bin/sh -c line` in its own process group with
// three pipes; STDIN buffered up to the window the host was granted; output read
// only while the host's credit lasts, so a slow reader stops the command at its pipe.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

struct command commands[AGENT_COMMANDS_MAX];
// One STDIN window per command slot: untouched pages cost nothing.
static uint8_t stdin_bufs[AGENT_COMMANDS_MAX][AGENT_WINDOW_INITIAL];
_Static_assert((AGENT_WINDOW_INITIAL & (AGENT_WINDOW_INITIAL - 1)) == 0, "ring size");

// Output credit is a host's to give; more than this is clamped (a host bug).
#define OUT_CREDIT_MAX (1ull << 40)

static char *const child_env[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root", NULL};

struct command *command_find(uint32_t id)
{
    for (unsigned i = 0; i < AGENT_COMMANDS_MAX; i++) {
        if (commands[i].used && commands[i].id == id) {
            return &commands[i];
        }
    }
    return NULL;
}

// STDERR "agent: why" and EXIT code for an EXEC that did not start.
static void refuse(uint32_t id, int code, const char *why)
{
    char msg[160];
    int n = snprintf(msg, sizeof(msg), "agent: %s\n", why);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)n;
    agent_log(4, "EXEC id %u refused: %s", id, why);
    if (!tx_frame(AGENT_STDERR, id, msg, len) || !tx_u32(AGENT_EXIT, id, (uint32_t)code)) {
        agent_log(3, "no room to refuse EXEC id %u", id); // TX_RESERVE prevents this
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

// Starts /bin/sh -c cmd with stdin, stdout and stderr on new pipes; 0 or an errno.
static int spawn(struct command *c, char *cmd)
{
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        return errno;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        int e = errno;
        close(in[0]), close(in[1]);
        return e;
    }
    if (pipe2(err, O_CLOEXEC) < 0) {
        int e = errno;
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, access("/root", X_OK) == 0 ? "/root" : "/");
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all); // undoes the agent's SIG_IGN and handler
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {"sh", "-c", cmd, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, child_env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[0]), close(out[1]), close(err[1]);
    if (rc != 0) {
        close(in[1]), close(out[0]), close(err[0]);
        return rc;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    c->pid = pid;
    c->stdin_fd = in[1];
    c->out_fd[0] = out[0];
    c->out_fd[1] = err[0];
    return 0;
}

void command_exec(uint32_t id, const uint8_t *line, size_t len)
{
    if (command_find(id)) {
        // The host reused a running id. agent_proto.h asks for STDERR and EXIT 126 at
        // once, and they can only carry that same id: the host sees an EXIT for its
        // running command, whose real EXIT comes later. A protocol problem (a refusal
        // frame of its own would fix it); a host that never reuses ids never meets it.
        refuse(id, 126, "command id in use");
        return;
    }
    if (memchr(line, 0, len)) {
        refuse(id, 126, "command line holds a NUL byte");
        return;
    }
    struct command *c = NULL;
    for (unsigned i = 0; i < AGENT_COMMANDS_MAX && !c; i++) {
        c = commands[i].used ? NULL : &commands[i];
    }
    if (!c) {
        refuse(id, 126, "too many commands at once");
        return;
    }
    unsigned slot = (unsigned)(c - commands);
    *c = (struct command){
        .id = id,
        .stdin_fd = -1,
        .out_fd = {-1, -1},
        .in = {.buf = stdin_bufs[slot], .cap = AGENT_WINDOW_INITIAL},
        .in_credit = AGENT_WINDOW_INITIAL,
        .out_credit = AGENT_WINDOW_INITIAL,
    };
    static char cmd[AGENT_PAYLOAD_MAX + 1];
    memcpy(cmd, line, len);
    cmd[len] = '\0';
    int e = spawn(c, cmd);
    if (e != 0) {
        char why[96];
        snprintf(why, sizeof(why), "cannot run /bin/sh: %s", strerror(e));
        refuse(id, e == ENOENT || e == EACCES ? 127 : 126, why);
        return;
    }
    c->used = true;
}

// Writes buffered STDIN into the pipe until it is full; what it took is granted back.
static void write_stdin(struct command *c)
{
    while (c->in.len > 0 && c->stdin_fd >= 0) {
        size_t run;
        const uint8_t *p = ring_peek(&c->in, &run);
        ssize_t n = write(c->stdin_fd, p, run);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        if (n <= 0) { // EPIPE: nobody reads it any more; later STDIN is dropped
            c->in_grant += (uint32_t)c->in.len;
            ring_consume(&c->in, c->in.len);
            c->in_broken = true;
            close_fd(&c->stdin_fd);
            return;
        }
        ring_consume(&c->in, (size_t)n);
        c->in_grant += (uint32_t)n;
    }
    if (c->in.len == 0 && c->in_eof) {
        close_fd(&c->stdin_fd);
    }
}

void command_stdin(struct command *c, const uint8_t *data, size_t len)
{
    if (c->in_eof) {
        agent_log(4, "id %u: STDIN after STDIN_EOF dropped (%zu bytes)", c->id, len);
        return;
    }
    if (len > c->in_credit) {
        agent_log(4, "id %u: STDIN beyond the window: %zu of %zu bytes dropped", c->id,
                  len - c->in_credit, len);
        len = c->in_credit;
    }
    c->in_credit -= (uint32_t)len;
    if (c->in_broken) {
        c->in_grant += (uint32_t)len; // consumed, as far as the host is concerned
        return;
    }
    ring_put(&c->in, data, len); // fits: in.len + in_credit + in_grant == the window
    write_stdin(c);
}

void command_stdin_eof(struct command *c)
{
    c->in_eof = true;
    write_stdin(c);
}

void command_signal(struct command *c, uint32_t sig)
{
    if (sig == 0 || sig >= (uint32_t)NSIG) {
        agent_log(4, "id %u: SIGNAL %u is not a signal", c->id, sig);
        return;
    }
    // Once reaped, the group lives on only while a member holds an output pipe.
    if (!c->reaped || c->out_fd[0] >= 0 || c->out_fd[1] >= 0) {
        kill(-c->pid, (int)sig);
    }
}

void command_window(struct command *c, uint32_t bytes)
{
    c->out_credit += bytes;
    if (c->out_credit > OUT_CREDIT_MAX) {
        c->out_credit = OUT_CREDIT_MAX;
    }
}

void command_reap_all(void)
{
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid < 0 && errno == EINTR) {
            continue;
        }
        if (pid <= 0) {
            return; // none left (ECHILD) or none ended yet
        }
        for (unsigned i = 0; i < AGENT_COMMANDS_MAX; i++) {
            struct command *c = &commands[i];
            if (c->used && !c->reaped && c->pid == pid) {
                c->reaped = true;
                c->status = WIFSIGNALED(st) ? -WTERMSIG(st) : WEXITSTATUS(st);
            }
        }
        // Anything else was an orphan re-parented to init: reaped, forgotten.
    }
}

static bool can_send_output(const struct command *c)
{
    return c->out_credit > 0 && tx_space() >= AGENT_HDR_SIZE + AGENT_PAYLOAD_MAX;
}

// Moves output from pipe k (0 stdout, 1 stderr) into STDOUT/STDERR frames while the
// credit and the queue allow; closes the pipe at EOF.
static void read_output(struct command *c, int k, short revents)
{
    int *fd = &c->out_fd[k];
    if (!can_send_output(c)) {
        int avail = 1;
        if ((revents & POLLHUP) && ioctl(*fd, FIONREAD, &avail) == 0 && avail == 0) {
            close_fd(fd); // ended with nothing left: no credit needed to see it
        }
        return;
    }
    while (*fd >= 0 && can_send_output(c)) {
        size_t max = c->out_credit < AGENT_PAYLOAD_MAX ? (size_t)c->out_credit : AGENT_PAYLOAD_MAX;
        uint8_t *p = tx_begin(k == 0 ? AGENT_STDOUT : AGENT_STDERR, c->id, max);
        if (!p) {
            return;
        }
        ssize_t n = read(*fd, p, max);
        if (n > 0) {
            tx_commit((size_t)n);
            c->out_credit -= (uint64_t)n;
            if ((size_t)n < max) {
                return; // drained for now
            }
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            close_fd(fd);
        } else {
            return;
        }
    }
}

int command_poll_fds(const struct command *c, int *fds, short *events)
{
    int n = 0;
    if (c->stdin_fd >= 0 && c->in.len > 0) {
        fds[n] = c->stdin_fd;
        events[n++] = POLLOUT;
    }
    for (int k = 0; k < 2; k++) {
        if (c->out_fd[k] >= 0) { // events 0 still reports POLLHUP
            fds[n] = c->out_fd[k];
            events[n++] = can_send_output(c) ? POLLIN : 0;
        }
    }
    return n;
}

void command_poll_events(struct command *c, const int *fds, const short *revents, int n)
{
    for (int i = 0; i < n; i++) {
        if (revents[i] == 0) {
            continue;
        }
        if (fds[i] == c->stdin_fd) {
            write_stdin(c);
        } else if (fds[i] == c->out_fd[0]) {
            read_output(c, 0, revents[i]);
        } else if (fds[i] == c->out_fd[1]) {
            read_output(c, 1, revents[i]);
        }
    }
}

// WINDOW for STDIN written to the pipe, then EXIT once the command ended and its
// output was all queued; EXIT frees the slot.
static void flush_one(struct command *c)
{
    if (c->reaped && c->out_fd[0] < 0 && c->out_fd[1] < 0) {
        if (tx_u32(AGENT_EXIT, c->id, (uint32_t)c->status)) {
            close_fd(&c->stdin_fd);
            c->used = false;
        }
        return; // credit for an ended command is moot
    }
    if (c->in_grant > 0 && tx_u32(AGENT_WINDOW, c->id, c->in_grant)) {
        c->in_credit += c->in_grant;
        c->in_grant = 0;
    }
}

void command_flush_all(void)
{
    for (unsigned i = 0; i < AGENT_COMMANDS_MAX; i++) {
        if (commands[i].used) {
            flush_one(&commands[i]);
        }
    }
}
