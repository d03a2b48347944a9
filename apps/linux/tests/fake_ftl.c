// The fake SDK of fake_ftl.h.
#include "fake_ftl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t fake_now_ns;
uint32_t fake_irq_level[FTL_VM_SPI_COUNT];
uint32_t fake_irq_raises[FTL_VM_SPI_COUNT];
char fake_log_last[1024];
unsigned fake_log_lines;
bool fake_log_quiet = true;

struct fake_end {
    bool open;
    ftl_handle_t peer; // 0: none (closed)
    bool peer_closed;
    size_t cap;
    size_t head, len;
    struct ftl_msg *q; // FAKE_QUEUE_MAX messages
    uint32_t poll_events;
};

static struct fake_end ends[FAKE_HANDLES];
static struct {
    const char *name;
    const void *data;
    size_t len;
} files[4];

void fake_reset(void)
{
    for (size_t i = 0; i < FAKE_HANDLES; i++) {
        free(ends[i].q);
    }
    memset(ends, 0, sizeof(ends));
    memset(fake_irq_level, 0, sizeof(fake_irq_level));
    memset(fake_irq_raises, 0, sizeof(fake_irq_raises));
    memset(files, 0, sizeof(files));
    fake_log_lines = 0;
    fake_log_last[0] = '\0';
    fake_now_ns = 1000000000;
}

static struct fake_end *end_of(ftl_handle_t h)
{
    return h > 0 && h < FAKE_HANDLES && ends[h].open ? &ends[h] : NULL;
}

void fake_set_queue_cap(ftl_handle_t h, size_t cap)
{
    ends[h].cap = cap;
}

size_t fake_queued(ftl_handle_t h)
{
    return end_of(h) ? ends[h].len : 0;
}

uint32_t fake_poll_events(ftl_handle_t h)
{
    return end_of(h) ? ends[h].poll_events : UINT32_MAX;
}

bool fake_is_open(ftl_handle_t h)
{
    return end_of(h) != NULL;
}

size_t fake_open_handles(void)
{
    size_t n = 0;
    for (size_t i = 1; i < FAKE_HANDLES; i++) {
        n += ends[i].open;
    }
    return n;
}

void fake_set_file(const char *name, const void *data, size_t len)
{
    for (size_t i = 0; i < 4; i++) {
        if (!files[i].name) {
            files[i].name = name;
            files[i].data = data;
            files[i].len = len;
            return;
        }
    }
}

static ftl_handle_t new_end(void)
{
    for (ftl_handle_t h = 1; h < FAKE_HANDLES; h++) {
        if (!ends[h].open) {
            free(ends[h].q);
            ends[h] =
                (struct fake_end){.open = true, .cap = FAKE_QUEUE_MAX, .poll_events = UINT32_MAX};
            ends[h].q = calloc(FAKE_QUEUE_MAX, sizeof(struct ftl_msg));
            return h;
        }
    }
    return 0;
}

ftl_err_t ftl_channel_create(ftl_handle_t *out_a, ftl_handle_t *out_b)
{
    ftl_handle_t a = new_end();
    ftl_handle_t b = a ? new_end() : 0;
    if (!b) {
        if (a) {
            ends[a].open = false;
        }
        return FTL_ERR_TOO_MANY;
    }
    ends[a].peer = b;
    ends[b].peer = a;
    *out_a = a;
    *out_b = b;
    return FTL_OK;
}

ftl_err_t ftl_handle_close(ftl_handle_t h)
{
    struct fake_end *e = end_of(h);
    if (!e) {
        return FTL_ERR_BAD_HANDLE;
    }
    struct fake_end *p = end_of(e->peer);
    if (p) {
        p->peer_closed = true;
        p->peer = 0;
    }
    for (size_t i = 0; i < e->len; i++) { // handles in unreceived messages close too
        struct ftl_msg *m = &e->q[(e->head + i) % FAKE_QUEUE_MAX];
        for (uint32_t k = 0; k < m->nhandles; k++) {
            (void)ftl_handle_close(m->handles[k]);
        }
    }
    e->open = false;
    return FTL_OK;
}

ftl_err_t ftl_channel_send(ftl_handle_t ch, uint32_t type, uint64_t cookie, const void *data,
                           size_t len, const ftl_handle_t *handles, size_t nhandles)
{
    struct fake_end *e = end_of(ch);
    if (!e) {
        return FTL_ERR_BAD_HANDLE;
    }
    if (len > FTL_MSG_DATA_MAX || nhandles > FTL_MSG_HANDLES_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    struct fake_end *p = end_of(e->peer);
    if (!p) {
        return FTL_ERR_PEER_CLOSED;
    }
    if (p->len >= p->cap) {
        return FTL_ERR_FULL;
    }
    struct ftl_msg *m = &p->q[(p->head + p->len) % FAKE_QUEUE_MAX];
    memset(m, 0, offsetof(struct ftl_msg, data));
    m->type = type;
    m->cookie = cookie;
    m->len = (uint32_t)len;
    if (len) {
        memcpy(m->data, data, len);
    }
    m->nhandles = (uint32_t)nhandles;
    for (size_t i = 0; i < nhandles; i++) {
        m->handles[i] = handles[i];
    }
    p->len++;
    return FTL_OK;
}

ftl_err_t ftl_channel_send_data(ftl_handle_t ch, const void *data, size_t len)
{
    return ftl_channel_send(ch, FTL_MSG_DATA, 0, data, len, NULL, 0);
}

ftl_err_t ftl_channel_recv(ftl_handle_t ch, struct ftl_msg *out)
{
    struct fake_end *e = end_of(ch);
    if (!e) {
        return FTL_ERR_BAD_HANDLE;
    }
    if (e->len == 0) {
        return e->peer_closed ? FTL_ERR_PEER_CLOSED : FTL_ERR_EMPTY;
    }
    *out = e->q[e->head];
    e->head = (e->head + 1) % FAKE_QUEUE_MAX;
    e->len--;
    return FTL_OK;
}

ftl_err_t ftl_poll_add(ftl_handle_t poll, ftl_handle_t h, uint32_t events, void *ctx)
{
    (void)poll;
    (void)ctx;
    struct fake_end *e = end_of(h);
    if (!e) {
        return FTL_ERR_BAD_HANDLE;
    }
    if (e->poll_events != UINT32_MAX) {
        return FTL_ERR_ALREADY_EXISTS;
    }
    e->poll_events = events;
    return FTL_OK;
}

ftl_err_t ftl_poll_modify(ftl_handle_t poll, ftl_handle_t h, uint32_t events, void *ctx)
{
    (void)poll;
    (void)ctx;
    struct fake_end *e = end_of(h);
    if (!e || e->poll_events == UINT32_MAX) {
        return FTL_ERR_NOT_FOUND;
    }
    e->poll_events = events;
    return FTL_OK;
}

ftl_err_t ftl_poll_remove(ftl_handle_t poll, ftl_handle_t h)
{
    (void)poll;
    struct fake_end *e = end_of(h);
    if (!e || e->poll_events == UINT32_MAX) {
        return FTL_ERR_NOT_FOUND;
    }
    e->poll_events = UINT32_MAX;
    return FTL_OK;
}

int64_t ftl_time_now(void)
{
    return fake_now_ns;
}

void ftl_log(int level, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake_log_last, sizeof(fake_log_last), fmt, ap);
    va_end(ap);
    fake_log_lines++;
    if (!fake_log_quiet) {
        fprintf(stderr, "log: %s\n", fake_log_last);
    }
}

ftl_err_t ftl_vm_irq(ftl_handle_t vm, uint32_t spi, uint32_t level)
{
    (void)vm;
    if (spi >= FTL_VM_SPI_COUNT) {
        return FTL_ERR_INVALID_ARG;
    }
    if (level && !fake_irq_level[spi]) {
        fake_irq_raises[spi]++;
    }
    fake_irq_level[spi] = level != 0;
    return FTL_OK;
}

// Guest RAM for ftl_vm_load: the tests set it through their struct guest_ram; the
// fake only needs to copy, so it takes the destination from this pointer.
uint8_t *fake_ram;
uint64_t fake_ram_size;

ftl_err_t ftl_vm_load(ftl_handle_t vm, const char *name, uint64_t gpa, size_t *out_size)
{
    (void)vm;
    for (size_t i = 0; i < 4; i++) {
        if (files[i].name && strcmp(files[i].name, name) == 0) {
            uint64_t off = gpa - FTL_VM_RAM_BASE;
            if (gpa < FTL_VM_RAM_BASE || off > fake_ram_size ||
                files[i].len > fake_ram_size - off) {
                return FTL_ERR_TOO_LARGE;
            }
            memcpy(fake_ram + off, files[i].data, files[i].len);
            *out_size = files[i].len;
            return FTL_OK;
        }
    }
    return FTL_ERR_NOT_FOUND;
}

uint64_t fake_boot_pc, fake_boot_x0;

ftl_err_t ftl_vm_boot(ftl_handle_t vm, uint64_t pc, uint64_t x0)
{
    (void)vm;
    fake_boot_pc = pc;
    fake_boot_x0 = x0;
    return FTL_OK;
}
