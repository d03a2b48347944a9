// The HTTP/1.1 response writer: status line, headers and body into a caller buffer, with
// every header checked so a value can never smuggle in another header line.
#include "ftl/http.h"

#include <string.h>

struct status_text {
    uint16_t status;
    const char *text;
};

static const struct status_text STATUS_TEXTS[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {411, "Length Required"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {417, "Expectation Failed"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

const char *ftl_http_status_text(uint16_t status)
{
    for (size_t i = 0; i < sizeof(STATUS_TEXTS) / sizeof(STATUS_TEXTS[0]); i++) {
        if (STATUS_TEXTS[i].status == status) {
            return STATUS_TEXTS[i].text;
        }
    }
    return "Unknown";
}

void ftl_http_writer_init(struct ftl_http_writer *w, char *buf, size_t size)
{
    w->buf = buf;
    w->size = buf ? size : 0;
    w->len = 0;
    w->err = FTL_OK;
}

static void put(struct ftl_http_writer *w, const void *data, size_t len)
{
    if (w->err != FTL_OK) {
        return;
    }
    if (len > w->size - w->len) {
        w->err = FTL_ERR_BUFFER_TOO_SMALL;
        return;
    }
    if (len > 0) {
        memcpy(w->buf + w->len, data, len);
    }
    w->len += len;
}

static void put_str(struct ftl_http_writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_decimal(struct ftl_http_writer *w, uint64_t v)
{
    char digits[20];
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    put(w, digits + n, sizeof(digits) - n);
}

static bool is_token(const char *s)
{
    if (!s || !*s) {
        return false;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !strchr("!#$%&'*+-.^_`|~", c)) {
            return false;
        }
    }
    return true;
}

static bool is_field_value(const char *s)
{
    if (!s) {
        return false;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

void ftl_http_writer_status(struct ftl_http_writer *w, uint16_t status)
{
    if (status < 100 || status > 599) {
        if (w->err == FTL_OK) {
            w->err = FTL_ERR_INVALID_ARG;
        }
        return;
    }
    put_str(w, "HTTP/1.1 ");
    put_decimal(w, status);
    put_str(w, " ");
    put_str(w, ftl_http_status_text(status));
    put_str(w, "\r\n");
}

void ftl_http_writer_header(struct ftl_http_writer *w, const char *name, const char *value)
{
    if (!is_token(name) || !is_field_value(value)) {
        if (w->err == FTL_OK) {
            w->err = FTL_ERR_INVALID_ARG;
        }
        return;
    }
    put_str(w, name);
    put_str(w, ": ");
    put_str(w, value);
    put_str(w, "\r\n");
}

void ftl_http_writer_end_head(struct ftl_http_writer *w, size_t content_length, bool keep_alive)
{
    put_str(w, "Content-Length: ");
    put_decimal(w, content_length);
    put_str(w, keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
}

void ftl_http_writer_body(struct ftl_http_writer *w, const void *data, size_t len)
{
    if (!data && len > 0) {
        if (w->err == FTL_OK) {
            w->err = FTL_ERR_INVALID_ARG;
        }
        return;
    }
    put(w, data, len);
}

ftl_err_t ftl_http_writer_finish(const struct ftl_http_writer *w, size_t *out_len)
{
    if (w->err != FTL_OK) {
        return w->err;
    }
    if (out_len) {
        *out_len = w->len;
    }
    return FTL_OK;
}
