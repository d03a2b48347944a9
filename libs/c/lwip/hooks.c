// The TCP input hook (ftl/lwip_hooks.h): counts SYNs that lwIP will drop or refuse
// without a word, so that a stall on the client (a SYN retransmitted a second or more later)
// can be traced to its cause in the counters (struct ftl_lwip_counters). Also lets a new
// SYN take over a TIME_WAIT pcb of the same addresses and ports, as RFC 6191 allows.
#include <string.h>

#include "ftl/lwip.h"
#include "ftl/lwip_hooks.h"

#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"
#include "lwip/stats.h"

struct ftl_lwip_counters ftl_lwip_counters;

uint32_t ftl_lwip_timewait_count(void)
{
    uint32_t n = 0;
    for (const struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
        n++;
    }
    return n;
}

// Whether every pcb of the pool is in use, so tcp_alloc() must free one (the oldest
// TIME_WAIT pcb first) or fail. With MEMP_MEM_MALLOC off the pool's stats know.
static bool pcb_pool_is_full(void)
{
#if MEMP_STATS
    const struct stats_mem *st = lwip_stats.memp[MEMP_TCP_PCB];
    return st->used >= st->avail;
#else
    return false;
#endif
}

void ftl_lwip_tcp_inpacket(const struct tcp_pcb *pcb, const struct tcp_hdr *hdr)
{
    struct ftl_lwip_counters *c = &ftl_lwip_counters;
    if ((TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) {
        return;
    }
    if (pcb->state == TIME_WAIT) {
        c->syn_on_timewait++; // lwIP does not reuse a TIME_WAIT pcb for a new SYN
        return;
    }
    if (pcb->state != LISTEN) {
        return; // a retransmitted SYN on a connection in SYN_RCVD
    }
    c->syn_received++;
#if TCP_LISTEN_BACKLOG
    const struct tcp_pcb_listen *lpcb = (const struct tcp_pcb_listen *)pcb;
    if (lpcb->accepts_pending >= c->syn_rcvd_max) {
        c->syn_rcvd_max = lpcb->accepts_pending; // SYN_RCVD high-water mark, this one not counted
    }
    if (lpcb->accepts_pending >= lpcb->backlog) {
        c->syn_backlog_drops++; // tcp_listen_input() returns without a word
        return;
    }
#endif
    if (pcb_pool_is_full()) {
        c->syn_pcb_pool_full++;
        if (tcp_tw_pcbs) {
            c->timewait_recycled++; // tcp_alloc() kills the oldest TIME_WAIT pcb
        }
    }
}

// Offsets in an Ethernet frame carrying IPv4 and TCP.
#define ETH_HDR 14
#define ETHERTYPE_IPV4 0x0800
#define IP_PROTO_TCP 6

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ftl_lwip_reuse_timewait(const uint8_t *frame, size_t len)
{
    if (!tcp_tw_pcbs || len < ETH_HDR + 20 || be16(frame + 12) != ETHERTYPE_IPV4) {
        return;
    }
    const uint8_t *ip = frame + ETH_HDR;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ip[9] != IP_PROTO_TCP || ihl < 20 || len < ETH_HDR + ihl + 20) {
        return;
    }
    const uint8_t *th = ip + ihl;
    if ((th[13] & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) {
        return;
    }
    uint32_t src;
    uint32_t dst;
    memcpy(&src, ip + 12, 4); // network order, like ip4_addr_t.addr
    memcpy(&dst, ip + 16, 4);
    uint16_t sport = be16(th);
    uint16_t dport = be16(th + 2);
    uint32_t seq = be32(th + 4);
    for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
        if (pcb->remote_port != sport || pcb->local_port != dport ||
            ip_2_ip4(&pcb->remote_ip)->addr != src || ip_2_ip4(&pcb->local_ip)->addr != dst) {
            continue;
        }
        // A new incarnation starts above the old one's sequence numbers, so no old
        // duplicate can be taken for new data (RFC 6191). Otherwise lwIP answers as
        // TIME_WAIT does, and the peer retries.
        if (TCP_SEQ_GT(seq, pcb->rcv_nxt)) {
            tcp_abort(pcb); // a TIME_WAIT pcb is freed without a reset
            ftl_lwip_counters.timewait_reused++;
        }
        return;
    }
}
