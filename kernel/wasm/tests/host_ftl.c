// In-process FTL objects for the Linux runner (see host_ftl.h): channels with the
// kernel's queue limits and error codes, level-triggered polls, timers.
#define _DEFAULT_SOURCE
#include "host_ftl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum obj_kind {
    HOBJ_CHANNEL = FTL_OBJ_CHANNEL,
    HOBJ_POLL = FTL_OBJ_POLL,
    HOBJ_TIMER = FTL_OBJ_TIMER
};

#define WATCH_MAX 64

struct host_msg {
    uint32_t type;
    uint32_t len;
    uint64_t cookie;
    uint32_t nhandles;
    struct host_obj *objs[FTL_MSG_HANDLES_MAX];
    uint8_t data[FTL_MSG_DATA_MAX];
};

struct watch {
    ftl_handle_t h;
    uint32_t events;
    uint64_t ctx;
};

struct host_obj {
    enum obj_kind kind;
    struct host_obj *all_next; // every object, freed by host_ftl_cleanup
    // channel
    struct host_msg *queue[FTL_CHANNEL_QUEUE_MAX];
    unsigned head, count;
    struct host_obj *peer; // NULL once the peer closed
    bool closed;
    bool stdin_fed; // reads the process's stdin when empty (see host_ftl_feed_stdin)
    // poll
    struct watch watches[WATCH_MAX];
    size_t nwatches;
    size_t next; // where the next scan starts, so no watch starves
    // timer
    int64_t deadline;
};

struct host_chan {
    struct host_obj obj; // the runner's end; always the first member
};

static struct host_obj *table[FTL_PROCESS_HANDLES_MAX];
static struct host_obj *all;

static int64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct host_obj *obj_new(enum obj_kind kind)
{
    struct host_obj *o = calloc(1, sizeof(*o));
    if (o) {
        o->kind = kind;
        o->deadline = INT64_MAX;
        o->all_next = all;
        all = o;
    }
    return o;
}

static size_t free_slots(void)
{
    size_t n = 0;
    for (size_t i = 0; i < FTL_PROCESS_HANDLES_MAX; i++) {
        n += table[i] == NULL;
    }
    return n;
}

static ftl_handle_t table_add(struct host_obj *o)
{
    for (ftl_handle_t h = 0; h < FTL_PROCESS_HANDLES_MAX; h++) {
        if (!table[h]) {
            table[h] = o;
            return h;
        }
    }
    return -1;
}

static ftl_err_t table_get(ftl_handle_t h, enum obj_kind kind, struct host_obj **out)
{
    if (h < 0 || h >= FTL_PROCESS_HANDLES_MAX || !table[h]) {
        return FTL_ERR_BAD_HANDLE;
    }
    if (kind && table[h]->kind != kind) {
        return FTL_ERR_WRONG_TYPE;
    }
    *out = table[h];
    return FTL_OK;
}

// Closes an object that lost its last reference: a channel's peer sees PEER_CLOSED
// and the handles queued in it are closed too.
static void obj_close(struct host_obj *o)
{
    if (o->kind != HOBJ_CHANNEL || o->closed) {
        return;
    }
    o->closed = true;
    if (o->peer) {
        o->peer->peer = NULL;
        o->peer = NULL;
    }
    for (; o->count; o->count--) {
        struct host_msg *m = o->queue[o->head];
        o->head = (o->head + 1) % FTL_CHANNEL_QUEUE_MAX;
        for (uint32_t i = 0; i < m->nhandles; i++) {
            obj_close(m->objs[i]);
        }
        free(m);
    }
}

// Takes handle `h` out of the table and out of every poll watching it.
static void unwatch(ftl_handle_t h)
{
    table[h] = NULL;
    for (struct host_obj *p = all; p; p = p->all_next) {
        for (size_t i = 0; p->kind == HOBJ_POLL && i < p->nwatches; i++) {
            if (p->watches[i].h == h) {
                p->watches[i--] = p->watches[--p->nwatches];
            }
        }
    }
}

static ftl_err_t op_handle_close(void *ctx, ftl_handle_t h)
{
    (void)ctx;
    struct host_obj *o;
    ftl_err_t e = table_get(h, 0, &o);
    if (e != FTL_OK) {
        return e;
    }
    unwatch(h);
    obj_close(o);
    return FTL_OK;
}

static ftl_err_t pair(struct host_obj **a, struct host_obj **b)
{
    *a = obj_new(HOBJ_CHANNEL);
    *b = obj_new(HOBJ_CHANNEL);
    if (!*a || !*b) {
        return FTL_ERR_NO_MEMORY; // a half-made pair stays on the list until cleanup
    }
    (*a)->peer = *b;
    (*b)->peer = *a;
    return FTL_OK;
}

static ftl_err_t op_channel_create(void *ctx, ftl_handle_t *out_a, ftl_handle_t *out_b)
{
    (void)ctx;
    if (free_slots() < 2) {
        return FTL_ERR_TOO_MANY;
    }
    struct host_obj *a, *b;
    ftl_err_t e = pair(&a, &b);
    if (e == FTL_OK) {
        *out_a = table_add(a);
        *out_b = table_add(b);
    }
    return e;
}

static ftl_err_t check_transfer(struct host_obj *ch, const ftl_handle_t *hs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct host_obj *o;
        ftl_err_t e = table_get(hs[i], 0, &o);
        if (e != FTL_OK) {
            return e;
        }
        if (o == ch || o == ch->peer) {
            return FTL_ERR_INVALID_ARG;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (hs[j] == hs[i]) {
                return FTL_ERR_INVALID_ARG;
            }
        }
    }
    return FTL_OK;
}

static void push(struct host_obj *to, struct host_msg *m)
{
    to->queue[(to->head + to->count) % FTL_CHANNEL_QUEUE_MAX] = m;
    to->count++;
}

static ftl_err_t op_channel_send(void *ctx, ftl_handle_t h, const struct ftl_msg_out *mo)
{
    (void)ctx;
    if (mo->type < FTL_MSG_CONNECT || mo->type > FTL_MSG_ERROR_REPLY || mo->reserved != 0) {
        return FTL_ERR_INVALID_ARG;
    }
    if (mo->len > FTL_MSG_DATA_MAX || mo->nhandles > FTL_MSG_HANDLES_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    struct host_obj *ch;
    ftl_err_t e = table_get(h, HOBJ_CHANNEL, &ch);
    if (e != FTL_OK) {
        return e;
    }
    if (!ch->peer) {
        return FTL_ERR_PEER_CLOSED;
    }
    if (ch->peer->count == FTL_CHANNEL_QUEUE_MAX) {
        return FTL_ERR_FULL;
    }
    e = check_transfer(ch, mo->handles, mo->nhandles);
    if (e != FTL_OK) {
        return e;
    }
    struct host_msg *m = calloc(1, sizeof(*m));
    if (!m) {
        return FTL_ERR_NO_MEMORY;
    }
    m->type = mo->type;
    m->len = mo->len;
    m->cookie = mo->cookie;
    memcpy(m->data, mo->data, mo->len);
    for (uint32_t i = 0; i < mo->nhandles; i++) {
        m->objs[m->nhandles++] = table[mo->handles[i]];
        unwatch(mo->handles[i]); // the handle moves to the receiver
    }
    push(ch->peer, m);
    return FTL_OK;
}

static ftl_err_t op_channel_recv(void *ctx, ftl_handle_t h, struct ftl_msg *out)
{
    (void)ctx;
    struct host_obj *ch;
    ftl_err_t e = table_get(h, HOBJ_CHANNEL, &ch);
    if (e != FTL_OK) {
        return e;
    }
    if (ch->count == 0) {
        return ch->peer ? FTL_ERR_EMPTY : FTL_ERR_PEER_CLOSED;
    }
    struct host_msg *m = ch->queue[ch->head];
    if (free_slots() < m->nhandles) {
        return FTL_ERR_TOO_MANY;
    }
    ch->head = (ch->head + 1) % FTL_CHANNEL_QUEUE_MAX;
    ch->count--;
    memset(out, 0, offsetof(struct ftl_msg, data));
    out->type = m->type;
    out->len = m->len;
    out->cookie = m->cookie;
    out->nhandles = m->nhandles;
    for (uint32_t i = 0; i < m->nhandles; i++) {
        out->handles[i] = table_add(m->objs[i]);
    }
    memcpy(out->data, m->data, m->len);
    free(m);
    return FTL_OK;
}

static ftl_err_t op_poll_create(void *ctx, ftl_handle_t *out)
{
    (void)ctx;
    if (free_slots() < 1) {
        return FTL_ERR_TOO_MANY;
    }
    struct host_obj *p = obj_new(HOBJ_POLL);
    if (!p) {
        return FTL_ERR_NO_MEMORY;
    }
    *out = table_add(p);
    return FTL_OK;
}

static struct watch *find_watch(struct host_obj *p, ftl_handle_t h)
{
    for (size_t i = 0; i < p->nwatches; i++) {
        if (p->watches[i].h == h) {
            return &p->watches[i];
        }
    }
    return NULL;
}

static ftl_err_t op_poll_add(void *ctx, ftl_handle_t ph, ftl_handle_t h, uint32_t events,
                             uint64_t ev_ctx)
{
    (void)ctx;
    struct host_obj *p;
    struct host_obj *o;
    ftl_err_t e = table_get(ph, HOBJ_POLL, &p);
    if (e == FTL_OK) {
        e = table_get(h, 0, &o);
    }
    if (e != FTL_OK) {
        return e;
    }
    if ((events & FTL_RECEIVE) && o->kind != HOBJ_CHANNEL) {
        return FTL_ERR_INVALID_ARG; // as the kernel: only channels can be received from
    }
    if (find_watch(p, h)) {
        return FTL_ERR_ALREADY_EXISTS;
    }
    if (p->nwatches == WATCH_MAX) {
        return FTL_ERR_TOO_MANY;
    }
    p->watches[p->nwatches++] = (struct watch){.h = h, .events = events, .ctx = ev_ctx};
    return FTL_OK;
}

static ftl_err_t op_poll_modify(void *ctx, ftl_handle_t ph, ftl_handle_t h, uint32_t events,
                                uint64_t ev_ctx)
{
    (void)ctx;
    struct host_obj *p;
    ftl_err_t e = table_get(ph, HOBJ_POLL, &p);
    if (e != FTL_OK) {
        return e;
    }
    struct watch *w = find_watch(p, h);
    if (!w) {
        return FTL_ERR_NOT_FOUND;
    }
    w->events = events;
    w->ctx = ev_ctx;
    return FTL_OK;
}

static ftl_err_t op_poll_remove(void *ctx, ftl_handle_t ph, ftl_handle_t h)
{
    (void)ctx;
    struct host_obj *p;
    ftl_err_t e = table_get(ph, HOBJ_POLL, &p);
    if (e != FTL_OK) {
        return e;
    }
    struct watch *w = find_watch(p, h);
    if (!w) {
        return FTL_ERR_NOT_FOUND;
    }
    *w = p->watches[--p->nwatches];
    return FTL_OK;
}

// The events of watch `w` that are true now.
static uint32_t ready(const struct watch *w, int64_t now)
{
    struct host_obj *o = table[w->h];
    uint32_t ev = 0;
    if (o->kind == HOBJ_CHANNEL) {
        ev |= o->count ? FTL_READABLE : 0;
        ev |= !o->peer ? FTL_PEER_CLOSED : 0;
        ev |= o->peer && o->peer->count < FTL_CHANNEL_QUEUE_MAX ? FTL_WRITABLE : 0;
    } else if (o->kind == HOBJ_TIMER) {
        ev |= o->deadline <= now ? FTL_READABLE : 0;
    }
    return ev & (w->events | FTL_PEER_CLOSED);
}

// Reads stdin into a stdin-fed channel the poll watches and that has nothing queued.
static bool feed_stdin(struct host_obj *p)
{
    for (size_t i = 0; i < p->nwatches; i++) {
        struct host_obj *o = table[p->watches[i].h];
        if (o->kind != HOBJ_CHANNEL || !o->stdin_fed || o->count || !o->peer) {
            continue;
        }
        uint8_t buf[FTL_MSG_DATA_MAX];
        ssize_t n;
        do {
            n = read(0, buf, sizeof(buf));
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            host_chan_close((struct host_chan *)o->peer);
        } else if (host_chan_send((struct host_chan *)o->peer, FTL_MSG_DATA, buf, (size_t)n,
                                  NULL) != FTL_OK) {
            return false;
        }
        return true;
    }
    return false;
}

static bool scan(struct host_obj *p, struct ftl_event *out)
{
    int64_t now = now_ns(CLOCK_MONOTONIC);
    for (size_t k = 0; k < p->nwatches; k++) {
        size_t i = (p->next + k) % p->nwatches;
        uint32_t ev = ready(&p->watches[i], now);
        if (ev) {
            *out = (struct ftl_event){
                .handle = p->watches[i].h, .events = ev, .ctx = p->watches[i].ctx};
            p->next = i + 1;
            return true;
        }
    }
    return false;
}

static ftl_err_t op_poll_wait(void *ctx, ftl_handle_t ph, int64_t timeout_ns, struct ftl_event *out)
{
    struct host_ftl *hf = ctx;
    struct host_obj *p;
    ftl_err_t e = table_get(ph, HOBJ_POLL, &p);
    if (e != FTL_OK) {
        return e;
    }
    if (timeout_ns < 0) {
        return FTL_ERR_INVALID_ARG;
    }
    int64_t start = now_ns(CLOCK_MONOTONIC);
    int64_t deadline = timeout_ns >= INT64_MAX - start ? INT64_MAX : start + timeout_ns;
    for (;;) {
        if (scan(p, out)) {
            return FTL_OK;
        }
        int64_t now = now_ns(CLOCK_MONOTONIC);
        if (now >= deadline) {
            return FTL_ERR_TIMED_OUT;
        }
        if (feed_stdin(p) || (hf->idle && hf->idle(hf->idle_arg))) {
            continue;
        }
        int64_t until = deadline;
        for (size_t i = 0; i < p->nwatches; i++) {
            struct host_obj *o = table[p->watches[i].h];
            if (o->kind == HOBJ_TIMER && o->deadline < until) {
                until = o->deadline;
            }
        }
        if (until == INT64_MAX) {
            fprintf(stderr, "wasm-run: %s waits with nothing left that could wake it: stopped\n",
                    hf->name);
            wasm_app_stop(hf->app, 0);
            return FTL_ERR_TIMED_OUT;
        }
        struct timespec ts = {.tv_sec = (until - now) / 1000000000,
                              .tv_nsec = (until - now) % 1000000000};
        nanosleep(&ts, NULL);
    }
}

// poll_wait, then the receive of a channel watched with FTL_RECEIVE, as the kernel's.
// (channel_call has no host version: a wait on one channel alone would need the
// runner's clients to move meanwhile.)
static ftl_err_t op_poll_wait_msg(void *ctx, ftl_handle_t ph, int64_t timeout_ns,
                                  struct ftl_event *out, struct ftl_msg *out_msg)
{
    ftl_err_t e = op_poll_wait(ctx, ph, timeout_ns, out);
    if (e != FTL_OK) {
        return e;
    }
    struct watch *w = find_watch(table[ph], out->handle);
    if (w && (w->events & FTL_RECEIVE) && (out->events & FTL_READABLE) &&
        op_channel_recv(ctx, out->handle, out_msg) == FTL_OK) {
        out->events |= FTL_RECEIVE;
    }
    return FTL_OK;
}

static ftl_err_t op_timer_create(void *ctx, ftl_handle_t *out)
{
    (void)ctx;
    if (free_slots() < 1) {
        return FTL_ERR_TOO_MANY;
    }
    struct host_obj *t = obj_new(HOBJ_TIMER);
    if (!t) {
        return FTL_ERR_NO_MEMORY;
    }
    *out = table_add(t);
    return FTL_OK;
}

static ftl_err_t op_timer_set(void *ctx, ftl_handle_t h, int64_t deadline_ns)
{
    (void)ctx;
    struct host_obj *t;
    ftl_err_t e = table_get(h, HOBJ_TIMER, &t);
    if (e != FTL_OK) {
        return e;
    }
    if (deadline_ns < 0) {
        return FTL_ERR_INVALID_ARG;
    }
    t->deadline = deadline_ns;
    return FTL_OK;
}

static int64_t op_time_now(void *ctx)
{
    (void)ctx;
    return now_ns(CLOCK_MONOTONIC);
}

static int64_t op_time_realtime(void *ctx)
{
    (void)ctx;
    return now_ns(CLOCK_REALTIME);
}

// Log lines go to the terminal as plain lines: info and debug to stdout, the rest
// (WASI stderr among them) to stderr.
static ftl_err_t op_log_write(void *ctx, int level, const char *msg, size_t len)
{
    (void)ctx;
    FILE *f = level <= FTL_LOG_INFO ? stdout : stderr;
    fwrite(msg, 1, len, f);
    fputc('\n', f);
    return FTL_OK;
}

static void op_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    for (size_t off = 0; off < len; off += 256) {
        size_t n = len - off < 256 ? len - off : 256;
        if (getentropy((uint8_t *)buf + off, n) != 0) {
            fprintf(stderr, "wasm-run: getentropy failed\n");
            exit(1);
        }
    }
}

const struct wasm_app_ops host_ftl_ops = {
    .handle_close = op_handle_close,
    .channel_create = op_channel_create,
    .channel_send = op_channel_send,
    .channel_recv = op_channel_recv,
    .poll_create = op_poll_create,
    .poll_add = op_poll_add,
    .poll_modify = op_poll_modify,
    .poll_remove = op_poll_remove,
    .poll_wait = op_poll_wait,
    .timer_create = op_timer_create,
    .timer_set = op_timer_set,
    .time_now = op_time_now,
    .time_realtime = op_time_realtime,
    .log_write = op_log_write,
    .random = op_random,
    .poll_wait_msg = op_poll_wait_msg,
};

// ---- the runner's side ----------------------------------------------------------------

ftl_err_t host_ftl_channel_pair(struct host_ftl *hf, ftl_handle_t *out_h,
                                struct host_chan **out_far)
{
    (void)hf;
    if (free_slots() < 1) {
        return FTL_ERR_TOO_MANY;
    }
    struct host_obj *a, *b;
    ftl_err_t e = pair(&a, &b);
    if (e == FTL_OK) {
        *out_h = table_add(a);
        *out_far = (struct host_chan *)b;
    }
    return e;
}

void host_ftl_feed_stdin(struct host_chan *far)
{
    if (far->obj.peer) {
        far->obj.peer->stdin_fed = true;
    }
}

ftl_err_t host_chan_send(struct host_chan *far, uint32_t type, const void *data, size_t len,
                         struct host_chan **pass)
{
    struct host_obj *o = &far->obj;
    if (!o->peer) {
        return FTL_ERR_PEER_CLOSED;
    }
    if (o->peer->count == FTL_CHANNEL_QUEUE_MAX) {
        return FTL_ERR_FULL;
    }
    struct host_msg *m = calloc(1, sizeof(*m));
    if (!m) {
        return FTL_ERR_NO_MEMORY;
    }
    if (pass) {
        struct host_obj *a, *b;
        if (pair(&a, &b) != FTL_OK) {
            free(m);
            return FTL_ERR_NO_MEMORY;
        }
        m->objs[m->nhandles++] = a;
        *pass = (struct host_chan *)b;
    }
    m->type = type;
    m->len = (uint32_t)len;
    memcpy(m->data, data, len);
    push(o->peer, m);
    return FTL_OK;
}

ftl_err_t host_chan_recv(struct host_chan *far, void *buf, size_t cap, size_t *out_len)
{
    struct host_obj *o = &far->obj;
    while (o->count) {
        struct host_msg *m = o->queue[o->head];
        o->head = (o->head + 1) % FTL_CHANNEL_QUEUE_MAX;
        o->count--;
        for (uint32_t i = 0; i < m->nhandles; i++) {
            obj_close(m->objs[i]);
        }
        bool data = m->type == FTL_MSG_DATA;
        *out_len = m->len < cap ? m->len : cap;
        memcpy(buf, m->data, *out_len);
        free(m);
        if (data) {
            return FTL_OK;
        }
    }
    return o->peer ? FTL_ERR_EMPTY : FTL_ERR_PEER_CLOSED;
}

ftl_err_t host_chan_reply(struct host_chan *far, uint32_t type, uint64_t cookie, const void *data,
                          size_t len, struct host_chan **pass)
{
    ftl_err_t e = host_chan_send(far, type, data, len, pass);
    if (e == FTL_OK) {
        struct host_obj *peer = far->obj.peer;
        peer->queue[(peer->head + peer->count - 1) % FTL_CHANNEL_QUEUE_MAX]->cookie = cookie;
    }
    return e;
}

ftl_err_t host_chan_recv_msg(struct host_chan *far, uint32_t *out_type, uint64_t *out_cookie,
                             void *buf, size_t cap, size_t *out_len)
{
    struct host_obj *o = &far->obj;
    if (o->count == 0) {
        return o->peer ? FTL_ERR_EMPTY : FTL_ERR_PEER_CLOSED;
    }
    struct host_msg *m = o->queue[o->head];
    o->head = (o->head + 1) % FTL_CHANNEL_QUEUE_MAX;
    o->count--;
    for (uint32_t i = 0; i < m->nhandles; i++) {
        obj_close(m->objs[i]);
    }
    *out_type = m->type;
    *out_cookie = m->cookie;
    *out_len = m->len < cap ? m->len : cap;
    memcpy(buf, m->data, *out_len);
    free(m);
    return FTL_OK;
}

void host_chan_close(struct host_chan *far)
{
    obj_close(&far->obj);
}

void host_ftl_cleanup(void)
{
    while (all) {
        struct host_obj *o = all;
        all = o->all_next;
        for (; o->count; o->count--) {
            free(o->queue[o->head]);
            o->head = (o->head + 1) % FTL_CHANNEL_QUEUE_MAX;
        }
        free(o);
    }
    memset(table, 0, sizeof(table));
}
