// linux_run: one pipe stage run in Linux (docs/pipes.md, docs/linux.md). Relays the
// stage's stdin to the command (DATA, then EOF when the writer closes) and the
// command's stdout to the stage's stdout, with backpressure both ways: it reads stdin
// only while the command's channel takes more, and ftl_stdout_write waits for a slow
// reader. Ends with the command's exit status.
#include <ftl.h>
#include <ftl/linux.h>
#include <ftl/stdio.h>
#include <stdio.h>
#include <string.h>

enum { CTX_STDIN = 1, CTX_IO, CTX_ERR };

static ftl_handle_t poll, in = -1, io, err_ch;
static struct ftl_msg msg;
static struct ftl_msg held; // stdin bytes the command's channel had no room for
static bool holding, in_done;

static void fail(const char *why, ftl_err_t err)
{
    FTL_WARN("linux_run: %s: %s", why, ftl_err_str(err));
    ftl_exit(126);
}

// Sends what stdin gave to the command; false if its queue is full (wait for WRITABLE).
static bool forward(const struct ftl_msg *m)
{
    uint64_t cookie = m->len ? FTL_LINUX_STDIO : FTL_LINUX_EOF;
    ftl_err_t e = ftl_channel_send(io, FTL_MSG_DATA, cookie, m->data, m->len, NULL, 0);
    if (e == FTL_ERR_FULL) {
        return false;
    }
    if (e == FTL_ERR_PEER_CLOSED) {
        in_done = true; // the command ended already: its output and status are queued
        return true;
    }
    if (e != FTL_OK) {
        fail("sending to the command", e);
    }
    return true;
}

static void stdin_ready(void)
{
    while (!holding && !in_done) {
        ftl_err_t e = ftl_channel_recv(in, &msg);
        if (e == FTL_ERR_EMPTY) {
            return;
        }
        if (e != FTL_OK || msg.type != FTL_MSG_DATA || msg.len == 0) {
            in_done = true; // the writer closed: EOF for the command
            msg.len = 0;
            (void)ftl_poll_remove(poll, in);
        }
        if (!forward(&msg)) {
            held = msg;
            holding = true;
            FTL_CHECK(ftl_poll_modify(poll, io, FTL_READABLE | FTL_WRITABLE, (void *)CTX_IO));
        }
    }
}

static bool io_ready(uint32_t events)
{
    if (holding && (events & FTL_WRITABLE) && forward(&held)) {
        holding = false;
        FTL_CHECK(ftl_poll_modify(poll, io, FTL_READABLE, (void *)CTX_IO));
        stdin_ready();
    }
    for (;;) {
        ftl_err_t e = ftl_channel_recv(io, &msg);
        if (e == FTL_ERR_EMPTY) {
            return true;
        }
        if (e != FTL_OK) {
            fail("the command's channel", e);
        }
        if (msg.cookie == FTL_LINUX_EXIT && msg.len == sizeof(int32_t)) {
            int32_t status;
            memcpy(&status, msg.data, sizeof(status));
            FTL_CHECK(ftl_stdio_close());
            ftl_exit(status < 0 ? 128 - status : status);
        }
        FTL_CHECK(ftl_stdout_write(msg.data, msg.len));
    }
}

static void err_ready(void)
{
    while (ftl_channel_recv(err_ch, &msg) == FTL_OK) {
        FTL_WARN("linux_run: stderr: %.*s", (int)(msg.len && msg.data[msg.len - 1] == '\n'
                                                       ? msg.len - 1 : msg.len), msg.data);
    }
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t linux_ch;
    const char *args = NULL;
    FTL_CHECK(ftl_stdio_init(env));
    FTL_CHECK(ftl_env_channel(env, "linux", &linux_ch));
    if (ftl_env_find(env, "args") && ftl_env_string(env, "args", &args) != FTL_OK) {
        args = NULL;
    }
    if (!args || !*args) {
        FTL_WARN("linux_run: no command (a stage looks like: linux tr a-z A-Z)");
        ftl_exit(2);
    }
    static char uri[FTL_ENV_STRING_MAX + 8];
    int n = snprintf(uri, sizeof(uri), "exec:%s", args);
    FTL_CHECK(ftl_channel_send(linux_ch, FTL_MSG_OPEN, 1, uri, (size_t)n, NULL, 0));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, linux_ch, FTL_READABLE, NULL));
    struct ftl_event ev;
    ftl_err_t e;
    while ((e = ftl_channel_recv(linux_ch, &msg)) == FTL_ERR_EMPTY) {
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    }
    if (e != FTL_OK || msg.type != FTL_MSG_OPEN_REPLY || msg.nhandles != 2) {
        ftl_err_t why = e != FTL_OK ? e : FTL_ERR_UNSUPPORTED;
        if (e == FTL_OK && msg.type == FTL_MSG_ERROR_REPLY && msg.len >= sizeof(why)) {
            memcpy(&why, msg.data, sizeof(why));
        }
        fail("the linux service refused the command", why);
    }
    io = msg.handles[0];
    err_ch = msg.handles[1];
    FTL_CHECK(ftl_poll_remove(poll, linux_ch));
    FTL_CHECK(ftl_poll_add(poll, io, FTL_READABLE, (void *)CTX_IO));
    FTL_CHECK(ftl_poll_add(poll, err_ch, FTL_READABLE, (void *)CTX_ERR));
    const struct ftl_env_item *it = ftl_env_find(env, "stdin");
    if (it && it->kind == FTL_ENV_CHANNEL) {
        in = it->handle;
        FTL_CHECK(ftl_poll_add(poll, in, FTL_READABLE, (void *)CTX_STDIN));
    } else {
        in_done = true;
        msg.len = 0;
        (void)forward(&msg); // no stdin: EOF at once
    }
    for (;;) {
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
        switch ((uintptr_t)ev.ctx) {
        case CTX_STDIN:
            stdin_ready();
            break;
        case CTX_IO:
            (void)io_ready(ev.events); // ends the app at the exit status
            if (ev.events & FTL_PEER_CLOSED) {
                fail("the command's channel closed without an exit status", FTL_ERR_PEER_CLOSED);
            }
            break;
        default:
            err_ready();
            break;
        }
    }
}
