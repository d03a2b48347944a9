// An incremental HTTP/1.1 request parser for servers, and a response writer. Bytes may
// arrive in pieces of any size (one at a time too); requests may be pipelined. No
// allocation and no global state: the caller gives every buffer, one parser per connection.
#ifndef FTL_HTTP_H
#define FTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ftl/abi.h>

/// Longest method accepted; a longer one is answered 501 (no server implements it).
#define FTL_HTTP_METHOD_MAX 16
/// Empty lines skipped before a request line (RFC 9112 section 2.2); more is a 400.
#define FTL_HTTP_EMPTY_LINES_MAX 4

/// What one request may use. A request past a limit is rejected with the status given.
struct ftl_http_limits {
    size_t max_target_len;   // request-target bytes; longer -> 414 URI Too Long
    size_t max_header_bytes; // bytes of the header section incl. CRLFs; more -> 431
    size_t max_headers;      // header fields; more -> 431 Request Header Fields Too Large
    size_t max_body_len;     // Content-Length above this -> 413 Content Too Large
};

struct ftl_http_header {
    const char *name; // as received (compare with ftl_http_header_is()); not NUL-terminated
    size_t name_len;
    const char *value; // leading and trailing spaces/tabs removed; not NUL-terminated
    size_t value_len;
};

/// A parsed request. Every pointer is into the parser's buffer and stays valid until
/// ftl_http_parser_next() or ftl_http_parser_init() on the same parser.
struct ftl_http_request {
    const char *method; // a token, e.g. "GET"; case-sensitive; not NUL-terminated
    size_t method_len;
    const char *target; // e.g. "/api/ps?x=1", printable ASCII; not NUL-terminated
    size_t target_len;
    uint8_t version_minor;           // HTTP/1.<version_minor>: 0 or 1 (1.2 to 1.9 are read as 1.1)
    struct ftl_http_header *headers; // in arrival order
    size_t nheaders;
    const uint8_t *body; // Content-Length bytes (no Content-Length: none, body_len 0)
    size_t body_len;
    bool keep_alive;      // the connection stays open after the response
    bool expect_continue; // "Expect: 100-continue": send "100 Continue" to get the body
};

enum ftl_http_state {
    FTL_HTTP_S_START,
    FTL_HTTP_S_START_LF,
    FTL_HTTP_S_METHOD,
    FTL_HTTP_S_TARGET,
    FTL_HTTP_S_VERSION,
    FTL_HTTP_S_LINE_LF,
    FTL_HTTP_S_HEADER_START,
    FTL_HTTP_S_NAME,
    FTL_HTTP_S_VALUE_OWS,
    FTL_HTTP_S_VALUE,
    FTL_HTTP_S_HEADER_LF,
    FTL_HTTP_S_HEAD_END_LF,
    FTL_HTTP_S_BODY,
    FTL_HTTP_S_DONE,
    FTL_HTTP_S_ERROR,
};

/// One connection's parser. Fields are private to http_parser.c except through the
/// functions below; the struct is public only so callers can place it (no allocation).
struct ftl_http_parser {
    struct ftl_http_limits limits;
    char *buf; // caller's storage for the request
    size_t buf_size;
    size_t buf_used;                 // bytes of buf holding this request so far
    struct ftl_http_header *headers; // caller's array of limits.max_headers entries
    enum ftl_http_state state;
    struct ftl_http_request req;
    size_t empty_lines;       // skipped before the request line
    size_t version_pos;       // bytes of "HTTP/x.y" seen
    size_t header_bytes;      // bytes of the header section seen
    size_t value_trimmed_len; // value length without trailing spaces/tabs
    size_t body_expected;     // Content-Length
    size_t host_count;
    bool have_content_length;
    bool chunked; // a Transfer-Encoding header was seen
    bool conn_close;
    bool conn_keep_alive;
    uint16_t status;    // on error: the status to answer
    const char *reason; // on error: a static sentence saying why
};

/// Bytes of buffer a parser needs for `limits`: method + target + header bytes + body.
size_t ftl_http_parser_buf_size(const struct ftl_http_limits *limits);

/// Prepares `p` for the first request on a connection. `buf` (`buf_size` bytes, at least
/// ftl_http_parser_buf_size(limits)) and `headers` (limits->max_headers entries) stay
/// owned by the caller and must outlive `p`. Returns FTL_OK, or FTL_ERR_INVALID_ARG for
/// NULL pointers, a zero limit or a buffer that is too small.
FTL_MUST_CHECK ftl_err_t ftl_http_parser_init(struct ftl_http_parser *p,
                                              const struct ftl_http_limits *limits, char *buf,
                                              size_t buf_size, struct ftl_http_header *headers);

/// Consumes bytes of the connection's stream, `*out_used` says how many. Returns
///  - FTL_OK: a whole request is parsed (ftl_http_parser_request()); bytes after
///    `*out_used` belong to the next request: call ftl_http_parser_next() when done with
///    this one and feed them. Feeding again before that consumes nothing and returns FTL_OK.
///  - FTL_ERR_EMPTY: all `len` bytes were consumed and the request is not complete yet.
///  - FTL_ERR_PARSE: the request is bad; answer ftl_http_parser_status() and close the
///    connection (the stream cannot be resynchronised). Sticky until init.
FTL_MUST_CHECK ftl_err_t ftl_http_parser_feed(struct ftl_http_parser *p, const void *data,
                                              size_t len, size_t *out_used);

/// The complete request after ftl_http_parser_feed() returned FTL_OK, else NULL.
const struct ftl_http_request *ftl_http_parser_request(const struct ftl_http_parser *p);

/// Starts the next request on the same connection (pipelining, keep-alive); the previous
/// request's pointers become invalid.
void ftl_http_parser_next(struct ftl_http_parser *p);

/// After FTL_ERR_PARSE: the status to answer, one of 400 (malformed), 413 (body too
/// large), 414 (target too long), 431 (headers too large or too many), 501 (Transfer-
/// Encoding, which this parser does not implement, or an over-long method), 505 (HTTP
/// version other than 1.x); 0 when there is no error.
uint16_t ftl_http_parser_status(const struct ftl_http_parser *p);

/// After FTL_ERR_PARSE: a static English sentence saying what was wrong; else NULL.
const char *ftl_http_parser_reason(const struct ftl_http_parser *p);

/// True if header `h` is named `name` (ASCII case-insensitive).
bool ftl_http_header_is(const struct ftl_http_header *h, const char *name);

/// The first header of `req` named `name` (case-insensitive), or NULL.
const struct ftl_http_header *ftl_http_request_header(const struct ftl_http_request *req,
                                                      const char *name);

/// True if the method is exactly `method` (methods are case-sensitive).
bool ftl_http_request_method_is(const struct ftl_http_request *req, const char *method);

// ---- responses ----

/// The reason phrase for `status` ("OK", "Not Found", ...); "Unknown" if not listed.
const char *ftl_http_status_text(uint16_t status);

/// Builds a response in a caller buffer: ftl_http_writer_status(), any number of
/// ftl_http_writer_header(), ftl_http_writer_end_head(), then the body. Errors are sticky
/// and reported by ftl_http_writer_finish(): nothing written after one counts.
struct ftl_http_writer {
    char *buf;
    size_t size;
    size_t len;    // bytes written so far
    ftl_err_t err; // first error, FTL_OK while none
};

void ftl_http_writer_init(struct ftl_http_writer *w, char *buf, size_t size);

/// "HTTP/1.1 <status> <text>\r\n". FTL_ERR_INVALID_ARG unless 100 <= status <= 599.
void ftl_http_writer_status(struct ftl_http_writer *w, uint16_t status);

/// "<name>: <value>\r\n". FTL_ERR_INVALID_ARG if `name` is not a token or `value` holds a
/// CR, LF or other control character (no header injection).
void ftl_http_writer_header(struct ftl_http_writer *w, const char *name, const char *value);

/// "Content-Length: <n>\r\n", "Connection: keep-alive" or "close", and the empty line.
void ftl_http_writer_end_head(struct ftl_http_writer *w, size_t content_length, bool keep_alive);

/// Appends `len` body bytes.
void ftl_http_writer_body(struct ftl_http_writer *w, const void *data, size_t len);

/// Returns FTL_OK and the response length in `*out_len`, or the first error:
/// FTL_ERR_BUFFER_TOO_SMALL if it did not fit, FTL_ERR_INVALID_ARG for a bad status or
/// header.
FTL_MUST_CHECK ftl_err_t ftl_http_writer_finish(const struct ftl_http_writer *w, size_t *out_len);

#endif
