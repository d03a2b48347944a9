// The frame link to the agent inside the guest (agent_proto.h): reassembles frames
// from the bytes of the console's transmit queue, whatever buffers they came in, and
// queues frames to the guest in a bounded ring the receive queue drains. Frames from
// the guest are checked before anything acts on them: a malformed one breaks the link
// (main.c then restarts the VM: a stream that lost its framing cannot be resynced).
#include "agent_proto.h"
#include "vmm.h"

#include <stdio.h>
#include <string.h>

size_t ring_room(const struct byte_ring *r)
{
    return sizeof(r->buf) - r->len;
}

void ring_put(struct byte_ring *r, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t tail = (r->head + r->len) % sizeof(r->buf);
    for (size_t done = 0; done < len;) {
        size_t n = sizeof(r->buf) - tail;
        n = n < len - done ? n : len - done;
        memcpy(r->buf + tail, p + done, n);
        done += n;
        tail = (tail + n) % sizeof(r->buf);
    }
    r->len += len;
}

size_t ring_get(struct byte_ring *r, void *dst, size_t max)
{
    uint8_t *p = dst;
    size_t want = max < r->len ? max : r->len;
    for (size_t done = 0; done < want;) {
        size_t n = sizeof(r->buf) - r->head;
        n = n < want - done ? n : want - done;
        memcpy(p + done, r->buf + r->head, n);
        done += n;
        r->head = (r->head + n) % sizeof(r->buf);
    }
    r->len -= want;
    return want;
}

// ---- a command's output queue (exec.c): entries of u8 stream, u16 length, bytes ----

// Copies `len` bytes into / out of a circular buffer of `size` bytes at `pos`, in at
// most two pieces (a byte loop here cost more than the guest writing the output).
static void circ_write(uint8_t *buf, size_t size, size_t pos, const uint8_t *src, size_t len)
{
    size_t first = size - pos < len ? size - pos : len;
    memcpy(buf + pos, src, first);
    memcpy(buf, src + first, len - first);
}

static void circ_read(const uint8_t *buf, size_t size, size_t pos, uint8_t *dst, size_t len)
{
    size_t first = size - pos < len ? size - pos : len;
    memcpy(dst, buf + pos, first);
    memcpy(dst + first, buf, len - first);
}

bool outq_put(struct outq *q, uint8_t stream, const uint8_t *data, size_t len)
{
    size_t n = sizeof(q->buf);
    if (n - q->len < 3 + len) {
        return false;
    }
    uint8_t hdr[3] = {stream, (uint8_t)len, (uint8_t)(len >> 8)};
    size_t tail = (q->head + q->len) % n;
    circ_write(q->buf, n, tail, hdr, 3);
    circ_write(q->buf, n, (tail + 3) % n, data, len);
    q->len += 3 + len;
    return true;
}

// Copies the oldest entry out (without removing it): its stream and length.
size_t outq_peek(const struct outq *q, uint8_t *stream, uint8_t *dst)
{
    size_t n = sizeof(q->buf);
    *stream = q->buf[q->head];
    size_t len = q->buf[(q->head + 1) % n] | (size_t)q->buf[(q->head + 2) % n] << 8;
    circ_read(q->buf, n, (q->head + 3) % n, dst, len);
    return len;
}

void outq_drop(struct outq *q, size_t len)
{
    q->head = (q->head + 3 + len) % sizeof(q->buf);
    q->len -= 3 + len;
}

void link_reset(struct agent_link *l, link_frame_fn on_frame, void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->on_frame = on_frame;
    l->ctx = ctx;
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void mark_broken(struct agent_link *l, const char *why)
{
    l->broken = true;
    snprintf(l->why, sizeof(l->why), "%s (type %u, len %u, id %u)", why, l->type, (unsigned)l->len,
             (unsigned)l->id);
}

// Checks a header from the guest: only guest -> host types, fixed payload sizes where
// the protocol has them, zero padding, id 0 exactly for HELLO.
static bool header_ok(struct agent_link *l)
{
    l->len = get_le32(l->hdr);
    l->type = l->hdr[4];
    l->id = get_le32(l->hdr + 8);
    if (l->hdr[5] || l->hdr[6] || l->hdr[7]) {
        mark_broken(l, "padding not zero");
        return false;
    }
    if (l->len > AGENT_PAYLOAD_MAX) {
        mark_broken(l, "payload too long");
        return false;
    }
    switch (l->type) {
    case AGENT_HELLO:
        if (l->id != 0) {
            mark_broken(l, "HELLO with an id");
            return false;
        }
        return true;
    case AGENT_WINDOW:
    case AGENT_EXIT:
        if (l->len != 4) {
            mark_broken(l, "WINDOW or EXIT payload is not 4 bytes");
            return false;
        }
        break;
    case AGENT_STDOUT:
    case AGENT_STDERR:
        break;
    default:
        mark_broken(l, "not a guest-to-host frame type");
        return false;
    }
    if (l->id == 0) {
        mark_broken(l, "command id 0");
        return false;
    }
    return true;
}

static void deliver(struct agent_link *l)
{
    struct agent_hdr h = {.len = l->len, .type = l->type, .id = l->id};
    l->frames_in++;
    l->hdr_got = 0;
    l->payload_got = 0;
    l->on_frame(l->ctx, &h, l->payload);
}

void link_feed(struct agent_link *l, const uint8_t *data, size_t len)
{
    while (len > 0 && !l->broken) {
        if (l->hdr_got < AGENT_HDR_SIZE) {
            size_t n = AGENT_HDR_SIZE - l->hdr_got;
            n = n < len ? n : len;
            memcpy(l->hdr + l->hdr_got, data, n);
            l->hdr_got += n;
            data += n;
            len -= n;
            if (l->hdr_got < AGENT_HDR_SIZE || !header_ok(l)) {
                continue;
            }
            if (l->len == 0) {
                deliver(l);
            }
            continue;
        }
        size_t n = l->len - l->payload_got;
        n = n < len ? n : len;
        memcpy(l->payload + l->payload_got, data, n);
        l->payload_got += n;
        data += n;
        len -= n;
        if (l->payload_got == l->len) {
            deliver(l);
        }
    }
}

bool link_has_room(const struct agent_link *l, size_t len)
{
    return ring_room(&l->out) >= AGENT_HDR_SIZE + len;
}

ftl_err_t link_send(struct agent_link *l, uint8_t type, uint32_t id, const void *payload,
                    size_t len)
{
    if (len > AGENT_PAYLOAD_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    if (!link_has_room(l, len)) {
        return FTL_ERR_FULL;
    }
    uint8_t hdr[AGENT_HDR_SIZE] = {0};
    put_le32(hdr, (uint32_t)len);
    hdr[4] = type;
    put_le32(hdr + 8, id);
    ring_put(&l->out, hdr, sizeof(hdr));
    ring_put(&l->out, payload, len);
    l->frames_out++;
    return FTL_OK;
}
