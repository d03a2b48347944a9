// UDP for clients: `udp:<ip>:<port>` binds a socket; every DATA message, both ways, is
// one datagram: 4 bytes IPv4 address + 2 bytes port (big endian) of the peer, then the
// payload. Datagrams the app has no room for are dropped (UDP promises no delivery).
#include <ftl.h>
#include <ftl/lwip.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/udp.h"

#include "tcpip.h"

#define UDP_ADDR_LEN 6
#define UDP_PAYLOAD_MAX (FTL_MSG_DATA_MAX - UDP_ADDR_LEN)

struct udpsock {
    struct obj obj;
    struct udp_pcb *pcb;
    uint64_t dropped;
};

static void on_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    struct udpsock *u = arg;
    static uint8_t buf[FTL_MSG_DATA_MAX];
    (void)pcb;
    if (p->tot_len <= UDP_PAYLOAD_MAX && u->obj.ch) {
        uint32_t ip = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
        buf[0] = (uint8_t)(ip >> 24);
        buf[1] = (uint8_t)(ip >> 16);
        buf[2] = (uint8_t)(ip >> 8);
        buf[3] = (uint8_t)ip;
        buf[4] = (uint8_t)(port >> 8);
        buf[5] = (uint8_t)port;
        u16_t n = pbuf_copy_partial(p, buf + UDP_ADDR_LEN, p->tot_len, 0);
        if (ftl_channel_send_data(u->obj.ch, buf, UDP_ADDR_LEN + n) != FTL_OK) {
            u->dropped++;
        }
    } else {
        u->dropped++;
    }
    pbuf_free(p);
}

ftl_err_t udp_open(const struct ftl_uri *uri, ftl_handle_t *out_theirs)
{
    struct udpsock *u = calloc(1, sizeof(*u));
    if (!u) {
        return FTL_ERR_NO_MEMORY;
    }
    u->obj.kind = OBJ_UDP;
    ftl_err_t err = ftl_channel_create(&u->obj.ch, out_theirs);
    if (err != FTL_OK) {
        goto out_free;
    }
    u->pcb = udp_new();
    if (!u->pcb) {
        err = FTL_ERR_NO_MEMORY;
        goto out_close;
    }
    ip_addr_t ip;
    IP_ADDR4(&ip, uri->ip[0], uri->ip[1], uri->ip[2], uri->ip[3]);
    err = ftl_lwip_err(udp_bind(u->pcb, &ip, uri->port));
    if (err != FTL_OK) {
        udp_remove(u->pcb);
        goto out_close;
    }
    udp_recv(u->pcb, on_udp_recv, u);
    obj_watch(&u->obj, FTL_READABLE);
    return FTL_OK;

out_close:
    FTL_CHECK(ftl_handle_close(u->obj.ch));
    FTL_CHECK(ftl_handle_close(*out_theirs));
out_free:
    free(u);
    return err;
}

static void send_datagram(struct udpsock *u, const struct ftl_msg *msg)
{
    if (msg->type != FTL_MSG_DATA || msg->len < UDP_ADDR_LEN) {
        return;
    }
    ip_addr_t to;
    IP_ADDR4(&to, msg->data[0], msg->data[1], msg->data[2], msg->data[3]);
    u16_t port = (u16_t)(msg->data[4] << 8 | msg->data[5]);
    u16_t len = (u16_t)(msg->len - UDP_ADDR_LEN);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
    if (!p) {
        u->dropped++;
        return;
    }
    pbuf_take(p, msg->data + UDP_ADDR_LEN, len);
    if (udp_sendto(u->pcb, p, &to, port) != ERR_OK) {
        u->dropped++;
    }
    pbuf_free(p);
}

void udp_event(struct obj *o, uint32_t events)
{
    struct udpsock *u = (struct udpsock *)o;
    static struct ftl_msg msg;
    (void)events;
    ftl_err_t err = ftl_channel_recv(u->obj.ch, &msg);
    if (err == FTL_ERR_EMPTY) {
        return;
    }
    if (err == FTL_ERR_PEER_CLOSED) {
        udp_remove(u->pcb);
        obj_close(&u->obj);
        free(u);
        return;
    }
    FTL_CHECK(err);
    for (uint32_t i = 0; i < msg.nhandles; i++) {
        FTL_CHECK(ftl_handle_close(msg.handles[i]));
    }
    send_datagram(u, &msg);
}
