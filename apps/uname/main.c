// uname: runs `command` (uname -a) in Linux through the linux service's exec:
// protocol (<ftl/linux.h>) and logs each line it prints and its exit status.
#include <ftl.h>
#include <ftl/linux.h>
#include <stdio.h>
#include <string.h>

static char line[512];
static size_t line_len;

// Logs complete lines of `data`; a line longer than the buffer is logged in pieces.
static void log_lines(const char *what, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            line[line_len++] = (char)data[i];
        }
        if (data[i] == '\n' || line_len == sizeof(line) - 1) {
            line[line_len] = '\0';
            FTL_INFO("uname: %s%s", what, line);
            line_len = 0;
        }
    }
}

static void on_data(const struct ftl_loop_event *ev)
{
    const struct ftl_msg *msg = ev->msg;
    if (msg->cookie == FTL_LINUX_EXIT && msg->len == sizeof(int32_t)) {
        int32_t status;
        memcpy(&status, msg->data, sizeof(status));
        log_lines("", (const uint8_t *)"\n", line_len ? 1 : 0);
        FTL_INFO("uname: exit status %d", (int)status);
        ftl_loop_stop(ev->loop);
        return;
    }
    log_lines(ev->ctx ? "stderr: " : "", msg->data, msg->len);
}

static void on_message(const struct ftl_loop_event *ev)
{
    const struct ftl_msg *msg = ev->msg;
    if (msg->type == FTL_MSG_OPEN_REPLY && msg->nhandles == 2) {
        // handles[0]: stdin, stdout and the exit status; handles[1]: stderr.
        FTL_CHECK(ftl_loop_watch_channel(ev->loop, msg->handles[0], NULL));
        FTL_CHECK(ftl_loop_watch_channel(ev->loop, msg->handles[1], (void *)1));
        FTL_CHECK(ftl_channel_send(msg->handles[0], FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL,
                                   0)); // no stdin
        return;
    }
    ftl_err_t err = FTL_ERR_UNSUPPORTED;
    if (msg->type == FTL_MSG_ERROR_REPLY && msg->len >= sizeof(err)) {
        memcpy(&err, msg->data, sizeof(err));
    }
    FTL_WARN("uname: the command failed: %s", ftl_err_str(err));
    ftl_loop_stop(ev->loop);
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t linux_ch;
    const char *command;
    FTL_CHECK(ftl_env_channel(env, "linux", &linux_ch));
    FTL_CHECK(ftl_env_string(env, "command", &command));

    static char uri[256];
    int n = snprintf(uri, sizeof(uri), "exec:%s", command);
    if (n < 0 || (size_t)n >= sizeof(uri)) {
        FTL_WARN("uname: the command is too long");
        return;
    }
    static const struct ftl_loop_ops ops = {.on_data = on_data, .on_message = on_message};
    static struct ftl_loop loop;
    FTL_CHECK(ftl_loop_init(&loop, &ops));
    FTL_CHECK(ftl_loop_watch_channel(&loop, linux_ch, NULL));
    FTL_CHECK(ftl_channel_send(linux_ch, FTL_MSG_OPEN, 1, uri, (size_t)n, NULL, 0));
    FTL_CHECK(ftl_loop_run(&loop));
}
