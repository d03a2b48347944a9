// Host tests of FTL's lwIP port: two netifs joined in memory carry real TCP and UDP
// through the freestanding configuration (lwipopts.h), including a slow reader whose
// receive queue must shrink the window instead of buffering without bound.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftl/lwip.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "netpair.h"

#define TEST_PORT 8080
#define TRANSFER_LEN (1024 * 1024)
#define STEP_LIMIT 2000000 // virtual ms: a stalled transfer fails instead of hanging

// The byte at offset `i` of a transfer: a hash, so a lost, repeated or reordered segment
// shows up as a mismatch.
static uint8_t pattern_byte(size_t i)
{
    return (uint8_t)(((uint32_t)i * 2654435761u) >> 24);
}

// One client -> server TCP transfer between the netifs of a pair.
struct transfer {
    struct netpair *np;
    struct tcp_pcb *listener;
    struct tcp_pcb *client;
    struct tcp_pcb *server;  // the accepted connection; NULL until accepted
    struct ftl_lwip_rxq rxq; // what the server received and the reader has not taken
    bool connected;
    size_t sent;     // bytes tcp_write() accepted
    size_t received; // bytes the reader took and checked
    size_t mismatches;
    size_t max_queued;           // most bytes the rxq ever held
    uint32_t min_client_snd_wnd; // smallest window the client saw the server advertise
    uint32_t min_server_rcv_wnd;
    bool write_was_refused; // tcp_write() returned ERR_MEM at least once
};

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)pcb;
    (void)err;
    struct transfer *tr = arg;
    if (!p) {
        tr->rxq.fin = true;
        return ERR_OK;
    }
    if (ftl_lwip_rxq_push(&tr->rxq, p) != FTL_OK) {
        return ERR_MEM; // lwIP keeps `p` and offers it again
    }
    if (tr->rxq.len > tr->max_queued) {
        tr->max_queued = tr->rxq.len;
    }
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct transfer *tr = arg;
    if (err != ERR_OK || tr->server) {
        return ERR_VAL;
    }
    tr->server = pcb;
    tcp_arg(pcb, tr);
    tcp_recv(pcb, on_recv);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb;
    struct transfer *tr = arg;
    tr->connected = err == ERR_OK;
    return ERR_OK;
}

static void transfer_open(struct transfer *tr, struct netpair *np)
{
    memset(tr, 0, sizeof(*tr));
    tr->np = np;
    ftl_lwip_rxq_init(&tr->rxq);
    tr->min_client_snd_wnd = UINT32_MAX;
    tr->min_server_rcv_wnd = UINT32_MAX;

    ip_addr_t ip_a = netpair_ip_a();
    ip_addr_t ip_b = netpair_ip_b();
    struct tcp_pcb *l = tcp_new();
    assert_non_null(l);
    // Both addresses live in one lwIP: binding each pcb to its netif keeps the traffic on
    // the wire instead of letting the route pick whichever netif comes first.
    tcp_bind_netif(l, &np->b);
    assert_int_equal(tcp_bind(l, &ip_b, TEST_PORT), ERR_OK);
    tr->listener = tcp_listen(l);
    assert_non_null(tr->listener);
    tcp_arg(tr->listener, tr);
    tcp_accept(tr->listener, on_accept);

    tr->client = tcp_new();
    assert_non_null(tr->client);
    tcp_bind_netif(tr->client, &np->a);
    assert_int_equal(tcp_bind(tr->client, &ip_a, 0), ERR_OK);
    tcp_arg(tr->client, tr);
    assert_int_equal(tcp_connect(tr->client, &ip_b, TEST_PORT, on_connected), ERR_OK);
    for (int i = 0; i < 100 && !(tr->connected && tr->server); i++) {
        netpair_deliver(np);
        netpair_advance_ms(1);
    }
}

static void transfer_close(struct transfer *tr)
{
    ftl_lwip_rxq_clear(&tr->rxq);
    struct tcp_pcb *pcbs[] = {tr->client, tr->server};
    for (size_t i = 0; i < 2; i++) {
        if (pcbs[i]) {
            tcp_arg(pcbs[i], NULL);
            tcp_recv(pcbs[i], NULL);
            tcp_abort(pcbs[i]);
        }
    }
    tcp_close(tr->listener);
}

// Queues as much of the transfer as the client's send buffer takes.
static void write_some(struct transfer *tr)
{
    uint8_t chunk[TCP_MSS];
    while (tr->sent < TRANSFER_LEN) {
        size_t n = tcp_sndbuf(tr->client);
        n = n < sizeof(chunk) ? n : sizeof(chunk);
        n = n < TRANSFER_LEN - tr->sent ? n : TRANSFER_LEN - tr->sent;
        if (n == 0) {
            break;
        }
        for (size_t i = 0; i < n; i++) {
            chunk[i] = pattern_byte(tr->sent + i);
        }
        err_t err = tcp_write(tr->client, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (err == ERR_MEM) {
            tr->write_was_refused = true;
            break;
        }
        assert_int_equal(err, ERR_OK);
        tr->sent += n;
    }
    tcp_output(tr->client);
}

// Takes up to `len` bytes as the application would, checking each one.
static void read_some(struct transfer *tr, size_t len)
{
    uint8_t buf[512];
    while (len > 0) {
        size_t n =
            ftl_lwip_rxq_read(&tr->rxq, tr->server, buf, len < sizeof(buf) ? len : sizeof(buf));
        if (n == 0) {
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (buf[i] != pattern_byte(tr->received + i)) {
                tr->mismatches++;
            }
        }
        tr->received += n;
        len -= n;
    }
}

static void observe_windows(struct transfer *tr)
{
    if (tr->client->snd_wnd < tr->min_client_snd_wnd) {
        tr->min_client_snd_wnd = tr->client->snd_wnd;
    }
    if (tr->server && tr->server->rcv_wnd < tr->min_server_rcv_wnd) {
        tr->min_server_rcv_wnd = tr->server->rcv_wnd;
    }
}

// Sends TRANSFER_LEN bytes to a reader that takes nothing for the first 300 ms, then
// `read_per_ms` bytes per virtual millisecond: far slower than the in-memory wire.
static void run_slow_transfer(struct transfer *tr, size_t read_per_ms)
{
    for (uint32_t ms = 0; tr->received < TRANSFER_LEN && ms < STEP_LIMIT; ms++) {
        write_some(tr);
        netpair_deliver(tr->np);
        observe_windows(tr);
        if (ms >= 300) {
            read_some(tr, read_per_ms);
        }
        netpair_deliver(tr->np);
        netpair_advance_ms(1);
    }
}

static int group_setup(void **state)
{
    (void)state;
    lwip_init();
    return 0;
}

static int pair_setup(void **state)
{
    struct netpair *np = calloc(1, sizeof(*np));
    if (!np) {
        return -1;
    }
    netpair_init(np);
    *state = np;
    return 0;
}

static int pair_teardown(void **state)
{
    struct netpair *np = *state;
    netpair_destroy(np);
    free(np);
    return 0;
}

static void tcp_connect_between_netifs_is_accepted(void **state)
{
    struct transfer tr;
    transfer_open(&tr, *state);
    assert_true(tr.connected);
    assert_non_null(tr.server);
    transfer_close(&tr);
}

static void one_mib_to_slow_reader_arrives_intact_and_in_order(void **state)
{
    struct transfer tr;
    transfer_open(&tr, *state);
    run_slow_transfer(&tr, 1024);
    assert_int_equal(tr.received, TRANSFER_LEN);
    assert_int_equal(tr.mismatches, 0);
    transfer_close(&tr);
}

static void slow_reader_shrinks_the_advertised_window_to_zero(void **state)
{
    struct transfer tr;
    transfer_open(&tr, *state);
    run_slow_transfer(&tr, 1024);
    assert_int_equal(tr.received, TRANSFER_LEN);
    assert_int_equal(tr.min_server_rcv_wnd, 0);
    assert_int_equal(tr.min_client_snd_wnd, 0);
    transfer_close(&tr);
}

static void slow_reader_queue_never_exceeds_one_window(void **state)
{
    struct transfer tr;
    transfer_open(&tr, *state);
    run_slow_transfer(&tr, 1024);
    assert_int_equal(tr.received, TRANSFER_LEN);
    assert_true(tr.max_queued > 0);
    assert_true(tr.max_queued <= TCP_WND);
    transfer_close(&tr);
}

static void slow_reader_loses_no_frame_for_want_of_pbufs(void **state)
{
    struct netpair *np = *state;
    struct transfer tr;
    transfer_open(&tr, np);
    run_slow_transfer(&tr, 1024);
    assert_int_equal(tr.received, TRANSFER_LEN);
    assert_int_equal(np->rx_no_pbuf, 0);
    assert_int_equal(np->a_to_b.dropped + np->b_to_a.dropped, 0);
    transfer_close(&tr);
}

static void writer_to_stalled_reader_is_refused_after_snd_buf(void **state)
{
    struct transfer tr;
    transfer_open(&tr, *state);
    // Nobody reads: after one window in the receiver and TCP_SND_BUF unacknowledged at the
    // sender, tcp_sndbuf() is 0 and nothing more is accepted, however long we wait.
    for (int ms = 0; ms < 5000; ms++) {
        write_some(&tr);
        netpair_deliver(tr.np);
        netpair_advance_ms(1);
    }
    assert_int_equal(tcp_sndbuf(tr.client), 0);
    assert_true(tr.sent <= TCP_WND + TCP_SND_BUF);
    assert_true(tr.rxq.len <= TCP_WND);
    transfer_close(&tr);
}

static void stalled_reader_resumes_and_gets_every_byte(void **state)
{
    struct transfer tr;
    transfer_open(&tr, *state);
    for (int ms = 0; ms < 5000; ms++) {
        write_some(&tr);
        netpair_deliver(tr.np);
        netpair_advance_ms(1);
    }
    // The window has been zero for seconds; the persist timer and the window update
    // from tcp_recved() must restart the flow.
    for (uint32_t ms = 0; tr.received < TRANSFER_LEN && ms < STEP_LIMIT; ms++) {
        write_some(&tr);
        netpair_deliver(tr.np);
        read_some(&tr, 64 * 1024);
        netpair_deliver(tr.np);
        netpair_advance_ms(1);
    }
    assert_int_equal(tr.received, TRANSFER_LEN);
    assert_int_equal(tr.mismatches, 0);
    transfer_close(&tr);
}

struct udp_result {
    char data[32];
    size_t len;
    ip_addr_t from;
};

// ---- TIME_WAIT: the server closes first, so its side of each connection ends there ----

struct tw_server {
    int accepted;
};

static err_t tw_server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tw_server *srv = arg;
    if (err != ERR_OK) {
        return ERR_VAL;
    }
    srv->accepted++;
    tcp_arg(pcb, NULL);
    assert_int_equal(tcp_close(pcb), ERR_OK); // FIN at once: this side ends in TIME_WAIT
    return ERR_OK;
}

static err_t tw_client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    assert_int_equal(tcp_close(pcb), ERR_OK); // the server's FIN: close our side too
    return ERR_OK;
}

static void deliver_for_ms(struct netpair *np, int ms)
{
    for (int i = 0; i < ms; i++) {
        netpair_deliver(np);
        netpair_advance_ms(1);
    }
}

// A listener on netif b whose accept callback closes each connection at once.
static struct tcp_pcb *tw_listen(struct netpair *np, u16_t port, struct tw_server *srv)
{
    struct tcp_pcb *l = tcp_new();
    assert_non_null(l);
    ip_addr_t b = netpair_ip_b();
    tcp_bind_netif(l, &np->b);
    assert_int_equal(tcp_bind(l, &b, port), ERR_OK);
    l = tcp_listen(l);
    assert_non_null(l);
    tcp_arg(l, srv);
    tcp_accept(l, tw_server_accept);
    return l;
}

// Connects from a fixed port of netif a to the listener on b and lets both sides close.
static void tw_connect_from_port(struct netpair *np, u16_t port)
{
    struct tcp_pcb *client = tcp_new();
    assert_non_null(client);
    ip_addr_t a = netpair_ip_a();
    ip_addr_t b = netpair_ip_b();
    tcp_bind_netif(client, &np->a);
    assert_int_equal(tcp_bind(client, &a, port), ERR_OK);
    tcp_recv(client, tw_client_recv);
    assert_int_equal(tcp_connect(client, &b, TEST_PORT + 1, NULL), ERR_OK);
    deliver_for_ms(np, 100);
}

static void new_syn_from_the_ports_of_a_timewait_connection_is_accepted(void **state)
{
    struct netpair *np = *state;
    struct tw_server srv = {0};
    struct tcp_pcb *l = tw_listen(np, TEST_PORT + 1, &srv);
    uint32_t tw_before = ftl_lwip_timewait_count();
    uint64_t reused_before = ftl_lwip_counters.timewait_reused;

    tw_connect_from_port(np, 40000);
    assert_int_equal(srv.accepted, 1);
    assert_int_equal(ftl_lwip_timewait_count(), tw_before + 1);

    netpair_advance_ms(2000); // the next connection's sequence numbers start higher
    tw_connect_from_port(np, 40000);
    // lwIP alone would answer this SYN as TIME_WAIT does (an ACK) and accept nothing.
    assert_int_equal(srv.accepted, 2);
    assert_int_equal(ftl_lwip_counters.timewait_reused, reused_before + 1);
    assert_int_equal(ftl_lwip_timewait_count(), tw_before + 1); // the new one's, in turn
    tcp_close(l);
}

static void syn_to_a_listener_is_counted(void **state)
{
    struct netpair *np = *state;
    struct tw_server srv = {0};
    struct tcp_pcb *l = tw_listen(np, TEST_PORT + 2, &srv);
    uint64_t syns_before = ftl_lwip_counters.syn_received;
    uint64_t drops_before = ftl_lwip_counters.syn_backlog_drops;
    for (int i = 0; i < 3; i++) {
        struct tcp_pcb *client = tcp_new();
        assert_non_null(client);
        ip_addr_t a = netpair_ip_a();
        ip_addr_t b = netpair_ip_b();
        tcp_bind_netif(client, &np->a);
        assert_int_equal(tcp_bind(client, &a, 0), ERR_OK);
        tcp_recv(client, tw_client_recv);
        assert_int_equal(tcp_connect(client, &b, TEST_PORT + 2, NULL), ERR_OK);
    }
    deliver_for_ms(np, 100);
    assert_int_equal(srv.accepted, 3);
    assert_int_equal(ftl_lwip_counters.syn_received, syns_before + 3);
    assert_int_equal(ftl_lwip_counters.syn_backlog_drops, drops_before);
    tcp_close(l);
}

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    (void)pcb;
    (void)port;
    struct udp_result *r = arg;
    r->len = pbuf_copy_partial(p, r->data, sizeof(r->data), 0);
    r->from = *addr;
    pbuf_free(p);
}

static void udp_datagram_crosses_the_pair(void **state)
{
    struct netpair *np = *state;
    ip_addr_t ip_a = netpair_ip_a();
    ip_addr_t ip_b = netpair_ip_b();
    struct udp_result r = {0};
    struct udp_pcb *rx = udp_new();
    struct udp_pcb *tx = udp_new();
    assert_non_null(rx);
    assert_non_null(tx);
    udp_bind_netif(rx, &np->b);
    assert_int_equal(udp_bind(rx, &ip_b, 5353), ERR_OK);
    udp_recv(rx, on_udp, &r);
    udp_bind_netif(tx, &np->a);
    assert_int_equal(udp_bind(tx, &ip_a, 0), ERR_OK);

    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 5, PBUF_RAM);
    assert_non_null(p);
    pbuf_take(p, "hello", 5);
    // The first datagram waits in the ARP queue until B answers A's ARP request.
    assert_int_equal(udp_sendto(tx, p, &ip_b, 5353), ERR_OK);
    pbuf_free(p);
    netpair_deliver(np);

    assert_int_equal(r.len, 5);
    assert_memory_equal(r.data, "hello", 5);
    assert_true(ip_addr_cmp(&r.from, &ip_a));
    udp_remove(rx);
    udp_remove(tx);
}

// ---- the receive queue alone ----

static struct pbuf *pbuf_with(const char *s)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)strlen(s), PBUF_RAM);
    assert_non_null(p);
    pbuf_take(p, s, (u16_t)strlen(s));
    return p;
}

static void rxq_read_spans_pbufs_in_order(void **state)
{
    (void)state;
    struct ftl_lwip_rxq q;
    ftl_lwip_rxq_init(&q);
    assert_int_equal(ftl_lwip_rxq_push(&q, pbuf_with("abc")), FTL_OK);
    assert_int_equal(ftl_lwip_rxq_push(&q, pbuf_with("defg")), FTL_OK);
    char buf[8] = {0};
    assert_int_equal(ftl_lwip_rxq_read(&q, NULL, buf, 2), 2);
    assert_int_equal(ftl_lwip_rxq_read(&q, NULL, buf + 2, 8), 5);
    assert_string_equal(buf, "abcdefg");
    assert_int_equal(q.len, 0);
    assert_null(q.head);
}

static void rxq_read_of_empty_queue_returns_zero(void **state)
{
    (void)state;
    struct ftl_lwip_rxq q;
    ftl_lwip_rxq_init(&q);
    char c;
    assert_int_equal(ftl_lwip_rxq_read(&q, NULL, &c, 1), 0);
}

static void rxq_push_past_max_pbufs_is_refused_and_keeps_nothing(void **state)
{
    (void)state;
    struct ftl_lwip_rxq q;
    ftl_lwip_rxq_init(&q);
    for (int i = 0; i < FTL_LWIP_RXQ_MAX_PBUFS; i++) {
        assert_int_equal(ftl_lwip_rxq_push(&q, pbuf_with("x")), FTL_OK);
    }
    struct pbuf *extra = pbuf_with("y");
    assert_int_equal(ftl_lwip_rxq_push(&q, extra), FTL_ERR_FULL);
    assert_int_equal(q.len, FTL_LWIP_RXQ_MAX_PBUFS);
    pbuf_free(extra); // still the caller's
    ftl_lwip_rxq_clear(&q);
    assert_int_equal(q.len, 0);
}

static void rxq_push_of_null_is_invalid(void **state)
{
    (void)state;
    struct ftl_lwip_rxq q;
    ftl_lwip_rxq_init(&q);
    assert_int_equal(ftl_lwip_rxq_push(&q, NULL), FTL_ERR_INVALID_ARG);
}

static void lwip_errors_map_to_ftl_errors(void **state)
{
    (void)state;
    assert_int_equal(ftl_lwip_err(ERR_OK), FTL_OK);
    assert_int_equal(ftl_lwip_err(ERR_MEM), FTL_ERR_NO_MEMORY);
    assert_int_equal(ftl_lwip_err(ERR_RST), FTL_ERR_PEER_CLOSED);
    assert_int_equal(ftl_lwip_err(ERR_USE), FTL_ERR_ALREADY_EXISTS);
    assert_int_equal(ftl_lwip_err(ERR_IF), FTL_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tcp_connect_between_netifs_is_accepted, pair_setup,
                                        pair_teardown),
        cmocka_unit_test_setup_teardown(one_mib_to_slow_reader_arrives_intact_and_in_order,
                                        pair_setup, pair_teardown),
        cmocka_unit_test_setup_teardown(slow_reader_shrinks_the_advertised_window_to_zero,
                                        pair_setup, pair_teardown),
        cmocka_unit_test_setup_teardown(slow_reader_queue_never_exceeds_one_window, pair_setup,
                                        pair_teardown),
        cmocka_unit_test_setup_teardown(slow_reader_loses_no_frame_for_want_of_pbufs, pair_setup,
                                        pair_teardown),
        cmocka_unit_test_setup_teardown(writer_to_stalled_reader_is_refused_after_snd_buf,
                                        pair_setup, pair_teardown),
        cmocka_unit_test_setup_teardown(stalled_reader_resumes_and_gets_every_byte, pair_setup,
                                        pair_teardown),
        cmocka_unit_test_setup_teardown(udp_datagram_crosses_the_pair, pair_setup, pair_teardown),
        cmocka_unit_test_setup_teardown(new_syn_from_the_ports_of_a_timewait_connection_is_accepted,
                                        pair_setup, pair_teardown),
        cmocka_unit_test_setup_teardown(syn_to_a_listener_is_counted, pair_setup, pair_teardown),
        cmocka_unit_test(rxq_read_spans_pbufs_in_order),
        cmocka_unit_test(rxq_read_of_empty_queue_returns_zero),
        cmocka_unit_test(rxq_push_past_max_pbufs_is_refused_and_keeps_nothing),
        cmocka_unit_test(rxq_push_of_null_is_invalid),
        cmocka_unit_test(lwip_errors_map_to_ftl_errors),
    };
    return cmocka_run_group_tests_name("lwip", tests, group_setup, NULL);
}
