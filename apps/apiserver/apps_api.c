// /api/apps: the controller's desired state over HTTP (docs/controller.md). Each request
// becomes one or more DATA messages to the controller service, answered "CODE body".
//   GET    /api/apps                     list: desired vs actual state of every app
//   GET    /api/apps/NAME                one app
//   POST   /api/apps[?binary=1]          apply the spec in the body (YAML), with the
//                                        uploaded binary if binary=1
//   DELETE /api/apps/NAME                delete: stop it and forget it
//   POST   /api/apps/NAME/restart        stop and start it now
//   POST   /api/apps/NAME/stop, /start   stop it and keep it stopped; start it again
//   POST   /api/apps/NAME/binary?offset=O&total=T   a piece of a binary (ELF)
//   POST   /api/apps/NAME/upgrade        live upgrade to the uploaded binary
#include <ftl.h>
#include <ftl/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver.h"

#define CONTROLLER_WAIT_NS (3000LL * 1000000) // the controller answers at once
#define PIECE_MAX 3072                        // binary bytes per message

static ftl_handle_t ctl_ch;
static ftl_handle_t ctl_poll;
static ftl_handle_t ctl_poll_for; // the channel ctl_poll watches
static uint64_t ctl_cookie;
static uint8_t request[FTL_MSG_DATA_MAX];
static struct ftl_msg answer;

void routes_set_controller(ftl_handle_t controller)
{
    ctl_ch = controller;
}

// Sends one request and waits for its answer (into `answer`).
static ftl_err_t ask(const char *head, const void *payload, size_t plen)
{
    size_t hlen = strlen(head);
    if (!ctl_ch) { // no controller at boot, or it went away: it may be there now
        ftl_err_t err = ftl_service_connect("controller", 10, &ctl_ch);
        if (err != FTL_OK) {
            ctl_ch = 0;
            return err;
        }
    }
    if (hlen + 1 + plen > sizeof(request)) {
        return FTL_ERR_TOO_LARGE;
    }
    if (!ctl_poll) {
        ftl_err_t err = ftl_poll_create(&ctl_poll);
        if (err != FTL_OK) {
            return err;
        }
    }
    memcpy(request, head, hlen);
    request[hlen] = '\n';
    memcpy(request + hlen + 1, payload, plen);
    uint64_t cookie = ++ctl_cookie;
    if (ctl_poll_for != ctl_ch) {
        (void)ftl_poll_add(ctl_poll, ctl_ch, FTL_READABLE, 0);
        ctl_poll_for = ctl_ch;
    }
    ftl_err_t err = ftl_channel_send(ctl_ch, FTL_MSG_DATA, cookie, request, hlen + 1 + plen, NULL, 0);
    int64_t deadline = ftl_time_now() + CONTROLLER_WAIT_NS;
    while (err == FTL_OK) {
        err = ftl_channel_recv(ctl_ch, &answer);
        if (err == FTL_OK && answer.cookie == cookie) {
            return FTL_OK;
        }
        if (err == FTL_OK) {
            continue; // a late answer to an earlier request
        }
        if (err != FTL_ERR_EMPTY) {
            break;
        }
        int64_t left = deadline - ftl_time_now();
        struct ftl_event ev;
        err = left > 0 ? ftl_poll_wait(ctl_poll, left, &ev) : FTL_ERR_TIMED_OUT;
    }
    if (err == FTL_ERR_PEER_CLOSED) { // the controller restarted: the next request reconnects
        (void)ftl_handle_close(ctl_ch);
        ctl_ch = 0;
        ctl_poll_for = 0;
    }
    return err;
}

// Turns the controller's "CODE body" into the response.
static void respond_answer(struct response *out, bool ka)
{
    unsigned code = 0;
    size_t i = 0;
    while (i < answer.len && i < 3 && answer.data[i] >= '0' && answer.data[i] <= '9') {
        code = code * 10 + (unsigned)(answer.data[i++] - '0');
    }
    if (i != 3 || code < 200 || code > 599 || answer.len < 4) {
        respond_error(out, 502, "bad answer from the controller");
        return;
    }
    const char *body = (const char *)answer.data + 4;
    size_t len = answer.len - 4;
    bool json = len > 0 && body[0] == '{';
    respond_body(out, (uint16_t)code, json ? "application/json" : "text/plain; charset=utf-8",
                 body, len, ka);
}

static void ask_and_respond(struct response *out, bool ka, const char *head, const void *payload,
                            size_t plen)
{
    ftl_err_t err = ask(head, payload, plen);
    if (err != FTL_OK) {
        char why[64];
        snprintf(why, sizeof(why), "controller: %s", ftl_err_str(err));
        respond_error(out, err == FTL_ERR_TOO_LARGE ? 413 : 503, why);
        return;
    }
    respond_answer(out, ka);
}

// The value of query parameter `key` (a number), or -1.
static long query_number(const struct ftl_http_request *req, const char *key)
{
    char target[256];
    size_t n = req->target_len < sizeof(target) - 1 ? req->target_len : sizeof(target) - 1;
    memcpy(target, req->target, n);
    target[n] = '\0';
    char pat[32];
    snprintf(pat, sizeof(pat), "%s=", key);
    const char *q = strchr(target, '?');
    for (const char *p = q; p; p = strchr(p + 1, '&')) {
        if (strncmp(p + 1, pat, strlen(pat)) == 0) {
            return strtol(p + 1 + strlen(pat), NULL, 10);
        }
    }
    return -1;
}

static void upload(const struct ftl_http_request *req, struct response *out, bool ka,
                   const char *name)
{
    long off = query_number(req, "offset"), total = query_number(req, "total");
    if (off < 0 || total <= 0) {
        respond_error(out, 400, "need ?offset=N&total=N");
        return;
    }
    size_t done = 0;
    do {
        size_t piece = req->body_len - done < PIECE_MAX ? req->body_len - done : PIECE_MAX;
        char head[96];
        snprintf(head, sizeof(head), "chunk %s %lu %ld", name, (unsigned long)off + done, total);
        ftl_err_t err = ask(head, req->body + done, piece);
        if (err != FTL_OK || memcmp(answer.data, "200", 3) != 0) {
            if (err != FTL_OK) {
                respond_error(out, 503, ftl_err_str(err));
            } else {
                respond_answer(out, ka);
            }
            return;
        }
        done += piece;
    } while (done < req->body_len);
    respond_answer(out, ka);
}

// GET /api/apps: {"apps": [...]}, one app per request to the controller.
static void list_apps(struct response *out, bool ka)
{
    static char body[RESPONSE_MAX - 1024];
    size_t len = 0;
    memcpy(body, "{\"apps\":[", 9);
    len = 9;
    for (unsigned i = 0;; i++) {
        char head[32];
        snprintf(head, sizeof(head), "at %u", i);
        ftl_err_t err = ask(head, NULL, 0);
        if (err != FTL_OK) {
            respond_error(out, 503, ftl_err_str(err));
            return;
        }
        if (memcmp(answer.data, "200 ", 4) != 0) {
            break;
        }
        if (len + answer.len + 4 > sizeof(body)) {
            respond_error(out, 500, "too many apps");
            return;
        }
        if (i) {
            body[len++] = ',';
        }
        memcpy(body + len, answer.data + 4, answer.len - 4);
        len += answer.len - 4;
    }
    memcpy(body + len, "]}", 2);
    respond_body(out, 200, "application/json", body, len + 2, ka);
}

// GET /api/graph: {"edges": [{"a", "b", "channels", "messages"}]}
static void api_graph(struct response *out, bool ka)
{
    static struct ftl_channel_edge edges[128];
    static char gbody[RESPONSE_MAX - 1024];
    size_t n = 0;
    ftl_err_t err = ftl_channel_graph(edges, 128, &n);
    if (err != FTL_OK) {
        respond_error(out, 503, ftl_err_str(err));
        return;
    }
    struct ftl_json j;
    ftl_json_init(&j, gbody, sizeof(gbody));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "edges");
    ftl_json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        edges[i].a[sizeof(edges[i].a) - 1] = edges[i].b[sizeof(edges[i].b) - 1] = '\0';
        ftl_json_object_begin(&j);
        ftl_json_key(&j, "a");
        ftl_json_string(&j, edges[i].a);
        ftl_json_key(&j, "b");
        ftl_json_string(&j, edges[i].b);
        ftl_json_key(&j, "channels");
        ftl_json_uint(&j, edges[i].channels);
        ftl_json_key(&j, "messages");
        ftl_json_uint(&j, edges[i].messages);
        ftl_json_object_end(&j);
    }
    ftl_json_array_end(&j);
    ftl_json_object_end(&j);
    size_t len;
    if (ftl_json_finish(&j, &len) != FTL_OK) {
        respond_error(out, 500, "response too large");
        return;
    }
    respond_body(out, 200, "application/json", gbody, len, ka);
}

// GET /api/trace/NAME?since=SEQ
static bool route_trace(const struct ftl_http_request *req, struct response *out)
{
    static const char prefix[] = "/api/trace/";
    size_t plen = sizeof(prefix) - 1, len = req->target_len;
    const char *q = memchr(req->target, '?', len);
    if (q) {
        len = (size_t)(q - req->target);
    }
    if (len <= plen || memcmp(req->target, prefix, plen) != 0) {
        return false;
    }
    char name[FTL_ENV_NAME_MAX];
    if (len - plen >= sizeof(name) || !ftl_http_request_method_is(req, "GET")) {
        respond_error(out, 400, "GET /api/trace/NAME?since=SEQ");
        return true;
    }
    memcpy(name, req->target + plen, len - plen);
    name[len - plen] = '\0';
    trace_request(name, query_number(req, "since"), out, req->keep_alive);
    return true;
}

bool route_apps(const struct ftl_http_request *req, struct response *out)
{
    if (route_trace(req, out)) {
        return true;
    }
    if (req->target_len >= 10 && memcmp(req->target, "/api/graph", 10) == 0 &&
        (req->target_len == 10 || req->target[10] == '?')) {
        api_graph(out, req->keep_alive);
        return true;
    }
    static const char prefix[] = "/api/apps";
    size_t plen = sizeof(prefix) - 1;
    size_t len = req->target_len;
    const char *q = memchr(req->target, '?', len);
    if (q) {
        len = (size_t)(q - req->target);
    }
    if (len < plen || memcmp(req->target, prefix, plen) != 0 ||
        (len > plen && req->target[plen] != '/')) {
        return false;
    }
    bool ka = req->keep_alive;
    char path[96] = "";
    if (len > plen + 1 && len - plen - 1 < sizeof(path)) {
        memcpy(path, req->target + plen + 1, len - plen - 1);
        path[len - plen - 1] = '\0';
    } else if (len > plen + 1) {
        respond_error(out, 404, "no such app");
        return true;
    }
    char name[FTL_ENV_NAME_MAX] = "", action[16] = "";
    char *slash = strchr(path, '/');
    if (slash) {
        *slash = '\0';
        snprintf(action, sizeof(action), "%s", slash + 1);
    }
    snprintf(name, sizeof(name), "%s", path);
    char head[96];
    bool get = ftl_http_request_method_is(req, "GET");
    bool post = ftl_http_request_method_is(req, "POST");
    bool del = ftl_http_request_method_is(req, "DELETE");
    if (!name[0] && get) {
        list_apps(out, ka);
    } else if (!name[0] && post) {
        ask_and_respond(out, ka, query_number(req, "binary") == 1 ? "apply binary" : "apply",
                        req->body, req->body_len);
    } else if (name[0] && !action[0] && (get || del)) {
        snprintf(head, sizeof(head), "%s %s", get ? "get" : "delete", name);
        ask_and_respond(out, ka, head, NULL, 0);
    } else if (name[0] && post && strcmp(action, "binary") == 0) {
        upload(req, out, ka, name);
    } else if (name[0] && post &&
               (strcmp(action, "restart") == 0 || strcmp(action, "upgrade") == 0 ||
                strcmp(action, "stop") == 0 || strcmp(action, "start") == 0)) {
        snprintf(head, sizeof(head), "%s %s", action, name);
        ask_and_respond(out, ka, head, NULL, 0);
    } else {
        respond_error(out, 405, "see docs/controller.md for the /api/apps requests");
    }
    return true;
}
