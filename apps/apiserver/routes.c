// The apiserver's routes: the dashboard at /, and the JSON API (/api/ps, /api/uptime,
// /api/logs, /api/stats, /api/echo). Each builds a whole response in the connection's buffer.
#include <ftl.h>
#include <ftl/http.h>
#include <ftl/json.h>
#include <stdio.h>
#include <string.h>

#include "apiserver.h"

#define PS_MAX 64
#define LOG_BYTES (8 * 1024)

// Writes a complete response. If it does not fit (cannot happen for the sizes above,
// but a bug must not send half a response), a 500 goes out instead.
static void respond(struct response *out, uint16_t status, const char *type, const void *body,
                    size_t body_len, bool keep_alive)
{
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, out->buf, RESPONSE_MAX);
    ftl_http_writer_status(&w, status);
    ftl_http_writer_header(&w, "Server", "ftl-apiserver");
    ftl_http_writer_header(&w, "Content-Type", type);
    ftl_http_writer_header(&w, "Cache-Control", "no-store");
    if (status == 405) {
        ftl_http_writer_header(&w, "Allow", "GET, POST");
    }
    ftl_http_writer_end_head(&w, body_len, keep_alive);
    ftl_http_writer_body(&w, body, body_len);
    out->keep_alive = keep_alive;
    if (ftl_http_writer_finish(&w, &out->len) != FTL_OK) {
        static const char fail[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n";
        memcpy(out->buf, fail, sizeof(fail) - 1);
        out->len = sizeof(fail) - 1;
        out->keep_alive = false;
    }
}

// A response with a one-line text body: "<status> <text>: <why>".
static void respond_text(struct response *out, uint16_t status, const char *why, bool keep_alive)
{
    char body[160];
    size_t n;
    const char *text = ftl_http_status_text(status);
    // "<status> <text>: <why>\n", cut to fit
    int len = snprintf(body, sizeof(body), "%u %s%s%s\n", (unsigned)status, text, why ? ": " : "",
                       why ? why : "");
    n = len < 0 ? 0 : ((size_t)len < sizeof(body) ? (size_t)len : sizeof(body) - 1);
    respond(out, status, "text/plain; charset=utf-8", body, n, keep_alive);
}

void respond_body(struct response *out, uint16_t status, const char *type, const void *body,
                  size_t len, bool keep_alive)
{
    respond(out, status, type, body, len, keep_alive);
}

void respond_error(struct response *out, uint16_t status, const char *why)
{
    respond_text(out, status, why, false);
}

// Builds a JSON body in `scratch`, then the response around it.
static char scratch[RESPONSE_MAX - 1024];

static void respond_json(struct response *out, struct ftl_json *j, bool keep_alive)
{
    size_t len;
    if (ftl_json_finish(j, &len) != FTL_OK) {
        respond_error(out, 500, "response too large");
        return;
    }
    respond(out, 200, "application/json", scratch, len, keep_alive);
}

static const char *isolation_name(uint32_t mode)
{
    static const char *const names[] = {"inkernel", "user", "wasm", "js", "vmm"};
    return mode < 5 ? names[mode] : "unknown";
}

static void api_ps(struct response *out, bool keep_alive)
{
    static struct ftl_ps_entry ps[PS_MAX];
    size_t n = 0;
    ftl_err_t err = ftl_ps(ps, PS_MAX, &n);
    if (err != FTL_OK) {
        respond_text(out, 503, ftl_err_str(err), keep_alive);
        return;
    }
    struct ftl_json j;
    ftl_json_init(&j, scratch, sizeof(scratch));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "processes");
    ftl_json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        ftl_json_object_begin(&j);
        ftl_json_key(&j, "name");
        ps[i].name[sizeof(ps[i].name) - 1] = '\0';
        ftl_json_string(&j, ps[i].name);
        ftl_json_key(&j, "isolation");
        ftl_json_string(&j, isolation_name(ps[i].isolation));
        ftl_json_key(&j, "handles");
        ftl_json_uint(&j, ps[i].handles);
        ftl_json_key(&j, "memory");
        ftl_json_uint(&j, ps[i].memory);
        ftl_json_key(&j, "kmem");
        ftl_json_uint(&j, ps[i].kmem_used);
        ftl_json_key(&j, "kmem_limit");
        ftl_json_uint(&j, ps[i].kmem_limit);
        ftl_json_key(&j, "kmem_peak");
        ftl_json_uint(&j, ps[i].kmem_peak);
        if (ps[i].vm != FTL_PS_VM_NONE) { // its virtual machine (the linux app's, say)
            ftl_json_key(&j, "vm");
            ftl_json_string(&j, ps[i].vm == FTL_PS_VM_RUNNING ? "running" : "stopped");
            ftl_json_key(&j, "vm_exits");
            ftl_json_uint(&j, ps[i].vm_exits);
            ftl_json_key(&j, "vm_run_ms");
            ftl_json_uint(&j, ps[i].vm_run_ns / 1000000);
        }
        ftl_json_object_end(&j);
    }
    ftl_json_array_end(&j);
    ftl_json_object_end(&j);
    respond_json(out, &j, keep_alive);
}

static void api_uptime(struct response *out, bool keep_alive)
{
    struct ftl_sys_stats st;
    ftl_err_t err = ftl_sys_stats(&st);
    if (err != FTL_OK) {
        respond_text(out, 503, ftl_err_str(err), keep_alive);
        return;
    }
    struct ftl_json j;
    ftl_json_init(&j, scratch, sizeof(scratch));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "uptime_ns");
    ftl_json_int(&j, st.uptime_ns);
    ftl_json_key(&j, "uptime_s");
    ftl_json_int(&j, st.uptime_ns / 1000000000);
    ftl_json_key(&j, "processes");
    ftl_json_uint(&j, st.processes);
    ftl_json_key(&j, "free_pages");
    ftl_json_uint(&j, st.free_pages);
    ftl_json_key(&j, "heap_used");
    ftl_json_uint(&j, st.heap_used);
    ftl_json_object_end(&j);
    respond_json(out, &j, keep_alive);
}

// "kernel": kernel-wide memory figures: what apps hold and the reserve none of them
// may take.
static void kernel_stats(struct ftl_json *j, const struct ftl_sys_stats *st)
{
    ftl_json_key(j, "kernel");
    ftl_json_object_begin(j);
    ftl_json_key(j, "free_pages");
    ftl_json_uint(j, st->free_pages);
    ftl_json_key(j, "heap_used");
    ftl_json_uint(j, st->heap_used);
    ftl_json_key(j, "kmem_reserve");
    ftl_json_uint(j, st->kmem_reserve);
    ftl_json_key(j, "kmem_charged");
    ftl_json_uint(j, st->kmem_charged);
    ftl_json_key(j, "kmem_refusals");
    ftl_json_uint(j, st->kmem_refusals);
    ftl_json_key(j, "processes");
    ftl_json_uint(j, st->processes);
    ftl_json_object_end(j);
}

// The last lines of the kernel's log ring, oldest first; a line cut by the ring's
// start is left out.
static void api_logs(struct response *out, bool keep_alive)
{
    static char log[LOG_BYTES];
    size_t n = 0;
    ftl_err_t err = ftl_log_read(log, sizeof(log), &n);
    if (err != FTL_OK) {
        respond_text(out, 503, ftl_err_str(err), keep_alive);
        return;
    }
    size_t start = 0;
    if (n == sizeof(log)) {
        while (start < n && log[start] != '\n') {
            start++;
        }
        start++;
    }
    struct ftl_json j;
    ftl_json_init(&j, scratch, sizeof(scratch));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "lines");
    ftl_json_array_begin(&j);
    while (start < n) {
        size_t end = start;
        while (end < n && log[end] != '\n') {
            end++;
        }
        ftl_json_string_n(&j, log + start, end - start);
        start = end + 1;
    }
    ftl_json_array_end(&j);
    ftl_json_object_end(&j);
    respond_json(out, &j, keep_alive);
}

// ---- /api/stats: {"kernel": {...}, "net": {"<layer>": {"<counter>": n, ...}, ...}} ----
// tcpip answers a DATA message on its service channel with a DATA message of the same
// cookie: `<layer>.<name> <value>` lines (apps/tcpip/stats.c). tcpip never blocks, so
// the short wait here only guards against a tcpip that is gone.
#define NET_STATS_WAIT_NS (200 * 1000000LL)

static ftl_handle_t tcpip_ch;
static ftl_handle_t tcpip_poll;
static uint64_t stats_cookie = 100; // cookies below are the apiserver's OPENs

void routes_set_tcpip(ftl_handle_t tcpip)
{
    tcpip_ch = tcpip;
}

// Asks tcpip for its counters; on FTL_OK `msg` holds the reply's lines.
static ftl_err_t net_stats_fetch(struct ftl_msg *msg)
{
    if (!tcpip_poll) {
        ftl_err_t err = ftl_poll_create(&tcpip_poll);
        if (err == FTL_OK) {
            err = ftl_poll_add(tcpip_poll, tcpip_ch, FTL_READABLE, 0);
        }
        if (err != FTL_OK) {
            return err;
        }
    }
    uint64_t cookie = ++stats_cookie;
    ftl_err_t err = ftl_channel_send(tcpip_ch, FTL_MSG_DATA, cookie, "stats", 5, NULL, 0);
    int64_t deadline = ftl_time_now() + NET_STATS_WAIT_NS;
    while (err == FTL_OK) {
        err = ftl_channel_recv(tcpip_ch, msg);
        if (err == FTL_OK && msg->type == FTL_MSG_DATA && msg->cookie == cookie) {
            return FTL_OK;
        }
        if (err == FTL_OK) {
            for (uint32_t i = 0; i < msg->nhandles; i++) {
                (void)ftl_handle_close(msg->handles[i]); // a stale reply: nothing to keep
            }
            continue;
        }
        if (err != FTL_ERR_EMPTY) {
            break;
        }
        int64_t left = deadline - ftl_time_now();
        struct ftl_event ev;
        err = left > 0 ? ftl_poll_wait(tcpip_poll, left, &ev) : FTL_ERR_TIMED_OUT;
    }
    return err;
}

// One `<layer>.<name> <value>` line into the JSON: a new layer closes the previous
// layer's object (if any) and opens its own. `layer` holds the open layer's name.
static void net_stats_line(struct ftl_json *j, const char *line, size_t len, char layer[32])
{
    const char *end = line + len;
    const char *dot = memchr(line, '.', len);
    const char *sp = memchr(line, ' ', len);
    size_t layer_len = dot ? (size_t)(dot - line) : 0;
    size_t key_len = dot && sp > dot ? (size_t)(sp - dot - 1) : 0;
    if (layer_len == 0 || layer_len >= 32 || key_len == 0 || key_len >= 64) {
        return; // not a counter line: skipped
    }
    if (strlen(layer) != layer_len || memcmp(layer, line, layer_len) != 0) {
        if (layer[0]) {
            ftl_json_object_end(j);
        }
        memcpy(layer, line, layer_len);
        layer[layer_len] = '\0';
        ftl_json_key(j, layer);
        ftl_json_object_begin(j);
    }
    char key[64];
    memcpy(key, dot + 1, key_len);
    key[key_len] = '\0';
    uint64_t v = 0;
    for (const char *d = sp + 1; d < end && *d >= '0' && *d <= '9'; d++) {
        v = v * 10 + (uint64_t)(*d - '0');
    }
    ftl_json_key(j, key);
    ftl_json_uint(j, v);
}

static void api_stats(struct response *out, bool keep_alive)
{
    static struct ftl_msg msg;
    struct ftl_sys_stats st;
    ftl_err_t err = ftl_sys_stats(&st);
    if (err == FTL_OK) {
        err = net_stats_fetch(&msg);
    }
    if (err != FTL_OK) {
        respond_text(out, 503, ftl_err_str(err), keep_alive);
        return;
    }
    struct ftl_json j;
    ftl_json_init(&j, scratch, sizeof(scratch));
    ftl_json_object_begin(&j);
    kernel_stats(&j, &st);
    ftl_json_key(&j, "net");
    ftl_json_object_begin(&j);
    char layer[32] = "";
    const char *p = (const char *)msg.data;
    const char *end = p + msg.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        net_stats_line(&j, p, (size_t)(eol - p), layer);
        p = eol + 1;
    }
    if (layer[0]) {
        ftl_json_object_end(&j);
    }
    ftl_json_object_end(&j);
    ftl_json_object_end(&j);
    respond_json(out, &j, keep_alive);
}

static void api_echo(const struct ftl_http_request *req, struct response *out, bool keep_alive)
{
    const struct ftl_http_header *h = ftl_http_request_header(req, "Content-Type");
    char type[96] = "application/octet-stream";
    if (h && h->value_len < sizeof(type)) {
        memcpy(type, h->value, h->value_len);
        type[h->value_len] = '\0';
    }
    respond(out, 200, type, req->body, req->body_len, keep_alive);
}

static bool target_is(const struct ftl_http_request *req, const char *path)
{
    size_t len = req->target_len;
    const char *q = memchr(req->target, '?', len);
    if (q) {
        len = (size_t)(q - req->target);
    }
    return len == strlen(path) && memcmp(req->target, path, len) == 0;
}

void route_request(const struct ftl_http_request *req, struct response *out)
{
    bool ka = req->keep_alive;
    bool get = ftl_http_request_method_is(req, "GET");
    bool post = ftl_http_request_method_is(req, "POST");
    if (route_apps(req, out)) {
        return;
    }
    if (target_is(req, "/")) {
        if (get) {
            respond(out, 200, "text/html; charset=utf-8", dashboard_html, strlen(dashboard_html),
                    ka);
        } else {
            respond_text(out, 405, "use GET", ka);
        }
    } else if (target_is(req, "/api/ps") || target_is(req, "/api/uptime") ||
               target_is(req, "/api/logs") || target_is(req, "/api/stats")) {
        if (!get) {
            respond_text(out, 405, "use GET", ka);
        } else if (target_is(req, "/api/stats")) {
            api_stats(out, ka);
        } else if (target_is(req, "/api/ps")) {
            api_ps(out, ka);
        } else if (target_is(req, "/api/uptime")) {
            api_uptime(out, ka);
        } else {
            api_logs(out, ka);
        }
    } else if (target_is(req, "/api/echo")) {
        if (post) {
            api_echo(req, out, ka);
        } else {
            respond_text(out, 405, "use POST", ka);
        }
    } else {
        respond_text(out, 404, "no such path", ka);
    }
}
