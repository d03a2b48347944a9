// GET /api/trace/NAME?since=SEQ: the messages app NAME sent and received (docs/tracing.md).
// The first request for a name opens a kernel watch (ftl_trace_attach) that stays open;
// each request drains it into a ring of the last RING records and answers those after
// SEQ, oldest first, at most BATCH of them. `ftlctl trace` polls it.
#include <ftl.h>
#include <ftl/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver.h"

#define WATCHES 4
#define RING 256
#define BATCH 120

struct watch {
    char name[FTL_ENV_NAME_MAX];
    ftl_handle_t ch;
    struct ftl_trace_record ring[RING];
    uint32_t last;       // seq of the newest record kept
};

static struct watch watches[WATCHES];
static struct ftl_msg msg;
static char body[RESPONSE_MAX - 1024];

static struct watch *watch_for(const char *name, ftl_err_t *err)
{
    struct watch *free_slot = NULL;
    for (size_t i = 0; i < WATCHES; i++) {
        if (watches[i].ch && strcmp(watches[i].name, name) == 0) {
            return &watches[i];
        }
        if (!watches[i].ch && !free_slot) {
            free_slot = &watches[i];
        }
    }
    if (!free_slot) {
        *err = FTL_ERR_TOO_MANY;
        return NULL;
    }
    *err = ftl_trace_attach(name, strlen(name), &free_slot->ch);
    if (*err != FTL_OK) {
        free_slot->ch = 0;
        return NULL;
    }
    snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
    free_slot->last = 0;
    return free_slot;
}

static void drain(struct watch *w)
{
    while (ftl_channel_recv(w->ch, &msg) == FTL_OK) {
        if (msg.len != sizeof(struct ftl_trace_record)) {
            continue;
        }
        struct ftl_trace_record r;
        memcpy(&r, msg.data, sizeof(r));
        r.from[sizeof(r.from) - 1] = r.to[sizeof(r.to) - 1] = '\0';
        w->ring[r.seq % RING] = r;
        w->last = r.seq;
    }
}

static const char *type_name(uint32_t t)
{
    static const char *const names[] = {"?", "CONNECT", "DATA", "OPEN", "OPEN_REPLY",
                                        "ERROR_REPLY"};
    return t < 6 ? names[t] : "?";
}

void trace_request(const char *name, long since, struct response *out, bool ka)
{
    ftl_err_t err;
    struct watch *w = watch_for(name, &err);
    if (!w) {
        char why[64];
        snprintf(why, sizeof(why), "cannot trace: %s", ftl_err_str(err));
        respond_error(out, err == FTL_ERR_TOO_MANY ? 503 : 400, why);
        return;
    }
    drain(w);
    uint32_t first = since < 0 ? 1 : (uint32_t)since + 1;
    if (w->last >= RING && first <= w->last - RING) {
        first = w->last - RING + 1; // older ones were overwritten
    }
    struct ftl_json j;
    ftl_json_init(&j, body, sizeof(body));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "records");
    ftl_json_array_begin(&j);
    uint32_t seq = first;
    for (; seq <= w->last && seq < first + BATCH; seq++) {
        const struct ftl_trace_record *r = &w->ring[seq % RING];
        ftl_json_object_begin(&j);
        ftl_json_key(&j, "seq");
        ftl_json_uint(&j, r->seq);
        ftl_json_key(&j, "time_ns");
        ftl_json_int(&j, r->time_ns);
        ftl_json_key(&j, "dir");
        ftl_json_string(&j, r->dir ? "in" : "out");
        ftl_json_key(&j, "from");
        ftl_json_string(&j, r->from);
        ftl_json_key(&j, "to");
        ftl_json_string(&j, r->to);
        ftl_json_key(&j, "type");
        ftl_json_string(&j, type_name(r->type));
        ftl_json_key(&j, "len");
        ftl_json_uint(&j, r->len);
        ftl_json_key(&j, "cookie");
        ftl_json_uint(&j, r->cookie);
        ftl_json_key(&j, "handles");
        ftl_json_uint(&j, r->nhandles);
        ftl_json_key(&j, "dropped");
        ftl_json_uint(&j, r->dropped);
        char hex[2 * FTL_TRACE_FIRST_BYTES + 1];
        size_t n = r->len < FTL_TRACE_FIRST_BYTES ? r->len : FTL_TRACE_FIRST_BYTES;
        for (size_t i = 0; i < n; i++) {
            snprintf(hex + 2 * i, 3, "%02x", r->first[i]);
        }
        hex[2 * n] = '\0';
        ftl_json_key(&j, "first");
        ftl_json_string(&j, hex);
        ftl_json_object_end(&j);
    }
    ftl_json_array_end(&j);
    ftl_json_key(&j, "next");
    ftl_json_uint(&j, seq - 1);
    ftl_json_object_end(&j);
    size_t len;
    if (ftl_json_finish(&j, &len) != FTL_OK) {
        respond_error(out, 500, "response too large");
        return;
    }
    respond_body(out, 200, "application/json", body, len, ka);
}
