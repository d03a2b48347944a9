// The controller's requests (from the apiserver, on the `controller` service): one DATA
// message each, "VERB [NAME ...]\n[payload]", answered by a DATA message of the same
// cookie, "CODE body". docs/controller.md lists the verbs.
#include "controller.h"

#include <ftl/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A binary being uploaded in pieces ("chunk"), for the next "upgrade" or "apply" of
// its app.
static struct {
    char name[FTL_ENV_NAME_MAX];
    uint8_t *buf;
    size_t total, got;
} staged;

static const char *const isolation_names[] = {"inkernel", "user", "wasm", "js", "vmm"};
static const char *const restart_names[] = {"never", "on-failure", "always"};

static void app_json(struct ftl_json *j, const struct app *a, int64_t now)
{
    ftl_json_object_begin(j);
    ftl_json_key(j, "name");
    ftl_json_string(j, a->name);
    ftl_json_key(j, "desired");
    ftl_json_string(j, a->desired ? "running" : "stopped");
    ftl_json_key(j, "state");
    ftl_json_string(j, a->state);
    ftl_json_key(j, "isolation");
    ftl_json_string(j, a->isolation < 5 ? isolation_names[a->isolation] : "unknown");
    ftl_json_key(j, "restart");
    ftl_json_string(j, restart_names[a->restart % 3]);
    ftl_json_key(j, "source");
    ftl_json_string(j, a->spec ? "applied" : "image");
    ftl_json_key(j, "binary");
    ftl_json_string(j, a->bin ? "uploaded" : "image");
    ftl_json_key(j, "binary_bytes");
    ftl_json_uint(j, a->bin_len);
    ftl_json_key(j, "restarts");
    ftl_json_uint(j, a->restarts);
    ftl_json_key(j, "backoff_ms");
    ftl_json_int(j, a->next_start_ns ? (a->next_start_ns - a->last_exit_ns) / 1000000 : 0);
    ftl_json_key(j, "next_start_in_ms");
    ftl_json_int(j, a->next_start_ns > now ? (a->next_start_ns - now) / 1000000 : 0);
    ftl_json_key(j, "uptime_s");
    ftl_json_int(j, a->proc ? (now - a->started_ns) / 1000000000 : 0);
    ftl_json_key(j, "last_exit");
    ftl_json_string(j, a->last_exit);
    ftl_json_key(j, "last_exit_s");
    ftl_json_int(j, a->last_exit_ns / 1000000000);
    ftl_json_key(j, "message");
    ftl_json_string(j, a->message);
    ftl_json_object_end(j);
}

static void reply(char *out, size_t cap, size_t *out_len, int code, const char *text)
{
    int n = snprintf(out, cap, "%d %s", code, text);
    *out_len = n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

static void reply_json(char *out, size_t cap, size_t *out_len, const struct app *one)
{
    struct ftl_json j;
    ftl_json_init(&j, out + 4, cap - 4);
    int64_t now = ftl_time_now();
    if (one) {
        app_json(&j, one, now);
    } else {
        ftl_json_object_begin(&j);
        ftl_json_key(&j, "apps");
        ftl_json_array_begin(&j);
        for (size_t i = 0; i < APPS_MAX; i++) {
            if (apps[i].name[0]) {
                app_json(&j, &apps[i], now);
            }
        }
        ftl_json_array_end(&j);
        ftl_json_object_end(&j);
    }
    size_t len;
    if (ftl_json_finish(&j, &len) != FTL_OK) {
        reply(out, cap, out_len, 500, "too many apps for one answer");
        return;
    }
    memcpy(out, "200 ", 4);
    *out_len = len + 4;
}

static void reply_message(char *out, size_t cap, size_t *out_len, const char *msg)
{
    struct ftl_json j;
    ftl_json_init(&j, out + 4, cap - 4);
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "message");
    ftl_json_string(&j, msg);
    ftl_json_object_end(&j);
    size_t len;
    if (ftl_json_finish(&j, &len) != FTL_OK) {
        reply(out, cap, out_len, 500, "answer too large");
        return;
    }
    memcpy(out, "200 ", 4);
    *out_len = len + 4;
}

// The staged binary for app `name`, taken over by the caller; NULL if none is complete.
static uint8_t *take_staged(const char *name, size_t *len)
{
    if (!staged.buf || strcmp(staged.name, name) != 0 || staged.got != staged.total) {
        return NULL;
    }
    uint8_t *b = staged.buf;
    *len = staged.total;
    staged.buf = NULL;
    staged.name[0] = '\0';
    return b;
}

static void do_chunk(const char *args, const uint8_t *data, size_t len, char *out, size_t cap,
                     size_t *out_len)
{
    char name[FTL_ENV_NAME_MAX];
    unsigned long off = 0, total = 0;
    if (sscanf(args, "%31s %lu %lu", name, &off, &total) != 3 || total == 0 ||
        total > FTL_APP_BINARY_MAX || off > total || len > total - off) {
        reply(out, cap, out_len, 400, "bad chunk (binaries are at most 2 MiB)");
        return;
    }
    if (off == 0) {
        free(staged.buf);
        staged.buf = malloc(total);
        staged.total = total;
        staged.got = 0;
        snprintf(staged.name, sizeof(staged.name), "%s", name);
        if (!staged.buf) {
            reply(out, cap, out_len, 507, "no memory for the binary");
            return;
        }
    }
    if (!staged.buf || strcmp(staged.name, name) != 0 || off != staged.got ||
        total != staged.total) {
        reply(out, cap, out_len, 409, "chunk out of order: start again at offset 0");
        return;
    }
    memcpy(staged.buf + off, data, len);
    staged.got += len;
    reply_message(out, cap, out_len, "chunk stored");
}

static void do_apply(const char *args, const uint8_t *spec, size_t len, char *out, size_t cap,
                     size_t *out_len)
{
    static struct ftl_spec_info info;
    ftl_err_t err = ftl_app_check((const char *)spec, len, &info);
    if (err == FTL_ERR_PARSE) {
        char text[200];
        info.reason[sizeof(info.reason) - 1] = '\0';
        snprintf(text, sizeof(text), "%d: %s", (int)info.line, info.reason);
        reply(out, cap, out_len, 400, text);
        return;
    }
    if (err != FTL_OK) {
        reply(out, cap, out_len, 400, ftl_err_str(err));
        return;
    }
    info.name[sizeof(info.name) - 1] = '\0';
    size_t bin_len = 0;
    uint8_t *bin = strstr(args, "binary") ? take_staged(info.name, &bin_len) : NULL;
    if (strstr(args, "binary") && !bin) {
        reply(out, cap, out_len, 409, "no complete uploaded binary for this app");
        return;
    }
    char msg[160];
    app_apply(&info, (const char *)spec, len, bin, bin_len, msg, sizeof(msg));
    reply_message(out, cap, out_len, msg);
}

void api_handle(const uint8_t *req, size_t len, char *out, size_t cap, size_t *out_len)
{
    const uint8_t *nl = memchr(req, '\n', len);
    size_t head_len = nl ? (size_t)(nl - req) : len;
    char head[96];
    if (head_len >= sizeof(head)) {
        reply(out, cap, out_len, 400, "request line too long");
        return;
    }
    memcpy(head, req, head_len);
    head[head_len] = '\0';
    const uint8_t *payload = nl ? nl + 1 : req + len;
    size_t plen = (size_t)(req + len - payload);
    char verb[16] = "", name[FTL_ENV_NAME_MAX] = "";
    (void)sscanf(head, "%15s %31s", verb, name);
    const char *args = head + strlen(verb);
    if (strcmp(verb, "list") == 0) {
        reply_json(out, cap, out_len, NULL);
        return;
    }
    if (strcmp(verb, "at") == 0) { // the i-th app: a list too long for one message
        unsigned long want = strtoul(name, NULL, 10);
        for (size_t i = 0, n = 0; i < APPS_MAX; i++) {
            if (apps[i].name[0] && n++ == want) {
                reply_json(out, cap, out_len, &apps[i]);
                return;
            }
        }
        reply(out, cap, out_len, 404, "no more apps");
        return;
    }
    if (strcmp(verb, "apply") == 0) {
        do_apply(args, payload, plen, out, cap, out_len);
        return;
    }
    if (strcmp(verb, "chunk") == 0) {
        do_chunk(args, payload, plen, out, cap, out_len);
        return;
    }
    struct app *a = app_find(name);
    if (!a) {
        reply(out, cap, out_len, 404, "no such app");
        return;
    }
    char msg[160];
    if (strcmp(verb, "get") == 0) {
        reply_json(out, cap, out_len, a);
    } else if (strcmp(verb, "delete") == 0) {
        app_delete(a);
        snprintf(msg, sizeof(msg), "%s deleted", name);
        reply_message(out, cap, out_len, msg);
    } else if (strcmp(verb, "stop") == 0) {
        app_stop(a);
        snprintf(msg, sizeof(msg), "%s stopped", name);
        reply_message(out, cap, out_len, msg);
    } else if (strcmp(verb, "start") == 0) {
        app_restart_now(a);
        snprintf(msg, sizeof(msg), "%s started", name);
        reply_message(out, cap, out_len, msg);
    } else if (strcmp(verb, "restart") == 0) {
        app_restart_now(a);
        snprintf(msg, sizeof(msg), "%s restarted", name);
        reply_message(out, cap, out_len, msg);
    } else if (strcmp(verb, "upgrade") == 0) {
        size_t bin_len = 0;
        uint8_t *bin = take_staged(name, &bin_len);
        if (!bin) {
            reply(out, cap, out_len, 409, "no complete uploaded binary for this app");
            return;
        }
        app_upgrade_binary(a, bin, bin_len, msg, sizeof(msg));
        reply_message(out, cap, out_len, msg);
    } else {
        reply(out, cap, out_len, 400, "unknown request");
    }
}
