// Message tracing: up to TRACE_WATCHES_MAX watches, each an app name and the kernel's
// end of a channel to the watcher. Records go out as DATA messages charged to the
// kernel; a watcher's queue holds at most FTL_CHANNEL_QUEUE_MAX of them (about 13 KiB),
// beyond which records are counted as dropped, so a watch costs bounded memory and a
// slow watcher never slows the traced app down.
#include "trace.h"
#include "syscall.h"
#include <ftl/trace.h>

struct watch {
    char name[FTL_ENV_NAME_MAX];       // "" when free
    struct channel *sink;              // the kernel's end
    uint32_t seq;
    uint32_t dropped;
};

int trace_watches;
static struct watch watches[TRACE_WATCHES_MAX];

static void watch_close(struct watch *w)
{
    object_unref(&w->sink->obj);
    memset(w, 0, sizeof(*w));
    trace_watches--;
}

// The app name of the process charged for `m` (its sender), or "kernel".
static const char *sender_name(const struct msg *m)
{
    const struct process *p = process_by_kmem(m->kmem);
    return p ? p->name : "kernel";
}

static void record(struct watch *w, const char *from, const char *to, uint32_t dir,
                   const struct msg *m)
{
    if (!w->sink->peer) {
        watch_close(w); // the watcher closed its end
        return;
    }
    struct msg *r = channel_is_full(w->sink->peer) ? NULL
                                                   : msg_alloc(NULL, sizeof(struct ftl_trace_record));
    if (!r) {
        w->dropped++;
        return;
    }
    struct ftl_trace_record *t = (struct ftl_trace_record *)r->data;
    memset(t, 0, sizeof(*t));
    t->time_ns = arch_time_ns();
    t->seq = ++w->seq;
    t->dropped = w->dropped;
    t->type = m->type;
    t->len = m->len;
    t->cookie = m->cookie;
    t->nhandles = m->nhandles;
    t->dir = dir;
    snprintf(t->from, sizeof(t->from), "%s", from);
    snprintf(t->to, sizeof(t->to), "%s", to);
    memcpy(t->first, m->data, m->len < FTL_TRACE_FIRST_BYTES ? m->len : FTL_TRACE_FIRST_BYTES);
    r->type = FTL_MSG_DATA;
    if (channel_send(w->sink, r) != FTL_OK) {
        msg_free(r);
        w->dropped++;
        return;
    }
    w->dropped = 0;
}

void trace_message(const struct process *receiver, const struct msg *m)
{
    if (!m->kmem) {
        return; // the kernel's own messages (trace records among them) are not traced
    }
    const char *from = NULL;
    for (size_t i = 0; i < TRACE_WATCHES_MAX; i++) {
        struct watch *w = &watches[i];
        if (!w->name[0]) {
            continue;
        }
        if (!from) {
            from = sender_name(m);
        }
        if (strcmp(w->name, from) == 0) {
            record(w, from, receiver->name, 0, m);
        } else if (strcmp(w->name, receiver->name) == 0) {
            record(w, from, receiver->name, 1, m);
        }
    }
}

ftl_err_t sys_trace_attach(struct process *p, uaddr_t name, size_t len, uaddr_t out)
{
    if (!process_has_grant(p, SPEC_GRANT_TRACE)) {
        return FTL_ERR_DENIED;
    }
    char app[FTL_ENV_NAME_MAX];
    if (len == 0 || len >= sizeof(app)) {
        return len ? FTL_ERR_TOO_LARGE : FTL_ERR_INVALID_ARG;
    }
    ftl_err_t err = app_copy_in(p, app, name, len);
    if (err != FTL_OK) {
        return err;
    }
    app[len] = '\0';
    if (strlen(app) != len) {
        return FTL_ERR_INVALID_ARG;
    }
    if (!process_range(p, out, sizeof(ftl_handle_t), ARCH_PROT_WRITE)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (p->handles.count >= p->handles.limit) {
        return FTL_ERR_TOO_MANY;
    }
    struct watch *w = NULL;
    for (size_t i = 0; i < TRACE_WATCHES_MAX; i++) {
        if (watches[i].name[0] && !watches[i].sink->peer) {
            watch_close(&watches[i]); // its watcher is gone
        }
        if (!w && !watches[i].name[0]) {
            w = &watches[i];
        }
    }
    if (!w) {
        return FTL_ERR_TOO_MANY;
    }
    struct channel *kernel_end, *app_end;
    err = channel_create_pair(p->kmem, &kernel_end, &app_end);
    if (err != FTL_OK) {
        return err;
    }
    err = app_give_handle(p, &app_end->obj, out);
    if (err != FTL_OK) {
        object_unref(&kernel_end->obj);
        return err;
    }
    snprintf(w->name, sizeof(w->name), "%s", app);
    w->sink = kernel_end;
    trace_watches++;
    return FTL_OK;
}

#define GRAPH_ENDS_MAX 2048   // channel ends ftl_channel_graph looks at
#define GRAPH_EDGES_MAX 128

struct end_owner {
    const struct channel *ch;
    const struct process *owner;
};

// Adds one channel between a and b carrying `messages` to the edges in `e`.
static size_t add_edge(struct ftl_channel_edge *e, size_t n, const char *a, const char *b,
                       uint64_t messages)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(e[i].a, a) == 0 && strcmp(e[i].b, b) == 0) {
            e[i].channels++;
            e[i].messages += messages;
            return n;
        }
    }
    if (n == GRAPH_EDGES_MAX) {
        return n;
    }
    memset(&e[n], 0, sizeof(e[n]));
    snprintf(e[n].a, sizeof(e[n].a), "%s", a);
    snprintf(e[n].b, sizeof(e[n].b), "%s", b);
    e[n].channels = 1;
    e[n].messages = messages;
    return n + 1;
}

ftl_err_t sys_channel_graph(struct process *p, uaddr_t out, size_t max, uaddr_t out_n)
{
    if (!process_has_grant(p, SPEC_GRANT_PS)) {
        return FTL_ERR_DENIED;
    }
    if (max > GRAPH_EDGES_MAX) {
        max = GRAPH_EDGES_MAX;
    }
    if (!process_range(p, out, max * sizeof(struct ftl_channel_edge), ARCH_PROT_WRITE) ||
        !process_range(p, out_n, sizeof(size_t), ARCH_PROT_WRITE)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    struct end_owner *ends = kmalloc(GRAPH_ENDS_MAX * sizeof(*ends));
    struct ftl_channel_edge *edges = kmalloc(GRAPH_EDGES_MAX * sizeof(*edges));
    if (!ends || !edges) {
        kfree(ends);
        kfree(edges);
        return FTL_ERR_NO_MEMORY;
    }
    size_t nends = 0, nedges = 0;
    for (struct process *q = process_next(NULL); q; q = process_next(q)) {
        for (size_t h = 0; h < FTL_PROCESS_HANDLES_MAX && nends < GRAPH_ENDS_MAX; h++) {
            const struct object *o = q->handles.entries[h].obj;
            if (o && o->type == OBJ_CHANNEL) {
                ends[nends++] = (struct end_owner){(const struct channel *)o, q};
            }
        }
    }
    for (size_t i = 0; i < nends; i++) {
        const struct channel *peer = ends[i].ch->peer;
        if (!peer || (uintptr_t)peer < (uintptr_t)ends[i].ch) {
            continue; // each pair once, from its lower end
        }
        for (size_t j = 0; j < nends; j++) {
            if (ends[j].ch == peer) {
                nedges = add_edge(edges, nedges, ends[i].owner->name, ends[j].owner->name,
                                  ends[i].ch->received + peer->received);
                break;
            }
        }
    }
    size_t n = nedges < max ? nedges : max;
    ftl_err_t err = app_copy_out(p, out, edges, n * sizeof(*edges));
    if (err == FTL_OK) {
        err = app_copy_out(p, out_n, &n, sizeof(n));
    }
    kfree(ends);
    kfree(edges);
    return err;
}
