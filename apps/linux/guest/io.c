// Byte rings, the bounded queue of frames to the host, and diagnostics (/dev/kmsg).
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

size_t ring_space(const struct ring *r)
{
    return r->cap - r->len;
}

void ring_put(struct ring *r, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t tail = (r->head + r->len) & (r->cap - 1);
    size_t first = r->cap - tail < len ? r->cap - tail : len;
    memcpy(r->buf + tail, p, first);
    memcpy(r->buf, p + first, len - first);
    r->len += len;
}

const uint8_t *ring_peek(const struct ring *r, size_t *out_len)
{
    size_t run = r->cap - r->head;
    *out_len = r->len < run ? r->len : run;
    return r->buf + r->head;
}

void ring_consume(struct ring *r, size_t n)
{
    r->head = (r->head + n) & (r->cap - 1);
    r->len -= n;
    if (r->len == 0) {
        r->head = 0; // keeps later frames contiguous
    }
}

static uint8_t tx_buf[TX_CAP];
static struct ring tx = {.buf = tx_buf, .cap = TX_CAP};
// The frame tx_begin reserved: its header, written by tx_commit.
static struct agent_hdr tx_open_hdr;
static size_t tx_open_max;
static uint8_t tx_stage[AGENT_PAYLOAD_MAX];

size_t tx_space(void)
{
    return ring_space(&tx);
}

bool tx_pending(void)
{
    return tx.len > 0;
}

bool tx_frame(uint8_t type, uint32_t id, const void *payload, size_t len)
{
    if (len > AGENT_PAYLOAD_MAX || ring_space(&tx) < AGENT_HDR_SIZE + len) {
        return false;
    }
    struct agent_hdr h = {.len = (uint32_t)len, .type = type, .id = id};
    ring_put(&tx, &h, sizeof(h)); // the agent and the host are both little-endian
    ring_put(&tx, payload, len);
    return true;
}

bool tx_u32(uint8_t type, uint32_t id, uint32_t value)
{
    uint8_t le[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
                     (uint8_t)(value >> 24)};
    return tx_frame(type, id, le, sizeof(le));
}

uint8_t *tx_begin(uint8_t type, uint32_t id, size_t max_len)
{
    if (max_len > AGENT_PAYLOAD_MAX || ring_space(&tx) < AGENT_HDR_SIZE + max_len) {
        return NULL;
    }
    tx_open_hdr = (struct agent_hdr){.type = type, .id = id};
    tx_open_max = max_len;
    return tx_stage;
}

void tx_commit(size_t len)
{
    if (len == 0 || len > tx_open_max) {
        return;
    }
    tx_open_hdr.len = (uint32_t)len;
    ring_put(&tx, &tx_open_hdr, sizeof(tx_open_hdr));
    ring_put(&tx, tx_stage, len);
}

bool tx_flush(int fd)
{
    while (tx.len > 0) {
        size_t run;
        const uint8_t *p = ring_peek(&tx, &run);
        ssize_t n = write(fd, p, run);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN;
        }
        if (n == 0) {
            return true;
        }
        ring_consume(&tx, (size_t)n);
    }
    return true;
}

void agent_log(int level, const char *fmt, ...)
{
    static int kmsg = -1;
    if (kmsg < 0) { // again until /dev is mounted
        kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    }
    char line[256];
    int n = snprintf(line, sizeof(line), "<%d>ftl-agent: ", level & 7);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2) {
        len = sizeof(line) - 2;
    }
    line[len++] = '\n';
    int fd = kmsg >= 0 ? kmsg : STDERR_FILENO; // before /dev is mounted: the console
    ssize_t w = write(fd, kmsg >= 0 ? line : line + 3, kmsg >= 0 ? len : len - 3);
    (void)w; // nowhere else to report it
}
