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
