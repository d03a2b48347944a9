// The in-memory Ethernet wire between two lwIP netifs, and the host versions of the hooks
// the FTL lwIP port asks apps to provide (a virtual clock makes timer behaviour repeatable).
#include "netpair.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftl/lwip.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

static uint32_t now_ms;
static uint32_t rand_state = 0x2545f491u;

u32_t sys_now(void)
{
    return now_ms;
}

uint32_t ftl_lwip_rand(void)
{
    // xorshift32: repeatable runs matter more here than unpredictability.
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 17;
    rand_state ^= rand_state << 5;
    return rand_state;
}

_Noreturn void ftl_lwip_assert_failed(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
    abort();
}

void netpair_advance_ms(uint32_t ms)
{
    now_ms += ms;
    sys_check_timeouts();
}

ip_addr_t netpair_ip_a(void)
{
    ip_addr_t ip;
    IP_ADDR4(&ip, 10, 0, 0, 1);
    return ip;
}

ip_addr_t netpair_ip_b(void)
{
    ip_addr_t ip;
    IP_ADDR4(&ip, 10, 0, 0, 2);
    return ip;
}

// netif->linkoutput: copies the frame into the wire toward the other netif.
static err_t wire_output(struct netif *netif, struct pbuf *p)
{
    struct netpair_wire *w = netif->state;
    if (w->count == NETPAIR_QUEUE_MAX || p->tot_len > NETPAIR_FRAME_MAX) {
        w->dropped++;
        return ERR_OK; // a real wire loses the frame too; TCP retransmits
    }
    size_t slot = (w->head + w->count) % NETPAIR_QUEUE_MAX;
    w->lens[slot] = pbuf_copy_partial(p, w->frames[slot], p->tot_len, 0);
    w->count++;
    return ERR_OK;
}

static err_t netif_setup(struct netif *netif)
{
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = wire_output;
    return ERR_OK;
}

static void add_netif(struct netif *netif, struct netpair_wire *out, ip_addr_t ip, uint8_t mac)
{
    ip4_addr_t mask;
    ip4_addr_t gw;
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 0, 0, 254);
    const uint8_t hwaddr[ETH_HWADDR_LEN] = {0x52, 0x54, 0x00, 0x12, 0x34, mac};
    memcpy(netif->hwaddr, hwaddr, sizeof(hwaddr));
    netif_add(netif, ip_2_ip4(&ip), &mask, &gw, out, netif_setup, ethernet_input);
    netif_set_up(netif);
    netif_set_link_up(netif);
}

void netpair_init(struct netpair *np)
{
    memset(np, 0, sizeof(*np));
    add_netif(&np->a, &np->a_to_b, netpair_ip_a(), 0x01);
    add_netif(&np->b, &np->b_to_a, netpair_ip_b(), 0x02);
}

void netpair_destroy(struct netpair *np)
{
    netif_remove(&np->a);
    netif_remove(&np->b);
}

// Delivers the oldest frame of `w` to `to`; false if `w` is empty.
static bool deliver_one(struct netpair *np, struct netpair_wire *w, struct netif *to)
{
    if (w->count == 0) {
        return false;
    }
    size_t slot = w->head;
    w->head = (w->head + 1) % NETPAIR_QUEUE_MAX;
    w->count--;
    // Like tcpip's netdev: a new SYN may take over a TIME_WAIT pcb of the same ports; then
    // the frame lands in a pool pbuf, or is lost when the pool is empty.
    ftl_lwip_reuse_timewait(w->frames[slot], w->lens[slot]);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, w->lens[slot], PBUF_POOL);
    if (!p) {
        np->rx_no_pbuf++;
        return true;
    }
    pbuf_take(p, w->frames[slot], w->lens[slot]);
    if (to->input(p, to) != ERR_OK) {
        pbuf_free(p);
    }
    return true;
}

size_t netpair_deliver(struct netpair *np)
{
    size_t n = 0;
    for (;;) {
        bool moved = deliver_one(np, &np->a_to_b, &np->b);
        moved = deliver_one(np, &np->b_to_a, &np->a) || moved;
        if (!moved) {
            return n;
        }
        n++;
    }
}
