// Tests of the HTTP response writer: exact bytes of a response, keep-alive and close,
// refusal of header injection, and buffers too small.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ftl/http.h"

static void response_has_status_headers_length_and_body(void **state)
{
    (void)state;
    char buf[256];
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_status(&w, 200);
    ftl_http_writer_header(&w, "Content-Type", "application/json");
    ftl_http_writer_end_head(&w, 2, true);
    ftl_http_writer_body(&w, "{}", 2);
    size_t len;
    assert_int_equal(ftl_http_writer_finish(&w, &len), FTL_OK);
    const char *want = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
}

static void closing_response_says_connection_close(void **state)
{
    (void)state;
    char buf[128];
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_status(&w, 431);
    ftl_http_writer_end_head(&w, 0, false);
    size_t len;
    assert_int_equal(ftl_http_writer_finish(&w, &len), FTL_OK);
    const char *want = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                       "Connection: close\r\n\r\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
}

static void header_value_with_crlf_is_refused(void **state)
{
    (void)state;
    char buf[128];
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_status(&w, 200);
    ftl_http_writer_header(&w, "X-A", "ok\r\nSet-Cookie: evil=1");
    ftl_http_writer_end_head(&w, 0, true);
    size_t len;
    assert_int_equal(ftl_http_writer_finish(&w, &len), FTL_ERR_INVALID_ARG);
}

static void header_name_that_is_not_a_token_is_refused(void **state)
{
    (void)state;
    char buf[128];
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_header(&w, "X A", "v");
    assert_int_equal(ftl_http_writer_finish(&w, NULL), FTL_ERR_INVALID_ARG);
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_header(&w, "", "v");
    assert_int_equal(ftl_http_writer_finish(&w, NULL), FTL_ERR_INVALID_ARG);
}

static void status_outside_100_to_599_is_refused(void **state)
{
    (void)state;
    char buf[128];
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_status(&w, 99);
    assert_int_equal(ftl_http_writer_finish(&w, NULL), FTL_ERR_INVALID_ARG);
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_status(&w, 600);
    assert_int_equal(ftl_http_writer_finish(&w, NULL), FTL_ERR_INVALID_ARG);
}

static void response_larger_than_buffer_fails_without_overflow(void **state)
{
    (void)state;
    char buf[32];
    memset(buf, 0x5a, sizeof(buf));
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, buf, 20);
    ftl_http_writer_status(&w, 404);
    ftl_http_writer_end_head(&w, 0, true);
    assert_int_equal(ftl_http_writer_finish(&w, NULL), FTL_ERR_BUFFER_TOO_SMALL);
    for (size_t i = 20; i < sizeof(buf); i++) {
        assert_int_equal((unsigned char)buf[i], 0x5a);
    }
}

static void status_texts_name_the_error_statuses(void **state)
{
    (void)state;
    assert_string_equal(ftl_http_status_text(400), "Bad Request");
    assert_string_equal(ftl_http_status_text(413), "Content Too Large");
    assert_string_equal(ftl_http_status_text(414), "URI Too Long");
    assert_string_equal(ftl_http_status_text(501), "Not Implemented");
    assert_string_equal(ftl_http_status_text(505), "HTTP Version Not Supported");
    assert_string_equal(ftl_http_status_text(299), "Unknown");
}

static void large_content_length_prints_every_digit(void **state)
{
    (void)state;
    char buf[128];
    struct ftl_http_writer w;
    ftl_http_writer_init(&w, buf, sizeof(buf));
    ftl_http_writer_end_head(&w, 67108864, false);
    size_t len;
    assert_int_equal(ftl_http_writer_finish(&w, &len), FTL_OK);
    assert_true(len > 25);
    assert_memory_equal(buf, "Content-Length: 67108864\r\n", 26);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(response_has_status_headers_length_and_body),
        cmocka_unit_test(closing_response_says_connection_close),
        cmocka_unit_test(header_value_with_crlf_is_refused),
        cmocka_unit_test(header_name_that_is_not_a_token_is_refused),
        cmocka_unit_test(status_outside_100_to_599_is_refused),
        cmocka_unit_test(response_larger_than_buffer_fails_without_overflow),
        cmocka_unit_test(status_texts_name_the_error_statuses),
        cmocka_unit_test(large_content_length_prints_every_digit),
    };
    return cmocka_run_group_tests_name("http_writer", tests, NULL, NULL);
}
