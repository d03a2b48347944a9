// ftl_intercept_serve (<ftl/intercept.h>): one poll over the system channel and both
// ends of every pair. A held message (on_message said "later", or the next hop was full)
// stops reads from its sender until it is sent.
#include <ftl/intercept.h>
#include <stdlib.h>
#include <string.h>

#define SYSTEM_CTX ((void *)UINTPTR_MAX)
#define CTX(i, d) ((void *)(uintptr_t)((i) * 2u + (unsigned)(d))) // a pair's end, as poll ctx
#define FULL_RETRY_NS (1000000LL) // a full next hop is tried again 1 ms later

struct pair {
    ftl_handle_t ch[2];           // [0] toward the client, [1] toward the service; 0: free
    struct ftl_msg *held[2];      // a message read from ch[d], not yet sent on ch[1 - d]
    int64_t not_before[2];
    bool gone[2];                 // ch[d]'s peer closed while a message from it was held
    char service[FTL_ENV_NAME_MAX];
};

static struct pair pairs[FTL_INTERCEPT_PAIRS_MAX];
static struct ftl_msg incoming;

static void close_pair(uint32_t i, const struct ftl_intercept_ops *ops, void *ctx)
{
    struct pair *p = &pairs[i];
    for (int d = 0; d < 2; d++) {
        if (p->held[d]) {
            for (uint32_t h = 0; h < p->held[d]->nhandles; h++) {
                (void)ftl_handle_close(p->held[d]->handles[h]);
            }
            free(p->held[d]);
        }
        (void)ftl_handle_close(p->ch[d]);
    }
    if (ops->on_close) {
        ops->on_close(ctx, i, p->service);
    }
    memset(p, 0, sizeof(*p));
}

static void new_pair(ftl_handle_t poll, const struct ftl_msg *m)
{
    uint32_t i = 0;
    while (i < FTL_INTERCEPT_PAIRS_MAX && pairs[i].ch[0]) {
        i++;
    }
    if (m->type != FTL_MSG_CONNECT || m->nhandles != 2 || i == FTL_INTERCEPT_PAIRS_MAX) {
        if (m->type == FTL_MSG_CONNECT) {
            FTL_WARN("a CONNECT with %u channels: not an interceptor connection (or full)",
                     m->nhandles);
        }
        for (uint32_t h = 0; h < m->nhandles; h++) {
            (void)ftl_handle_close(m->handles[h]);
        }
        return;
    }
    struct pair *p = &pairs[i];
    p->ch[0] = m->handles[0];
    p->ch[1] = m->handles[1];
    size_t n = m->len < sizeof(p->service) - 1 ? m->len : sizeof(p->service) - 1;
    memcpy(p->service, m->data, n);
    p->service[n] = '\0';
    for (int d = 0; d < 2; d++) {
        FTL_CHECK(ftl_poll_add(poll, p->ch[d], FTL_READABLE, CTX(i, d)));
    }
}

// Sends the held message of direction d; FTL_OK, FTL_ERR_FULL (still held) or an error.
static ftl_err_t flush(ftl_handle_t poll, uint32_t i, int d)
{
    struct pair *p = &pairs[i];
    struct ftl_msg *m = p->held[d];
    ftl_err_t err = ftl_channel_send(p->ch[1 - d], m->type, m->cookie, m->data, m->len,
                                     m->nhandles ? m->handles : NULL, m->nhandles);
    if (err == FTL_ERR_FULL) {
        p->not_before[d] = ftl_time_now() + FULL_RETRY_NS;
        return err;
    }
    if (err != FTL_OK) {
        return err;
    }
    free(m);
    p->held[d] = NULL;
    if (p->gone[d]) {
        return FTL_ERR_PEER_CLOSED; // its last message went: now the pair ends
    }
    return ftl_poll_modify(poll, p->ch[d], FTL_READABLE, CTX(i, d));
}

// Reads one message from ch[d] and forwards it (or holds it).
static ftl_err_t forward(ftl_handle_t poll, uint32_t i, int d, const struct ftl_intercept_ops *ops,
                         void *ctx)
{
    struct pair *p = &pairs[i];
    ftl_err_t err = ftl_channel_recv(p->ch[d], &incoming);
    if (err == FTL_ERR_EMPTY) {
        return FTL_OK;
    }
    if (err != FTL_OK) {
        return err;
    }
    int64_t when = ops->on_message ? ops->on_message(ctx, i, (enum ftl_intercept_dir)d, &incoming)
                                   : 0;
    size_t size = offsetof(struct ftl_msg, data) + incoming.len;
    p->held[d] = malloc(size);
    if (!p->held[d]) {
        return FTL_ERR_NO_MEMORY;
    }
    memcpy(p->held[d], &incoming, size);
    p->not_before[d] = when;
    FTL_CHECK(ftl_poll_modify(poll, p->ch[d], 0, CTX(i, d))); // hold reads
    if (when > ftl_time_now()) {
        return FTL_OK;
    }
    err = flush(poll, i, d);
    return err == FTL_ERR_FULL ? FTL_OK : err;
}

ftl_err_t ftl_intercept_serve(const struct ftl_env *env, const struct ftl_intercept_ops *ops,
                              void *ctx)
{
    ftl_handle_t poll, system = ftl_env_system(env);
    ftl_err_t err = ftl_poll_create(&poll);
    if (err == FTL_OK) {
        err = ftl_poll_add(poll, system, FTL_READABLE, SYSTEM_CTX);
    }
    while (err == FTL_OK) {
        int64_t now = ftl_time_now(), next = INT64_MAX;
        for (uint32_t i = 0; i < FTL_INTERCEPT_PAIRS_MAX; i++) {
            for (int d = 0; pairs[i].ch[0] && d < 2; d++) {
                if (pairs[i].held[d] && pairs[i].not_before[d] <= now) {
                    ftl_err_t e = flush(poll, i, d);
                    if (e != FTL_OK && e != FTL_ERR_FULL) {
                        close_pair(i, ops, ctx);
                        break;
                    }
                }
                if (pairs[i].ch[0] && pairs[i].held[d] && pairs[i].not_before[d] < next) {
                    next = pairs[i].not_before[d];
                }
            }
        }
        struct ftl_event ev;
        int64_t timeout = next == INT64_MAX ? FTL_NO_TIMEOUT : (next > now ? next - now : 0);
        err = ftl_poll_wait(poll, timeout, &ev);
        if (err == FTL_ERR_TIMED_OUT) {
            err = FTL_OK;
            continue;
        }
        if (err != FTL_OK) {
            break;
        }
        if (ev.ctx == (uint64_t)(uintptr_t)SYSTEM_CTX) {
            err = ftl_channel_recv(system, &incoming);
            if (err == FTL_OK) {
                new_pair(poll, &incoming);
            }
            err = err == FTL_ERR_EMPTY ? FTL_OK : err;
            continue;
        }
        uint32_t i = (uint32_t)(ev.ctx / 2);
        int d = (int)(ev.ctx % 2);
        if (i >= FTL_INTERCEPT_PAIRS_MAX || !pairs[i].ch[0]) {
            continue;
        }
        ftl_err_t e = (ev.events & FTL_READABLE) ? forward(poll, i, d, ops, ctx) : FTL_OK;
        if (e == FTL_OK && (ev.events & FTL_PEER_CLOSED) && pairs[i].held[d]) {
            // Its sender left a message we hold: send it first, then end the pair.
            pairs[i].gone[d] = true;
            FTL_CHECK(ftl_poll_remove(poll, pairs[i].ch[d]));
            continue;
        }
        if (e == FTL_ERR_NO_MEMORY) {
            err = e;
        } else if (e != FTL_OK || ((ev.events & FTL_PEER_CLOSED) && !(ev.events & FTL_READABLE))) {
            close_pair(i, ops, ctx); // one side is gone: the other sees PEER_CLOSED too
        }
    }
    return err;
}
