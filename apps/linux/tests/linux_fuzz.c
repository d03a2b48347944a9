// libFuzzer target: a hostile guest and a hostile client against the linux app's
// virtio console, virtqueues, frame link and exec service. The input is a program of
// small operations: write guest RAM, access device registers, feed the link raw bytes,
// act as the client. Everything must stay within bounds (ASan/UBSan) and never hang.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../agent_proto.h"
#include "../vmm.h"
#include "fake_ftl.h"
#include <ftl/linux.h>

#define RAM_SIZE (64u << 10)

static struct guest_ram g;
static struct vcon con;
static struct agent_link link;
static struct exec_mux mux;
static struct pl011 uart;

static void on_tx(void *ctx, const uint8_t *data, size_t len)
{
    link_feed(ctx, data, len);
}

// The client side of every command opened so far.
static ftl_handle_t svc_client, svc_server;
static ftl_handle_t outs[EXEC_CMDS + 4];
static size_t nouts;

static void take_replies(void)
{
    static struct ftl_msg msg;
    while (ftl_channel_recv(svc_client, &msg) == FTL_OK) {
        if (msg.type == FTL_MSG_OPEN_REPLY && msg.nhandles >= 1 && nouts < EXEC_CMDS + 4) {
            outs[nouts++] = msg.handles[0];
        }
    }
}

static void client_op(const uint8_t *p, size_t n)
{
    static struct ftl_msg msg;
    static const char *const cmds[] = {"exec:cat", "exec:echo hi", "exec:", "file:/x"};
    ftl_handle_t ch = nouts ? outs[p[1] % nouts] : 0;
    switch (p[0] % 6) {
    case 0:
        exec_open(&mux, svc_server, p[1], cmds[p[1] % 4], strlen(cmds[p[1] % 4]));
        take_replies();
        break;
    case 1:
        (void)ftl_channel_send(ch, FTL_MSG_DATA, FTL_LINUX_STDIO, p, n, NULL, 0);
        break;
    case 2:
        (void)ftl_channel_send(ch, FTL_MSG_DATA, p[2] % 4, p, n > 4 ? 4 : n, NULL, 0);
        break;
    case 3:
        (void)ftl_handle_close(ch);
        break;
    default:
        while (ftl_channel_recv(ch, &msg) == FTL_OK) {
        }
        break;
    }
    for (uint32_t i = 0; i < EXEC_CMDS; i++) {
        exec_on_event(&mux, i, p[3] & 1, p[3] & 7);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g.base) {
        g.base = aligned_alloc(4096, RAM_SIZE);
        g.size = RAM_SIZE;
        g.vm = 1;
        fake_log_quiet = getenv("LINUX_FUZZ_LOG") == NULL; // LINUX_FUZZ_LOG=1: see the logs
    }
    memset(g.base, 0, RAM_SIZE);
    fake_reset();
    nouts = 0;
    link_reset(&link, exec_on_frame, &mux);
    vcon_reset(&con, &g, on_tx, &link, &link.out);
    pl011_reset(&uart, &g);
    exec_init(&mux, &link, 99);
    if (ftl_channel_create(&svc_client, &svc_server) != FTL_OK) {
        return 0;
    }
    size_t i = 0;
    while (i + 4 <= size) {
        uint8_t op = data[i] % 6;
        uint16_t arg = (uint16_t)(data[i + 1] | data[i + 2] << 8);
        uint8_t len = data[i + 3];
        const uint8_t *p = data + i + 4;
        size_t avail = size - i - 4;
        size_t n = len < avail ? len : avail;
        i += 4 + n;
        uint64_t v = 0;
        memcpy(&v, p, n < 4 ? n : 4);
        switch (op) {
        case 0:
            memcpy(g.base + arg % (RAM_SIZE - 256), p, n);
            break; // the guest writes RAM
        case 1:
            vcon_access(&con, (arg & 0x1ff) & ~3u, true, &v);
            break;
        case 2:
            vcon_access(&con, (arg & 0x1ff) & ~3u, false, &v);
            break;
        case 3:
            link_feed(&link, p, n);
            break;
        case 4:
            pl011_access(&uart, arg & 0xfff, arg & 0x1000, &v);
            break;
        default:
            if (n >= 4) {
                client_op(p, n);
            }
            break;
        }
        if (link.broken) { // what main.c does: the VM restarts with a fresh link
            exec_vm_stopped(&mux, FTL_OK);
            link_reset(&link, exec_on_frame, &mux);
            vcon_reset(&con, &g, on_tx, &link, &link.out);
        }
        exec_pump(&mux);
        vcon_fill_rx(&con);
    }
    return 0;
}
