// libFuzzer target for the HTTP request parser (and the JSON string escaper): any bytes,
// cut into pieces chosen by the input, must parse the same as when fed whole, never touch
// memory out of bounds, and pipelined requests must account for every byte.
#include <stdlib.h>
#include <string.h>

#include "ftl/http.h"
#include "ftl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ftl_http_limits LIMITS = {
    .max_target_len = 128,
    .max_header_bytes = 1024,
    .max_headers = 16,
    .max_body_len = 512,
};

struct run {
    ftl_err_t err;   // how the stream ended: FTL_ERR_EMPTY or FTL_ERR_PARSE
    size_t requests; // complete requests parsed
    uint16_t status;
    size_t body_sum; // sum of body bytes over all requests, a cheap fingerprint
};

// Parses every request in `data`, feeding pieces of `chunk` bytes from exact-size copies.
static struct run parse_stream(const uint8_t *data, size_t size, size_t chunk)
{
    struct run r = {FTL_ERR_EMPTY, 0, 0, 0};
    struct ftl_http_header headers[16];
    size_t buf_size = ftl_http_parser_buf_size(&LIMITS);
    char *buf = malloc(buf_size);
    struct ftl_http_parser p;
    if (!buf || ftl_http_parser_init(&p, &LIMITS, buf, buf_size, headers) != FTL_OK) {
        abort();
    }
    size_t off = 0;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk;
        uint8_t *piece = malloc(n);
        if (!piece) {
            abort();
        }
        memcpy(piece, data + off, n);
        size_t used = 0;
        r.err = ftl_http_parser_feed(&p, piece, n, &used);
        free(piece);
        if (used > n) {
            abort();
        }
        off += used;
        if (r.err == FTL_ERR_PARSE) {
            r.status = ftl_http_parser_status(&p);
            break;
        }
        if (r.err == FTL_OK) {
            const struct ftl_http_request *req = ftl_http_parser_request(&p);
            if (!req || req->nheaders > 16 || req->body_len > LIMITS.max_body_len ||
                req->target_len > LIMITS.max_target_len) {
                abort();
            }
            r.requests++;
            for (size_t i = 0; i < req->body_len; i++) {
                r.body_sum += req->body[i];
            }
            ftl_http_parser_next(&p);
            r.err = FTL_ERR_EMPTY;
        } else if (used != n) {
            abort(); // "need more" must have consumed everything
        }
    }
    free(buf);
    return r;
}

static void check_json_escape(const uint8_t *data, size_t size)
{
    // Worst case: every byte becomes a 6-byte \uXXXX escape, plus quotes.
    size_t cap = size * 6 + 3;
    char *out = malloc(cap);
    if (!out) {
        abort();
    }
    struct ftl_json j;
    ftl_json_init(&j, out, cap);
    ftl_json_string_n(&j, (const char *)data, size);
    size_t len;
    if (ftl_json_finish(&j, &len) != FTL_OK || len < 2 || out[0] != '"' || out[len - 1] != '"') {
        abort();
    }
    for (size_t i = 1; i + 1 < len; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20 || c == '<') {
            abort();
        }
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t chunk = (size_t)(data[0] % 16) + 1; // the first byte picks the piece size
    data++;
    size--;
    struct run whole = parse_stream(data, size, size ? size : 1);
    struct run pieces = parse_stream(data, size, chunk);
    struct run bytes = parse_stream(data, size, 1);
    if (whole.err != pieces.err || whole.requests != pieces.requests ||
        whole.status != pieces.status || whole.body_sum != pieces.body_sum ||
        whole.err != bytes.err || whole.requests != bytes.requests ||
        whole.status != bytes.status || whole.body_sum != bytes.body_sum) {
        abort();
    }
    check_json_escape(data, size);
    return 0;
}
