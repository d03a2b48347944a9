// libFuzzer target for what tcpip does with a frame from its network driver: the
// TIME_WAIT takeover check (hooks.c), then lwIP's whole input path (Ethernet, ARP,
// IPv4 and its reassembly, ICMP, UDP, DHCP, TCP) on netif b (10.0.0.2) of a netpair,
// where a listener on port 80 accepts and reads. Replies cross the wire to netif a, so
// they are parsed too; lwIP's timers run every 64 inputs. The frames of one run share
// one lwIP, as they do in tcpip.
#include <stdlib.h>
#include <string.h>

#include "ftl/lwip.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "netpair.h"

#define FRAME_MAX 1514

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct netpair np;

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (!p) {
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb) {
        return ERR_VAL;
    }
    tcp_recv(pcb, on_recv);
    return ERR_OK;
}

static void setup(void)
{
    lwip_init();
    netpair_init(&np);
    ip_addr_t ip_b = netpair_ip_b();
    struct tcp_pcb *l = tcp_new();
    tcp_bind_netif(l, &np.b);
    if (!l || tcp_bind(l, &ip_b, 80) != ERR_OK || !(l = tcp_listen(l))) {
        abort();
    }
    tcp_accept(l, on_accept);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long runs;
    if (runs++ == 0) {
        setup();
    }
    if (size == 0 || size > FRAME_MAX) {
        return 0;
    }
    // A heap copy of exactly `size` bytes, so ASan sees any read past the end.
    uint8_t *frame = malloc(size);
    if (!frame) {
        return 0;
    }
    memcpy(frame, data, size);
    ftl_lwip_reuse_timewait(frame, size);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)size, PBUF_POOL);
    if (p) {
        pbuf_take(p, frame, (u16_t)size);
        if (np.b.input(p, &np.b) != ERR_OK) {
            pbuf_free(p);
        }
    }
    free(frame);
    netpair_deliver(&np);
    if (runs % 64 == 0) {
        netpair_advance_ms(250);
        netpair_deliver(&np);
    }
    return 0;
}
