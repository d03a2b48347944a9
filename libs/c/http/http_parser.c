// The HTTP/1.1 request parser: a byte-at-a-time state machine (RFC 9112) that copies the
// request line and headers into the caller's buffer, then the body by Content-Length.
// Every byte is checked as it arrives, so garbage is refused at its first bad byte.
#include "ftl/http.h"

#include <string.h>

enum {
    STATUS_BAD_REQUEST = 400,
    STATUS_CONTENT_TOO_LARGE = 413,
    STATUS_URI_TOO_LONG = 414,
    STATUS_HEADERS_TOO_LARGE = 431,
    STATUS_NOT_IMPLEMENTED = 501,
    STATUS_VERSION = 505,
};

static const char VERSION_PREFIX[] = "HTTP/";

// tchar of RFC 9110 section 5.6.2: the characters of methods and header names.
static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_vchar(uint8_t c)
{
    return c >= 0x21 && c <= 0x7e;
}

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

// field-vchar / SP / HTAB, with obs-text (0x80-0xff) allowed as RFC 9110 5.5 permits.
static bool is_field_char(uint8_t c)
{
    return is_vchar(c) || c >= 0x80 || is_ows(c);
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

static bool equals_nocase(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (len != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower((uint8_t)s[i]) != lower((uint8_t)lit[i])) {
            return false;
        }
    }
    return true;
}

static ftl_err_t fail(struct ftl_http_parser *p, uint16_t status, const char *reason)
{
    p->state = FTL_HTTP_S_ERROR;
    p->status = status;
    p->reason = reason;
    return FTL_ERR_PARSE;
}

// Stores one byte of the request. The limits size the buffer so this always fits; the
// check keeps a bug elsewhere from ever writing past it.
static ftl_err_t put(struct ftl_http_parser *p, uint8_t c)
{
    if (p->buf_used >= p->buf_size) {
        return fail(p, STATUS_HEADERS_TOO_LARGE, "request does not fit the parser's buffer");
    }
    p->buf[p->buf_used++] = (char)c;
    return FTL_OK;
}

static void reset(struct ftl_http_parser *p)
{
    p->buf_used = 0;
    p->state = FTL_HTTP_S_START;
    memset(&p->req, 0, sizeof(p->req));
    p->req.headers = p->headers;
    p->empty_lines = 0;
    p->version_pos = 0;
    p->header_bytes = 0;
    p->value_trimmed_len = 0;
    p->body_expected = 0;
    p->host_count = 0;
    p->have_content_length = false;
    p->chunked = false;
    p->conn_close = false;
    p->conn_keep_alive = false;
    p->status = 0;
    p->reason = NULL;
}

size_t ftl_http_parser_buf_size(const struct ftl_http_limits *limits)
{
    size_t parts[] = {FTL_HTTP_METHOD_MAX, limits->max_target_len, limits->max_header_bytes,
                      limits->max_body_len};
    size_t sum = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (parts[i] > SIZE_MAX - sum) {
            return SIZE_MAX;
        }
        sum += parts[i];
    }
    return sum;
}

ftl_err_t ftl_http_parser_init(struct ftl_http_parser *p, const struct ftl_http_limits *limits,
                               char *buf, size_t buf_size, struct ftl_http_header *headers)
{
    if (!p || !limits || !buf || !headers) {
        return FTL_ERR_INVALID_ARG;
    }
    if (limits->max_target_len == 0 || limits->max_header_bytes == 0 || limits->max_headers == 0) {
        return FTL_ERR_INVALID_ARG;
    }
    size_t need = ftl_http_parser_buf_size(limits);
    if (need == SIZE_MAX || buf_size < need) {
        return FTL_ERR_INVALID_ARG;
    }
    memset(p, 0, sizeof(*p));
    p->limits = *limits;
    p->buf = buf;
    p->buf_size = buf_size;
    p->headers = headers;
    reset(p);
    return FTL_OK;
}

void ftl_http_parser_next(struct ftl_http_parser *p)
{
    if (p->state != FTL_HTTP_S_ERROR) {
        reset(p);
    }
}

const struct ftl_http_request *ftl_http_parser_request(const struct ftl_http_parser *p)
{
    return p->state == FTL_HTTP_S_DONE ? &p->req : NULL;
}

uint16_t ftl_http_parser_status(const struct ftl_http_parser *p)
{
    return p->state == FTL_HTTP_S_ERROR ? p->status : 0;
}

const char *ftl_http_parser_reason(const struct ftl_http_parser *p)
{
    return p->state == FTL_HTTP_S_ERROR ? p->reason : NULL;
}

// ---- the request line ----

static ftl_err_t on_start(struct ftl_http_parser *p, uint8_t c)
{
    if (c == '\r') {
        p->state = FTL_HTTP_S_START_LF;
        return FTL_OK;
    }
    if (!is_tchar(c)) {
        return fail(p, STATUS_BAD_REQUEST, "request line does not start with a method");
    }
    p->req.method = p->buf + p->buf_used;
    p->req.method_len = 1;
    p->state = FTL_HTTP_S_METHOD;
    return put(p, c);
}

static ftl_err_t on_start_lf(struct ftl_http_parser *p, uint8_t c)
{
    if (c != '\n') {
        return fail(p, STATUS_BAD_REQUEST, "CR not followed by LF");
    }
    if (++p->empty_lines > FTL_HTTP_EMPTY_LINES_MAX) {
        return fail(p, STATUS_BAD_REQUEST, "too many empty lines before the request line");
    }
    p->state = FTL_HTTP_S_START;
    return FTL_OK;
}

static ftl_err_t on_method(struct ftl_http_parser *p, uint8_t c)
{
    if (c == ' ') {
        p->req.target = p->buf + p->buf_used;
        p->state = FTL_HTTP_S_TARGET;
        return FTL_OK;
    }
    if (!is_tchar(c)) {
        return fail(p, STATUS_BAD_REQUEST, "bad character in the method");
    }
    if (p->req.method_len == FTL_HTTP_METHOD_MAX) {
        return fail(p, STATUS_NOT_IMPLEMENTED, "method longer than any implemented");
    }
    p->req.method_len++;
    return put(p, c);
}

static ftl_err_t on_target(struct ftl_http_parser *p, uint8_t c)
{
    if (c == ' ') {
        if (p->req.target_len == 0) {
            return fail(p, STATUS_BAD_REQUEST, "empty request target");
        }
        p->version_pos = 0;
        p->state = FTL_HTTP_S_VERSION;
        return FTL_OK;
    }
    if (c == '\r' || c == '\n') {
        return fail(p, STATUS_BAD_REQUEST, "request line has no HTTP version");
    }
    if (!is_vchar(c)) {
        return fail(p, STATUS_BAD_REQUEST, "bad character in the request target");
    }
    if (p->req.target_len == p->limits.max_target_len) {
        return fail(p, STATUS_URI_TOO_LONG, "request target too long");
    }
    p->req.target_len++;
    return put(p, c);
}

// "HTTP/" DIGIT "." DIGIT CR, checked one byte at a time against its position.
static ftl_err_t on_version(struct ftl_http_parser *p, uint8_t c)
{
    size_t pos = p->version_pos++;
    bool ok;
    if (pos < 5) {
        ok = c == (uint8_t)VERSION_PREFIX[pos];
    } else if (pos == 5 || pos == 7) {
        ok = c >= '0' && c <= '9';
        if (ok && pos == 5) {
            p->req.version_minor = (uint8_t)(c - '0'); // the major, until the minor comes
        } else if (ok) {
            if (p->req.version_minor != 1) {
                return fail(p, STATUS_VERSION, "HTTP version other than 1.x");
            }
            p->req.version_minor = c >= '1' ? 1 : 0;
        }
    } else if (pos == 6) {
        ok = c == '.';
    } else {
        ok = c == '\r';
        p->state = FTL_HTTP_S_LINE_LF;
    }
    if (!ok) {
        return fail(p, STATUS_BAD_REQUEST, "bad HTTP version");
    }
    return FTL_OK;
}

static ftl_err_t on_line_lf(struct ftl_http_parser *p, uint8_t c)
{
    if (c != '\n') {
        return fail(p, STATUS_BAD_REQUEST, "request line ends in CR without LF");
    }
    p->state = FTL_HTTP_S_HEADER_START;
    return FTL_OK;
}

// ---- header fields ----

// Reads a Content-Length value: digits only, at most max_body_len.
static ftl_err_t on_content_length(struct ftl_http_parser *p, const struct ftl_http_header *h)
{
    if (h->value_len == 0) {
        return fail(p, STATUS_BAD_REQUEST, "empty Content-Length");
    }
    size_t v = 0;
    bool too_large = false;
    for (size_t i = 0; i < h->value_len; i++) {
        uint8_t c = (uint8_t)h->value[i];
        if (c < '0' || c > '9') {
            return fail(p, STATUS_BAD_REQUEST, "Content-Length is not a decimal number");
        }
        size_t digit = (size_t)(c - '0');
        size_t max = p->limits.max_body_len;
        if (too_large || digit > max || v > (max - digit) / 10) {
            too_large = true; // saturate: the digits are still checked above
        } else {
            v = v * 10 + digit;
        }
    }
    if (p->have_content_length && (too_large || v != p->body_expected)) {
        return fail(p, STATUS_BAD_REQUEST, "conflicting Content-Length headers");
    }
    if (too_large) {
        return fail(p, STATUS_CONTENT_TOO_LARGE, "body larger than the server accepts");
    }
    p->have_content_length = true;
    p->body_expected = v;
    return FTL_OK;
}

// Connection: a comma-separated list of options, case-insensitive.
static void on_connection(struct ftl_http_parser *p, const struct ftl_http_header *h)
{
    size_t i = 0;
    while (i < h->value_len) {
        while (i < h->value_len && (is_ows((uint8_t)h->value[i]) || h->value[i] == ',')) {
            i++;
        }
        size_t start = i;
        while (i < h->value_len && h->value[i] != ',' && !is_ows((uint8_t)h->value[i])) {
            i++;
        }
        if (equals_nocase(h->value + start, i - start, "close")) {
            p->conn_close = true;
        } else if (equals_nocase(h->value + start, i - start, "keep-alive")) {
            p->conn_keep_alive = true;
        }
    }
}

static ftl_err_t on_header_done(struct ftl_http_parser *p, const struct ftl_http_header *h)
{
    if (ftl_http_header_is(h, "content-length")) {
        return on_content_length(p, h);
    }
    if (ftl_http_header_is(h, "transfer-encoding")) {
        p->chunked = true;
    } else if (ftl_http_header_is(h, "connection")) {
        on_connection(p, h);
    } else if (ftl_http_header_is(h, "host")) {
        p->host_count++;
    } else if (ftl_http_header_is(h, "expect")) {
        p->req.expect_continue = equals_nocase(h->value, h->value_len, "100-continue");
    }
    return FTL_OK;
}

static ftl_err_t on_head_done(struct ftl_http_parser *p)
{
    if (p->chunked && p->have_content_length) {
        return fail(p, STATUS_BAD_REQUEST, "both Transfer-Encoding and Content-Length");
    }
    if (p->chunked) {
        return fail(p, STATUS_NOT_IMPLEMENTED, "Transfer-Encoding is not supported");
    }
    if (p->host_count > 1 || (p->req.version_minor == 1 && p->host_count == 0)) {
        return fail(p, STATUS_BAD_REQUEST, "HTTP/1.1 needs exactly one Host header");
    }
    p->req.keep_alive =
        p->req.version_minor == 1 ? !p->conn_close : p->conn_keep_alive && !p->conn_close;
    p->req.body = (const uint8_t *)p->buf + p->buf_used;
    p->state = p->body_expected > 0 ? FTL_HTTP_S_BODY : FTL_HTTP_S_DONE;
    return FTL_OK;
}

static struct ftl_http_header *current_header(struct ftl_http_parser *p)
{
    return &p->headers[p->req.nheaders - 1];
}

static ftl_err_t on_header_start(struct ftl_http_parser *p, uint8_t c)
{
    if (c == '\r') {
        p->state = FTL_HTTP_S_HEAD_END_LF;
        return FTL_OK;
    }
    if (is_ows(c)) {
        return fail(p, STATUS_BAD_REQUEST, "header line starts with whitespace (line folding)");
    }
    if (!is_tchar(c)) {
        return fail(p, STATUS_BAD_REQUEST, "bad character in a header name");
    }
    if (p->req.nheaders == p->limits.max_headers) {
        return fail(p, STATUS_HEADERS_TOO_LARGE, "too many header fields");
    }
    p->req.nheaders++;
    struct ftl_http_header *h = current_header(p);
    h->name = p->buf + p->buf_used;
    h->name_len = 1;
    h->value = NULL;
    h->value_len = 0;
    p->state = FTL_HTTP_S_NAME;
    return put(p, c);
}

static ftl_err_t on_name(struct ftl_http_parser *p, uint8_t c)
{
    struct ftl_http_header *h = current_header(p);
    if (c == ':') {
        h->value = p->buf + p->buf_used;
        p->value_trimmed_len = 0;
        p->state = FTL_HTTP_S_VALUE_OWS;
        return FTL_OK;
    }
    if (is_ows(c)) {
        return fail(p, STATUS_BAD_REQUEST, "whitespace between a header name and ':'");
    }
    if (!is_tchar(c)) {
        return fail(p, STATUS_BAD_REQUEST, "bad character in a header name");
    }
    h->name_len++;
    return put(p, c);
}

static ftl_err_t on_value(struct ftl_http_parser *p, uint8_t c)
{
    struct ftl_http_header *h = current_header(p);
    if (c == '\r') {
        p->state = FTL_HTTP_S_HEADER_LF;
        return FTL_OK;
    }
    if (!is_field_char(c)) {
        return fail(p, STATUS_BAD_REQUEST, "control character in a header value");
    }
    if (p->state == FTL_HTTP_S_VALUE_OWS && is_ows(c)) {
        return FTL_OK; // leading whitespace is not part of the value
    }
    p->state = FTL_HTTP_S_VALUE;
    h->value_len++;
    if (!is_ows(c)) {
        p->value_trimmed_len = h->value_len;
    }
    return put(p, c);
}

static ftl_err_t on_header_lf(struct ftl_http_parser *p, uint8_t c)
{
    if (c != '\n') {
        return fail(p, STATUS_BAD_REQUEST, "header line ends in CR without LF");
    }
    struct ftl_http_header *h = current_header(p);
    // Drop trailing whitespace from the value and give its bytes back.
    h->value_len = p->value_trimmed_len;
    p->buf_used = (size_t)(h->value - p->buf) + h->value_len;
    p->state = FTL_HTTP_S_HEADER_START;
    return on_header_done(p, h);
}

static ftl_err_t on_head_end_lf(struct ftl_http_parser *p, uint8_t c)
{
    if (c != '\n') {
        return fail(p, STATUS_BAD_REQUEST, "empty line ends in CR without LF");
    }
    return on_head_done(p);
}

// One byte of the head (request line or header section).
static ftl_err_t step(struct ftl_http_parser *p, uint8_t c)
{
    if (p->state >= FTL_HTTP_S_HEADER_START && p->state <= FTL_HTTP_S_HEAD_END_LF &&
        ++p->header_bytes > p->limits.max_header_bytes) {
        return fail(p, STATUS_HEADERS_TOO_LARGE, "header section too large");
    }
    switch (p->state) {
    case FTL_HTTP_S_START:
        return on_start(p, c);
    case FTL_HTTP_S_START_LF:
        return on_start_lf(p, c);
    case FTL_HTTP_S_METHOD:
        return on_method(p, c);
    case FTL_HTTP_S_TARGET:
        return on_target(p, c);
    case FTL_HTTP_S_VERSION:
        return on_version(p, c);
    case FTL_HTTP_S_LINE_LF:
        return on_line_lf(p, c);
    case FTL_HTTP_S_HEADER_START:
        return on_header_start(p, c);
    case FTL_HTTP_S_NAME:
        return on_name(p, c);
    case FTL_HTTP_S_VALUE_OWS:
    case FTL_HTTP_S_VALUE:
        return on_value(p, c);
    case FTL_HTTP_S_HEADER_LF:
        return on_header_lf(p, c);
    case FTL_HTTP_S_HEAD_END_LF:
        return on_head_end_lf(p, c);
    default:
        return fail(p, STATUS_BAD_REQUEST, "parser used in a finished state");
    }
}

// Copies as much of the body as `len` holds; the buffer was sized for max_body_len.
static size_t take_body(struct ftl_http_parser *p, const uint8_t *data, size_t len)
{
    size_t want = p->body_expected - p->req.body_len;
    size_t n = want < len ? want : len;
    memcpy(p->buf + p->buf_used, data, n);
    p->buf_used += n;
    p->req.body_len += n;
    if (p->req.body_len == p->body_expected) {
        p->state = FTL_HTTP_S_DONE;
    }
    return n;
}

ftl_err_t ftl_http_parser_feed(struct ftl_http_parser *p, const void *data, size_t len,
                               size_t *out_used)
{
    if (!p || !out_used || (!data && len > 0)) {
        return FTL_ERR_INVALID_ARG;
    }
    *out_used = 0;
    if (p->state == FTL_HTTP_S_ERROR) {
        return FTL_ERR_PARSE;
    }
    const uint8_t *d = data;
    size_t i = 0;
    while (i < len && p->state != FTL_HTTP_S_DONE) {
        if (p->state == FTL_HTTP_S_BODY) {
            i += take_body(p, d + i, len - i);
            continue;
        }
        ftl_err_t err = step(p, d[i++]);
        if (err != FTL_OK) {
            *out_used = i;
            return err;
        }
    }
    *out_used = i;
    return p->state == FTL_HTTP_S_DONE ? FTL_OK : FTL_ERR_EMPTY;
}

bool ftl_http_header_is(const struct ftl_http_header *h, const char *name)
{
    return equals_nocase(h->name, h->name_len, name);
}

const struct ftl_http_header *ftl_http_request_header(const struct ftl_http_request *req,
                                                      const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        if (ftl_http_header_is(&req->headers[i], name)) {
            return &req->headers[i];
        }
    }
    return NULL;
}

bool ftl_http_request_method_is(const struct ftl_http_request *req, const char *method)
{
    size_t n = strlen(method);
    return req->method_len == n && memcmp(req->method, method, n) == 0;
}
