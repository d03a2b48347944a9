// virtio_net: the driver for virtio network devices, on virtio-mmio (modern, virtio 1.x,
// and legacy, virtio 0.9.5: QEMU's default) or virtio-pci (modern), through the shared
// transport of libs/c/virtio. It sets the device up, registers with tcpip as
// `ethernet:<mac>` and then moves frames both ways: received frames become DATA messages to tcpip,
// DATA messages from tcpip are sent. Walked through in docs/writing-drivers.md.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

#include "virtio.h"

#define RX_QUEUE 0
#define TX_QUEUE 1
#define QUEUE_SIZE_MAX 64 // descriptors per queue (the device may offer fewer)
#define BUF_SIZE 2048     // one frame + header per buffer (no merged RX buffers)
#define FRAME_MAX 1514    // Ethernet header + 1500 bytes MTU, no FCS
#define OPEN_COOKIE 1

_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio-net header with VERSION_1");
_Static_assert(sizeof(struct virtio_net_hdr) + FRAME_MAX <= BUF_SIZE, "a buffer holds a frame");

struct nic {
    struct virtio dev;
    uint32_t hdr_len; // 12 (VERSION_1) or 10 (legacy: no num_buffers)
    ftl_handle_t irq;
    ftl_handle_t tcpip;  // the service channel: OPEN goes here
    ftl_handle_t frames; // from OPEN_REPLY: frames both ways; 0 until registered
    ftl_handle_t poll;
    uint32_t frames_events; // what `frames` is watched for now
    uint8_t mac[6];
    struct virtq rx, tx;              // descriptor i always points at buffer i
    uint8_t *rx_bufs, *tx_bufs;       // size * BUF_SIZE bytes each, DMA memory
    uint16_t tx_free[QUEUE_SIZE_MAX]; // descriptor ids the device is done with
    uint16_t tx_nfree;
    bool rx_waiting; // tcpip's queue was full: frames wait in the RX used ring
    uint64_t rx_frames, tx_frames, rx_waits, tx_dropped, rx_bad;
    uint64_t rx_ring_full; // drains that found every RX buffer used: the device held frames
    uint64_t tx_ring_full; // times every TX descriptor was in use: frames waited in tcpip
    uint64_t rx_waits_logged, tx_dropped_logged, rx_bad_logged;
    int64_t next_log_ns;
    uint64_t reported_sum; // the counters' sum at the last report to tcpip
    int64_t next_report_ns;
};

#define REPORT_INTERVAL_NS 100000000 // counters go to tcpip at most 10 times a second
#define COUNTERS_COOKIE 1            // a DATA message with it carries counters, not a frame

// Spec 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK.
static void negotiate(struct nic *n, const struct ftl_device *dev)
{
    virtio_open(&n->dev, dev, VIRTIO_ID_NET, "virtio-net");
    n->hdr_len = n->dev.legacy ? 10 : 12;
    if (!(virtio_features(&n->dev) & (1u << VIRTIO_NET_F_MAC))) {
        virtio_fail(&n->dev, "device has no MAC address (VIRTIO_NET_F_MAC)");
    }
    // Only the MAC and virtio 1.x: no checksum offload, no GSO, no merged buffers, so
    // every received frame fits one buffer and every header field stays 0.
    virtio_set_features(&n->dev, 1u << VIRTIO_NET_F_MAC);
    for (int i = 0; i < 6; i++) {
        n->mac[i] = virtio_config_read8(&n->dev, (size_t)i);
    }
}

// Spec 4.2.3.2 / 4.1.5.1.3: the queue's rings (libs/c/virtio), then one buffer per
// descriptor.
static void queue_setup(struct nic *n, uint16_t index, struct virtq *q, uint8_t **bufs)
{
    virtio_queue_setup(&n->dev, index, QUEUE_SIZE_MAX, q);
    void *va;
    uint64_t bus;
    FTL_CHECK(ftl_dma_alloc((size_t)q->size * BUF_SIZE, &va, &bus));
    *bufs = va;
    for (uint16_t i = 0; i < q->size; i++) {
        q->desc[i].addr = bus + (uint64_t)i * BUF_SIZE;
        q->desc[i].len = BUF_SIZE;
        q->desc[i].flags = 0;
        q->desc[i].next = 0;
    }
}

static void rx_fill(struct nic *n)
{
    for (uint16_t i = 0; i < n->rx.size; i++) {
        n->rx.desc[i].flags = VIRTQ_DESC_F_WRITE;
        virtq_push(&n->rx, i);
    }
    virtio_notify(&n->dev, &n->rx);
}

static void watch_frames(struct nic *n)
{
    if (!n->frames) {
        return;
    }
    uint32_t want = (n->tx_nfree > 0 ? FTL_READABLE : 0) | (n->rx_waiting ? FTL_WRITABLE : 0);
    if (want != n->frames_events) {
        FTL_CHECK(ftl_poll_modify(n->poll, n->frames, want, &n->frames));
        n->frames_events = want;
    }
}

_Noreturn static void tcpip_gone(struct nic *n)
{
    FTL_ERROR("virtio-net: tcpip closed the frame channel; stopping the device");
    virtio_reset(&n->dev);
    ftl_exit(1);
}

// Passes received frames to tcpip and gives their buffers back to the device. When
// tcpip's queue is full the frames stay in the used ring (the device then holds further
// packets itself) until the channel turns writable: nothing is dropped here.
static void rx_drain(struct nic *n)
{
    bool reposted = false;
    n->rx_waiting = false;
    if ((uint16_t)(n->rx.used->idx - n->rx.last_used) == n->rx.size) {
        n->rx_ring_full++; // no buffer was left: the device held further frames itself
    }
    while (n->frames && virtq_used_pending(&n->rx)) {
        struct virtq_used_elem e = n->rx.used->ring[n->rx.last_used & (n->rx.size - 1)];
        uint16_t id = (uint16_t)e.id;
        if (id >= n->rx.size || e.len < n->hdr_len + 14 || e.len > n->hdr_len + FRAME_MAX) {
            n->rx_bad++;
        } else {
            // The kernel copies messages only from the app's own memory, not from DMA
            // memory (FTL_ERR_BAD_ADDRESS), so the frame goes through a bounce buffer.
            static uint8_t frame[FRAME_MAX];
            memcpy(frame, n->rx_bufs + (size_t)id * BUF_SIZE + n->hdr_len, e.len - n->hdr_len);
            ftl_err_t err = ftl_channel_send_data(n->frames, frame, e.len - n->hdr_len);
            if (err == FTL_ERR_FULL) {
                n->rx_waiting = true;
                n->rx_waits++;
                break;
            }
            if (err == FTL_ERR_PEER_CLOSED) {
                tcpip_gone(n);
            }
            FTL_CHECK(err);
            n->rx_frames++;
        }
        n->rx.last_used++;
        if (id < n->rx.size) {
            virtq_push(&n->rx, id);
            reposted = true;
        }
    }
    if (reposted) {
        virtio_notify(&n->dev, &n->rx);
    }
}

static void tx_reclaim(struct nic *n)
{
    while (virtq_used_pending(&n->tx)) {
        uint32_t id = n->tx.used->ring[n->tx.last_used & (n->tx.size - 1)].id;
        n->tx.last_used++;
        if (id < n->tx.size && n->tx_nfree < n->tx.size) {
            n->tx_free[n->tx_nfree++] = (uint16_t)id;
        }
    }
}

static void tx_send(struct nic *n, const uint8_t *frame, size_t len)
{
    if (len < 14 || len > FRAME_MAX) {
        n->tx_dropped++;
        return;
    }
    uint16_t id = n->tx_free[--n->tx_nfree];
    uint8_t *buf = n->tx_bufs + (size_t)id * BUF_SIZE;
    memset(buf, 0, n->hdr_len);
    memcpy(buf + n->hdr_len, frame, len);
    n->tx.desc[id].len = (uint32_t)(n->hdr_len + len);
    n->tx.desc[id].flags = 0; // device reads it
    virtq_push(&n->tx, id);
    virtio_notify(&n->dev, &n->tx);
    n->tx_frames++;
}

// Frames from tcpip, while there are free TX descriptors (else the channel is not
// watched for READABLE until the device hands some back).
static void frames_readable(struct nic *n)
{
    static struct ftl_msg msg;
    tx_reclaim(n);
    while (n->tx_nfree > 0) {
        ftl_err_t err = ftl_channel_recv(n->frames, &msg);
        if (err == FTL_ERR_EMPTY) {
            return;
        }
        if (err == FTL_ERR_PEER_CLOSED) {
            tcpip_gone(n);
        }
        FTL_CHECK(err);
        if (msg.type == FTL_MSG_DATA) {
            tx_send(n, msg.data, msg.len);
        }
    }
    n->tx_ring_full++; // the ring filled up: the rest wait in tcpip's queue
}

static void irq_fired(struct nic *n)
{
    // Acknowledge first: a buffer used after this sets the status again, so the
    // (level-triggered) interrupt fires again once re-enabled below.
    (void)virtio_irq_status(&n->dev);
    rx_drain(n);
    tx_reclaim(n);
    FTL_CHECK(ftl_irq_ack(n->irq));
}

// At most one line a second about frames that waited or were dropped.
static void log_counters(struct nic *n)
{
    int64_t now = ftl_time_now();
    if (now < n->next_log_ns) {
        return;
    }
    n->next_log_ns = now + 1000000000;
    if (n->rx_waits != n->rx_waits_logged || n->tx_dropped != n->tx_dropped_logged ||
        n->rx_bad != n->rx_bad_logged) {
        // Waits lose nothing (INFO); dropped or bad frames do (WARN).
        int level = n->tx_dropped != n->tx_dropped_logged || n->rx_bad != n->rx_bad_logged
                        ? FTL_LOG_WARN
                        : FTL_LOG_INFO;
        ftl_log(level,
                "virtio-net: tcpip busy %llu times (frames waited), %llu bad TX frames "
                "dropped, %llu bad RX frames; %llu received, %llu sent",
                (unsigned long long)(n->rx_waits - n->rx_waits_logged),
                (unsigned long long)(n->tx_dropped - n->tx_dropped_logged),
                (unsigned long long)(n->rx_bad - n->rx_bad_logged),
                (unsigned long long)n->rx_frames, (unsigned long long)n->tx_frames);
        n->rx_waits_logged = n->rx_waits;
        n->tx_dropped_logged = n->tx_dropped;
        n->rx_bad_logged = n->rx_bad;
    }
}

static uint64_t counters_sum(const struct nic *n)
{
    return n->rx_frames + n->tx_frames + n->rx_waits + n->tx_dropped + n->rx_bad + n->rx_ring_full +
           n->tx_ring_full;
}

// Sends the counters to tcpip, which shows them in its own (apps/tcpip/stats.c), when
// they changed and at most every REPORT_INTERVAL_NS. Returns when to call again, or
// FTL_NO_TIMEOUT if nothing is left to report.
static int64_t report_counters(struct nic *n)
{
    uint64_t sum = counters_sum(n);
    if (sum == n->reported_sum) {
        return FTL_NO_TIMEOUT;
    }
    int64_t now = ftl_time_now();
    if (now < n->next_report_ns) {
        return n->next_report_ns - now;
    }
    char text[512];
    int len = snprintf(text, sizeof(text),
                       "rx_frames %llu\nrx_ring_full %llu\nrx_tcpip_busy %llu\nrx_bad %llu\n"
                       "tx_frames %llu\ntx_ring_full %llu\ntx_bad %llu\n",
                       (unsigned long long)n->rx_frames, (unsigned long long)n->rx_ring_full,
                       (unsigned long long)n->rx_waits, (unsigned long long)n->rx_bad,
                       (unsigned long long)n->tx_frames, (unsigned long long)n->tx_ring_full,
                       (unsigned long long)n->tx_dropped);
    ftl_err_t err =
        ftl_channel_send(n->frames, FTL_MSG_DATA, COUNTERS_COOKIE, text, (size_t)len, NULL, 0);
    if (err == FTL_OK) {
        n->reported_sum = sum;
    } else if (err != FTL_ERR_FULL) {
        FTL_CHECK(err); // FULL: tcpip is busy; the next report carries the same figures
    }
    n->next_report_ns = now + REPORT_INTERVAL_NS;
    return REPORT_INTERVAL_NS;
}

// OPEN `ethernet:<mac>` on the tcpip service; the reply carries the frame channel.
static void register_with_tcpip(struct nic *n)
{
    char uri[32];
    int len = snprintf(uri, sizeof(uri), "ethernet:%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
                       n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
    FTL_CHECK(ftl_channel_send(n->tcpip, FTL_MSG_OPEN, OPEN_COOKIE, uri, (size_t)len, NULL, 0));

    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, n->tcpip, FTL_READABLE, NULL));
    static struct ftl_msg msg;
    for (;;) {
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
        FTL_CHECK(ftl_channel_recv(n->tcpip, &msg));
        if (msg.type == FTL_MSG_OPEN_REPLY && msg.cookie == OPEN_COOKIE && msg.nhandles == 1) {
            n->frames = msg.handles[0];
            break;
        }
        if (msg.type == FTL_MSG_ERROR_REPLY && msg.len == 4) {
            ftl_err_t err;
            memcpy(&err, msg.data, 4);
            FTL_ERROR("virtio-net: tcpip refused %s: %s", uri, ftl_err_str(err));
            ftl_exit(1);
        }
    }
    FTL_CHECK(ftl_handle_close(poll));
    FTL_INFO("virtio-net: %s registered with tcpip (%s, rx %u, tx %u descriptors)", uri,
             virtio_transport_name(&n->dev), (unsigned)n->rx.size, (unsigned)n->tx.size);
}

void app_main(const struct ftl_env *env)
{
    static struct nic nic;
    struct nic *n = &nic;
    struct ftl_device dev;
    FTL_CHECK(ftl_env_device(env, "nic", &dev));
    FTL_CHECK(ftl_env_channel(env, "tcpip", &n->tcpip));
    n->irq = dev.irq;

    negotiate(n, &dev);
    queue_setup(n, RX_QUEUE, &n->rx, &n->rx_bufs);
    queue_setup(n, TX_QUEUE, &n->tx, &n->tx_bufs);
    for (uint16_t i = 0; i < n->tx.size; i++) {
        n->tx_free[n->tx_nfree++] = i;
    }
    rx_fill(n);
    virtio_driver_ok(&n->dev);

    // Frames that arrive meanwhile wait in the used ring; the interrupt stays pending.
    register_with_tcpip(n);

    FTL_CHECK(ftl_poll_create(&n->poll));
    FTL_CHECK(ftl_poll_add(n->poll, n->irq, FTL_READABLE, &n->irq));
    FTL_CHECK(ftl_poll_add(n->poll, n->frames, FTL_READABLE, &n->frames));
    n->frames_events = FTL_READABLE;
    rx_drain(n);

    for (;;) {
        // Wake once a second while there are counters to report.
        bool unlogged = n->rx_waits != n->rx_waits_logged ||
                        n->tx_dropped != n->tx_dropped_logged || n->rx_bad != n->rx_bad_logged;
        int64_t timeout = report_counters(n);
        if (unlogged && (timeout == FTL_NO_TIMEOUT || timeout > 1000000000)) {
            timeout = 1000000000;
        }
        struct ftl_event ev;
        ftl_err_t err = ftl_poll_wait(n->poll, timeout, &ev);
        if (err == FTL_OK && ev.handle == n->irq) {
            irq_fired(n);
        } else if (err == FTL_OK && ev.handle == n->frames) {
            if (ev.events & FTL_PEER_CLOSED) {
                tcpip_gone(n);
            }
            if (ev.events & FTL_WRITABLE) {
                rx_drain(n);
            }
            if (ev.events & FTL_READABLE) {
                frames_readable(n);
            }
        } else if (err != FTL_ERR_TIMED_OUT) {
            FTL_CHECK(err);
        }
        watch_frames(n);
        log_counters(n);
    }
}
