// lwIP hooks for FTL (LWIP_HOOK_FILENAME in lwipopts.h): count what happens to SYNs that
// lwIP drops or answers without a word, which its own statistics do not tell apart.
// Included by lwIP's sources, so it names lwIP types only as incomplete structs.
#ifndef FTL_LWIP_HOOKS_H
#define FTL_LWIP_HOOKS_H

struct tcp_pcb;
struct tcp_hdr;

/// Looks at every TCP segment lwIP has matched to a pcb (listening, active or TIME_WAIT)
/// before lwIP handles it, and counts the SYNs that will be lost or delayed
/// (struct ftl_lwip_counters in ftl/lwip.h). Never changes what lwIP does.
void ftl_lwip_tcp_inpacket(const struct tcp_pcb *pcb, const struct tcp_hdr *hdr);

#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                             \
    (ftl_lwip_tcp_inpacket((pcb), (hdr)), ERR_OK)

#endif
