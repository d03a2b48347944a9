// linux_bench: times commands run through the linux service (docs/linux.md) and logs
// BENCH lines for tools/bench_linux.py: the round trip of `exec:/bin/true` (open,
// no stdin, exit status back) and the rate of a command's stdout.
#include <ftl.h>
#include <ftl/linux.h>
#include <stdio.h>
#include <string.h>

static ftl_handle_t linux_ch, poll;
static struct ftl_msg msg;

// Receives the next message on `ch`, waiting for it.
static ftl_err_t next(ftl_handle_t ch)
{
    for (;;) {
        ftl_err_t err = ftl_channel_recv(ch, &msg);
        if (err != FTL_ERR_EMPTY) {
            return err;
        }
        struct ftl_event ev;
        err = ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev);
        if (err != FTL_OK) {
            return err;
        }
    }
}

// Runs `cmd` to its end; counts its stdout bytes. Returns its exit status, or -1000
// if the service refused it or the channel broke.
static int run(const char *cmd, uint64_t *out_bytes)
{
    char uri[128];
    int n = snprintf(uri, sizeof(uri), "exec:%s", cmd);
    *out_bytes = 0;
    if (ftl_channel_send(linux_ch, FTL_MSG_OPEN, 7, uri, (size_t)n, NULL, 0) != FTL_OK ||
        next(linux_ch) != FTL_OK || msg.type != FTL_MSG_OPEN_REPLY || msg.nhandles != 2) {
        return -1000;
    }
    ftl_handle_t io = msg.handles[0], err_ch = msg.handles[1];
    int status = -1000;
    // No stdin. A command that ended already closed its side: its status is queued.
    ftl_err_t err = ftl_poll_add(poll, io, FTL_READABLE, NULL);
    if (err == FTL_OK) {
        err = ftl_channel_send(io, FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL, 0);
    }
    if (err != FTL_OK && err != FTL_ERR_PEER_CLOSED) {
        goto out;
    }
    while (next(io) == FTL_OK) {
        if (msg.type == FTL_MSG_DATA && msg.cookie == FTL_LINUX_EXIT && msg.len == 4) {
            int32_t s;
            memcpy(&s, msg.data, sizeof(s));
            status = s;
            break;
        }
        *out_bytes += msg.len;
    }
out:
    (void)ftl_poll_remove(poll, io);
    (void)ftl_handle_close(io);
    (void)ftl_handle_close(err_ch);
    return status;
}

void app_main(const struct ftl_env *env)
{
    int64_t rounds, mib;
    FTL_CHECK(ftl_env_channel(env, "linux", &linux_ch));
    FTL_CHECK(ftl_env_number(env, "rounds", &rounds));
    FTL_CHECK(ftl_env_number(env, "stream_mib", &mib));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, linux_ch, FTL_READABLE, NULL));
    uint64_t bytes;
    int status = run("/bin/true", &bytes); // waits for the agent
    FTL_INFO("BENCH linux first_exec_done_ns=%lld status=%d", (long long)ftl_time_now(), status);
    int64_t t0 = ftl_time_now();
    int failures = 0;
    for (int64_t i = 0; i < rounds; i++) {
        int st = run("/bin/true", &bytes);
        if (st != 0 && failures++ == 0) {
            FTL_WARN("linux_bench: /bin/true: status %d (type %u, len %u)", st, msg.type, msg.len);
        }
    }
    int64_t per = (ftl_time_now() - t0) / (rounds ? rounds : 1);
    FTL_INFO("BENCH linux exec_true_ns=%lld rounds=%lld failures=%d", (long long)per,
             (long long)rounds, failures);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "dd if=/dev/zero bs=65536 count=%lld 2>/dev/null", (long long)mib * 16);
    t0 = ftl_time_now();
    status = run(cmd, &bytes);
    int64_t ns = ftl_time_now() - t0;
    FTL_INFO("BENCH linux stdout_bytes=%llu ns=%lld status=%d", (unsigned long long)bytes,
             (long long)ns, status);
    FTL_INFO("BENCH done");
}
