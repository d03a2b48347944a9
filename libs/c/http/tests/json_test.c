// Tests of the JSON writer: the API's document shapes, string escaping (quotes, control
// characters, invalid UTF-8, HTML and JS specials), numbers, and misuse.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ftl/json.h"

static char out[512];

// Finishes `j` and checks the document is exactly `want`.
static void assert_json(struct ftl_json *j, const char *want)
{
    size_t len;
    assert_int_equal(ftl_json_finish(j, &len), FTL_OK);
    assert_int_equal(len, strlen(want));
    assert_string_equal(out, want);
}

static void string_json(const char *s, size_t len, const char *want)
{
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_string_n(&j, s, len);
    assert_json(&j, want);
}

static void process_list_document_is_written(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "processes");
    ftl_json_array_begin(&j);
    for (int i = 0; i < 2; i++) {
        ftl_json_object_begin(&j);
        ftl_json_key(&j, "name");
        ftl_json_string(&j, i == 0 ? "shell" : "tcpip");
        ftl_json_key(&j, "handles");
        ftl_json_uint(&j, (uint64_t)(3 + i));
        ftl_json_key(&j, "user");
        ftl_json_bool(&j, i == 1);
        ftl_json_object_end(&j);
    }
    ftl_json_array_end(&j);
    ftl_json_key(&j, "next");
    ftl_json_null(&j);
    ftl_json_object_end(&j);
    assert_json(&j, "{\"processes\":[{\"name\":\"shell\",\"handles\":3,\"user\":false},"
                    "{\"name\":\"tcpip\",\"handles\":4,\"user\":true}],\"next\":null}");
}

static void empty_containers_are_written(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_array_begin(&j);
    ftl_json_object_begin(&j);
    ftl_json_object_end(&j);
    ftl_json_array_begin(&j);
    ftl_json_array_end(&j);
    ftl_json_array_end(&j);
    assert_json(&j, "[{},[]]");
}

static void quotes_and_backslashes_are_escaped(void **state)
{
    (void)state;
    string_json("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
}

static void control_characters_are_escaped(void **state)
{
    (void)state;
    string_json("\n\r\t\b\f\x01\x1f\x7f", 8, "\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\"");
}

static void nul_byte_is_escaped(void **state)
{
    (void)state;
    string_json("a\0b", 3, "\"a\\u0000b\"");
}

static void html_specials_are_escaped(void **state)
{
    (void)state;
    string_json("</script>&", 10, "\"\\u003c/script\\u003e\\u0026\"");
}

static void valid_utf8_passes_through(void **state)
{
    (void)state;
    string_json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
                "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
}

static void invalid_utf8_becomes_replacement_characters(void **state)
{
    (void)state;
    // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate, and a
    // code point above U+10FFFF.
    const char s[] = "\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80";
    string_json(s, sizeof(s) - 1,
                "\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
                "\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void js_line_separators_are_escaped(void **state)
{
    (void)state;
    string_json("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
}

static void keys_are_escaped_like_strings(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "a\"b");
    ftl_json_int(&j, 1);
    ftl_json_object_end(&j);
    assert_json(&j, "{\"a\\\"b\":1}");
}

static void integers_cover_the_whole_range(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_array_begin(&j);
    ftl_json_int(&j, INT64_MIN);
    ftl_json_int(&j, -1);
    ftl_json_int(&j, 0);
    ftl_json_int(&j, INT64_MAX);
    ftl_json_uint(&j, UINT64_MAX);
    ftl_json_array_end(&j);
    assert_json(&j, "[-9223372036854775808,-1,0,9223372036854775807,18446744073709551615]");
}

static void value_without_key_in_object_is_invalid(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_object_begin(&j);
    ftl_json_int(&j, 1);
    ftl_json_object_end(&j);
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_INVALID_ARG);
}

static void key_in_array_is_invalid(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_array_begin(&j);
    ftl_json_key(&j, "k");
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_INVALID_ARG);
}

static void mismatched_close_is_invalid(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_array_begin(&j);
    ftl_json_object_end(&j);
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_INVALID_ARG);
}

static void close_after_dangling_key_is_invalid(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_object_begin(&j);
    ftl_json_key(&j, "k");
    ftl_json_object_end(&j);
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_INVALID_ARG);
}

static void unclosed_or_empty_document_is_invalid(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_INVALID_ARG);
    ftl_json_object_begin(&j);
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_INVALID_ARG);
}

static void second_top_level_value_is_invalid(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    ftl_json_int(&j, 1);
    ftl_json_int(&j, 2);
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_INVALID_ARG);
}

static void nesting_past_max_depth_is_too_large(void **state)
{
    (void)state;
    struct ftl_json j;
    ftl_json_init(&j, out, sizeof(out));
    for (int i = 0; i <= FTL_JSON_MAX_DEPTH; i++) {
        ftl_json_array_begin(&j);
    }
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_TOO_LARGE);
}

static void document_larger_than_buffer_fails_without_overflow(void **state)
{
    (void)state;
    char small[12];
    memset(small, 0x5a, sizeof(small));
    struct ftl_json j;
    ftl_json_init(&j, small, 8);
    ftl_json_string(&j, "0123456789");
    assert_int_equal(ftl_json_finish(&j, NULL), FTL_ERR_BUFFER_TOO_SMALL);
    for (size_t i = 8; i < sizeof(small); i++) {
        assert_int_equal((unsigned char)small[i], 0x5a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(process_list_document_is_written),
        cmocka_unit_test(empty_containers_are_written),
        cmocka_unit_test(quotes_and_backslashes_are_escaped),
        cmocka_unit_test(control_characters_are_escaped),
        cmocka_unit_test(nul_byte_is_escaped),
        cmocka_unit_test(html_specials_are_escaped),
        cmocka_unit_test(valid_utf8_passes_through),
        cmocka_unit_test(invalid_utf8_becomes_replacement_characters),
        cmocka_unit_test(js_line_separators_are_escaped),
        cmocka_unit_test(keys_are_escaped_like_strings),
        cmocka_unit_test(integers_cover_the_whole_range),
        cmocka_unit_test(value_without_key_in_object_is_invalid),
        cmocka_unit_test(key_in_array_is_invalid),
        cmocka_unit_test(mismatched_close_is_invalid),
        cmocka_unit_test(close_after_dangling_key_is_invalid),
        cmocka_unit_test(unclosed_or_empty_document_is_invalid),
        cmocka_unit_test(second_top_level_value_is_invalid),
        cmocka_unit_test(nesting_past_max_depth_is_too_large),
        cmocka_unit_test(document_larger_than_buffer_fails_without_overflow),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
