// wasm_uname: apps/uname as a WASM module. Opens exec:<command> on the linux service,
// says there is no stdin, and logs what the command prints and its exit status.
#include <ftl/linux.h>
#include <ftl_wasm.h>
#include <stdio.h>
#include <string.h>

static struct ftl_msg msg;

// Waits for the next message on `ch` (the poll watches it alone).
static ftl_err_t next(ftl_handle_t poll, ftl_handle_t ch)
{
    for (;;) {
        ftl_err_t err = ftl_channel_recv(ch, &msg);
        if (err != FTL_ERR_EMPTY) {
            return err;
        }
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    }
}

int main(void)
{
    const struct ftl_env *env = ftl_env_load();
    ftl_handle_t linux_ch, poll, io;
    const char *command;
    if (!env || ftl_env_channel(env, "linux", &linux_ch) != FTL_OK ||
        ftl_env_string(env, "command", &command) != FTL_OK) {
        FTL_ERROR("wasm_uname: no linux service or command in the environ");
        return 1;
    }
    static char uri[256];
    int n = snprintf(uri, sizeof(uri), "exec:%s", command);
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, linux_ch, FTL_READABLE, NULL));
    FTL_CHECK(ftl_channel_send(linux_ch, FTL_MSG_OPEN, 1, uri, (size_t)n, NULL, 0));
    ftl_err_t err = next(poll, linux_ch);
    if (err != FTL_OK || msg.type != FTL_MSG_OPEN_REPLY || msg.nhandles != 2) {
        ftl_err_t why = err;
        if (err == FTL_OK && msg.len >= sizeof(why)) {
            memcpy(&why, msg.data, sizeof(why));
        }
        FTL_WARN("wasm_uname: the command failed: %s", ftl_err_str(why));
        return 1;
    }
    io = msg.handles[0];
    FTL_CHECK(ftl_handle_close(msg.handles[1])); // stderr: not read here
    FTL_CHECK(ftl_poll_remove(poll, linux_ch));
    FTL_CHECK(ftl_poll_add(poll, io, FTL_READABLE, NULL));
    FTL_CHECK(ftl_channel_send(io, FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL, 0)); // no stdin
    while (next(poll, io) == FTL_OK) {
        if (msg.cookie == FTL_LINUX_EXIT && msg.len == sizeof(int32_t)) {
            int32_t status;
            memcpy(&status, msg.data, sizeof(status));
            FTL_INFO("wasm_uname: exit status %d", (int)status);
            return 0;
        }
        FTL_INFO("wasm_uname: %.*s", (int)(msg.len && msg.data[msg.len - 1] == '\n'
                                                ? msg.len - 1 : msg.len), msg.data);
    }
    FTL_WARN("wasm_uname: the command's channel closed without an exit status");
    return 1;
}
