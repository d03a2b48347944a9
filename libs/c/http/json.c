// The JSON writer: tracks nesting to place commas and colons, and escapes strings so any
// bytes (invalid UTF-8, control characters, HTML or JS specials) give valid, safe JSON.
#include "ftl/json.h"

#include <string.h>

static void set_err(struct ftl_json *j, ftl_err_t err)
{
    if (j->err == FTL_OK) {
        j->err = err;
    }
}

static void put(struct ftl_json *j, const char *s, size_t len)
{
    if (j->err != FTL_OK) {
        return;
    }
    if (len > j->size - j->len) {
        set_err(j, FTL_ERR_BUFFER_TOO_SMALL);
        return;
    }
    memcpy(j->buf + j->len, s, len);
    j->len += len;
}

static void put_char(struct ftl_json *j, char c)
{
    put(j, &c, 1);
}

void ftl_json_init(struct ftl_json *j, char *buf, size_t size)
{
    memset(j, 0, sizeof(*j));
    j->buf = buf;
    j->size = buf ? size : 0;
}

// Places the separator a new value needs; false (with the error set) if no value may come.
static bool begin_value(struct ftl_json *j)
{
    if (j->err != FTL_OK) {
        return false;
    }
    if (j->depth == 0) {
        if (j->done) {
            set_err(j, FTL_ERR_INVALID_ARG); // one top-level value only
            return false;
        }
        return true;
    }
    size_t top = j->depth - 1;
    if (j->in_object[top]) {
        if (!j->after_key) {
            set_err(j, FTL_ERR_INVALID_ARG); // an object member needs its key first
            return false;
        }
        j->after_key = false;
        return true;
    }
    if (j->has_items[top]) {
        put_char(j, ',');
    }
    j->has_items[top] = true;
    return true;
}

static void end_value(struct ftl_json *j)
{
    if (j->depth == 0) {
        j->done = true;
    }
}

static void open_container(struct ftl_json *j, bool object)
{
    if (!begin_value(j)) {
        return;
    }
    if (j->depth == FTL_JSON_MAX_DEPTH) {
        set_err(j, FTL_ERR_TOO_LARGE);
        return;
    }
    j->in_object[j->depth] = object;
    j->has_items[j->depth] = false;
    j->depth++;
    put_char(j, object ? '{' : '[');
}

static void close_container(struct ftl_json *j, bool object)
{
    if (j->err != FTL_OK) {
        return;
    }
    if (j->depth == 0 || j->in_object[j->depth - 1] != object || j->after_key) {
        set_err(j, FTL_ERR_INVALID_ARG);
        return;
    }
    j->depth--;
    put_char(j, object ? '}' : ']');
    end_value(j);
}

void ftl_json_object_begin(struct ftl_json *j)
{
    open_container(j, true);
}

void ftl_json_object_end(struct ftl_json *j)
{
    close_container(j, true);
}

void ftl_json_array_begin(struct ftl_json *j)
{
    open_container(j, false);
}

void ftl_json_array_end(struct ftl_json *j)
{
    close_container(j, false);
}

static void put_unicode_escape(struct ftl_json *j, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\',        'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                 hex[cp & 15]};
    put(j, e, sizeof(e));
}

// Length of the valid UTF-8 sequence of 2-4 bytes at s[0..len), or 0 (RFC 3629 table:
// no overlong forms, no surrogates, nothing above U+10FFFF).
static size_t utf8_sequence_len(const uint8_t *s, size_t len)
{
    uint8_t c = s[0];
    size_t n;
    uint8_t lo = 0x80;
    uint8_t hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}

// Writes one ASCII byte of a string, escaped when JSON or safe embedding needs it.
static void put_ascii(struct ftl_json *j, uint8_t c)
{
    switch (c) {
    case '"':
        put(j, "\\\"", 2);
        return;
    case '\\':
        put(j, "\\\\", 2);
        return;
    case '\n':
        put(j, "\\n", 2);
        return;
    case '\r':
        put(j, "\\r", 2);
        return;
    case '\t':
        put(j, "\\t", 2);
        return;
    case '\b':
        put(j, "\\b", 2);
        return;
    case '\f':
        put(j, "\\f", 2);
        return;
    case '<':
    case '>':
    case '&':
        put_unicode_escape(j, c);
        return;
    default:
        if (c < 0x20 || c == 0x7f) {
            put_unicode_escape(j, c);
        } else {
            put_char(j, (char)c);
        }
    }
}

static void put_string(struct ftl_json *j, const char *str, size_t len)
{
    const uint8_t *s = (const uint8_t *)str;
    put_char(j, '"');
    size_t i = 0;
    while (i < len && j->err == FTL_OK) {
        if (s[i] < 0x80) {
            put_ascii(j, s[i++]);
            continue;
        }
        size_t n = utf8_sequence_len(s + i, len - i);
        if (n == 0) {
            put_unicode_escape(j, 0xfffd);
            i++;
        } else if (n == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] & 0xfe) == 0xa8) {
            put_unicode_escape(j, 0x2028u | (s[i + 2] & 1)); // JS line/paragraph separators
            i += n;
        } else {
            put(j, (const char *)s + i, n);
            i += n;
        }
    }
    put_char(j, '"');
}

void ftl_json_key(struct ftl_json *j, const char *key)
{
    if (j->err != FTL_OK) {
        return;
    }
    if (!key || j->depth == 0 || !j->in_object[j->depth - 1] || j->after_key) {
        set_err(j, FTL_ERR_INVALID_ARG);
        return;
    }
    size_t top = j->depth - 1;
    if (j->has_items[top]) {
        put_char(j, ',');
    }
    j->has_items[top] = true;
    put_string(j, key, strlen(key));
    put_char(j, ':');
    j->after_key = true;
}

void ftl_json_string_n(struct ftl_json *j, const char *s, size_t len)
{
    if (!s && len > 0) {
        set_err(j, FTL_ERR_INVALID_ARG);
        return;
    }
    if (begin_value(j)) {
        put_string(j, s, len);
        end_value(j);
    }
}

void ftl_json_string(struct ftl_json *j, const char *s)
{
    if (!s) {
        set_err(j, FTL_ERR_INVALID_ARG);
        return;
    }
    ftl_json_string_n(j, s, strlen(s));
}

static void put_u64(struct ftl_json *j, uint64_t v)
{
    char digits[20];
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    put(j, digits + n, sizeof(digits) - n);
}

void ftl_json_uint(struct ftl_json *j, uint64_t v)
{
    if (begin_value(j)) {
        put_u64(j, v);
        end_value(j);
    }
}

void ftl_json_int(struct ftl_json *j, int64_t v)
{
    if (begin_value(j)) {
        if (v < 0) {
            put_char(j, '-');
        }
        // -(v + 1) + 1 is the magnitude without overflowing on INT64_MIN.
        put_u64(j, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v);
        end_value(j);
    }
}

void ftl_json_bool(struct ftl_json *j, bool v)
{
    if (begin_value(j)) {
        put(j, v ? "true" : "false", v ? 4 : 5);
        end_value(j);
    }
}

void ftl_json_null(struct ftl_json *j)
{
    if (begin_value(j)) {
        put(j, "null", 4);
        end_value(j);
    }
}

ftl_err_t ftl_json_finish(struct ftl_json *j, size_t *out_len)
{
    if (j->err != FTL_OK) {
        return j->err;
    }
    if (j->depth != 0 || !j->done) {
        return FTL_ERR_INVALID_ARG;
    }
    if (j->len < j->size) {
        j->buf[j->len] = '\0';
    }
    if (out_len) {
        *out_len = j->len;
    }
    return FTL_OK;
}
