// TCP for clients: tcp-listen (a listening channel that carries one CONNECT per accepted
// connection) and tcp (an outgoing connection). Each connection is one channel of DATA.
// Backpressure both ways: bytes go to the app only while its queue has room, and the
// window reopens (tcp_recved) only for bytes the app got; the app's channel is read only
// while lwIP can take what it sends.
#include <ftl.h>
#include <ftl/lwip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/tcp.h"

#include "tcpip.h"

struct listener {
    struct obj obj;
    struct tcp_pcb *pcb;
};

struct conn {
    struct obj obj;          // the app's channel
    struct tcp_pcb *pcb;     // NULL once closed here or freed by lwIP (reset, timeout)
    struct ftl_lwip_rxq rxq; // received, not yet given to the app
    bool connected;          // handshake done (accepted connections start so)
    bool app_readable;       // the app's channel may hold messages
    bool app_closed;         // the app closed its end and we received everything
    bool app_gone;           // poll saw PEER_CLOSED: unwatched, drained by service passes
    bool to_app_full;        // the app's queue was full: waiting for WRITABLE
    uint16_t out_len;        // bytes of `out` from the app's last message
    uint16_t out_off;        // bytes of them lwIP has taken
    uint8_t out[FTL_MSG_DATA_MAX];
    struct conn *next;
};

static struct conn *conns; // every live connection
static uint8_t scratch[FTL_MSG_DATA_MAX];

// ---- lwIP callbacks: they only record what happened; tcp_service_all acts on it ----

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    (void)pcb;
    if (!p) {
        c->rxq.fin = true; // the peer closed its side
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    // Refused: lwIP keeps the data and offers it again; the window stays shut meanwhile.
    return ftl_lwip_rxq_push(&c->rxq, p) == FTL_OK ? ERR_OK : ERR_MEM;
}

static void on_err(void *arg, err_t err)
{
    struct conn *c = arg;
    (void)err;
    c->pcb = NULL; // lwIP has freed it (reset, abort, retransmission timeout)
    ftl_lwip_rxq_clear(&c->rxq);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct conn *c = arg;
    (void)pcb;
    c->connected = err == ERR_OK;
    return ERR_OK;
}

static void conn_attach(struct conn *c, struct tcp_pcb *pcb)
{
    c->pcb = pcb;
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_err);
    tcp_nagle_disable(pcb); // requests and replies are small: send them at once
}

// ---- moving bytes ----

// Received bytes to the app, 4 KiB per message, while its queue has room. Bytes leave
// the queue (and the window reopens) only once a send succeeded.
static void to_app(struct conn *c)
{
    c->to_app_full = false;
    while (c->obj.ch && !c->app_closed && c->rxq.len > 0) {
        size_t n = c->rxq.len < sizeof(scratch) ? c->rxq.len : sizeof(scratch);
        pbuf_copy_partial(c->rxq.head, scratch, (u16_t)n, 0);
        ftl_err_t err = ftl_channel_send_data(c->obj.ch, scratch, n);
        if (err == FTL_ERR_FULL) {
            c->to_app_full = true;
            return;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            c->app_readable = true; // drain what it sent before leaving
            return;
        }
        FTL_CHECK(err);
        (void)ftl_lwip_rxq_read(&c->rxq, c->pcb, scratch, n);
    }
}

// The app's bytes to lwIP, one message at a time: the next message is read only once
// lwIP took the last one whole, so a full send buffer stops the reading.
static void from_app(struct conn *c)
{
    static struct ftl_msg msg;
    for (;;) {
        if (c->out_off < c->out_len) {
            if (!c->pcb || !c->connected) {
                return;
            }
            size_t n = c->out_len - c->out_off;
            if (n > tcp_sndbuf(c->pcb)) {
                n = tcp_sndbuf(c->pcb);
            }
            if (n == 0) {
                return; // the sent callback (or the next pass) resumes
            }
            err_t e = tcp_write(c->pcb, c->out + c->out_off, (u16_t)n, TCP_WRITE_FLAG_COPY);
            if (e == ERR_MEM) {
                tcp_output(c->pcb); // segments or heap are short: retry on a later pass
                return;
            }
            if (e != ERR_OK) {
                c->out_off = c->out_len; // the connection cannot send any more
                continue;
            }
            // Sent at the end of the service pass (conn_service), so that a close the app
            // sent right behind its last bytes rides on the same segment as a FIN.
            c->out_off = (uint16_t)(c->out_off + n);
            continue;
        }
        c->out_len = c->out_off = 0;
        if (!c->obj.ch || !c->app_readable || !c->connected || c->app_closed) {
            return;
        }
        ftl_err_t err = ftl_channel_recv(c->obj.ch, &msg);
        if (err == FTL_ERR_EMPTY) {
            c->app_readable = false;
            return;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            c->app_closed = true;
            return;
        }
        FTL_CHECK(err);
        for (uint32_t i = 0; i < msg.nhandles; i++) {
            FTL_CHECK(ftl_handle_close(msg.handles[i]));
        }
        if (msg.type == FTL_MSG_DATA) {
            memcpy(c->out, msg.data, msg.len);
            c->out_len = (uint16_t)msg.len;
        }
    }
}

// Closes the TCP side: FIN after what is queued. Unread received bytes are acknowledged
// first, or lwIP would answer the close with a reset that discards our last reply.
static void close_tcp(struct conn *c)
{
    if (!c->pcb) {
        return;
    }
    while (ftl_lwip_rxq_read(&c->rxq, c->pcb, scratch, sizeof(scratch)) > 0) {
    }
    if (c->pcb->refused_data) { // what on_recv refused counts as unread too
        tcp_recved(c->pcb, c->pcb->refused_data->tot_len);
        pbuf_free(c->pcb->refused_data);
        c->pcb->refused_data = NULL;
    }
    tcp_arg(c->pcb, NULL);
    tcp_recv(c->pcb, NULL); // lwIP's default discards and acknowledges late data
    tcp_err(c->pcb, NULL);
    if (tcp_close(c->pcb) != ERR_OK) {
        tcp_abort(c->pcb);
    }
    c->pcb = NULL;
}

// Moves bytes, then decides whether the connection is over. Returns false once it is
// (the caller frees it).
static bool conn_service(struct conn *c)
{
    to_app(c);
    from_app(c);
    bool peer_done = c->rxq.fin && c->rxq.len == 0;
    bool out_empty = c->out_off >= c->out_len;
    // Over when lwIP dropped it (reset, failed connect: the app sees PEER_CLOSED), when the
    // peer closed and the app got every byte, or when the app closed and lwIP has its bytes.
    if (!c->pcb || (peer_done && out_empty && !c->app_readable) || (c->app_closed && out_empty)) {
        close_tcp(c);
        ftl_lwip_rxq_clear(&c->rxq);
        obj_close(&c->obj);
        return false;
    }
    uint32_t events = 0;
    if (c->connected && out_empty) {
        events |= FTL_READABLE;
    }
    if (c->to_app_full) {
        events |= FTL_WRITABLE;
    }
    if (!c->app_gone) {
        obj_watch(&c->obj, events);
    }
    if (c->pcb && c->pcb->unsent) {
        tcp_output(c->pcb);
    }
    return true;
}

void tcp_service_all(void)
{
    struct conn **pp = &conns;
    while (*pp) {
        struct conn *c = *pp;
        if (conn_service(c)) {
            pp = &c->next;
        } else {
            *pp = c->next;
            free(c);
        }
    }
}

void conn_event(struct obj *o, uint32_t events)
{
    struct conn *c = (struct conn *)o;
    if (events & (FTL_READABLE | FTL_PEER_CLOSED)) {
        c->app_readable = true;
    }
    if (events & FTL_PEER_CLOSED) {
        // Level-triggered and always reported: stop watching, or a connection whose
        // last bytes wait for the send buffer would spin the loop.
        c->app_gone = true;
        obj_unwatch(o);
    }
    if (events & FTL_WRITABLE) {
        c->to_app_full = false;
    }
}

// ---- listeners ----

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct listener *l = arg;
    if (err == ERR_MEM && !pcb) {
        tcpip_counters.syn_no_pcb++; // lwIP drops the SYN: the peer resends it later
        return ERR_VAL;
    }
    if (!l || err != ERR_OK || !pcb) {
        return ERR_VAL;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        tcpip_counters.accept_refused++;
        return ERR_MEM; // lwIP aborts the connection
    }
    c->obj.kind = OBJ_CONN;
    ftl_lwip_rxq_init(&c->rxq);
    ftl_handle_t theirs;
    if (ftl_channel_create(&c->obj.ch, &theirs) != FTL_OK) {
        free(c);
        tcpip_counters.accept_refused++;
        return ERR_MEM;
    }
    char peer[40];
    char ip[16];
    ip4addr_ntoa_r(ip_2_ip4(&pcb->remote_ip), ip, sizeof(ip));
    int len = snprintf(peer, sizeof(peer), "tcp:%s:%u", ip, (unsigned)pcb->remote_port);
    ftl_err_t e = ftl_channel_send(l->obj.ch, FTL_MSG_CONNECT, 0, peer, (size_t)len, &theirs, 1);
    if (e != FTL_OK) {
        // The app is not accepting (queue full or gone): refuse rather than queue.
        FTL_CHECK(ftl_handle_close(theirs));
        FTL_CHECK(ftl_handle_close(c->obj.ch));
        free(c);
        tcpip_counters.accept_refused++;
        return ERR_MEM;
    }
    tcpip_counters.accepted++;
    conn_attach(c, pcb);
    c->connected = true;
    c->next = conns;
    conns = c;
    return ERR_OK;
}

static void ip_from_uri(const struct ftl_uri *uri, ip_addr_t *out)
{
    IP_ADDR4(out, uri->ip[0], uri->ip[1], uri->ip[2], uri->ip[3]);
}

ftl_err_t tcp_listen_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs)
{
    struct listener *l = calloc(1, sizeof(*l));
    if (!l) {
        return FTL_ERR_NO_MEMORY;
    }
    l->obj.kind = OBJ_LISTENER;
    ftl_err_t err = ftl_channel_create(&l->obj.ch, out_theirs);
    if (err != FTL_OK) {
        goto out_free;
    }
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb) {
        err = FTL_ERR_NO_MEMORY;
        goto out_close;
    }
    ip_addr_t ip;
    ip_from_uri(uri, &ip);
    err = ftl_lwip_err(tcp_bind(pcb, &ip, uri->port));
    if (err != FTL_OK) {
        tcp_abort(pcb);
        goto out_close;
    }
    err_t lerr;
    struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &lerr);
    if (!lpcb) {
        err = ftl_lwip_err(lerr);
        tcp_abort(pcb);
        goto out_close;
    }
    l->pcb = lpcb;
    tcp_arg(lpcb, l);
    tcp_accept(lpcb, on_accept);
    obj_watch(&l->obj, FTL_READABLE);
    FTL_INFO("listening on tcp port %u", (unsigned)uri->port);
    return FTL_OK;

out_close:
    FTL_CHECK(ftl_handle_close(l->obj.ch));
    FTL_CHECK(ftl_handle_close(*out_theirs));
out_free:
    free(l);
    return err;
}

void listener_event(struct obj *o, uint32_t events)
{
    struct listener *l = (struct listener *)o;
    static struct ftl_msg msg;
    (void)events;
    ftl_err_t err = ftl_channel_recv(l->obj.ch, &msg);
    if (err == FTL_ERR_EMPTY) {
        return;
    }
    if (err == FTL_ERR_PEER_CLOSED) {
        // The app stopped listening; connections it accepted live on.
        tcp_arg(l->pcb, NULL);
        tcp_close(l->pcb); // a listening pcb closes without failing
        obj_close(&l->obj);
        free(l);
        return;
    }
    FTL_CHECK(err);
    for (uint32_t i = 0; i < msg.nhandles; i++) {
        FTL_CHECK(ftl_handle_close(msg.handles[i])); // nothing is expected on it
    }
}

// ---- outgoing connections ----

// The OPEN_REPLY comes at once; the channel is read from once the handshake is done,
// and closed (the app sees PEER_CLOSED) if it fails.
ftl_err_t tcp_connect_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        return FTL_ERR_NO_MEMORY;
    }
    c->obj.kind = OBJ_CONN;
    ftl_lwip_rxq_init(&c->rxq);
    ftl_err_t err = ftl_channel_create(&c->obj.ch, out_theirs);
    if (err != FTL_OK) {
        goto out_free;
    }
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb) {
        err = FTL_ERR_NO_MEMORY;
        goto out_close;
    }
    conn_attach(c, pcb);
    ip_addr_t ip;
    ip_from_uri(uri, &ip);
    err = ftl_lwip_err(tcp_connect(pcb, &ip, uri->port, on_connected));
    if (err != FTL_OK) {
        tcp_abort(pcb); // calls on_err, which forgets the pcb
        goto out_close;
    }
    c->next = conns;
    conns = c;
    return FTL_OK;

out_close:
    FTL_CHECK(ftl_handle_close(c->obj.ch));
    FTL_CHECK(ftl_handle_close(*out_theirs));
out_free:
    free(c);
    return err;
}
