// Pipe stages' stdin and stdout (<ftl/stdio.h>, docs/pipes.md): DATA messages on the
// environ's `stdin`/`stdout` channels, read and written with backpressure.
#include <ftl.h>
#include <ftl/stdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ftl_handle_t in_ch, out_ch;     // 0: absent or closed
static ftl_handle_t in_poll, out_poll; // made on the first wait
static bool out_to_log;                // no `stdout`: lines go to the log
static bool in_eof;
static struct ftl_msg in_msg; // the DATA message being read, from in_pos on
static uint32_t in_pos;
static uint8_t out_buf[FTL_MSG_DATA_MAX];
static size_t out_len;
static char args_copy[FTL_ENV_STRING_MAX];

static void flush_at_exit(void)
{
    (void)ftl_stdout_flush();
}

// The channel item `name`, or 0 if the environ has none.
static ftl_handle_t channel_item(const struct ftl_env *env, const char *name)
{
    const struct ftl_env_item *it = ftl_env_find(env, name);
    return it && it->kind == FTL_ENV_CHANNEL ? it->handle : 0;
}

ftl_err_t ftl_stdio_init(const struct ftl_env *env)
{
    in_ch = channel_item(env, "stdin");
    in_eof = !in_ch;
    out_ch = channel_item(env, "stdout");
    out_to_log = !out_ch;
    return atexit(flush_at_exit) == 0 ? FTL_OK : FTL_ERR_NO_MEMORY;
}

ftl_err_t ftl_args(const struct ftl_env *env, char **argv, size_t max, size_t *out_argc)
{
    size_t n = 0;
    if (max > 0) {
        argv[n++] = (char *)ftl_env_app_name(env);
    }
    const struct ftl_env_item *args = ftl_env_find(env, "args");
    if (args && args->kind == FTL_ENV_STRING) {
        snprintf(args_copy, sizeof(args_copy), "%s", args->str);
        char *p = args_copy;
        while (*p && n < max) {
            while (*p == ' ') {
                *p++ = '\0';
            }
            if (*p) {
                argv[n++] = p;
            }
            while (*p && *p != ' ') {
                p++;
            }
        }
        if (*p == ' ') {
            *p = '\0';
        }
    }
    *out_argc = n;
    return FTL_OK;
}

// Waits until `ch` reports `events` (or its peer closed), on a poll made once.
static ftl_err_t wait_for(ftl_handle_t ch, ftl_handle_t *poll, uint32_t events)
{
    if (!*poll) {
        ftl_err_t err = ftl_poll_create(poll);
        if (err != FTL_OK) {
            *poll = 0;
            return err;
        }
        err = ftl_poll_add(*poll, ch, events, NULL);
        if (err != FTL_OK) {
            (void)ftl_handle_close(*poll);
            *poll = 0;
            return err;
        }
    }
    struct ftl_event ev;
    return ftl_poll_wait(*poll, FTL_NO_TIMEOUT, &ev);
}

// Makes sure in_msg has unread bytes, waiting for them; false at EOF.
static ftl_err_t fill(bool *out_more)
{
    while (in_pos >= in_msg.len && !in_eof) {
        ftl_err_t err = ftl_channel_recv(in_ch, &in_msg);
        in_pos = 0;
        if (err == FTL_OK) {
            for (uint32_t i = 0; i < in_msg.nhandles; i++) {
                (void)ftl_handle_close(in_msg.handles[i]); // stdin carries bytes only
            }
            if (in_msg.type != FTL_MSG_DATA) {
                in_msg.len = 0;
            }
            continue;
        }
        in_msg.len = 0;
        if (err == FTL_ERR_PEER_CLOSED) {
            in_eof = true;
        } else if (err != FTL_ERR_EMPTY) {
            return err;
        } else {
            err = ftl_stdout_flush(); // our reader may be waiting for these first
            if (err == FTL_OK) {
                err = wait_for(in_ch, &in_poll, FTL_READABLE);
            }
            if (err != FTL_OK) {
                return err;
            }
        }
    }
    *out_more = in_pos < in_msg.len;
    return FTL_OK;
}

ftl_err_t ftl_stdin_read(void *buf, size_t cap, size_t *out_n)
{
    bool more;
    ftl_err_t err = fill(&more);
    *out_n = 0;
    if (err != FTL_OK || !more) {
        return err;
    }
    size_t n = in_msg.len - in_pos;
    n = n < cap ? n : cap;
    memcpy(buf, in_msg.data + in_pos, n);
    in_pos += (uint32_t)n;
    *out_n = n;
    return FTL_OK;
}

ftl_err_t ftl_stdin_line(char *buf, size_t cap, size_t *out_n)
{
    if (cap < 2) {
        return FTL_ERR_INVALID_ARG;
    }
    size_t n = 0;
    bool more = true;
    while (n < cap - 1) {
        ftl_err_t err = fill(&more);
        if (err != FTL_OK) {
            return err;
        }
        if (!more) {
            break;
        }
        char c = (char)in_msg.data[in_pos++];
        buf[n++] = c;
        if (c == '\n') {
            break;
        }
    }
    buf[n] = '\0';
    *out_n = n;
    return FTL_OK;
}

// Sends out_buf: to the log without a stdout, else as one DATA message, waiting while
// the reader's queue is full.
static ftl_err_t send_out(void)
{
    if (out_to_log) {
        size_t start = 0;
        for (size_t i = 0; i <= out_len; i++) {
            if (i == out_len || out_buf[i] == '\n') {
                if (i > start) {
                    ftl_log(FTL_LOG_INFO, "%.*s", (int)(i - start), (const char *)out_buf + start);
                }
                start = i + 1;
            }
        }
        out_len = 0;
        return FTL_OK;
    }
    for (;;) {
        ftl_err_t err = ftl_channel_send_data(out_ch, out_buf, out_len);
        if (err == FTL_OK) {
            out_len = 0;
            return FTL_OK;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            ftl_exit(0); // nobody reads what we write: end quietly, as on SIGPIPE
        }
        if (err != FTL_ERR_FULL) {
            return err;
        }
        err = wait_for(out_ch, &out_poll, FTL_WRITABLE);
        if (err != FTL_OK) {
            return err;
        }
    }
}

ftl_err_t ftl_stdout_flush(void)
{
    return out_len ? send_out() : FTL_OK;
}

ftl_err_t ftl_stdout_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    if (!out_ch && !out_to_log) {
        return FTL_ERR_BAD_HANDLE;
    }
    while (len > 0) {
        size_t n = sizeof(out_buf) - out_len;
        n = n < len ? n : len;
        memcpy(out_buf + out_len, p, n);
        out_len += n;
        p += n;
        len -= n;
        if (out_len == sizeof(out_buf)) {
            ftl_err_t err = send_out();
            if (err != FTL_OK) {
                return err;
            }
        }
    }
    return FTL_OK;
}

ftl_err_t ftl_stdout_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return FTL_ERR_INVALID_ARG;
    }
    return ftl_stdout_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

ftl_err_t ftl_stdio_close(void)
{
    ftl_err_t err = ftl_stdout_flush();
    ftl_handle_t hs[4] = {out_ch, in_ch, out_poll, in_poll};
    for (size_t i = 0; i < 4; i++) {
        if (hs[i]) {
            (void)ftl_handle_close(hs[i]);
        }
    }
    out_ch = in_ch = out_poll = in_poll = 0;
    out_to_log = false;
    in_eof = true;
    return err;
}
