// Shared by the tcpip app's files: the objects its poll watches (one channel each), the
// helpers to watch them, and each file's entry points. A resource's channel is a pair
// from ftl_channel_create: one end stays here, the other goes to the client.
#pragma once

#include <ftl.h>
#include <ftl/uri.h>

enum obj_kind {
    OBJ_SYSTEM,   // the system channel: CONNECTs from new clients
    OBJ_CLIENT,   // a client's service channel: OPENs
    OBJ_NETDEV,   // the driver's frame channel
    OBJ_LISTENER, // a tcp-listen channel: CONNECTs go out on it
    OBJ_CONN,     // one TCP connection's byte stream
    OBJ_UDP,      // one UDP socket's datagrams
};

// The first member of every watched object; its address is the poll context.
struct obj {
    enum obj_kind kind;
    ftl_handle_t ch; // our end of the channel; 0 once closed
    uint32_t events; // what the poll watches `ch` for
    bool watched;
};

/// Starts watching `o->ch` for `events`, or changes the watch (no call if unchanged).
void obj_watch(struct obj *o, uint32_t events);
/// Stops watching `o->ch` (it stays open).
void obj_unwatch(struct obj *o);
/// Stops watching and closes `o->ch`.
void obj_close(struct obj *o);

// Counters of frames and connections lost or refused inside tcpip, since boot. lwIP's
// own statistics and the SYN hook's counters (ftl/lwip.h) complete them (stats.c).
struct tcpip_counters {
    uint64_t rx_frames;      // frames from the driver
    uint64_t rx_no_pbuf;     // ... dropped: the pbuf pool was empty
    uint64_t tx_frames;      // frames to the driver
    uint64_t tx_waits;       // ... that waited in txq for room in the driver's queue
    uint64_t tx_dropped;     // ... dropped: txq full as well
    uint64_t syn_no_pcb;     // connection requests lwIP refused: no pcb could be had
    uint64_t accept_refused; // accepted connections reset: the app's queue was full
    uint64_t accepted;       // connections handed to a listening app
};

extern struct tcpip_counters tcpip_counters;

// stats.c: the counters, asked for with a DATA message on the service channel.
/// Answers a client's DATA request on its service channel `ch`: a DATA reply with the
/// same cookie holding one `<name> <value>\n` line per counter.
void stats_reply(ftl_handle_t ch, uint64_t cookie);
/// Takes the driver's counters from a DATA message with cookie NETDEV_COUNTERS_COOKIE on
/// the frame channel: `<name> <value>\n` lines, kept to be added to the reply.
void stats_set_driver(const uint8_t *text, size_t len);

/// Frames carry cookie 0; the driver's counters come with this cookie.
#define NETDEV_COUNTERS_COOKIE 1

// netdev.c: the single Ethernet interface, fed by the driver's frames.
FTL_MUST_CHECK ftl_err_t netdev_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs);
void netdev_event(struct obj *o, uint32_t events);

// tcp.c: listeners and connections.
FTL_MUST_CHECK ftl_err_t tcp_listen_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs);
FTL_MUST_CHECK ftl_err_t tcp_connect_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs);
void listener_event(struct obj *o, uint32_t events);
void conn_event(struct obj *o, uint32_t events);
/// Moves bytes both ways on every connection as far as windows and queues allow and
/// finishes closed ones. Called after every event and timer.
void tcp_service_all(void);

// udp.c: UDP sockets. DATA both ways is a 6-byte address (IPv4, port big endian) + payload.
FTL_MUST_CHECK ftl_err_t udp_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs);
void udp_event(struct obj *o, uint32_t events);
