// The Ethernet interface: an lwIP netif whose wire is the channel to a network driver
// (OPEN ethernet:<mac>). Received frames come as DATA and go to lwIP in pool pbufs;
// lwIP's outgoing frames go back as DATA. DHCP configures the address. A DATA message
// with cookie NETDEV_COUNTERS_COOKIE carries the driver's counters instead of a frame.
#include <ftl.h>
#include <ftl/lwip.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "netif/ethernet.h"

#include "tcpip.h"

#define FRAMES_PER_EVENT 16 // then let other channels have a turn
#define FRAME_MAX 1514

#define TXQ_FRAMES 32 // frames held while the driver's queue is full; past that, dropped

struct netdev {
    struct obj obj;
    struct netif netif;
    uint8_t mac[6];
    bool open;
    uint64_t rx_dropped, tx_dropped; // lwIP out of pbufs / driver busy and txq full
    int64_t next_log_ns;
    // Frames waiting for room in the driver's queue, oldest at txq_head. Copies: lwIP
    // may rewrite a TCP segment's pbuf when it retransmits.
    uint8_t txq[TXQ_FRAMES][FRAME_MAX];
    uint16_t txq_len[TXQ_FRAMES];
    uint16_t txq_head, txq_count;
};

static struct netdev netdev;

static void log_drops(struct netdev *nd)
{
    int64_t now = ftl_time_now();
    if ((nd->rx_dropped || nd->tx_dropped) && now >= nd->next_log_ns) {
        FTL_WARN("netdev: dropped %llu received frames (no pbufs), %llu sent frames "
                 "(driver busy) in the last second",
                 (unsigned long long)nd->rx_dropped, (unsigned long long)nd->tx_dropped);
        nd->rx_dropped = 0;
        nd->tx_dropped = 0;
        nd->next_log_ns = now + 1000000000;
    }
}

// Sends the queued frames while the driver's queue has room; watches for WRITABLE
// while some are left.
static void txq_flush(struct netdev *nd)
{
    while (nd->txq_count > 0) {
        ftl_err_t err =
            ftl_channel_send_data(nd->obj.ch, nd->txq[nd->txq_head], nd->txq_len[nd->txq_head]);
        if (err == FTL_ERR_FULL) {
            break;
        }
        nd->txq_head = (uint16_t)((nd->txq_head + 1) % TXQ_FRAMES);
        nd->txq_count--;
    }
    obj_watch(&nd->obj, FTL_READABLE | (nd->txq_count > 0 ? FTL_WRITABLE : 0));
}

// lwIP's frame out. While the driver's queue is full, frames wait in a small queue;
// past that they are dropped, like a full NIC ring (TCP retransmits). Returning an
// error instead would stall TCP segments until the next ACK.
static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
    struct netdev *nd = netif->state;
    if (!nd->obj.ch || p->tot_len > FRAME_MAX) {
        return ERR_IF;
    }
    if (nd->txq_count == TXQ_FRAMES) {
        nd->tx_dropped++;
        tcpip_counters.tx_dropped++;
        log_drops(nd);
        return ERR_OK;
    }
    tcpip_counters.tx_frames++;
    uint16_t slot = (uint16_t)((nd->txq_head + nd->txq_count) % TXQ_FRAMES);
    nd->txq_len[slot] = pbuf_copy_partial(p, nd->txq[slot], p->tot_len, 0);
    nd->txq_count++;
    txq_flush(nd);
    if (nd->txq_count > 0) {
        tcpip_counters.tx_waits++; // this frame waits for room in the driver's queue
    }
    return ERR_OK;
}

// Logs the address once DHCP bound it (and again only if it changes).
static void status_changed(struct netif *netif)
{
    static ip4_addr_t logged;
    const ip4_addr_t *ip = netif_ip4_addr(netif);
    if (!ip4_addr_isany(ip) && !ip4_addr_cmp(ip, &logged)) {
        char text[16];
        ip4addr_ntoa_r(ip, text, sizeof(text));
        FTL_INFO("DHCP: got %s", text);
        ip4_addr_copy(logged, *ip);
    }
}

static err_t netdev_init(struct netif *netif)
{
    struct netdev *nd = netif->state;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, nd->mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
    return ERR_OK;
}

ftl_err_t netdev_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs)
{
    struct netdev *nd = &netdev;
    if (nd->open) {
        return FTL_ERR_ALREADY_EXISTS; // one interface is all this stack routes
    }
    ftl_handle_t ours;
    ftl_err_t err = ftl_channel_create(&ours, out_theirs);
    if (err != FTL_OK) {
        return err;
    }
    memcpy(nd->mac, uri->mac, sizeof(nd->mac));
    nd->obj.kind = OBJ_NETDEV;
    nd->obj.ch = ours;
    if (!netif_add(&nd->netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, nd, netdev_init,
                   ethernet_input)) {
        FTL_CHECK(ftl_handle_close(ours));
        FTL_CHECK(ftl_handle_close(*out_theirs));
        nd->obj.ch = 0;
        return FTL_ERR_NO_MEMORY;
    }
    nd->txq_head = nd->txq_count = 0;
    nd->open = true;
    netif_set_default(&nd->netif);
    netif_set_status_callback(&nd->netif, status_changed);
    netif_set_up(&nd->netif);
    netif_set_link_up(&nd->netif);
    FTL_INFO("netdev: %02x:%02x:%02x:%02x:%02x:%02x up, asking DHCP for an address", nd->mac[0],
             nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5]);
    err = ftl_lwip_err(dhcp_start(&nd->netif));
    if (err != FTL_OK) {
        FTL_WARN("netdev: DHCP did not start: %s", ftl_err_str(err));
    }
    txq_flush(nd); // watches the channel (DHCP's first frame may be waiting)
    return FTL_OK;
}

static void netdev_gone(struct netdev *nd)
{
    FTL_WARN("netdev: the driver closed its channel; interface down");
    dhcp_stop(&nd->netif);
    netif_set_link_down(&nd->netif);
    netif_set_down(&nd->netif);
    netif_remove(&nd->netif);
    obj_close(&nd->obj);
    nd->open = false;
    nd->txq_count = 0;
}

void netdev_event(struct obj *o, uint32_t events)
{
    struct netdev *nd = (struct netdev *)o;
    static struct ftl_msg msg;
    if (events & FTL_WRITABLE) {
        txq_flush(nd);
    }
    for (int i = 0; i < FRAMES_PER_EVENT; i++) {
        ftl_err_t err = ftl_channel_recv(nd->obj.ch, &msg);
        if (err == FTL_ERR_EMPTY) {
            break;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            netdev_gone(nd);
            return;
        }
        FTL_CHECK(err);
        if (msg.type == FTL_MSG_DATA && msg.cookie == NETDEV_COUNTERS_COOKIE) {
            stats_set_driver(msg.data, msg.len);
            continue;
        }
        if (msg.type != FTL_MSG_DATA || msg.len == 0 || msg.len > FRAME_MAX) {
            continue;
        }
        tcpip_counters.rx_frames++;
        ftl_lwip_reuse_timewait(msg.data, msg.len);
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)msg.len, PBUF_POOL);
        if (!p) {
            nd->rx_dropped++; // every pbuf is queued for slow readers: TCP resends
            tcpip_counters.rx_no_pbuf++;
            continue;
        }
        pbuf_take(p, msg.data, (u16_t)msg.len);
        if (nd->netif.input(p, &nd->netif) != ERR_OK) {
            pbuf_free(p);
        }
    }
    log_drops(nd);
}
