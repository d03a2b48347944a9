// Recursive-descent JSON parser for wast2json output (host-only test code; the
// nesting depth is bounded).
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

struct parser {
    const char *p;
    const char *end;
};

static struct json *parse_value(struct parser *ps, int depth);

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) {
        ps->p++;
    }
}

static struct json *new_node(enum json_type t)
{
    struct json *j = calloc(1, sizeof(*j));
    if (j) {
        j->type = t;
    }
    return j;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static int read_hex4(struct parser *ps, uint32_t *out)
{
    if (ps->end - ps->p < 4) {
        return 0;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *ps->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (uint32_t)(c - 'A' + 10);
        } else {
            return 0;
        }
    }
    *out = v;
    return 1;
}

static int parse_escape(struct parser *ps, char *out, size_t *n)
{
    char c = *ps->p++;
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *k = strchr(from, c);
    if (c && k) {
        out[(*n)++] = to[k - from];
        return 1;
    }
    if (c != 'u') {
        return 0;
    }
    uint32_t cp;
    if (!read_hex4(ps, &cp)) {
        return 0;
    }
    if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
        uint32_t lo;
        ps->p += 2;
        if (!read_hex4(ps, &lo)) {
            return 0;
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    *n += put_utf8(out + *n, cp);
    return 1;
}

static struct json *parse_string(struct parser *ps)
{
    ps->p++; // opening quote
    const char *start = ps->p;
    while (ps->p < ps->end && *ps->p != '"') {
        ps->p += *ps->p == '\\' ? 2 : 1;
    }
    if (ps->p >= ps->end) {
        return NULL;
    }
    size_t cap = (size_t)(ps->p - start) + 1;
    struct json *j = new_node(JSON_STR);
    char *s = malloc(cap);
    if (!j || !s) {
        free(j);
        free(s);
        return NULL;
    }
    const char *stop = ps->p;
    ps->p = start;
    size_t n = 0;
    while (ps->p < stop) {
        if (*ps->p == '\\') {
            ps->p++;
            if (!parse_escape(ps, s, &n)) {
                free(s);
                free(j);
                return NULL;
            }
        } else {
            s[n++] = *ps->p++;
        }
    }
    s[n] = 0;
    ps->p = stop + 1;
    j->str = s;
    j->len = n;
    return j;
}

static int append(struct json *j, struct json *item, char *key)
{
    struct json **items = realloc(j->items, (j->n + 1) * sizeof(*items));
    if (!items) {
        return 0;
    }
    j->items = items;
    if (j->type == JSON_OBJ) {
        char **keys = realloc(j->keys, (j->n + 1) * sizeof(*keys));
        if (!keys) {
            return 0;
        }
        j->keys = keys;
        j->keys[j->n] = key;
    }
    j->items[j->n++] = item;
    return 1;
}

static struct json *parse_container(struct parser *ps, int depth, enum json_type t)
{
    char close = t == JSON_OBJ ? '}' : ']';
    struct json *j = new_node(t);
    if (!j) {
        return NULL;
    }
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (t == JSON_OBJ) {
            struct json *k = ps->p < ps->end && *ps->p == '"' ? parse_string(ps) : NULL;
            skip_ws(ps);
            if (!k || ps->p >= ps->end || *ps->p != ':') {
                json_free(k);
                goto fail;
            }
            ps->p++;
            key = k->str;
            free(k);
        }
        struct json *v = parse_value(ps, depth + 1);
        if (!v || !append(j, v, key)) {
            free(key);
            json_free(v);
            goto fail;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return j;
        }
        goto fail;
    }
fail:
    json_free(j);
    return NULL;
}

static struct json *parse_literal(struct parser *ps)
{
    static const struct {
        const char *text;
        enum json_type type;
        double num;
    } lits[] = {{"null", JSON_NULL, 0}, {"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(lits[i].text);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lits[i].text, n) == 0) {
            ps->p += n;
            struct json *j = new_node(lits[i].type);
            if (j) {
                j->num = lits[i].num;
            }
            return j;
        }
    }
    char *endp;
    char buf[64];
    size_t n = (size_t)(ps->end - ps->p) < sizeof(buf) - 1 ? (size_t)(ps->end - ps->p) : sizeof(buf) - 1;
    memcpy(buf, ps->p, n);
    buf[n] = 0;
    double v = strtod(buf, &endp);
    if (endp == buf) {
        return NULL;
    }
    ps->p += endp - buf;
    struct json *j = new_node(JSON_NUM);
    if (j) {
        j->num = v;
    }
    return j;
}

static struct json *parse_value(struct parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end || depth > JSON_MAX_DEPTH) {
        return NULL;
    }
    switch (*ps->p) {
    case '"':
        return parse_string(ps);
    case '{':
        return parse_container(ps, depth, JSON_OBJ);
    case '[':
        return parse_container(ps, depth, JSON_ARR);
    default:
        return parse_literal(ps);
    }
}

struct json *json_parse(const char *text, size_t len)
{
    struct parser ps = {text, text + len};
    struct json *j = parse_value(&ps, 0);
    skip_ws(&ps);
    if (j && ps.p != ps.end) {
        json_free(j);
        return NULL;
    }
    return j;
}

void json_free(struct json *j)
{
    if (!j) {
        return;
    }
    for (size_t i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys) {
            free(j->keys[i]);
        }
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    free(j);
}

const struct json *json_get(const struct json *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJ) {
        return NULL;
    }
    for (size_t i = 0; i < obj->n; i++) {
        if (strcmp(obj->keys[i], key) == 0) {
            return obj->items[i];
        }
    }
    return NULL;
}

const char *json_str(const struct json *obj, const char *key)
{
    const struct json *v = json_get(obj, key);
    return v && v->type == JSON_STR ? v->str : NULL;
}
