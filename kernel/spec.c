// Spec files: reading one (the schema, on top of the YAML subset in yaml.c) and checking
// a set of them as one system (names, exports, missing services, dependency cycles).
// Portable core: no allocation, about 1 KiB of stack per call.
#include "spec.h"
#include "yaml.h"

#include <limits.h>

#define WORD_MAX 48  // bytes of a key or short value kept for lookups and messages

enum top_key {
    TOP_NAME,
    TOP_ISOLATION,
    TOP_ENV,
    TOP_EXPORTS,
    TOP_LIMITS,
    TOP_GRANTS,
    TOP_PREOPENS,
    TOP_BOOT,
    TOP_RESTART,
    TOP_COUNT
};
static const char *const top_keys[TOP_COUNT] = {"name",   "isolation", "env",      "exports", "limits",
                                                "grants", "preopens",  "boot",     "restart"};

enum limit_key { LIMIT_HEAP_KIB, LIMIT_HANDLES, LIMIT_KMEM_KIB, LIMIT_CPU_MS, LIMIT_COUNT };
static const char *const limit_keys[LIMIT_COUNT] = {"heap_kib", "handles", "kmem_kib", "cpu_ms"};

// Indexed by enum spec_isolation and enum spec_env_kind.
static const char *const isolation_names[] = {"inkernel", "user", "wasm", "js", "vmm"};
static const char *const env_kinds[] = {"string", "number", "service", "device"};
// Indexed by enum spec_restart.
static const char *const restart_names[] = {"never", "on-failure", "always"};

// Indexed by the bit number of enum spec_grant.
static const char *const grant_keys[] = {"spawn", "log_read", "ps",     "stats",
                                         "dma",   "device",   "console", "vm", "control", "trace"};
#define GRANT_COUNT (sizeof(grant_keys) / sizeof(grant_keys[0]))
#define GRANT_LIST "spawn, log_read, ps, stats, dma, device, console, vm, control or trace"
_Static_assert(SPEC_GRANT_TRACE == 1u << (GRANT_COUNT - 1), "grant_keys matches enum spec_grant");

enum device_key { DEV_COMPATIBLE, DEV_VIRTIO_ID, DEV_COUNT };
static const char *const device_keys[DEV_COUNT] = {"compatible", "virtio_id"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct parser {
    struct yaml_parser yaml;
    struct spec *out;
    struct spec_error *err;
};

static ftl_err_t fail(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ftl_err_t fail(struct parser *ps, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->reason, sizeof(ps->err->reason), fmt, ap);
    va_end(ap);
    ps->err->line = line;
    return FTL_ERR_PARSE;
}

static ftl_err_t next(struct parser *ps, struct yaml_event *ev)
{
    ftl_err_t err = yaml_next(&ps->yaml, ev);
    if (err != FTL_OK) {
        return fail(ps, ps->yaml.err_line, "%s", ps->yaml.reason);
    }
    return FTL_OK;
}

// Names what an event holds, for "must be a string, got ..." messages.
static const char *describe(const struct yaml_event *ev)
{
    switch (ev->type) {
    case YAML_EVENT_MAP_START:
        return "a mapping";
    case YAML_EVENT_SEQ_START:
        return "a sequence";
    case YAML_EVENT_SCALAR:
        return ev->style == YAML_PLAIN ? "a plain value" : "a quoted string";
    default:
        return "nothing";
    }
}

static int lookup(const char *word, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(word, list[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

// Levenshtein distance, capped at 255; `b` is a known word, shorter than WORD_MAX.
static unsigned distance(const char *a, const char *b)
{
    uint8_t row[WORD_MAX + 1];
    size_t nb = strlen(b);
    for (size_t j = 0; j <= nb; j++) {
        row[j] = (uint8_t)j;
    }
    for (size_t i = 1; a[i - 1]; i++) {
        unsigned diag = row[0];
        row[0] = (uint8_t)(i < 255 ? i : 255);
        for (size_t j = 1; j <= nb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1u < best ? row[j - 1] + 1u : best;
            row[j] = (uint8_t)(best < 255 ? best : 255);
            diag = up;
        }
    }
    return row[nb];
}

// Writes "did you mean 'x'?" when `word` is a typo of an entry of `list`, else the list.
static void hint(char *buf, size_t size, const char *word, const char *const *list, size_t n,
                 const char *expected)
{
    for (size_t i = 0; i < n; i++) {
        if (distance(word, list[i]) <= 2) {
            snprintf(buf, size, "did you mean '%s'?", list[i]);
            return;
        }
    }
    snprintf(buf, size, "expected %s", expected);
}

// Copies a scalar into a WORD_MAX buffer. One too long is kept truncated: it is then
// still too long for a name, and matches no key or isolation.
static void copy_word(const struct yaml_event *ev, char *buf)
{
    ftl_err_t err = yaml_scalar_copy(ev, buf, WORD_MAX, NULL);
    (void)err;
}

// Reads the next key of a mapping into `key`, or sets `*out_end` at the mapping's end.
static ftl_err_t next_key(struct parser *ps, struct yaml_event *ev, char *key, bool *out_end)
{
    ftl_err_t err = next(ps, ev);
    if (err != FTL_OK) {
        return err;
    }
    *out_end = ev->type == YAML_EVENT_MAP_END;
    key[0] = '\0';
    if (!*out_end) {
        copy_word(ev, key);
    }
    return FTL_OK;
}

static ftl_err_t expect_scalar(struct parser *ps, const char *what, const char *type,
                               struct yaml_event *ev)
{
    ftl_err_t err = next(ps, ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev->type != YAML_EVENT_SCALAR) {
        return fail(ps, ev->line, "%s must be %s, got %s", what, type, describe(ev));
    }
    return FTL_OK;
}

static ftl_err_t read_string(struct parser *ps, const char *what, char *buf, size_t size)
{
    struct yaml_event ev;
    ftl_err_t err = expect_scalar(ps, what, "a string", &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (yaml_scalar_copy(&ev, buf, size, NULL) != FTL_OK) {
        return fail(ps, ev.line, "%s is too long (at most %d bytes)", what, (int)size - 1);
    }
    return FTL_OK;
}

// Checks an app, env item or service name: a-z, 0-9 and _, starting with a letter.
static ftl_err_t check_name(struct parser *ps, int line, const char *what, const char *name)
{
    size_t len = strlen(name);
    if (len == 0) {
        return fail(ps, line, "%s must not be empty", what);
    }
    if (len >= SPEC_NAME_MAX) {
        return fail(ps, line, "%s '%s' is too long (at most %d characters)", what, name,
                    SPEC_NAME_MAX - 1);
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '_'));
        if (!ok) {
            return fail(ps, line, "bad %s '%s': use a-z, 0-9 and _, starting with a letter",
                        what, name);
        }
    }
    return FTL_OK;
}

// Reads a name value into `out` (SPEC_NAME_MAX bytes) and its line into `out_line`.
static ftl_err_t read_name(struct parser *ps, const char *what, char *out, int *out_line)
{
    struct yaml_event ev;
    ftl_err_t err = expect_scalar(ps, what, "a string", &ev);
    if (err != FTL_OK) {
        return err;
    }
    char name[WORD_MAX];
    copy_word(&ev, name);
    *out_line = ev.line;
    err = check_name(ps, ev.line, what, name);
    if (err == FTL_OK) {
        memcpy(out, name, strlen(name) + 1);
    }
    return err;
}

// Parses a YAML core-schema integer: decimal with an optional sign, or 0x hex.
// Returns FTL_OK, FTL_ERR_INVALID_ARG if it is no integer, FTL_ERR_TOO_LARGE if it
// does not fit in int64_t.
static ftl_err_t parse_int(const char *s, size_t len, int64_t *out)
{
    bool hex = len > 2 && s[0] == '0' && s[1] == 'x';
    bool neg = !hex && len > 0 && s[0] == '-';
    size_t i = hex ? 2 : (len > 0 && (s[0] == '-' || s[0] == '+'));
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t base = hex ? 16 : 10;
    uint64_t v = 0;
    bool overflow = false;
    if (i == len) {
        return FTL_ERR_INVALID_ARG;
    }
    for (; i < len; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
        if ((uint64_t)d >= base) {
            return FTL_ERR_INVALID_ARG;
        }
        overflow = overflow || v > (limit - (uint64_t)d) / base;
        v = v * base + (uint64_t)d;
    }
    if (overflow) {
        return FTL_ERR_TOO_LARGE;
    }
    *out = !neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    return FTL_OK;
}

static ftl_err_t read_number(struct parser *ps, const char *what, int64_t *out, int *out_line)
{
    struct yaml_event ev;
    ftl_err_t err = expect_scalar(ps, what, "an integer", &ev);
    if (err != FTL_OK) {
        return err;
    }
    *out_line = ev.line;
    int shown = ev.len > WORD_MAX ? WORD_MAX : (int)ev.len;
    if (ev.style != YAML_PLAIN) {
        return fail(ps, ev.line, "%s must be an integer, got a quoted string", what);
    }
    err = parse_int(ev.text, ev.len, out);
    if (err == FTL_ERR_TOO_LARGE) {
        return fail(ps, ev.line, "%s is out of range (signed 64-bit): %.*s", what, shown,
                    ev.text);
    }
    if (err != FTL_OK) {
        return fail(ps, ev.line, "%s must be an integer (decimal or 0x hex), got '%.*s'", what,
                    shown, ev.text);
    }
    return FTL_OK;
}

static ftl_err_t parse_device(struct parser *ps, struct spec_env_item *item)
{
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev.type != YAML_EVENT_MAP_START) {
        return fail(ps, ev.line, "device '%s' must be a mapping like { compatible: "
                    "\"virtio,mmio\", virtio_id: 1 }, got %s", item->name, describe(&ev));
    }
    int start_line = ev.line;
    int seen[DEV_COUNT] = {0};
    item->number = -1;
    for (;;) {
        char key[WORD_MAX];
        char what[80];
        bool end;
        int line;
        err = next_key(ps, &ev, key, &end);
        if (err != FTL_OK || end) {
            break;
        }
        int k = lookup(key, device_keys, DEV_COUNT);
        if (k < 0) {
            char h[64];
            hint(h, sizeof(h), key, device_keys, DEV_COUNT, "compatible or virtio_id");
            return fail(ps, ev.line, "unknown device key '%s' (%s)", key, h);
        }
        if (seen[k]) {
            return fail(ps, ev.line, "duplicate key '%s' (first on line %d)", key, seen[k]);
        }
        seen[k] = ev.line;
        snprintf(what, sizeof(what), "'%s' of device '%s'", key, item->name);
        if (k == DEV_COMPATIBLE) {
            err = read_string(ps, what, item->str, sizeof(item->str));
            if (err == FTL_OK && item->str[0] == '\0') {
                return fail(ps, ev.line, "%s must not be empty", what);
            }
        } else {
            err = read_number(ps, what, &item->number, &line);
            if (err == FTL_OK && (item->number < 0 || item->number > UINT32_MAX)) {
                return fail(ps, line, "%s must be between 0 and %u", what, UINT32_MAX);
            }
        }
        if (err != FTL_OK) {
            return err;
        }
    }
    if (err == FTL_OK && !seen[DEV_COMPATIBLE]) {
        return fail(ps, start_line, "device '%s' needs a 'compatible' string", item->name);
    }
    return err;
}

static ftl_err_t read_env_value(struct parser *ps, struct spec_env_item *item, const char *kind)
{
    char what[80];
    int line;
    snprintf(what, sizeof(what), "'%s' of env item '%s'", kind, item->name);
    switch (item->kind) {
    case SPEC_ENV_STRING:
        return read_string(ps, what, item->str, sizeof(item->str));
    case SPEC_ENV_NUMBER:
        return read_number(ps, what, &item->number, &line);
    case SPEC_ENV_SERVICE:
        return read_name(ps, "service name", item->str, &line);
    default:
        return parse_device(ps, item);
    }
}

static ftl_err_t read_bool(struct parser *ps, const char *what, bool *out);

// via: [ratelimit, msglog]: the interceptor apps a service item's channel passes through.
static ftl_err_t parse_via(struct parser *ps, struct spec_env_item *item)
{
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev.type != YAML_EVENT_SEQ_START) {
        return fail(ps, ev.line, "'via' of env item '%s' must be a list of interceptor apps like "
                    "[ratelimit], got %s", item->name, describe(&ev));
    }
    for (;;) {
        err = next(ps, &ev);
        if (err != FTL_OK || ev.type == YAML_EVENT_SEQ_END) {
            return err;
        }
        if (ev.type != YAML_EVENT_SCALAR) {
            return fail(ps, ev.line, "each entry of 'via' must be an app name, got %s",
                        describe(&ev));
        }
        char name[WORD_MAX];
        copy_word(&ev, name);
        err = check_name(ps, ev.line, "app name in 'via'", name);
        if (err != FTL_OK) {
            return err;
        }
        if (item->nvia == SPEC_VIA_MAX) {
            return fail(ps, ev.line, "too many apps in 'via' (at most %d)", SPEC_VIA_MAX);
        }
        for (uint32_t i = 0; i < item->nvia; i++) {
            if (strcmp(item->via[i], name) == 0) {
                return fail(ps, ev.line, "app '%s' is listed twice in 'via'", name);
            }
        }
        memcpy(item->via[item->nvia++], name, strlen(name) + 1);
    }
}

// Reads the one-key mapping of an env item: { string: .. }, { number: .. }, ...
// (a service item may add `optional: true`).
static ftl_err_t parse_env_item(struct parser *ps, struct spec_env_item *item)
{
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev.type != YAML_EVENT_MAP_START) {
        return fail(ps, ev.line, "env item '%s' must be a mapping like { string: \"Hi!\" }, got %s",
                    item->name, describe(&ev));
    }
    char kind[WORD_MAX];
    bool end;
    err = next_key(ps, &ev, kind, &end);
    if (err != FTL_OK) {
        return err;
    }
    if (end) {
        return fail(ps, ev.line, "env item '%s' is empty: give it one of service, string, "
                    "number or device", item->name);
    }
    int k = lookup(kind, env_kinds, COUNT(env_kinds));
    if (k < 0) {
        char h[64];
        hint(h, sizeof(h), kind, env_kinds, COUNT(env_kinds), "service, string, number or device");
        return fail(ps, ev.line, "unknown env kind '%s' for '%s' (%s)", kind, item->name, h);
    }
    item->kind = (enum spec_env_kind)k;
    int kind_line = ev.line;
    err = read_env_value(ps, item, kind);
    if (err != FTL_OK) {
        return err;
    }
    char other[WORD_MAX];
    err = next_key(ps, &ev, other, &end);
    int seen_optional = 0, seen_via = 0;
    while (err == FTL_OK && !end && item->kind == SPEC_ENV_SERVICE &&
           (strcmp(other, "optional") == 0 || strcmp(other, "via") == 0)) {
        int *seen = other[0] == 'o' ? &seen_optional : &seen_via;
        if (*seen) {
            return fail(ps, ev.line, "duplicate key '%s' (first on line %d)", other, *seen);
        }
        *seen = ev.line;
        char what[80];
        snprintf(what, sizeof(what), "'%s' of env item '%s'", other, item->name);
        err = other[0] == 'o' ? read_bool(ps, what, &item->optional) : parse_via(ps, item);
        if (err == FTL_OK) {
            err = next_key(ps, &ev, other, &end);
        }
    }
    if (err == FTL_OK && !end && strcmp(other, kind) == 0) {
        return fail(ps, ev.line, "duplicate key '%s' (first on line %d)", kind, kind_line);
    }
    if (err == FTL_OK && !end) {
        return fail(ps, ev.line, "env item '%s' has two kinds, '%s' and '%s'; give it one",
                    item->name, kind, other);
    }
    return err;
}

static ftl_err_t parse_env(struct parser *ps)
{
    struct spec *s = ps->out;
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK || ev.type == YAML_EVENT_NULL) {
        return err;
    }
    if (ev.type != YAML_EVENT_MAP_START) {
        return fail(ps, ev.line, "'env' must be a mapping of items like 'rounds: { number: 5 }', "
                    "got %s", describe(&ev));
    }
    for (;;) {
        char name[WORD_MAX];
        bool end;
        err = next_key(ps, &ev, name, &end);
        if (err != FTL_OK || end) {
            return err;
        }
        err = check_name(ps, ev.line, "env item name", name);
        if (err != FTL_OK) {
            return err;
        }
        for (size_t i = 0; i < s->nenv; i++) {
            if (strcmp(s->env[i].name, name) == 0) {
                return fail(ps, ev.line, "duplicate env item '%s' (first on line %d)", name,
                            s->env[i].line);
            }
        }
        if (s->nenv == SPEC_ENV_MAX) {
            return fail(ps, ev.line, "too many env items (at most %d)", SPEC_ENV_MAX);
        }
        struct spec_env_item *item = &s->env[s->nenv++];
        memcpy(item->name, name, strlen(name) + 1);
        item->line = ev.line;
        err = parse_env_item(ps, item);
        if (err != FTL_OK) {
            return err;
        }
    }
}

// Reads one export, `- service: echo`, whose mapping started on `line`.
static ftl_err_t parse_export(struct parser *ps, int line)
{
    struct spec *s = ps->out;
    struct yaml_event ev;
    char key[WORD_MAX];
    bool end;
    ftl_err_t err = next_key(ps, &ev, key, &end);
    if (err != FTL_OK) {
        return err;
    }
    if (end) {
        return fail(ps, line, "empty export: write '- service: <name>'");
    }
    if (strcmp(key, "service") != 0) {
        return fail(ps, ev.line, "unknown key '%s' in an export (expected 'service')", key);
    }
    int key_line = ev.line;
    char name[SPEC_NAME_MAX];
    int name_line;
    err = read_name(ps, "service name", name, &name_line);
    if (err != FTL_OK) {
        return err;
    }
    for (size_t i = 0; i < s->nexports; i++) {
        if (strcmp(s->exports[i].service, name) == 0) {
            return fail(ps, key_line, "service '%s' is exported twice (first on line %d)", name,
                        s->exports[i].line);
        }
    }
    if (s->nexports == SPEC_EXPORTS_MAX) {
        return fail(ps, key_line, "too many exports (at most %d)", SPEC_EXPORTS_MAX);
    }
    struct spec_export *e = &s->exports[s->nexports++];
    memcpy(e->service, name, sizeof(name));
    e->line = key_line;
    err = next_key(ps, &ev, key, &end);
    if (err == FTL_OK && !end && strcmp(key, "service") == 0) {
        return fail(ps, ev.line, "duplicate key 'service' (first on line %d); start each export "
                    "with '- '", key_line);
    }
    if (err == FTL_OK && !end) {
        return fail(ps, ev.line, "an export has the one key 'service', not '%s' too", key);
    }
    return err;
}

static ftl_err_t parse_exports(struct parser *ps)
{
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK || ev.type == YAML_EVENT_NULL) {
        return err;
    }
    if (ev.type != YAML_EVENT_SEQ_START) {
        return fail(ps, ev.line, "'exports' must be a sequence like '- service: echo', got %s",
                    describe(&ev));
    }
    for (;;) {
        err = next(ps, &ev);
        if (err != FTL_OK || ev.type == YAML_EVENT_SEQ_END) {
            return err;
        }
        if (ev.type != YAML_EVENT_MAP_START) {
            return fail(ps, ev.line, "each export must be a mapping like '- service: echo', "
                        "got %s", describe(&ev));
        }
        err = parse_export(ps, ev.line);
        if (err != FTL_OK) {
            return err;
        }
    }
}

static ftl_err_t read_isolation(struct parser *ps, enum spec_isolation *out)
{
    struct yaml_event ev;
    ftl_err_t err = expect_scalar(ps, "'isolation'", "one of inkernel, user, wasm, js or vmm",
                                  &ev);
    if (err != FTL_OK) {
        return err;
    }
    char iso[WORD_MAX];
    copy_word(&ev, iso);
    int i = lookup(iso, isolation_names, COUNT(isolation_names));
    if (i < 0) {
        return fail(ps, ev.line, "unknown isolation '%s' (expected inkernel, user, wasm, js or "
                    "vmm)", iso);
    }
    *out = (enum spec_isolation)i;
    return FTL_OK;
}

// restart: never | on-failure | always: what the controller does when the app ends
// (docs/controller.md).
static ftl_err_t read_restart(struct parser *ps, enum spec_restart *out)
{
    struct yaml_event ev;
    ftl_err_t err = expect_scalar(ps, "'restart'", "one of never, on-failure or always", &ev);
    if (err != FTL_OK) {
        return err;
    }
    char word[WORD_MAX];
    copy_word(&ev, word);
    int i = lookup(word, restart_names, COUNT(restart_names));
    if (i < 0) {
        return fail(ps, ev.line, "unknown restart policy '%s' (expected never, on-failure or "
                    "always)", word);
    }
    *out = (enum spec_restart)i;
    return FTL_OK;
}

// limits: { heap_kib: 1024, handles: 64 }: per-app overrides of the defaults.
static ftl_err_t parse_limits(struct parser *ps)
{
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev.type != YAML_EVENT_MAP_START) {
        return fail(ps, ev.line, "limits must be a mapping like { heap_kib: 1024, handles: 64 }, "
                    "got %s", describe(&ev));
    }
    int seen[LIMIT_COUNT] = {0};
    for (;;) {
        char key[WORD_MAX];
        bool end;
        int line;
        err = next_key(ps, &ev, key, &end);
        if (err != FTL_OK || end) {
            return err;
        }
        int k = lookup(key, limit_keys, LIMIT_COUNT);
        if (k < 0) {
            char h[64];
            hint(h, sizeof(h), key, limit_keys, LIMIT_COUNT, "heap_kib, handles, kmem_kib or cpu_ms");
            return fail(ps, ev.line, "unknown limit '%s' (%s)", key, h);
        }
        if (seen[k]) {
            return fail(ps, ev.line, "duplicate key '%s' (first on line %d)", key, seen[k]);
        }
        seen[k] = ev.line;
        int64_t *values[LIMIT_COUNT] = {&ps->out->heap_kib, &ps->out->handles,
                                        &ps->out->kmem_kib, &ps->out->cpu_ms};
        static const int64_t maxes[LIMIT_COUNT] = {SPEC_HEAP_KIB_MAX, SPEC_HANDLES_MAX,
                                                   SPEC_KMEM_KIB_MAX, SPEC_CPU_MS_MAX};
        int64_t *value = values[k];
        int64_t max = maxes[k];
        char what[40];
        snprintf(what, sizeof(what), "limit '%s'", key);
        err = read_number(ps, what, value, &line);
        if (err != FTL_OK) {
            return err;
        }
        if (*value < 1 || *value > max) {
            return fail(ps, line, "limit '%s' must be between 1 and %lld", key, (long long)max);
        }
    }
}

// Reads `true` or `false` into *out.
static ftl_err_t read_bool(struct parser *ps, const char *what, bool *out)
{
    struct yaml_event ev;
    ftl_err_t err = expect_scalar(ps, what, "true or false", &ev);
    if (err != FTL_OK) {
        return err;
    }
    char word[WORD_MAX];
    copy_word(&ev, word);
    if (ev.style == YAML_PLAIN && (strcmp(word, "true") == 0 || strcmp(word, "false") == 0)) {
        *out = word[0] == 't';
        return FTL_OK;
    }
    return fail(ps, ev.line, "%s must be true or false, got %s'%s'", what,
                ev.style == YAML_PLAIN ? "" : "the quoted string ", word);
}

// spawn: [test_exit, hello]: the apps this one may start. Names need not be in the
// image (spawning one that is not returns FTL_ERR_NOT_FOUND).
static ftl_err_t parse_spawn(struct parser *ps)
{
    struct spec_grants *g = &ps->out->grants;
    int lines[SPEC_SPAWN_MAX];
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev.type != YAML_EVENT_SEQ_START) {
        return fail(ps, ev.line, "grant 'spawn' must be a list of app names like [hello, "
                    "test_exit], got %s", describe(&ev));
    }
    for (;;) {
        err = next(ps, &ev);
        if (err != FTL_OK || ev.type == YAML_EVENT_SEQ_END) {
            return err;
        }
        if (ev.type != YAML_EVENT_SCALAR) {
            return fail(ps, ev.line, "each entry of grant 'spawn' must be an app name, got %s",
                        describe(&ev));
        }
        char name[WORD_MAX];
        copy_word(&ev, name);
        err = check_name(ps, ev.line, "app name in grant 'spawn'", name);
        if (err != FTL_OK) {
            return err;
        }
        for (uint32_t i = 0; i < g->nspawn; i++) {
            if (strcmp(g->spawn[i], name) == 0) {
                return fail(ps, ev.line, "app '%s' is listed twice in grant 'spawn' (first on "
                            "line %d)", name, lines[i]);
            }
        }
        if (g->nspawn == SPEC_SPAWN_MAX) {
            return fail(ps, ev.line, "too many apps in grant 'spawn' (at most %d)",
                        SPEC_SPAWN_MAX);
        }
        lines[g->nspawn] = ev.line;
        memcpy(g->spawn[g->nspawn++], name, strlen(name) + 1);
        g->bits |= SPEC_GRANT_SPAWN;
    }
}

// grants: { spawn: [hello], log_read: true, ps: true }: what the app may do beyond
// itself. Every grant but spawn is true or false; false is the same as leaving it out.
static ftl_err_t parse_grants(struct parser *ps)
{
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK || ev.type == YAML_EVENT_NULL) {
        return err;
    }
    if (ev.type != YAML_EVENT_MAP_START) {
        return fail(ps, ev.line, "'grants' must be a mapping like { spawn: [hello], ps: true }, "
                    "got %s", describe(&ev));
    }
    int seen[GRANT_COUNT] = {0};
    for (;;) {
        char key[WORD_MAX];
        bool end;
        err = next_key(ps, &ev, key, &end);
        if (err != FTL_OK || end) {
            return err;
        }
        int k = lookup(key, grant_keys, GRANT_COUNT);
        if (k < 0) {
            char h[96];
            hint(h, sizeof(h), key, grant_keys, GRANT_COUNT, GRANT_LIST);
            return fail(ps, ev.line, "unknown grant '%s' (%s)", key, h);
        }
        if (seen[k]) {
            return fail(ps, ev.line, "duplicate grant '%s' (first on line %d)", key, seen[k]);
        }
        seen[k] = ev.line;
        if ((1u << k) == SPEC_GRANT_SPAWN) {
            err = parse_spawn(ps);
        } else {
            char what[40];
            bool on = false;
            snprintf(what, sizeof(what), "grant '%s'", key);
            err = read_bool(ps, what, &on);
            ps->out->grants.bits |= on ? 1u << k : 0;
        }
        if (err != FTL_OK) {
            return err;
        }
    }
}

// A device item reaches hardware: the spec must say so in its grants too.
static ftl_err_t check_device_grant(struct parser *ps)
{
    const struct spec *s = ps->out;
    for (size_t i = 0; i < s->nenv; i++) {
        if (s->env[i].kind == SPEC_ENV_DEVICE && !(s->grants.bits & SPEC_GRANT_DEVICE)) {
            return fail(ps, s->env[i].line, "env item '%s' is a device: the spec needs "
                        "'grants: { device: true }'", s->env[i].name);
        }
    }
    return FTL_OK;
}

// Whether `p` is a plain absolute path: "/" or "/a/b", without empty, "." or ".."
// components.
static bool plain_abs_path(const char *p)
{
    if (p[0] != '/') {
        return false;
    }
    if (p[1] == '\0') {
        return true;
    }
    for (const char *c = p + 1;; c++) {
        const char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
            return false;
        }
        if (!end) {
            return true;
        }
        c = end;
    }
}

// preopens: { "/data": "file:/data", "/tmp": "file:/scratch" }: the directories a wasm
// app sees through WASI, served by the fs service, WASI fds 3.. in this order
// (docs/wasm.md). Checked against the isolation and env in parse_spec.
static ftl_err_t parse_preopens(struct parser *ps)
{
    struct yaml_event ev;
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev.type != YAML_EVENT_MAP_START) {
        return fail(ps, ev.line, "preopens must be a mapping like { \"/data\": \"file:/data\" }, "
                    "got %s", describe(&ev));
    }
    for (;;) {
        err = next(ps, &ev);
        if (err != FTL_OK || ev.type == YAML_EVENT_MAP_END) {
            return err;
        }
        struct spec *s = ps->out;
        if (s->npreopens >= SPEC_PREOPENS_MAX) {
            return fail(ps, ev.line, "too many preopens (at most %d)", SPEC_PREOPENS_MAX);
        }
        struct spec_preopen *p = &s->preopens[s->npreopens];
        p->line = ev.line;
        if (ev.type != YAML_EVENT_SCALAR ||
            yaml_scalar_copy(&ev, p->guest, SPEC_STRING_MAX, NULL) != FTL_OK ||
            !plain_abs_path(p->guest)) {
            return fail(ps, ev.line, "a preopen's directory must be an absolute path like "
                        "\"/data\" (no '.', '..' or empty parts)");
        }
        for (size_t i = 0; i < s->npreopens; i++) {
            if (strcmp(s->preopens[i].guest, p->guest) == 0) {
                return fail(ps, ev.line, "duplicate preopen '%s' (first on line %d)", p->guest,
                            s->preopens[i].line);
            }
        }
        char uri[SPEC_STRING_MAX];
        err = read_string(ps, "a preopen", uri, sizeof(uri));
        if (err != FTL_OK) {
            return err;
        }
        if (strncmp(uri, "file:/", 6) != 0 || strchr(uri, '?') || !plain_abs_path(uri + 5)) {
            return fail(ps, ev.line, "a preopen must name a file: URI like \"file:/data\" "
                        "(without ?flags), got '%s'", uri);
        }
        memcpy(p->path, uri + 5, strlen(uri + 5) + 1);
        s->npreopens++;
    }
}

// A preopen needs a wasm app and its channel to the fs service.
static ftl_err_t check_preopens(struct parser *ps, int line)
{
    if (ps->out->npreopens == 0) {
        return FTL_OK;
    }
    if (ps->out->isolation != SPEC_ISO_WASM) {
        return fail(ps, line, "preopens are for wasm apps (WASI); C apps open file: URIs");
    }
    for (size_t i = 0; i < ps->out->nenv; i++) {
        const struct spec_env_item *it = &ps->out->env[i];
        if (strcmp(it->name, "fs") == 0 && it->kind == SPEC_ENV_SERVICE) {
            return FTL_OK;
        }
    }
    return fail(ps, line, "preopens need an env item 'fs: { service: fs }'");
}

static ftl_err_t parse_top_value(struct parser *ps, enum top_key k)
{
    int line;
    switch (k) {
    case TOP_LIMITS:
        return parse_limits(ps);
    case TOP_GRANTS:
        return parse_grants(ps);
    case TOP_NAME:
        return read_name(ps, "app name", ps->out->name, &line);
    case TOP_ISOLATION:
        return read_isolation(ps, &ps->out->isolation);
    case TOP_ENV:
        return parse_env(ps);
    case TOP_PREOPENS:
        return parse_preopens(ps);
    case TOP_BOOT: {
        bool boot = true;
        ftl_err_t err = read_bool(ps, "'boot'", &boot);
        ps->out->no_boot = err == FTL_OK && !boot;
        return err;
    }
    case TOP_RESTART:
        return read_restart(ps, &ps->out->restart);
    default:
        return parse_exports(ps);
    }
}

static ftl_err_t parse_spec(struct parser *ps)
{
    struct yaml_event ev;
    int first[TOP_COUNT] = {0};  // line of each top-level key, 0 while unseen
    ftl_err_t err = next(ps, &ev);
    if (err != FTL_OK) {
        return err;
    }
    if (ev.type == YAML_EVENT_NULL) {
        return fail(ps, 1, "the file is empty: a spec needs at least 'name' and 'isolation'");
    }
    if (ev.type != YAML_EVENT_MAP_START) {
        return fail(ps, ev.line, "a spec must be a mapping of keys (name, isolation, env, "
                    "exports), got %s", describe(&ev));
    }
    for (;;) {
        char key[WORD_MAX];
        bool end;
        err = next_key(ps, &ev, key, &end);
        if (err != FTL_OK || end) {
            break;
        }
        int k = lookup(key, top_keys, TOP_COUNT);
        if (k < 0) {
            char h[96];
            hint(h, sizeof(h), key, top_keys, TOP_COUNT,
                 "name, isolation, env, exports, limits, grants, preopens, boot or restart");
            return fail(ps, ev.line, "unknown key '%s' (%s)", key, h);
        }
        if (first[k]) {
            return fail(ps, ev.line, "duplicate key '%s' (first on line %d)", key, first[k]);
        }
        first[k] = ev.line;
        err = parse_top_value(ps, (enum top_key)k);
        if (err != FTL_OK) {
            return err;
        }
    }
    if (err == FTL_OK) {
        err = next(ps, &ev);  // reports text after the mapping
    }
    if (err == FTL_OK && !first[TOP_NAME]) {
        return fail(ps, 0, "missing required key 'name'");
    }
    if (err == FTL_OK && !first[TOP_ISOLATION]) {
        return fail(ps, 0, "missing required key 'isolation' (inkernel, user, wasm, js or vmm)");
    }
    if (err == FTL_OK) {
        err = check_device_grant(ps);
    }
    if (err == FTL_OK) {
        err = check_preopens(ps, first[TOP_PREOPENS]);
    }
    return err;
}

// Keeps `file` for messages; a path too long keeps its end, where the app's name is.
static void copy_file_name(char *dst, const char *file)
{
    if (!file) {
        file = "<spec>";
    }
    size_t len = strlen(file);
    if (len < SPEC_FILE_MAX) {
        memcpy(dst, file, len + 1);
        return;
    }
    memcpy(dst, "...", 3);
    memcpy(dst + 3, file + len - (SPEC_FILE_MAX - 4), SPEC_FILE_MAX - 4);
    dst[SPEC_FILE_MAX - 1] = '\0';
}

ftl_err_t spec_parse(const char *file, const char *text, size_t len, struct spec *out,
                     struct spec_error *err)
{
    if (!out || !err || (!text && len > 0)) {
        return FTL_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    copy_file_name(out->file, file);
    copy_file_name(err->file, file);
    struct parser ps = {.out = out, .err = err};
    yaml_init(&ps.yaml, text, len);
    if (parse_spec(&ps) != FTL_OK) {
        memset(out, 0, sizeof(*out));
        copy_file_name(out->file, file);
        return FTL_ERR_PARSE;
    }
    return FTL_OK;
}

bool spec_name_is_valid(const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '_')))) {
            return false;
        }
    }
    return len > 0 && len < SPEC_NAME_MAX;
}

bool spec_grants_spawn(const struct spec_grants *g, const char *name)
{
    uint32_t n = g->nspawn < SPEC_SPAWN_MAX ? g->nspawn : SPEC_SPAWN_MAX;
    for (uint32_t i = 0; i < n; i++) {
        if (strncmp(g->spawn[i], name, SPEC_NAME_MAX) == 0) {
            return true;
        }
    }
    return false;
}

const char *spec_isolation_name(enum spec_isolation iso)
{
    if ((size_t)iso >= COUNT(isolation_names)) {
        return "unknown";
    }
    return isolation_names[iso];
}

// State of one spec_check_system() call.
struct checker {
    const struct spec *specs;
    size_t n;
    bool *ok;
    void (*report)(void *ctx, const struct spec_error *err);
    void *ctx;
    size_t nerrors;
};

static void report(struct checker *c, size_t app, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Reports an error at `line` of app `app`'s spec; that app cannot start.
static void report(struct checker *c, size_t app, int line, const char *fmt, ...)
{
    struct spec_error e;
    memset(&e, 0, sizeof(e));
    memcpy(e.file, c->specs[app].file, sizeof(e.file) - 1);
    e.line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.reason, sizeof(e.reason), fmt, ap);
    va_end(ap);
    c->ok[app] = false;
    c->nerrors++;
    if (c->report) {
        c->report(c->ctx, &e);
    }
}

static size_t nenv_of(const struct spec *s)
{
    return s->nenv < SPEC_ENV_MAX ? s->nenv : SPEC_ENV_MAX;
}

static size_t nexports_of(const struct spec *s)
{
    return s->nexports < SPEC_EXPORTS_MAX ? s->nexports : SPEC_EXPORTS_MAX;
}

// Returns the index of the first app exporting `service`, or -1.
static int find_exporter(const struct checker *c, const char *service)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t e = 0; e < nexports_of(&c->specs[i]); e++) {
            if (strcmp(c->specs[i].exports[e].service, service) == 0) {
                return (int)i;
            }
        }
    }
    return -1;
}

static void check_names(struct checker *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->specs[i].name, c->specs[j].name) == 0) {
                c->ok[j] = false;
                report(c, i, 0, "app name '%s' is also used by %s", c->specs[i].name,
                       c->specs[j].file);
                break;
            }
        }
    }
}

// Reports export `e` of app `i` if an earlier export (in any app) has the same service.
static void check_export(struct checker *c, size_t i, size_t e)
{
    const char *service = c->specs[i].exports[e].service;
    for (size_t j = 0; j <= i; j++) {
        const struct spec *other = &c->specs[j];
        size_t end = j == i ? e : nexports_of(other);
        for (size_t f = 0; f < end; f++) {
            if (strcmp(other->exports[f].service, service) == 0) {
                c->ok[j] = false;
                report(c, i, c->specs[i].exports[e].line,
                       "service '%s' is also exported by app '%s' (%s:%d)", service, other->name,
                       other->file, other->exports[f].line);
                return;
            }
        }
    }
}

static int find_app_index(const struct checker *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->specs[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void check_services(struct checker *c)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct spec *s = &c->specs[i];
        for (size_t e = 0; e < nexports_of(s); e++) {
            check_export(c, i, e);
        }
        for (size_t k = 0; k < nenv_of(s); k++) {
            const struct spec_env_item *item = &s->env[k];
            if (item->kind == SPEC_ENV_SERVICE && !item->optional &&
                find_exporter(c, item->str) < 0) {
                report(c, i, item->line, "app '%s' needs service '%s', which no app exports",
                       s->name, item->str);
            }
            for (uint32_t v = 0; item->kind == SPEC_ENV_SERVICE && v < item->nvia; v++) {
                if (find_app_index(c, item->via[v]) < 0) {
                    report(c, i, item->line, "interceptor '%s' of env item '%s' is not an app",
                           item->via[v], item->name);
                }
            }
        }
    }
}

// Returns the app that exports the next service app `v` needs, starting at env item
// `*next_env`, and moves `*next_env` past that item; -1 when there is none left.
static int next_dependency(const struct checker *c, size_t v, uint8_t *next_env)
{
    const struct spec *s = &c->specs[v];
    while (*next_env < nenv_of(s)) {
        const struct spec_env_item *item = &s->env[(*next_env)++];
        int u = item->kind == SPEC_ENV_SERVICE ? find_exporter(c, item->str) : -1;
        if (u >= 0) {
            return u;
        }
    }
    return -1;
}

#define DFS_WHITE 0     // not visited
#define DFS_GRAY 1      // on the DFS stack
#define DFS_BLACK 2     // done, with all it depends on
#define DFS_IN_CYCLE 4  // flag: already named in a reported cycle

static void append(char *buf, size_t size, size_t *off, const char *s)
{
    while (*s && *off + 1 < size) {
        buf[(*off)++] = *s++;
    }
    buf[*off] = '\0';
}

// The DFS met app `u` on its stack: stack[first..depth) is a cycle. Reports it once,
// at the env item by which `u` starts it.
static void report_cycle(struct checker *c, const uint16_t *stack, size_t depth, size_t u,
                         uint8_t *color, const uint8_t *next_env)
{
    size_t first = depth - 1;
    while (stack[first] != u) {
        first--;
    }
    bool known = true;
    for (size_t i = first; i < depth; i++) {
        known = known && (color[stack[i]] & DFS_IN_CYCLE);
        color[stack[i]] |= DFS_IN_CYCLE;
        c->ok[stack[i]] = false;
    }
    if (known) {
        return;
    }
    const struct spec *s = &c->specs[u];
    const struct spec_env_item *item = &s->env[next_env[u] - 1];
    if (first == depth - 1) {
        report(c, u, item->line, "app '%s' needs service '%s', which it exports itself",
               s->name, item->str);
        return;
    }
    char path[SPEC_STRING_MAX];
    size_t off = 0;
    path[0] = '\0';
    for (size_t i = first; i < depth; i++) {
        append(path, sizeof(path), &off, c->specs[stack[i]].name);
        append(path, sizeof(path), &off, " -> ");
    }
    append(path, sizeof(path), &off, s->name);
    report(c, u, item->line, "dependency cycle: %s", path);
}

// Depth-first search over "needs a service of" edges: reports cycles, and as each app
// is finished (all it depends on finished first) marks it if a dependency cannot start.
static void check_cycles(struct checker *c)
{
    uint8_t color[SPEC_SYSTEM_MAX] = {0};
    uint8_t next_env[SPEC_SYSTEM_MAX] = {0};
    uint16_t stack[SPEC_SYSTEM_MAX];
    for (size_t root = 0; root < c->n; root++) {
        if (color[root] != DFS_WHITE) {
            continue;
        }
        size_t depth = 0;
        stack[depth++] = (uint16_t)root;
        color[root] = DFS_GRAY;
        while (depth > 0) {
            size_t v = stack[depth - 1];
            int u = next_dependency(c, v, &next_env[v]);
            if (u < 0) {
                color[v] = (color[v] & DFS_IN_CYCLE) | DFS_BLACK;
                depth--;
                if (depth > 0 && !c->ok[v]) {
                    c->ok[stack[depth - 1]] = false;
                }
            } else if ((color[u] & 3) == DFS_WHITE) {
                color[u] = DFS_GRAY;
                stack[depth++] = (uint16_t)u;
            } else if ((color[u] & 3) == DFS_GRAY) {
                report_cycle(c, stack, depth, (size_t)u, color, next_env);
            } else if (!c->ok[u]) {
                c->ok[v] = false;
            }
        }
    }
}

ftl_err_t spec_check_system(const struct spec *specs, size_t n, bool *out_ok,
                            void (*report_fn)(void *ctx, const struct spec_error *err), void *ctx)
{
    if (n > 0 && (!specs || !out_ok)) {
        return FTL_ERR_INVALID_ARG;
    }
    struct checker c = {.specs = specs, .n = n, .ok = out_ok, .report = report_fn, .ctx = ctx};
    for (size_t i = 0; i < n; i++) {
        out_ok[i] = true;
    }
    if (n > SPEC_SYSTEM_MAX) {
        for (size_t i = 0; i < n; i++) {
            out_ok[i] = false;
        }
        report(&c, SPEC_SYSTEM_MAX, 0, "too many apps (at most %d)", SPEC_SYSTEM_MAX);
        return FTL_ERR_PARSE;
    }
    check_names(&c);
    check_services(&c);
    check_cycles(&c);
    return c.nerrors > 0 ? FTL_ERR_PARSE : FTL_OK;
}
