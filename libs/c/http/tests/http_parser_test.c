// Tests of the incremental HTTP/1.1 request parser. Every request is fed four ways (whole,
// one byte at a time, in 2- and 7-byte pieces) from exact-size heap copies, and every way
// must give the same outcome; ASan catches any read or write out of bounds.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftl/http.h"

#define MAX_HEADERS 8

static const struct ftl_http_limits LIMITS = {
    .max_target_len = 64,
    .max_header_bytes = 512,
    .max_headers = MAX_HEADERS,
    .max_body_len = 256,
};

static const size_t CHUNKS[] = {SIZE_MAX, 1, 2, 7};
#define NCHUNKS (sizeof(CHUNKS) / sizeof(CHUNKS[0]))

struct fixture {
    struct ftl_http_parser p;
    struct ftl_http_header headers[MAX_HEADERS];
    char *buf; // exactly ftl_http_parser_buf_size(&LIMITS) bytes
};

struct outcome {
    ftl_err_t err;
    size_t used;
    uint16_t status;
};

static void fixture_init(struct fixture *f)
{
    size_t size = ftl_http_parser_buf_size(&LIMITS);
    f->buf = malloc(size);
    assert_non_null(f->buf);
    assert_int_equal(ftl_http_parser_init(&f->p, &LIMITS, f->buf, size, f->headers), FTL_OK);
}

static void fixture_free(struct fixture *f)
{
    free(f->buf);
}

// Feeds `len` bytes of `s` in pieces of `chunk` bytes, each an exact-size heap copy, until
// the parser finishes a request, fails, or the input runs out.
static struct outcome feed(struct fixture *f, const char *s, size_t len, size_t chunk)
{
    struct outcome o = {FTL_ERR_EMPTY, 0, 0};
    while (o.used < len || len == 0) {
        size_t n = len - o.used < chunk ? len - o.used : chunk;
        char *piece = malloc(n ? n : 1);
        assert_non_null(piece);
        memcpy(piece, s + o.used, n);
        size_t used = 0;
        o.err = ftl_http_parser_feed(&f->p, piece, n, &used);
        free(piece);
        assert_true(used <= n);
        o.used += used;
        if (o.err != FTL_ERR_EMPTY || len == 0) {
            break;
        }
        assert_int_equal(used, n); // "need more" means everything was consumed
    }
    o.status = ftl_http_parser_status(&f->p);
    return o;
}

static void assert_same_request(const struct ftl_http_request *a, const struct ftl_http_request *b)
{
    assert_int_equal(a->method_len, b->method_len);
    assert_memory_equal(a->method, b->method, a->method_len);
    assert_int_equal(a->target_len, b->target_len);
    assert_memory_equal(a->target, b->target, a->target_len);
    assert_int_equal(a->version_minor, b->version_minor);
    assert_int_equal(a->nheaders, b->nheaders);
    for (size_t i = 0; i < a->nheaders; i++) {
        assert_int_equal(a->headers[i].name_len, b->headers[i].name_len);
        assert_memory_equal(a->headers[i].name, b->headers[i].name, a->headers[i].name_len);
        assert_int_equal(a->headers[i].value_len, b->headers[i].value_len);
        if (a->headers[i].value_len > 0) {
            assert_memory_equal(a->headers[i].value, b->headers[i].value, a->headers[i].value_len);
        }
    }
    assert_int_equal(a->body_len, b->body_len);
    if (a->body_len > 0) {
        assert_memory_equal(a->body, b->body, a->body_len);
    }
    assert_int_equal(a->keep_alive, b->keep_alive);
    assert_int_equal(a->expect_continue, b->expect_continue);
}

// Parses `s` every way; all must agree. `f[0]` (fed whole) keeps the request for checks.
static struct outcome parse_all_ways(struct fixture f[NCHUNKS], const char *s, size_t len)
{
    struct outcome first = {0};
    for (size_t i = 0; i < NCHUNKS; i++) {
        fixture_init(&f[i]);
        struct outcome o = feed(&f[i], s, len, CHUNKS[i]);
        if (i == 0) {
            first = o;
            continue;
        }
        assert_int_equal(o.err, first.err);
        assert_int_equal(o.used, first.used);
        assert_int_equal(o.status, first.status);
        if (o.err == FTL_OK) {
            assert_same_request(ftl_http_parser_request(&f[i].p), ftl_http_parser_request(&f[0].p));
        }
    }
    return first;
}

static void free_all(struct fixture f[NCHUNKS])
{
    for (size_t i = 0; i < NCHUNKS; i++) {
        fixture_free(&f[i]);
    }
}

// Expects `s` to be exactly one complete request; returns it (valid until free_all).
static const struct ftl_http_request *expect_request(struct fixture f[NCHUNKS], const char *s)
{
    struct outcome o = parse_all_ways(f, s, strlen(s));
    if (o.err != FTL_OK) {
        fail_msg("rejected (%d, status %u: %s): %s", o.err, o.status,
                 ftl_http_parser_reason(&f[0].p), s);
    }
    assert_int_equal(o.used, strlen(s));
    return ftl_http_parser_request(&f[0].p);
}

static void expect_status_n(const char *s, size_t len, uint16_t status)
{
    struct fixture f[NCHUNKS];
    struct outcome o = parse_all_ways(f, s, len);
    if (o.err != FTL_ERR_PARSE || o.status != status) {
        fail_msg("want status %u, got err %d status %u for: %.*s", status, o.err, o.status,
                 (int)len, s);
    }
    assert_non_null(ftl_http_parser_reason(&f[0].p));
    assert_null(ftl_http_parser_request(&f[0].p));
    free_all(f);
}

static void expect_status(const char *s, uint16_t status)
{
    expect_status_n(s, strlen(s), status);
}

static void assert_slice(const char *p, size_t len, const char *want)
{
    assert_int_equal(len, strlen(want));
    assert_memory_equal(p, want, len);
}

// ---- well-formed requests ----

static void get_request_line_and_headers_are_parsed(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r =
        expect_request(f, "GET /api/ps?x=1 HTTP/1.1\r\nHost: ftl\r\nAccept: */*\r\n\r\n");
    assert_true(ftl_http_request_method_is(r, "GET"));
    assert_slice(r->target, r->target_len, "/api/ps?x=1");
    assert_int_equal(r->version_minor, 1);
    assert_int_equal(r->nheaders, 2);
    assert_slice(r->headers[0].name, r->headers[0].name_len, "Host");
    assert_slice(r->headers[0].value, r->headers[0].value_len, "ftl");
    assert_slice(r->headers[1].name, r->headers[1].name_len, "Accept");
    assert_slice(r->headers[1].value, r->headers[1].value_len, "*/*");
    assert_int_equal(r->body_len, 0);
    free_all(f);
}

static void header_lookup_ignores_case(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r =
        expect_request(f, "GET / HTTP/1.1\r\nhOsT: a\r\nX-Thing: b\r\n\r\n");
    const struct ftl_http_header *h = ftl_http_request_header(r, "x-thing");
    assert_non_null(h);
    assert_slice(h->value, h->value_len, "b");
    assert_non_null(ftl_http_request_header(r, "HOST"));
    assert_null(ftl_http_request_header(r, "X-Thin"));
    free_all(f);
}

static void header_values_lose_surrounding_whitespace(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r =
        expect_request(f, "GET / HTTP/1.1\r\nHost:  \t a  b \t \r\nX-Empty:   \r\nX-None:\r\n\r\n");
    assert_slice(r->headers[0].value, r->headers[0].value_len, "a  b");
    assert_int_equal(r->headers[1].value_len, 0);
    assert_int_equal(r->headers[2].value_len, 0);
    free_all(f);
}

static void header_values_may_hold_non_ascii_bytes(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r =
        expect_request(f, "GET / HTTP/1.1\r\nHost: h\xc3\xa9\r\n\r\n");
    assert_slice(r->headers[0].value, r->headers[0].value_len, "h\xc3\xa9");
    free_all(f);
}

static void body_is_read_by_content_length(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r = expect_request(
        f, "POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello\r\nworl");
    assert_true(ftl_http_request_method_is(r, "POST"));
    assert_int_equal(r->body_len, 11);
    assert_memory_equal(r->body, "hello\r\nworl", 11);
    free_all(f);
}

static void body_may_hold_any_bytes(void **state)
{
    (void)state;
    const char s[] = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n\0\xff\r\n";
    struct fixture f[NCHUNKS];
    struct outcome o = parse_all_ways(f, s, sizeof(s) - 1);
    assert_int_equal(o.err, FTL_OK);
    const struct ftl_http_request *r = ftl_http_parser_request(&f[0].p);
    assert_memory_equal(r->body, "\0\xff\r\n", 4);
    free_all(f);
}

static void content_length_zero_means_no_body(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r =
        expect_request(f, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(r->body_len, 0);
    free_all(f);
}

static void identical_content_lengths_are_accepted(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r = expect_request(
        f, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok");
    assert_int_equal(r->body_len, 2);
    free_all(f);
}

static void http11_defaults_to_keep_alive(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    assert_true(expect_request(f, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")->keep_alive);
    free_all(f);
}

static void connection_close_ends_keep_alive(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    assert_false(expect_request(f, "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n")
                     ->keep_alive);
    free_all(f);
}

static void http10_closes_unless_keep_alive_is_asked(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r = expect_request(f, "GET / HTTP/1.0\r\n\r\n");
    assert_int_equal(r->version_minor, 0);
    assert_false(r->keep_alive);
    free_all(f);
    assert_true(expect_request(f, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")->keep_alive);
    free_all(f);
}

static void later_http1_minor_versions_are_read_as_1_1(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    assert_int_equal(expect_request(f, "GET / HTTP/1.7\r\nHost: a\r\n\r\n")->version_minor, 1);
    free_all(f);
}

static void leading_empty_lines_are_skipped(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r =
        expect_request(f, "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_true(ftl_http_request_method_is(r, "GET"));
    free_all(f);
}

static void expect_100_continue_is_reported(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const char *s =
        "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx";
    assert_true(expect_request(f, s)->expect_continue);
    free_all(f);
}

static void any_method_token_is_accepted(void **state)
{
    (void)state;
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r = expect_request(f, "M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_true(ftl_http_request_method_is(r, "M-SEARCH"));
    assert_false(ftl_http_request_method_is(r, "M-SEARC"));
    assert_slice(r->target, r->target_len, "*");
    free_all(f);
}

static void requests_exactly_at_every_limit_are_accepted(void **state)
{
    (void)state;
    char s[1024];
    char target[65];
    memset(target, 'a', 64);
    target[0] = '/';
    target[64] = '\0';
    char body[257];
    memset(body, 'b', 256);
    body[256] = '\0';
    // 8 headers; the section is 9 + 21 + 5 * 6 + (5 + 445) + 2 = 512 bytes exactly.
    snprintf(s, sizeof(s),
             "GET %s HTTP/1.1\r\nHost: a\r\nContent-Length: 256\r\nA: 1\r\nB: 1\r\nC: 1\r\n"
             "D: 1\r\nE: 1\r\nF: %0*d\r\n\r\n%s",
             target, 445, 0, body);
    struct fixture f[NCHUNKS];
    const struct ftl_http_request *r = expect_request(f, s);
    assert_int_equal(r->target_len, 64);
    assert_int_equal(r->nheaders, 8);
    assert_int_equal(r->body_len, 256);
    free_all(f);
}

// ---- incomplete input ----

static void truncated_head_asks_for_more(void **state)
{
    (void)state;
    const char *s = "GET / HTTP/1.1\r\nHost: a\r\n";
    struct fixture f[NCHUNKS];
    struct outcome o = parse_all_ways(f, s, strlen(s));
    assert_int_equal(o.err, FTL_ERR_EMPTY);
    assert_int_equal(o.used, strlen(s));
    assert_null(ftl_http_parser_request(&f[0].p));
    free_all(f);
}

static void truncated_body_asks_for_more(void **state)
{
    (void)state;
    const char *s = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc";
    struct fixture f[NCHUNKS];
    struct outcome o = parse_all_ways(f, s, strlen(s));
    assert_int_equal(o.err, FTL_ERR_EMPTY);
    assert_null(ftl_http_parser_request(&f[0].p));
    free_all(f);
}

static void empty_input_asks_for_more(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    size_t used = 1;
    assert_int_equal(ftl_http_parser_feed(&f.p, NULL, 0, &used), FTL_ERR_EMPTY);
    assert_int_equal(used, 0);
    fixture_free(&f);
}

// ---- pipelining ----

static void pipelined_requests_parse_one_after_another(void **state)
{
    (void)state;
    const char *s = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                    "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
                    "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const char *want[] = {"/a", "/b", "/c"};
    for (size_t c = 0; c < NCHUNKS; c++) {
        struct fixture f;
        fixture_init(&f);
        size_t off = 0;
        for (size_t i = 0; i < 3; i++) {
            // The next request starts exactly where the previous one's bytes ended.
            struct outcome o = feed(&f, s + off, strlen(s) - off, CHUNKS[c]);
            assert_int_equal(o.err, FTL_OK);
            const struct ftl_http_request *r = ftl_http_parser_request(&f.p);
            assert_slice(r->target, r->target_len, want[i]);
            assert_int_equal(r->keep_alive, i < 2);
            off += o.used;
            ftl_http_parser_next(&f.p);
        }
        assert_int_equal(off, strlen(s));
        fixture_free(&f);
    }
}

static void feeding_a_finished_parser_consumes_nothing(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    const char *s = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET";
    size_t used;
    assert_int_equal(ftl_http_parser_feed(&f.p, s, strlen(s), &used), FTL_OK);
    assert_int_equal(used, strlen(s) - 3);
    assert_int_equal(ftl_http_parser_feed(&f.p, s + used, 3, &used), FTL_OK);
    assert_int_equal(used, 0);
    fixture_free(&f);
}

static void two_parsers_fed_alternately_do_not_interfere(void **state)
{
    (void)state;
    struct fixture a;
    struct fixture b;
    fixture_init(&a);
    fixture_init(&b);
    const char *sa = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n";
    const char *sb = "PUT /second HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi";
    size_t ia = 0;
    size_t ib = 0;
    ftl_err_t ea = FTL_ERR_EMPTY;
    ftl_err_t eb = FTL_ERR_EMPTY;
    while (ea == FTL_ERR_EMPTY || eb == FTL_ERR_EMPTY) {
        size_t used;
        if (ea == FTL_ERR_EMPTY) {
            ea = ftl_http_parser_feed(&a.p, sa + ia++, 1, &used);
        }
        if (eb == FTL_ERR_EMPTY) {
            eb = ftl_http_parser_feed(&b.p, sb + ib++, 1, &used);
        }
    }
    assert_int_equal(ea, FTL_OK);
    assert_int_equal(eb, FTL_OK);
    const struct ftl_http_request *ra = ftl_http_parser_request(&a.p);
    const struct ftl_http_request *rb = ftl_http_parser_request(&b.p);
    assert_slice(ra->target, ra->target_len, "/first");
    assert_slice(rb->target, rb->target_len, "/second");
    assert_memory_equal(rb->body, "hi", 2);
    fixture_free(&a);
    fixture_free(&b);
}

// ---- 400 Bad Request ----

static void bad_method_tokens_are_400(void **state)
{
    (void)state;
    expect_status("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status("G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status("GET\r\n\r\n", 400);
}

static void missing_crlf_is_400(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\nHost: a\n\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a\r\n\n", 400);
    expect_status("GET / HTTP/1.1\rHost: a\r\n\r\n", 400);
    expect_status("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400);
    expect_status("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

static void bad_versions_are_400(void **state)
{
    (void)state;
    const char *bad[] = {
        "GET / HTTP/1\r\n\r\n",    "GET / http/1.1\r\n\r\n",  "GET / HTTP/1.1x\r\n\r\n",
        "GET / HTTP/11.1\r\n\r\n", "GET / HTTP/1.x\r\n\r\n",  "GET / HTTP/1.1 \r\n\r\n",
        "GET / HTTP 1.1\r\n\r\n",  "GET / HTTPS/1.1\r\n\r\n", "GET / HTTP/1,1\r\n\r\n",
        "GET /\r\n\r\n",           "GET / \r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_status(bad[i], 400);
    }
}

static void bad_request_targets_are_400(void **state)
{
    (void)state;
    expect_status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    expect_status("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

static void bad_header_lines_are_400(void **state)
{
    (void)state;
    const char *bad[] = {
        "GET / HTTP/1.1\r\nHost\r\n\r\n",                // no colon
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",            // space before the colon
        "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n",      // empty name
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",  // obsolete line folding
        "GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n", // obsolete line folding
        "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n",            // not a token
        "GET / HTTP/1.1\r\nHost: a\x01 b\r\n\r\n",       // control character
        "GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n",         // DEL
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_status(bad[i], 400);
    }
}

static void nul_byte_in_header_is_400(void **state)
{
    (void)state;
    const char s[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
    expect_status_n(s, sizeof(s) - 1, 400);
}

static void binary_garbage_is_400(void **state)
{
    (void)state;
    // A TLS ClientHello sent to the plain-HTTP port, and bytes from no protocol at all.
    const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    expect_status_n(tls, sizeof(tls) - 1, 400);
    const char junk[] = "\x00\xff\xfe\x80\x01\x02";
    expect_status_n(junk, sizeof(junk) - 1, 400);
    const char half[] = "GET /\x00\xff HTTP/1.1\r\n";
    expect_status_n(half, sizeof(half) - 1, 400);
}

static void bad_content_lengths_are_400(void **state)
{
    (void)state;
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", 400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1\r\n\r\n", 400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400);
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400);
}

static void conflicting_content_lengths_are_400(void **state)
{
    (void)state;
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
                  400);
}

static void transfer_encoding_with_content_length_is_400(void **state)
{
    (void)state;
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n",
                  400);
}

static void http11_without_host_is_400(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
}

static void two_host_headers_are_400(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    expect_status("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

static void many_empty_lines_before_the_request_are_400(void **state)
{
    (void)state;
    expect_status("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

// ---- limits ----

static void body_over_the_limit_is_413(void **state)
{
    (void)state;
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 257\r\n\r\n", 413);
}

static void huge_content_length_is_413_not_a_wrapped_number(void **state)
{
    (void)state;
    // 2^64 + 5 would wrap to 5 in a careless parser.
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551621\r\n\r\n"
                  "hello",
                  413);
}

static void long_target_is_414(void **state)
{
    (void)state;
    char s[256];
    char target[66];
    memset(target, 'a', 65);
    target[0] = '/';
    target[65] = '\0';
    snprintf(s, sizeof(s), "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", target);
    expect_status(s, 414);
}

static void too_many_headers_are_431(void **state)
{
    (void)state;
    expect_status("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\n"
                  "G: 1\r\nH: 1\r\n\r\n",
                  431);
}

static void large_header_section_is_431(void **state)
{
    (void)state;
    char s[1024];
    char value[501];
    memset(value, 'v', 500);
    value[500] = '\0';
    snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: a\r\nCookie: %s\r\n\r\n", value);
    expect_status(s, 431);
}

static void endless_header_line_is_431(void **state)
{
    (void)state;
    char s[1024];
    memset(s, 'x', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    memcpy(s, "GET / HTTP/1.1\r\nX: ", 19);
    expect_status(s, 431);
}

static void transfer_encoding_is_501(void **state)
{
    (void)state;
    expect_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n0\r\n\r\n",
                  501);
}

static void overlong_method_is_501(void **state)
{
    (void)state;
    expect_status("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: a\r\n\r\n", 501);
}

static void http2_and_http09_versions_are_505(void **state)
{
    (void)state;
    expect_status("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
    expect_status("GET / HTTP/0.9\r\n\r\n", 505);
    expect_status("GET / HTTP/3.0\r\n\r\n", 505);
}

// ---- API contract ----

static void errors_are_sticky_until_init(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    size_t used;
    assert_int_equal(ftl_http_parser_feed(&f.p, "\x01", 1, &used), FTL_ERR_PARSE);
    ftl_http_parser_next(&f.p);
    const char *ok = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_int_equal(ftl_http_parser_feed(&f.p, ok, strlen(ok), &used), FTL_ERR_PARSE);
    assert_int_equal(used, 0);
    assert_int_equal(ftl_http_parser_status(&f.p), 400);
    fixture_free(&f);
}

static void init_rejects_a_buffer_smaller_than_the_limits_need(void **state)
{
    (void)state;
    struct ftl_http_parser p;
    struct ftl_http_header h[MAX_HEADERS];
    size_t need = ftl_http_parser_buf_size(&LIMITS);
    char *buf = malloc(need);
    assert_non_null(buf);
    assert_int_equal(ftl_http_parser_init(&p, &LIMITS, buf, need - 1, h), FTL_ERR_INVALID_ARG);
    assert_int_equal(ftl_http_parser_init(&p, &LIMITS, NULL, need, h), FTL_ERR_INVALID_ARG);
    struct ftl_http_limits huge = LIMITS;
    huge.max_body_len = SIZE_MAX;
    assert_int_equal(ftl_http_parser_init(&p, &huge, buf, need, h), FTL_ERR_INVALID_ARG);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_request_line_and_headers_are_parsed),
        cmocka_unit_test(header_lookup_ignores_case),
        cmocka_unit_test(header_values_lose_surrounding_whitespace),
        cmocka_unit_test(header_values_may_hold_non_ascii_bytes),
        cmocka_unit_test(body_is_read_by_content_length),
        cmocka_unit_test(body_may_hold_any_bytes),
        cmocka_unit_test(content_length_zero_means_no_body),
        cmocka_unit_test(identical_content_lengths_are_accepted),
        cmocka_unit_test(http11_defaults_to_keep_alive),
        cmocka_unit_test(connection_close_ends_keep_alive),
        cmocka_unit_test(http10_closes_unless_keep_alive_is_asked),
        cmocka_unit_test(later_http1_minor_versions_are_read_as_1_1),
        cmocka_unit_test(leading_empty_lines_are_skipped),
        cmocka_unit_test(expect_100_continue_is_reported),
        cmocka_unit_test(any_method_token_is_accepted),
        cmocka_unit_test(requests_exactly_at_every_limit_are_accepted),
        cmocka_unit_test(truncated_head_asks_for_more),
        cmocka_unit_test(truncated_body_asks_for_more),
        cmocka_unit_test(empty_input_asks_for_more),
        cmocka_unit_test(pipelined_requests_parse_one_after_another),
        cmocka_unit_test(feeding_a_finished_parser_consumes_nothing),
        cmocka_unit_test(two_parsers_fed_alternately_do_not_interfere),
        cmocka_unit_test(bad_method_tokens_are_400),
        cmocka_unit_test(missing_crlf_is_400),
        cmocka_unit_test(bad_versions_are_400),
        cmocka_unit_test(bad_request_targets_are_400),
        cmocka_unit_test(bad_header_lines_are_400),
        cmocka_unit_test(nul_byte_in_header_is_400),
        cmocka_unit_test(binary_garbage_is_400),
        cmocka_unit_test(bad_content_lengths_are_400),
        cmocka_unit_test(conflicting_content_lengths_are_400),
        cmocka_unit_test(transfer_encoding_with_content_length_is_400),
        cmocka_unit_test(http11_without_host_is_400),
        cmocka_unit_test(two_host_headers_are_400),
        cmocka_unit_test(many_empty_lines_before_the_request_are_400),
        cmocka_unit_test(body_over_the_limit_is_413),
        cmocka_unit_test(huge_content_length_is_413_not_a_wrapped_number),
        cmocka_unit_test(long_target_is_414),
        cmocka_unit_test(too_many_headers_are_431),
        cmocka_unit_test(large_header_section_is_431),
        cmocka_unit_test(endless_header_line_is_431),
        cmocka_unit_test(transfer_encoding_is_501),
        cmocka_unit_test(overlong_method_is_501),
        cmocka_unit_test(http2_and_http09_versions_are_505),
        cmocka_unit_test(errors_are_sticky_until_init),
        cmocka_unit_test(init_rejects_a_buffer_smaller_than_the_limits_need),
    };
    return cmocka_run_group_tests_name("http_parser", tests, NULL, NULL);
}
