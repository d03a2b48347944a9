// Host tests of the agent link (frame reassembly and checks) and the exec service
// (commands, credit in both directions, backpressure, a client leaving, the VM
// stopping), with the guest's side played by frames fed to the link.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../agent_proto.h"
#include "../vmm.h"
#include "fake_ftl.h"
#include <ftl/linux.h>

static struct agent_link link;
static struct exec_mux mux;
static ftl_handle_t svc_client, svc_server; // a client's service channel

static int setup(void **state)
{
    (void)state;
    fake_reset();
    link_reset(&link, exec_on_frame, &mux);
    exec_init(&mux, &link, 99);
    assert_int_equal(ftl_channel_create(&svc_client, &svc_server), FTL_OK);
    return 0;
}

static size_t frame(uint8_t *buf, uint8_t type, uint32_t id, const void *payload, uint32_t len)
{
    struct agent_hdr h = {.len = len, .type = type, .id = id};
    memcpy(buf, &h, sizeof(h));
    if (len) {
        memcpy(buf + sizeof(h), payload, len);
    }
    return sizeof(h) + len;
}

// The guest sends one frame, in one buffer.
static void guest_sends(uint8_t type, uint32_t id, const void *payload, uint32_t len)
{
    static uint8_t buf[AGENT_HDR_SIZE + AGENT_PAYLOAD_MAX];
    link_feed(&link, buf, frame(buf, type, id, payload, len));
}

static void guest_u32(uint8_t type, uint32_t id, uint32_t v)
{
    guest_sends(type, id, &v, 4);
}

// The guest reads the next frame the host queued; false if there is none.
static bool guest_reads(struct agent_hdr *h, uint8_t *payload)
{
    if (link.out.len == 0) {
        return false;
    }
    assert_int_equal(ring_get(&link.out, h, sizeof(*h)), sizeof(*h));
    assert_int_equal(ring_get(&link.out, payload, h->len), h->len);
    return true;
}

static void expect_frame(uint8_t type, uint32_t id, const void *payload, uint32_t len)
{
    static uint8_t buf[AGENT_PAYLOAD_MAX];
    struct agent_hdr h;
    assert_true(guest_reads(&h, buf));
    assert_int_equal(h.type, type);
    assert_int_equal(h.id, id);
    assert_int_equal(h.len, len);
    if (payload) {
        assert_memory_equal(buf, payload, len);
    }
}

// Opens exec:<cmd>; returns the client's two channels.
static void open_cmd(const char *cmd, ftl_handle_t *out, ftl_handle_t *err)
{
    char uri[256];
    int n = snprintf(uri, sizeof(uri), "exec:%s", cmd);
    exec_open(&mux, svc_server, 7, uri, (size_t)n);
    struct ftl_msg msg;
    assert_int_equal(ftl_channel_recv(svc_client, &msg), FTL_OK);
    assert_int_equal(msg.type, FTL_MSG_OPEN_REPLY);
    assert_int_equal(msg.cookie, 7);
    assert_int_equal(msg.nhandles, 2);
    *out = msg.handles[0];
    *err = msg.handles[1];
}

static void expect_data(ftl_handle_t ch, uint64_t cookie, const void *data, size_t len)
{
    struct ftl_msg msg;
    assert_int_equal(ftl_channel_recv(ch, &msg), FTL_OK);
    assert_int_equal(msg.type, FTL_MSG_DATA);
    assert_int_equal(msg.cookie, cookie);
    assert_int_equal(msg.len, len);
    if (data) {
        assert_memory_equal(msg.data, data, len);
    }
}

static void hello(void)
{
    guest_sends(AGENT_HELLO, 0, "ftl-agent 1", 11);
    assert_true(mux.agent_ready);
}

// ---- the link ----

static void frames_are_reassembled_across_buffers(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = frame(buf, AGENT_HELLO, 0, "ftl-agent 1", 11);
    for (size_t i = 0; i < n; i++) { // one byte per transmit buffer
        link_feed(&link, buf + i, 1);
    }
    assert_true(mux.agent_ready);
    assert_int_equal(link.frames_in, 1);
    assert_false(link.broken);
}

static void malformed_frames_break_the_link(void **state)
{
    (void)state;
    static const struct {
        uint32_t len;
        uint8_t type;
        uint8_t pad;
        uint32_t id;
    } bad[] = {
        {0, 0, 0, 1},                                // type 0
        {0, AGENT_EXEC, 0, 1},                       // a host -> guest type
        {0, 99, 0, 1},                               // unknown type
        {AGENT_PAYLOAD_MAX + 1, AGENT_STDOUT, 0, 1}, // too long
        {3, AGENT_WINDOW, 0, 1},                     // WINDOW is 4 bytes
        {4, AGENT_HELLO, 0, 5},                      // HELLO has id 0
        {1, AGENT_STDOUT, 0, 0},                     // commands have ids
        {1, AGENT_STDOUT, 1, 1},                     // padding
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        link_reset(&link, exec_on_frame, &mux);
        uint8_t buf[16] = {0};
        memcpy(buf, &bad[i].len, 4);
        buf[4] = bad[i].type;
        buf[5] = bad[i].pad;
        memcpy(buf + 8, &bad[i].id, 4);
        link_feed(&link, buf, sizeof(buf));
        assert_true(link.broken);
        assert_int_equal(link.frames_in, 0);
        link_feed(&link, buf, sizeof(buf)); // ignored from now on
        assert_int_equal(link.frames_in, 0);
    }
}

// ---- exec ----

static void a_command_runs_once_the_agent_said_hello(void **state)
{
    (void)state;
    ftl_handle_t out, err;
    open_cmd("echo hi", &out, &err);
    assert_int_equal(link.out.len, 0); // queued until HELLO
    hello();
    expect_frame(AGENT_EXEC, 1, "echo hi", 7);
    guest_sends(AGENT_STDOUT, 1, "hi\n", 3);
    guest_sends(AGENT_STDERR, 1, "warn\n", 5);
    guest_u32(AGENT_EXIT, 1, 0);
    expect_data(out, FTL_LINUX_STDIO, "hi\n", 3);
    expect_data(err, FTL_LINUX_STDIO, "warn\n", 5);
    int32_t status = 0;
    expect_data(out, FTL_LINUX_EXIT, &status, 4);
    struct ftl_msg msg;
    assert_int_equal(ftl_channel_recv(out, &msg), FTL_ERR_PEER_CLOSED);
    assert_int_equal(ftl_channel_recv(err, &msg), FTL_ERR_PEER_CLOSED);
    assert_int_equal(mux.cmds[0].state, CMD_FREE);
    assert_int_equal(link.out.len, 0); // no WINDOW for a few bytes, none after EXIT
}

static void bad_uris_and_too_many_commands_are_refused(void **state)
{
    (void)state;
    struct ftl_msg msg;
    exec_open(&mux, svc_server, 3, "file:/x", 7);
    assert_int_equal(ftl_channel_recv(svc_client, &msg), FTL_OK);
    assert_int_equal(msg.type, FTL_MSG_ERROR_REPLY);
    assert_int_equal(*(ftl_err_t *)(void *)msg.data, FTL_ERR_PARSE);
    exec_open(&mux, svc_server, 3, "exec:", 5);
    assert_int_equal(ftl_channel_recv(svc_client, &msg), FTL_OK);
    assert_int_equal(*(ftl_err_t *)(void *)msg.data, FTL_ERR_PARSE);
    for (int i = 0; i < FTL_LINUX_COMMANDS_MAX; i++) {
        ftl_handle_t out, err;
        open_cmd("sleep 9", &out, &err);
    }
    exec_open(&mux, svc_server, 4, "exec:true", 9);
    assert_int_equal(ftl_channel_recv(svc_client, &msg), FTL_OK);
    assert_int_equal(msg.type, FTL_MSG_ERROR_REPLY);
    assert_int_equal(msg.cookie, 4);
    assert_int_equal(*(ftl_err_t *)(void *)msg.data, FTL_ERR_TOO_MANY);
}

static void stdin_is_read_only_as_far_as_the_credit_goes(void **state)
{
    (void)state;
    ftl_handle_t out, err;
    open_cmd("sha256sum", &out, &err);
    hello();
    expect_frame(AGENT_EXEC, 1, "sha256sum", 9);
    static uint8_t chunk[4096];
    memset(chunk, 'a', sizeof(chunk));
    for (int i = 0; i < 20; i++) {
        assert_int_equal(ftl_channel_send(out, FTL_MSG_DATA, 0, chunk, sizeof(chunk), NULL, 0),
                         FTL_OK);
    }
    assert_int_equal(ftl_channel_send(out, FTL_MSG_DATA, FTL_LINUX_EOF, NULL, 0, NULL, 0), FTL_OK);
    exec_on_event(&mux, 0, false, FTL_READABLE);
    size_t sent = 0;
    struct agent_hdr h;
    static uint8_t buf[AGENT_PAYLOAD_MAX];
    while (guest_reads(&h, buf)) { // the guest reads as the link's ring fills
        assert_int_equal(h.type, AGENT_STDIN);
        sent += h.len;
        exec_pump(&mux);
    }
    assert_int_equal(sent, AGENT_WINDOW_INITIAL); // 16 of 20 messages; 5 wait in the client's queue
    assert_int_equal(fake_queued(out == 0 ? 0 : mux.cmds[0].ch), 5);
    assert_int_equal(fake_poll_events(mux.cmds[0].ch) & FTL_READABLE, 0);
    guest_u32(AGENT_WINDOW, 1, 6000); // the command read 6000 bytes
    sent = 0;
    while (guest_reads(&h, buf)) {
        assert_int_equal(h.type, AGENT_STDIN);
        sent += h.len;
    }
    assert_int_equal(sent, 6000); // a message and a part of the next (kept back)
    guest_u32(AGENT_WINDOW, 1, 1u << 20);
    sent = 0;
    while (guest_reads(&h, buf) && h.type == AGENT_STDIN) {
        sent += h.len;
    }
    assert_int_equal(sent, 20 * 4096 - AGENT_WINDOW_INITIAL - 6000);
    assert_int_equal(h.type, AGENT_STDIN_EOF); // after the last byte
}

static void output_waits_for_a_slow_client_and_credit_follows_delivery(void **state)
{
    (void)state;
    ftl_handle_t out, err;
    open_cmd("yes", &out, &err);
    hello();
    expect_frame(AGENT_EXEC, 1, "yes", 3);
    fake_set_queue_cap(out, 2);
    static uint8_t chunk[4096];
    memset(chunk, 'y', sizeof(chunk));
    for (int i = 0; i < 16; i++) { // the whole initial window
        guest_sends(AGENT_STDOUT, 1, chunk, sizeof(chunk));
    }
    assert_int_equal(fake_queued(out), 2);
    assert_int_equal(link.out.len, 0); // 8 KiB taken: not worth a WINDOW yet
    assert_true(fake_poll_events(mux.cmds[0].ch) & FTL_WRITABLE);
    // Beyond the credit: dropped, never buffered.
    guest_sends(AGENT_STDOUT, 1, chunk, 100);
    assert_int_equal(mux.cmds[0].dropped, 100);
    // The client reads; the next WRITABLE delivers more and grants it.
    struct ftl_msg msg;
    size_t got = 0;
    for (int round = 0; round < 20 && got < 16 * 4096; round++) {
        while (ftl_channel_recv(out, &msg) == FTL_OK) {
            got += msg.len;
        }
        exec_on_event(&mux, 0, false, FTL_WRITABLE);
    }
    assert_int_equal(got, 16 * 4096);
    size_t granted = 0;
    struct agent_hdr h;
    uint8_t p[8];
    while (guest_reads(&h, p)) {
        assert_int_equal(h.type, AGENT_WINDOW);
        granted += *(uint32_t *)(void *)p;
    }
    assert_int_equal(granted, 16 * 4096); // all of it, once the client took it
    assert_int_equal(mux.cmds[0].out_credit, AGENT_WINDOW_INITIAL);
}

static void closing_the_channel_sends_eof_and_kill(void **state)
{
    (void)state;
    ftl_handle_t out, err;
    open_cmd("cat", &out, &err);
    hello();
    expect_frame(AGENT_EXEC, 1, "cat", 3);
    assert_int_equal(ftl_handle_close(out), FTL_OK);
    exec_on_event(&mux, 0, false, FTL_PEER_CLOSED);
    expect_frame(AGENT_STDIN_EOF, 1, NULL, 0);
    uint32_t sig = 9;
    expect_frame(AGENT_SIGNAL, 1, &sig, 4);
    static uint8_t chunk[AGENT_PAYLOAD_MAX];
    for (int i = 0; i < 4; i++) {
        guest_sends(AGENT_STDOUT, 1, chunk, sizeof(chunk)); // dropped, and granted back
    }
    uint32_t grant = 16384;
    expect_frame(AGENT_WINDOW, 1, &grant, 4);
    guest_u32(AGENT_EXIT, 1, (uint32_t)-9);
    assert_int_equal(mux.cmds[0].state, CMD_FREE);
    struct ftl_msg msg;
    assert_int_equal(ftl_channel_recv(err, &msg), FTL_ERR_PEER_CLOSED); // our end closed
}

static void a_stopped_vm_fails_running_commands_and_keeps_queued_ones(void **state)
{
    (void)state;
    ftl_handle_t out1, err1, out2, err2;
    open_cmd("sleep 5", &out1, &err1);
    hello();
    expect_frame(AGENT_EXEC, 1, "sleep 5", 7);
    mux.agent_ready = false; // a second command waits for the agent
    open_cmd("true", &out2, &err2);
    exec_vm_stopped(&mux, FTL_OK);
    struct ftl_msg msg;
    assert_int_equal(ftl_channel_recv(out1, &msg), FTL_OK);
    assert_int_equal(msg.type, FTL_MSG_ERROR_REPLY);
    assert_int_equal(*(ftl_err_t *)(void *)msg.data, FTL_ERR_PEER_CLOSED);
    assert_int_equal(ftl_channel_recv(out1, &msg), FTL_ERR_PEER_CLOSED);
    link_reset(&link, exec_on_frame, &mux);
    hello(); // the next boot runs the queued one
    expect_frame(AGENT_EXEC, 2, "true", 4);
    exec_vm_stopped(&mux, FTL_ERR_PEER_CLOSED); // down for good
    assert_int_equal(ftl_channel_recv(out2, &msg), FTL_OK);
    assert_int_equal(msg.type, FTL_MSG_ERROR_REPLY);
    exec_open(&mux, svc_server, 5, "exec:true", 9);
    assert_int_equal(ftl_channel_recv(svc_client, &msg), FTL_OK);
    assert_int_equal(msg.type, FTL_MSG_ERROR_REPLY);
    assert_int_equal(*(ftl_err_t *)(void *)msg.data, FTL_ERR_PEER_CLOSED);
}

static void frames_of_unknown_commands_are_ignored(void **state)
{
    (void)state;
    hello();
    guest_sends(AGENT_STDOUT, 42, "x", 1);
    guest_u32(AGENT_EXIT, 42, 0);
    assert_int_equal(mux.unknown_frames, 2);
    assert_false(link.broken);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(frames_are_reassembled_across_buffers, setup),
        cmocka_unit_test_setup(malformed_frames_break_the_link, setup),
        cmocka_unit_test_setup(a_command_runs_once_the_agent_said_hello, setup),
        cmocka_unit_test_setup(bad_uris_and_too_many_commands_are_refused, setup),
        cmocka_unit_test_setup(stdin_is_read_only_as_far_as_the_credit_goes, setup),
        cmocka_unit_test_setup(output_waits_for_a_slow_client_and_credit_follows_delivery, setup),
        cmocka_unit_test_setup(closing_the_channel_sends_eof_and_kill, setup),
        cmocka_unit_test_setup(a_stopped_vm_fails_running_commands_and_keeps_queued_ones, setup),
        cmocka_unit_test_setup(frames_of_unknown_commands_are_ignored, setup),
    };
    return cmocka_run_group_tests_name("linux exec", tests, NULL, NULL);
}
