// netsink: a TCP discard server on tcpip. For each connection it logs how many bytes
// arrived and how long it took, so the host can measure TCP throughput.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

static struct ftl_msg msg;

// OPENs tcp-listen:0.0.0.0:<port> and returns the listening channel.
static ftl_handle_t listen_on(ftl_handle_t tcpip, ftl_handle_t poll, int64_t port)
{
    char uri[48];
    int n = snprintf(uri, sizeof(uri), "tcp-listen:0.0.0.0:%lld", (long long)port);
    FTL_CHECK(ftl_channel_send(tcpip, FTL_MSG_OPEN, 1, uri, (size_t)n, NULL, 0));
    FTL_CHECK(ftl_poll_add(poll, tcpip, FTL_READABLE, NULL));
    for (;;) {
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
        FTL_CHECK(ftl_channel_recv(tcpip, &msg));
        if (msg.type == FTL_MSG_OPEN_REPLY && msg.nhandles == 1) {
            FTL_CHECK(ftl_poll_remove(poll, tcpip));
            FTL_INFO("netsink: listening on port %lld", (long long)port);
            return msg.handles[0];
        }
        if (msg.type == FTL_MSG_ERROR_REPLY) {
            FTL_ERROR("cannot listen on %s", uri);
            ftl_exit(1);
        }
    }
}

// Reads one connection to its end.
static void drain(ftl_handle_t conn, ftl_handle_t poll)
{
    FTL_CHECK(ftl_poll_add(poll, conn, FTL_READABLE, NULL));
    uint64_t bytes = 0;
    int64_t start = 0;
    for (;;) {
        ftl_err_t err = ftl_channel_recv(conn, &msg);
        if (err == FTL_ERR_EMPTY) {
            struct ftl_event ev;
            FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
            continue;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            break;
        }
        FTL_CHECK(err);
        if (bytes == 0) {
            start = ftl_time_now();
        }
        bytes += msg.len;
    }
    int64_t ns = ftl_time_now() - start;
    FTL_INFO("netsink: received %llu bytes in %lld ns", (unsigned long long)bytes, (long long)ns);
    FTL_CHECK(ftl_handle_close(conn));
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t tcpip, poll;
    int64_t port;
    FTL_CHECK(ftl_env_channel(env, "tcpip", &tcpip));
    FTL_CHECK(ftl_env_number(env, "port", &port));
    FTL_CHECK(ftl_poll_create(&poll));
    ftl_handle_t listener = listen_on(tcpip, poll, port);
    FTL_CHECK(ftl_poll_add(poll, listener, FTL_READABLE, NULL));
    for (;;) {
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
        FTL_CHECK(ftl_channel_recv(listener, &msg));
        if (msg.type == FTL_MSG_CONNECT && msg.nhandles == 1) {
            FTL_CHECK(ftl_poll_remove(poll, listener));
            drain(msg.handles[0], poll); // closing the connection dropped its watch
            FTL_CHECK(ftl_poll_add(poll, listener, FTL_READABLE, NULL));
        }
    }
}
