// apiserver: HTTP/1.1 over tcpip port 80, with keep-alive and pipelining. Every
// connection has its own parser, input and output buffers and deadline, and the loop
// never waits on one: a slow or silent client only ever delays itself.
#include <ftl.h>
#include <ftl/http.h>
#include <string.h>

#include "apiserver.h"

#define MAX_CONNS 16
#define LISTEN_URI "tcp-listen:0.0.0.0:80"
#define OPEN_COOKIE 1
#define SECOND_NS 1000000000LL
#define REQUEST_TIMEOUT_NS (10 * SECOND_NS) // from a request's first byte to its last
#define IDLE_TIMEOUT_NS (30 * SECOND_NS)    // keep-alive connection with no request

static const struct ftl_http_limits limits = {
    .max_target_len = 1024,
    .max_header_bytes = 8192,
    .max_headers = 32,
    .max_body_len = 16384,
};

#define REQUEST_BUF (1024 + 8192 + 16384 + 64) // >= ftl_http_parser_buf_size(&limits)

struct conn {
    ftl_handle_t ch; // 0: the slot is free
    uint32_t events; // what the poll watches ch for
    struct ftl_http_parser parser;
    char request[REQUEST_BUF];
    struct ftl_http_header headers[32];
    uint8_t in[FTL_MSG_DATA_MAX]; // received, not yet parsed (pipelined requests wait here)
    uint16_t in_off, in_len;
    bool in_request;    // bytes of an unfinished request were parsed
    bool sent_continue; // "100 Continue" went out for this request
    char out_buf[RESPONSE_MAX];
    struct response out;
    size_t out_off;      // bytes of out sent
    int64_t deadline_ns; // idle or request timeout
};

static struct conn conns[MAX_CONNS];
static ftl_handle_t poll_h;
static ftl_handle_t listener;
static uint64_t served;

static void conn_free(struct conn *c)
{
    FTL_CHECK(ftl_handle_close(c->ch)); // tcpip sends what it has, then closes the socket
    c->ch = 0;
}

static void watch(struct conn *c, uint32_t events)
{
    if (events != c->events) {
        FTL_CHECK(ftl_poll_modify(poll_h, c->ch, events, c));
        c->events = events;
    }
}

// Sends the pending response, 4 KiB per message. Returns false if the connection ended.
static bool flush(struct conn *c)
{
    while (c->out_off < c->out.len) {
        size_t n = c->out.len - c->out_off;
        if (n > FTL_MSG_DATA_MAX) {
            n = FTL_MSG_DATA_MAX;
        }
        ftl_err_t err = ftl_channel_send_data(c->ch, c->out.buf + c->out_off, n);
        if (err == FTL_ERR_FULL) {
            watch(c, FTL_WRITABLE); // the client reads slowly: wait, but only here
            return true;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            conn_free(c);
            return false;
        }
        FTL_CHECK(err);
        c->out_off += n;
    }
    bool keep = c->out.keep_alive;
    c->out.len = 0;
    c->out_off = 0;
    if (!keep) {
        conn_free(c);
        return false;
    }
    return true;
}

static void send_continue(struct conn *c)
{
    static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
    // Best effort: a client that gets no 100 sends the body after a short wait anyway.
    (void)ftl_channel_send_data(c->ch, msg, sizeof(msg) - 1);
    c->sent_continue = true;
}

// Parses buffered input until a response is pending or the input is used up.
static void parse(struct conn *c)
{
    while (c->out.len == 0 && c->in_off < c->in_len) {
        if (!c->in_request) {
            c->in_request = true;
            c->deadline_ns = ftl_time_now() + REQUEST_TIMEOUT_NS;
        }
        size_t used;
        ftl_err_t err =
            ftl_http_parser_feed(&c->parser, c->in + c->in_off, c->in_len - c->in_off, &used);
        c->in_off = (uint16_t)(c->in_off + used);
        if (err == FTL_ERR_EMPTY) {
            if (c->parser.state == FTL_HTTP_S_BODY && c->parser.req.expect_continue &&
                !c->sent_continue) {
                send_continue(c);
            }
            break;
        }
        if (err == FTL_ERR_PARSE) {
            respond_error(&c->out, ftl_http_parser_status(&c->parser),
                          ftl_http_parser_reason(&c->parser));
            c->in_off = c->in_len; // the stream cannot be resynchronised
            break;
        }
        FTL_CHECK(err);
        route_request(ftl_http_parser_request(&c->parser), &c->out);
        served++;
        ftl_http_parser_next(&c->parser);
        c->in_request = false;
        c->sent_continue = false;
        c->deadline_ns = ftl_time_now() + IDLE_TIMEOUT_NS;
    }
}

// Runs the connection as far as it can go without waiting, then says what it waits for.
static void progress(struct conn *c)
{
    for (;;) {
        if (c->out.len > 0) {
            if (!flush(c)) {
                return;
            }
            if (c->out.len > 0) {
                return; // waiting for WRITABLE
            }
        }
        if (c->in_off >= c->in_len) {
            break;
        }
        parse(c);
        if (c->out.len == 0) {
            break;
        }
    }
    watch(c, FTL_READABLE);
}

static void conn_event(struct conn *c, uint32_t events)
{
    static struct ftl_msg msg;
    if ((events & FTL_READABLE) && c->out.len == 0 && c->in_off >= c->in_len) {
        ftl_err_t err = ftl_channel_recv(c->ch, &msg);
        if (err == FTL_ERR_PEER_CLOSED) {
            conn_free(c);
            return;
        }
        if (err != FTL_ERR_EMPTY) {
            FTL_CHECK(err);
            if (msg.type == FTL_MSG_DATA) {
                memcpy(c->in, msg.data, msg.len);
                c->in_off = 0;
                c->in_len = (uint16_t)msg.len;
            }
        }
    } else if (events & FTL_PEER_CLOSED) {
        // Gone while a response waited for room: nobody will read it.
        conn_free(c);
        return;
    }
    progress(c);
}

static void accept_conn(ftl_handle_t ch)
{
    struct conn *c = NULL;
    for (int i = 0; i < MAX_CONNS; i++) {
        if (!conns[i].ch) {
            c = &conns[i];
            break;
        }
    }
    if (!c) {
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\nRetry-After: 1\r\n\r\n";
        (void)ftl_channel_send_data(ch, busy, sizeof(busy) - 1);
        FTL_CHECK(ftl_handle_close(ch));
        return;
    }
    c->ch = ch;
    c->out.buf = c->out_buf;
    c->out.len = 0;
    c->out_off = 0;
    c->in_off = c->in_len = 0;
    c->in_request = false;
    c->sent_continue = false;
    c->deadline_ns = ftl_time_now() + IDLE_TIMEOUT_NS;
    FTL_CHECK(
        ftl_http_parser_init(&c->parser, &limits, c->request, sizeof(c->request), c->headers));
    c->events = FTL_READABLE;
    FTL_CHECK(ftl_poll_add(poll_h, ch, FTL_READABLE, c));
}

static void listener_event(void)
{
    static struct ftl_msg msg;
    ftl_err_t err = ftl_channel_recv(listener, &msg);
    if (err == FTL_ERR_EMPTY) {
        return;
    }
    if (err == FTL_ERR_PEER_CLOSED) {
        FTL_ERROR("tcpip closed the listening channel");
        ftl_exit(1);
    }
    FTL_CHECK(err);
    if (msg.type == FTL_MSG_CONNECT && msg.nhandles == 1) {
        accept_conn(msg.handles[0]);
    } else {
        for (uint32_t i = 0; i < msg.nhandles; i++) {
            FTL_CHECK(ftl_handle_close(msg.handles[i]));
        }
    }
}

// Cuts connections past their deadline: a request that takes over 10 s to arrive gets
// 408, an idle keep-alive connection is closed.
static void expire(int64_t now)
{
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &conns[i];
        if (!c->ch || now < c->deadline_ns) {
            continue;
        }
        if (c->in_request && c->out.len == 0) {
            respond_error(&c->out, 408, "the request took too long");
            c->out_off = 0;
            c->in_off = c->in_len;
            c->deadline_ns = now + SECOND_NS; // a last second to take the 408
            progress(c);
        } else {
            conn_free(c);
        }
    }
}

// OPENs the listening socket and waits for tcpip's answer.
static ftl_handle_t open_listener(ftl_handle_t tcpip)
{
    FTL_CHECK(ftl_channel_send(tcpip, FTL_MSG_OPEN, OPEN_COOKIE, LISTEN_URI, sizeof(LISTEN_URI) - 1,
                               NULL, 0));
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, tcpip, FTL_READABLE, NULL));
    static struct ftl_msg msg;
    for (;;) {
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
        FTL_CHECK(ftl_channel_recv(tcpip, &msg));
        if (msg.type == FTL_MSG_OPEN_REPLY && msg.cookie == OPEN_COOKIE && msg.nhandles == 1) {
            FTL_CHECK(ftl_handle_close(poll));
            return msg.handles[0];
        }
        if (msg.type == FTL_MSG_ERROR_REPLY && msg.len == 4) {
            ftl_err_t err;
            memcpy(&err, msg.data, sizeof(err));
            FTL_ERROR("OPEN " LISTEN_URI ": %s", ftl_err_str(err));
            ftl_exit(1);
        }
    }
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t tcpip;
    FTL_CHECK(ftl_env_channel(env, "tcpip", &tcpip));
    listener = open_listener(tcpip);
    routes_set_tcpip(tcpip);
    ftl_handle_t controller;
    if (ftl_env_channel(env, "controller", &controller) == FTL_OK) {
        routes_set_controller(controller);
    }
    FTL_INFO("apiserver: serving HTTP on port 80 (dashboard at /, API under /api)");

    FTL_CHECK(ftl_poll_create(&poll_h));
    FTL_CHECK(ftl_poll_add(poll_h, listener, FTL_READABLE, NULL));
    int64_t next_expire = ftl_time_now() + SECOND_NS;
    for (;;) {
        int64_t now = ftl_time_now();
        if (now >= next_expire) {
            expire(now);
            next_expire = now + SECOND_NS;
        }
        struct ftl_event ev;
        ftl_err_t err = ftl_poll_wait(poll_h, next_expire - now, &ev);
        if (err == FTL_ERR_TIMED_OUT) {
            continue;
        }
        FTL_CHECK(err);
        if (ev.ctx == 0) {
            listener_event();
        } else {
            conn_event((struct conn *)(uintptr_t)ev.ctx, ev.events);
        }
    }
}
