// tcpip: a TCP/IP server on lwIP (NO_SYS=1, raw API) in one event loop. Clients connect
// to the `tcpip` service and OPEN URIs (libs/c/uri); each resource becomes a channel
// handed back in the OPEN_REPLY; a DATA message asks for the counters (stats.c).
// lwIP's timers run between events.
#include <ftl.h>
#include <ftl/lwip.h>
#include <ftl/uri.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/timeouts.h"

#include "tcpip.h"

// A client of the service: it sends OPENs on its channel.
struct client {
    struct obj obj;
};

static ftl_handle_t poll_h;
static uint32_t rand_state;

// ---- hooks lwIP needs (libs/c/lwip/include/ftl/lwip.h) ----

u32_t sys_now(void)
{
    return (u32_t)(ftl_time_now() / 1000000);
}

// xorshift32, seeded from the clock: good enough for ports and DHCP transaction ids.
uint32_t ftl_lwip_rand(void)
{
    if (rand_state == 0) {
        rand_state = (uint32_t)ftl_time_now() | 1;
    }
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 17;
    rand_state ^= rand_state << 5;
    return rand_state;
}

void ftl_lwip_assert_failed(const char *msg, const char *file, int line)
{
    FTL_ERROR("lwIP assertion failed: %s (%s:%d)", msg, file, line);
    ftl_exit(1);
}

// ---- objects and channels ----

void obj_watch(struct obj *o, uint32_t events)
{
    if (!o->ch) {
        return;
    }
    if (!o->watched) {
        FTL_CHECK(ftl_poll_add(poll_h, o->ch, events, o));
        o->watched = true;
    } else if (events != o->events) {
        FTL_CHECK(ftl_poll_modify(poll_h, o->ch, events, o));
    }
    o->events = events;
}

void obj_unwatch(struct obj *o)
{
    if (o->watched) {
        FTL_CHECK(ftl_poll_remove(poll_h, o->ch));
    }
    o->watched = false;
}

void obj_close(struct obj *o)
{
    if (o->ch) {
        FTL_CHECK(ftl_handle_close(o->ch)); // also removes the watch
    }
    o->ch = 0;
    o->watched = false;
}

// ---- clients and OPEN ----

static ftl_err_t open_uri(const struct ftl_uri *uri, ftl_handle_t *out_theirs)
{
    switch (uri->kind) {
    case FTL_URI_ETHERNET:
        return netdev_open(uri, out_theirs);
    case FTL_URI_TCP_LISTEN:
        return tcp_listen_open(uri, out_theirs);
    case FTL_URI_TCP:
        return tcp_connect_open(uri, out_theirs);
    case FTL_URI_UDP:
        return udp_open(uri, out_theirs);
    }
    return FTL_ERR_UNSUPPORTED;
}

static void reply_error(ftl_handle_t ch, uint64_t cookie, ftl_err_t err)
{
    uint8_t le[4] = {(uint8_t)err, (uint8_t)(err >> 8), (uint8_t)(err >> 16), (uint8_t)(err >> 24)};
    // A client that does not read its replies loses them; it is not worth blocking for.
    (void)ftl_channel_send(ch, FTL_MSG_ERROR_REPLY, cookie, le, sizeof(le), NULL, 0);
}

static void handle_open(struct client *c, const struct ftl_msg *msg)
{
    struct ftl_uri uri;
    const char *why = NULL;
    ftl_err_t err = ftl_uri_parse((const char *)msg->data, msg->len, &uri, &why);
    if (err != FTL_OK) {
        FTL_WARN("OPEN \"%.*s\": %s", (int)(msg->len < 64 ? msg->len : 64), (const char *)msg->data,
                 why ? why : ftl_err_str(err));
        reply_error(c->obj.ch, msg->cookie, err);
        return;
    }
    ftl_handle_t theirs;
    err = open_uri(&uri, &theirs);
    if (err != FTL_OK) {
        FTL_WARN("OPEN %.*s: %s", (int)msg->len, (const char *)msg->data, ftl_err_str(err));
        reply_error(c->obj.ch, msg->cookie, err);
        return;
    }
    err = ftl_channel_send(c->obj.ch, FTL_MSG_OPEN_REPLY, msg->cookie, NULL, 0, &theirs, 1);
    if (err != FTL_OK) {
        // The client cannot take it: closing its end makes ours see PEER_CLOSED, and the
        // resource is torn down like any other that its user left.
        FTL_WARN("OPEN %.*s: reply failed: %s", (int)msg->len, (const char *)msg->data,
                 ftl_err_str(err));
        FTL_CHECK(ftl_handle_close(theirs));
    }
}

static void client_event(struct client *c)
{
    static struct ftl_msg msg;
    ftl_err_t err = ftl_channel_recv(c->obj.ch, &msg);
    if (err == FTL_ERR_EMPTY) {
        return;
    }
    if (err == FTL_ERR_PEER_CLOSED) {
        obj_close(&c->obj); // its resources live on: each has its own channel
        free(c);
        return;
    }
    FTL_CHECK(err);
    for (uint32_t i = 0; i < msg.nhandles; i++) {
        FTL_CHECK(ftl_handle_close(msg.handles[i])); // nothing here takes handles
    }
    if (msg.type == FTL_MSG_OPEN) {
        handle_open(c, &msg);
    } else if (msg.type == FTL_MSG_DATA) {
        stats_reply(c->obj.ch, msg.cookie); // any DATA asks for the counters
    }
}

static void system_event(struct obj *sys)
{
    static struct ftl_msg msg;
    ftl_err_t err = ftl_channel_recv(sys->ch, &msg);
    if (err == FTL_ERR_EMPTY) {
        return;
    }
    FTL_CHECK(err);
    if (msg.type != FTL_MSG_CONNECT || msg.nhandles != 1) {
        for (uint32_t i = 0; i < msg.nhandles; i++) {
            FTL_CHECK(ftl_handle_close(msg.handles[i]));
        }
        return;
    }
    struct client *c = calloc(1, sizeof(*c));
    if (!c) {
        FTL_WARN("out of memory for a new client");
        FTL_CHECK(ftl_handle_close(msg.handles[0]));
        return;
    }
    c->obj.kind = OBJ_CLIENT;
    c->obj.ch = msg.handles[0];
    obj_watch(&c->obj, FTL_READABLE);
}

static void dispatch(const struct ftl_event *ev)
{
    struct obj *o = (struct obj *)(uintptr_t)ev->ctx;
    switch (o->kind) {
    case OBJ_SYSTEM:
        system_event(o);
        break;
    case OBJ_CLIENT:
        client_event((struct client *)o);
        break;
    case OBJ_NETDEV:
        netdev_event(o, ev->events);
        break;
    case OBJ_LISTENER:
        listener_event(o, ev->events);
        break;
    case OBJ_CONN:
        conn_event(o, ev->events);
        break;
    case OBJ_UDP:
        udp_event(o, ev->events);
        break;
    }
}

void app_main(const struct ftl_env *env)
{
    static struct obj sys = {.kind = OBJ_SYSTEM};
    lwip_init();
    FTL_CHECK(ftl_poll_create(&poll_h));
    sys.ch = ftl_env_system(env);
    obj_watch(&sys, FTL_READABLE);

    for (;;) {
        sys_check_timeouts();
        tcp_service_all();
        u32_t sleep_ms = sys_timeouts_sleeptime();
        int64_t timeout = sleep_ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? FTL_NO_TIMEOUT
                                                                      : (int64_t)sleep_ms * 1000000;
        struct ftl_event ev;
        ftl_err_t err = ftl_poll_wait(poll_h, timeout, &ev);
        if (err == FTL_ERR_TIMED_OUT) {
            continue;
        }
        FTL_CHECK(err);
        dispatch(&ev);
    }
}
