// The per-connection receive queue: holds what lwIP delivered until the app takes it,
// and only then reopens the TCP window, so a slow reader slows the sender.
#include "ftl/lwip.h"

// A queue never holds more than one receive window, and a pbuf chain counts its length
// in 16 bits, so the window must fit (it does without window scaling).
_Static_assert(TCP_WND <= 0xffff, "TCP_WND must fit in a pbuf chain's tot_len");

void ftl_lwip_rxq_init(struct ftl_lwip_rxq *q)
{
    q->head = NULL;
    q->len = 0;
    q->npbufs = 0;
    q->fin = false;
}

ftl_err_t ftl_lwip_rxq_push(struct ftl_lwip_rxq *q, struct pbuf *p)
{
    if (!p) {
        return FTL_ERR_INVALID_ARG;
    }
    uint16_t n = pbuf_clen(p);
    // An empty queue takes any chain, or a long chain could never be delivered.
    if (q->head && q->npbufs + n > FTL_LWIP_RXQ_MAX_PBUFS) {
        return FTL_ERR_FULL;
    }
    if (q->len + p->tot_len > 0xffff) {
        return FTL_ERR_FULL;
    }
    if (q->head) {
        pbuf_cat(q->head, p);
    } else {
        q->head = p;
    }
    q->npbufs = (uint16_t)(q->npbufs + n);
    q->len += p->tot_len;
    return FTL_OK;
}

size_t ftl_lwip_rxq_read(struct ftl_lwip_rxq *q, struct tcp_pcb *pcb, void *buf, size_t len)
{
    if (!q->head || len == 0) {
        return 0;
    }
    // q->len <= 0xffff (checked on push), so the count fits lwIP's u16_t lengths.
    u16_t n = (u16_t)(len < q->len ? len : q->len);
    u16_t copied = pbuf_copy_partial(q->head, buf, n, 0);
    q->head = pbuf_free_header(q->head, copied);
    q->len -= copied;
    q->npbufs = q->head ? pbuf_clen(q->head) : 0;
    if (pcb && copied > 0) {
        tcp_recved(pcb, copied);
    }
    return copied;
}

void ftl_lwip_rxq_clear(struct ftl_lwip_rxq *q)
{
    if (q->head) {
        pbuf_free(q->head);
    }
    q->head = NULL;
    q->len = 0;
    q->npbufs = 0;
}
