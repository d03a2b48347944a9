// tcpip's counters for its clients (the apiserver's /api/stats): per layer, what arrived
// and what was dropped or refused. A client asks with a DATA message on its service
// channel; the reply is a DATA message with the same cookie, one `<layer>.<name> <value>`
// line per counter, layers in order: driver (virtio_net's own, as it last reported them),
// netdev (frames between driver and lwIP), ip, tcp (lwIP's and the SYN hook's), mem.
#include <ftl.h>
#include <ftl/lwip.h>
#include <stdio.h>
#include <string.h>

#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"

#include "tcpip.h"

#define DRIVER_TEXT_MAX 1024

struct tcpip_counters tcpip_counters;

static char driver_text[DRIVER_TEXT_MAX]; // "driver." lines, as the driver last sent them
static size_t driver_len;

struct out {
    char buf[FTL_MSG_DATA_MAX];
    size_t len;
};

static void put(struct out *o, const char *layer, const char *name, uint64_t v)
{
    size_t room = sizeof(o->buf) - o->len;
    int n = snprintf(o->buf + o->len, room, "%s.%s %llu\n", layer, name, (unsigned long long)v);
    if (n > 0 && (size_t)n < room) {
        o->len += (size_t)n;
    }
}

// Lines "name value\n" from the driver become "driver.name value\n"; anything else is
// dropped, so a confused driver cannot break the format.
void stats_set_driver(const uint8_t *text, size_t len)
{
    driver_len = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '\n') {
            end++;
        }
        size_t line = end - i;
        const char *sp = memchr(text + i, ' ', line);
        bool ok = line > 2 && line < 64 && sp && sp != (const char *)text + i;
        if (ok && driver_len + line + 8 + 1 <= sizeof(driver_text)) {
            memcpy(driver_text + driver_len, "driver.", 7);
            memcpy(driver_text + driver_len + 7, text + i, line);
            driver_len += 7 + line;
            driver_text[driver_len++] = '\n';
        }
        i = end + 1;
    }
}

static uint32_t count_pcbs(const struct tcp_pcb *pcb)
{
    uint32_t n = 0;
    for (; pcb; pcb = pcb->next) {
        n++;
    }
    return n;
}

static void put_memp(struct out *o, const char *name, memp_t pool)
{
    const struct stats_mem *st = lwip_stats.memp[pool];
    char key[40];
    snprintf(key, sizeof(key), "%s_err", name);
    put(o, "mem", key, st->err);
    snprintf(key, sizeof(key), "%s_max", name);
    put(o, "mem", key, st->max);
    snprintf(key, sizeof(key), "%s_avail", name);
    put(o, "mem", key, st->avail);
}

static void put_tcp(struct out *o)
{
    const struct tcpip_counters *t = &tcpip_counters;
    const struct ftl_lwip_counters *h = &ftl_lwip_counters;
    put(o, "tcp", "segments_dropped", lwip_stats.tcp.drop);
    put(o, "tcp", "checksum_errors", lwip_stats.tcp.chkerr);
    put(o, "tcp", "out_of_memory", lwip_stats.tcp.memerr);
    put(o, "tcp", "syn_received", h->syn_received);
    put(o, "tcp", "syn_backlog_drops", h->syn_backlog_drops);
    put(o, "tcp", "syn_rcvd_max", h->syn_rcvd_max);
    put(o, "tcp", "syn_no_pcb", t->syn_no_pcb);
    put(o, "tcp", "syn_on_timewait", h->syn_on_timewait);
    put(o, "tcp", "syn_pcb_pool_full", h->syn_pcb_pool_full);
    put(o, "tcp", "timewait_recycled", h->timewait_recycled);
    put(o, "tcp", "timewait_reused", h->timewait_reused);
    put(o, "tcp", "accepted", t->accepted);
    put(o, "tcp", "accept_refused", t->accept_refused);
    put(o, "tcp", "pcbs_active", count_pcbs(tcp_active_pcbs));
    put(o, "tcp", "pcbs_timewait", ftl_lwip_timewait_count());
    put(o, "tcp", "pcbs_max", MEMP_NUM_TCP_PCB);
}

void stats_reply(ftl_handle_t ch, uint64_t cookie)
{
    static struct out o;
    const struct tcpip_counters *t = &tcpip_counters;
    o.len = 0;
    memcpy(o.buf, driver_text, driver_len);
    o.len = driver_len;
    put(&o, "netdev", "rx_frames", t->rx_frames);
    put(&o, "netdev", "rx_no_pbuf", t->rx_no_pbuf);
    put(&o, "netdev", "tx_frames", t->tx_frames);
    put(&o, "netdev", "tx_waits", t->tx_waits);
    put(&o, "netdev", "tx_dropped", t->tx_dropped);
    put(&o, "ip", "link_dropped", lwip_stats.link.drop);
    put(&o, "ip", "arp_dropped", lwip_stats.etharp.drop);
    put(&o, "ip", "dropped", lwip_stats.ip.drop);
    put(&o, "ip", "udp_dropped", lwip_stats.udp.drop);
    put_tcp(&o);
    put(&o, "mem", "heap_err", lwip_stats.mem.err);
    put(&o, "mem", "heap_max", lwip_stats.mem.max);
    put_memp(&o, "pbuf_pool", MEMP_PBUF_POOL);
    put_memp(&o, "tcp_pcb", MEMP_TCP_PCB);
    put_memp(&o, "tcp_seg", MEMP_TCP_SEG);
    put_memp(&o, "pbuf_ref", MEMP_PBUF);
    // A client that does not read its replies loses them; it is not worth blocking for.
    (void)ftl_channel_send(ch, FTL_MSG_DATA, cookie, o.buf, o.len, NULL, 0);
}
