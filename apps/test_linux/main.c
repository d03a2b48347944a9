// test_linux: drives the linux service's exec: protocol (<ftl/linux.h>) through the
// cases of docs/linux.md, one `TEST` line each. Blocking helpers over a poll keep each
// test linear.
#include <ftl.h>
#include <ftl/linux.h>
#include <ftl/test.h>
#include <stdio.h>
#include <string.h>

#define SECOND 1000000000ll
#define WAIT_NS (300 * SECOND) // the first command also waits for Linux to boot

struct run {
    ftl_handle_t out, err;
    char stdout_buf[8192];
    size_t out_len;
    uint64_t out_total;
    char stderr_buf[512];
    size_t err_len;
    bool exited;
    int32_t status;
    ftl_err_t error; // ERROR_REPLY on the command's channel
};

static ftl_handle_t lx;
static uint64_t cookie;
static int64_t big_mib;

static ftl_err_t wait_readable(ftl_handle_t h, uint32_t events, int64_t timeout_ns)
{
    ftl_handle_t poll;
    ftl_err_t err = ftl_poll_create(&poll);
    if (err != FTL_OK) {
        return err;
    }
    struct ftl_event ev;
    err = ftl_poll_add(poll, h, events, NULL);
    if (err == FTL_OK) {
        err = ftl_poll_wait(poll, timeout_ns, &ev);
    }
    (void)ftl_handle_close(poll);
    return err;
}

static ftl_err_t open_cmd(const char *cmd, struct run *r)
{
    memset(r, 0, sizeof(*r));
    char uri[512];
    int n = snprintf(uri, sizeof(uri), "exec:%s", cmd);
    ftl_err_t err = ftl_channel_send(lx, FTL_MSG_OPEN, ++cookie, uri, (size_t)n, NULL, 0);
    if (err != FTL_OK) {
        return err;
    }
    err = wait_readable(lx, FTL_READABLE, WAIT_NS);
    static struct ftl_msg msg;
    if (err == FTL_OK) {
        err = ftl_channel_recv(lx, &msg);
    }
    if (err != FTL_OK) {
        return err;
    }
    if (msg.type == FTL_MSG_OPEN_REPLY && msg.cookie == cookie && msg.nhandles == 2) {
        r->out = msg.handles[0];
        r->err = msg.handles[1];
        return FTL_OK;
    }
    if (msg.type == FTL_MSG_ERROR_REPLY && msg.len >= 4) {
        memcpy(&err, msg.data, 4);
        return err;
    }
    return FTL_ERR_PARSE;
}

// Takes one message from `h` into `r`; FTL_ERR_EMPTY if none waits.
static ftl_err_t take(struct run *r, ftl_handle_t h)
{
    static struct ftl_msg msg;
    ftl_err_t err = ftl_channel_recv(h, &msg);
    if (err != FTL_OK) {
        return err;
    }
    if (msg.type == FTL_MSG_ERROR_REPLY) {
        memcpy(&r->error, msg.data, 4);
        r->exited = true;
    } else if (msg.cookie == FTL_LINUX_EXIT) {
        memcpy(&r->status, msg.data, 4);
        r->exited = true;
    } else if (h == r->out) {
        size_t n = msg.len < sizeof(r->stdout_buf) - 1 - r->out_len
                       ? msg.len
                       : sizeof(r->stdout_buf) - 1 - r->out_len;
        memcpy(r->stdout_buf + r->out_len, msg.data, n);
        r->out_len += n;
        r->out_total += msg.len;
    } else {
        size_t n = msg.len < sizeof(r->stderr_buf) - 1 - r->err_len
                       ? msg.len
                       : sizeof(r->stderr_buf) - 1 - r->err_len;
        memcpy(r->stderr_buf + r->err_len, msg.data, n);
        r->err_len += n;
    }
    return FTL_OK;
}

// Reads both channels until the exit status (or an error) came; stderr first, as
// everything on it was sent before the status.
static void finish(struct run *r)
{
    int64_t deadline = ftl_time_now() + WAIT_NS;
    while (!r->exited && ftl_time_now() < deadline) {
        while (take(r, r->err) == FTL_OK) {
        }
        if (take(r, r->out) == FTL_OK) {
            continue;
        }
        (void)wait_readable(r->out, FTL_READABLE, SECOND / 10);
    }
    while (take(r, r->err) == FTL_OK) {
    }
    r->stdout_buf[r->out_len] = '\0';
    r->stderr_buf[r->err_len] = '\0';
    (void)ftl_handle_close(r->out);
    (void)ftl_handle_close(r->err);
}

// open_cmd, waiting while the service is full of commands being killed.
static ftl_err_t open_retry(const char *cmd, struct run *r)
{
    ftl_err_t err;
    for (int i = 0; (err = open_cmd(cmd, r)) == FTL_ERR_TOO_MANY && i < 300; i++) {
        ftl_sleep_ns(SECOND / 10);
    }
    return err;
}

static void run(const char *cmd, struct run *r)
{
    ftl_err_t err = open_retry(cmd, r);
    CHECK_OK(err);
    if (err != FTL_OK) {
        r->error = err;
        return;
    }
    (void)ftl_channel_send(r->out, FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL, 0);
    finish(r);
    CHECK(r->exited);
}

static struct run r1, r2;

static void uname_says_linux_aarch64(void)
{
    run("uname -a", &r1);
    FTL_INFO("uname -a: %s", r1.stdout_buf);
    CHECK(strstr(r1.stdout_buf, "Linux") && strstr(r1.stdout_buf, "aarch64"));
    CHECK(r1.status == 0);
}

static void echo_prints_and_exits_0(void)
{
    run("echo hi", &r1);
    CHECK(strcmp(r1.stdout_buf, "hi\n") == 0);
    CHECK(r1.status == 0 && r1.err_len == 0);
}

static void false_exits_1_and_stderr_is_apart(void)
{
    run("false", &r1);
    CHECK(r1.status == 1);
    run("echo oops >&2; exit 3", &r1);
    CHECK(strcmp(r1.stderr_buf, "oops\n") == 0);
    CHECK(r1.out_len == 0 && r1.status == 3);
}

// 1 MiB of a pattern through sha256sum: the digest is logged for the host to check.
static void stdin_streams_with_backpressure(void)
{
    CHECK_OK(open_cmd("sha256sum", &r1));
    static uint8_t chunk[4096];
    uint64_t fulls = 0;
    for (uint32_t i = 0; i < 256; i++) {
        for (uint32_t k = 0; k < sizeof(chunk); k++) {
            uint32_t pos = i * 4096 + k;
            chunk[k] = (uint8_t)(pos * 7 + pos / 4096);
        }
        ftl_err_t err;
        while ((err = ftl_channel_send_data(r1.out, chunk, sizeof(chunk))) == FTL_ERR_FULL) {
            fulls++;
            CHECK_OK(wait_readable(r1.out, FTL_WRITABLE, WAIT_NS));
        }
        CHECK_OK(err);
        if (err != FTL_OK) {
            break; // the command then ends with the EOF below
        }
    }
    // EOF goes through the same queue: it too may have to wait for room.
    ftl_err_t err;
    while ((err = ftl_channel_send(r1.out, FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL, 0)) ==
           FTL_ERR_FULL) {
        CHECK_OK(wait_readable(r1.out, FTL_WRITABLE, WAIT_NS));
    }
    CHECK_OK(err);
    finish(&r1);
    FTL_INFO("sha256 of 1 MiB: %.64s (the queue was full %llu times)", r1.stdout_buf,
             (unsigned long long)fulls);
    CHECK(r1.status == 0 && r1.out_len >= 64);
}

static void two_commands_run_at_once(void)
{
    int64_t t0 = ftl_time_now();
    CHECK_OK(open_cmd("sleep 1; echo slow", &r1));
    run("echo fast", &r2);
    CHECK(strcmp(r2.stdout_buf, "fast\n") == 0);
    CHECK(!r1.exited);
    (void)ftl_channel_send(r1.out, FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL, 0);
    finish(&r1);
    int64_t ms = (ftl_time_now() - t0) / 1000000;
    FTL_INFO("sleep 1 took %lld ms", (long long)ms);
    CHECK(strcmp(r1.stdout_buf, "slow\n") == 0);
    CHECK(ms >= 1000);
}

// Closing a command's channel kills it and frees its slot: then 16 commands fit at
// once (those left from earlier tests end as their kills arrive), and a 17th does not.
static void closing_kills_and_the_seventeenth_is_refused(void)
{
    CHECK_OK(open_cmd("sleep 1000", &r1));
    (void)ftl_handle_close(r1.out);
    (void)ftl_handle_close(r1.err);
    static struct run many[FTL_LINUX_COMMANDS_MAX];
    int opened = 0;
    int64_t deadline = ftl_time_now() + 30 * SECOND;
    while (opened < FTL_LINUX_COMMANDS_MAX && ftl_time_now() < deadline) {
        ftl_err_t err = open_cmd("sleep 1000", &many[opened]);
        if (err == FTL_OK) {
            opened++;
        } else if (err == FTL_ERR_TOO_MANY) {
            ftl_sleep_ns(SECOND / 10); // a killed command's EXIT is on its way
        } else {
            CHECK_OK(err);
            break;
        }
    }
    CHECK(opened == FTL_LINUX_COMMANDS_MAX);
    CHECK_ERR(open_cmd("true", &r2), FTL_ERR_TOO_MANY);
    for (int i = 0; i < opened; i++) {
        (void)ftl_handle_close(many[i].out);
        (void)ftl_handle_close(many[i].err);
    }
}

// `big_mib` MiB of stdout, read a little at a time: the command waits for the reader.
static void big_output_to_a_slow_reader(void)
{
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "head -c %lld /dev/zero", (long long)big_mib << 20);
    CHECK_OK(open_retry(cmd, &r1));
    (void)ftl_channel_send(r1.out, FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL, 0);
    int64_t t0 = ftl_time_now();
    for (uint64_t n = 0; !r1.exited && ftl_time_now() - t0 < WAIT_NS; n++) {
        if (take(&r1, r1.out) != FTL_OK) {
            (void)wait_readable(r1.out, FTL_READABLE, SECOND);
        } else if (n % 64 == 0) {
            ftl_sleep_ns(SECOND / 1000); // slow
        }
        r1.out_len = 0;
    }
    int64_t ms = (ftl_time_now() - t0) / 1000000;
    FTL_INFO("%lld MiB of stdout in %lld ms", (long long)big_mib, (long long)ms);
    CHECK(r1.exited && r1.status == 0);
    CHECK(r1.out_total == (uint64_t)big_mib << 20);
    (void)ftl_handle_close(r1.out);
    (void)ftl_handle_close(r1.err);
}

// What the guest does to its devices stays in its VM: an address with no device reads
// 0, and taking the console from under the agent (unbinding its driver) restarts it.
// Before the restart, a program of the guest's drives the console itself and gives it
// a descriptor outside RAM (the agent's `virtio-bad-descriptors` mode): the app stops
// the device (DEVICE_NEEDS_RESET, logged; tests/test_linux.py checks the line).
static void a_hostile_guest_only_hurts_itself(void)
{
    run("devmem 0x0b000000 32", &r1);
    CHECK(r1.status == 0 && strcmp(r1.stdout_buf, "0x00000000\n") == 0);
    run("echo a000000.virtio_mmio > /sys/bus/platform/drivers/virtio-mmio/unbind && "
        "/init virtio-bad-descriptors",
        &r1);
    CHECK(r1.error == FTL_ERR_PEER_CLOSED);
    run("echo back", &r2);
    CHECK(strcmp(r2.stdout_buf, "back\n") == 0);
}

// A kernel panic (panic=-1: the guest resets) and a power-off: the command in flight
// fails, the VM boots again, and the next command runs in it.
static void a_panic_or_poweroff_restarts_the_vm(void)
{
    static const char *const kill[] = {"echo c > /proc/sysrq-trigger", "poweroff -f"};
    for (int i = 0; i < 2; i++) {
        run(kill[i], &r1);
        CHECK(r1.error == FTL_ERR_PEER_CLOSED);
        run("echo back", &r2);
        CHECK(strcmp(r2.stdout_buf, "back\n") == 0);
    }
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_env_channel(env, "linux", &lx));
    FTL_CHECK(ftl_env_number(env, "big_mib", &big_mib));
    run_test("linux.uname_says_linux_aarch64", uname_says_linux_aarch64);
    run_test("linux.echo_prints_and_exits_0", echo_prints_and_exits_0);
    run_test("linux.false_exits_1_and_stderr_is_apart", false_exits_1_and_stderr_is_apart);
    run_test("linux.stdin_streams_with_backpressure", stdin_streams_with_backpressure);
    run_test("linux.two_commands_run_at_once", two_commands_run_at_once);
    run_test("linux.closing_kills_and_the_seventeenth_is_refused",
             closing_kills_and_the_seventeenth_is_refused);
    if (big_mib > 0) {
        run_test("linux.big_output_to_a_slow_reader", big_output_to_a_slow_reader);
    }
    run_test("linux.a_hostile_guest_only_hurts_itself", a_hostile_guest_only_hurts_itself);
    run_test("linux.a_panic_or_poweroff_restarts_the_vm", a_panic_or_poweroff_restarts_the_vm);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
