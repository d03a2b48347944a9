// FTL's glue around lwIP (NO_SYS=1, raw API): the hooks an app must provide, lwIP error
// mapping, and a receive queue that turns a slow reader into a shrinking TCP window.
#ifndef FTL_LWIP_H
#define FTL_LWIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ftl/abi.h>

#include "lwip/err.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

// ---- hooks the app implements (lwIP calls them; this library does not define them) ----
//
//   u32_t sys_now(void);              milliseconds from any fixed origin, wrapping at 2^32;
//                                     drives lwIP's timers (declared in lwip/sys.h)
//   uint32_t ftl_lwip_rand(void);     32 random bits (declared in arch/cc.h)
//   void ftl_lwip_assert_failed(const char *msg, const char *file, int line);
//                                     lwIP's internal assertion failed; must not return
//
// The app's loop calls sys_check_timeouts() after handling events and waits at most
// sys_timeouts_sleeptime() ms for the next one (lwip/timeouts.h).

/// How many pbufs one connection's receive queue may hold. A full window in full-sized
/// segments is 8 pbufs; the cap stops a peer that sends tiny segments from taking the
/// whole pbuf pool. Past it, ftl_lwip_rxq_push() refuses and lwIP keeps the data itself.
#define FTL_LWIP_RXQ_MAX_PBUFS 16

/// Bytes that arrived on one TCP connection and that the app has not taken yet. The window
/// advertised to the peer reopens only as the app takes bytes (ftl_lwip_rxq_read() calls
/// tcp_recved()), so at most TCP_WND bytes are ever queued: a slow reader shrinks the
/// window to zero and the peer stops sending. Nothing is dropped.
struct ftl_lwip_rxq {
    struct pbuf *head; // received data, oldest first; NULL when empty
    size_t len;        // bytes queued (head->tot_len, 0 when empty)
    uint16_t npbufs;   // pbufs in the chain, at most FTL_LWIP_RXQ_MAX_PBUFS
    bool fin;          // the peer closed its sending side; no more data will come
};

/// Maps an lwIP error to the FTL error a caller acts on: ERR_OK -> FTL_OK, ERR_MEM ->
/// FTL_ERR_NO_MEMORY, ERR_BUF/ERR_WOULDBLOCK -> FTL_ERR_FULL, ERR_TIMEOUT ->
/// FTL_ERR_TIMED_OUT, ERR_RTE -> FTL_ERR_NOT_FOUND, ERR_INPROGRESS -> FTL_ERR_BUSY,
/// ERR_VAL/ERR_ARG -> FTL_ERR_INVALID_ARG, ERR_USE/ERR_ALREADY/ERR_ISCONN ->
/// FTL_ERR_ALREADY_EXISTS, ERR_CONN/ERR_CLSD/ERR_RST/ERR_ABRT -> FTL_ERR_PEER_CLOSED,
/// anything else -> FTL_ERR_UNSUPPORTED.
ftl_err_t ftl_lwip_err(err_t err);

/// What happened to incoming connection requests, counted by the TCP input hook
/// (ftl/lwip_hooks.h). lwIP drops a SYN silently when its listener's backlog is full and
/// when no pcb can be had, and answers a SYN that matches a TIME_WAIT pcb with an ACK (or
/// a reset); the peer then retries only after its retransmission timeout (a second or more).
struct ftl_lwip_counters {
    uint64_t syn_received;      // SYNs (without ACK) that reached a listening pcb
    uint64_t syn_backlog_drops; // ... dropped: TCP_LISTEN_BACKLOG connections in SYN_RCVD
    uint64_t syn_rcvd_max;      // most connections seen in SYN_RCVD on one listener
    uint64_t syn_pcb_pool_full; // ... that found MEMP_NUM_TCP_PCB pcbs in use
    uint64_t timewait_recycled; // ... of those, a TIME_WAIT pcb was freed for it
    uint64_t syn_on_timewait;   // SYNs that matched a TIME_WAIT pcb: not accepted
    uint64_t timewait_reused;   // TIME_WAIT pcbs freed for a new SYN of the same ports
};

/// The counters since boot; only the tcpip app's thread writes them.
extern struct ftl_lwip_counters ftl_lwip_counters;

/// Connections in TIME_WAIT now (a walk of lwIP's list).
uint32_t ftl_lwip_timewait_count(void);

/// Call with each received Ethernet frame before lwIP sees it. If it is a SYN whose
/// addresses and ports match a connection in TIME_WAIT, and its sequence number is past
/// that connection's (RFC 6191), frees the TIME_WAIT pcb so that the listener accepts the
/// SYN as a new connection; lwIP alone would answer it with an ACK and the peer would
/// retry only after its retransmission timeout. Counts `timewait_reused`.
void ftl_lwip_reuse_timewait(const uint8_t *frame, size_t len);

/// Makes `q` an empty queue.
void ftl_lwip_rxq_init(struct ftl_lwip_rxq *q);

/// Appends `p` (the pbuf chain a tcp_recv callback got) to `q`. On FTL_OK `q` owns `p`.
/// Returns FTL_ERR_FULL, and leaves `p` with the caller, when `q` would then hold more than
/// FTL_LWIP_RXQ_MAX_PBUFS pbufs: the callback should then return ERR_MEM, so lwIP keeps `p`
/// and offers it again later. FTL_ERR_INVALID_ARG if `p` is NULL.
FTL_MUST_CHECK ftl_err_t ftl_lwip_rxq_push(struct ftl_lwip_rxq *q, struct pbuf *p);

/// Copies up to `len` queued bytes to `buf`, frees the pbufs they used, and tells lwIP
/// they were taken (tcp_recved() on `pcb`, which reopens the window; `pcb` may be NULL
/// once the connection is gone). Returns the number of bytes copied, 0 when empty.
size_t ftl_lwip_rxq_read(struct ftl_lwip_rxq *q, struct tcp_pcb *pcb, void *buf, size_t len);

/// Frees everything queued without acknowledging it (for a connection being closed).
void ftl_lwip_rxq_clear(struct ftl_lwip_rxq *q);

#endif
