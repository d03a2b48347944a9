// The TCP input hook (ftl/lwip_hooks.h): counts SYNs that lwIP will drop or refuse
// without a word, so that a stall on the client (a SYN retransmitted after 1 s or 3 s)
// can be traced to its cause in the counters (struct ftl_lwip_counters).
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
