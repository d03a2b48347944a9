// Host unit tests of the spec parser (kernel/spec.c on kernel/yaml.c): the YAML subset,
// the schema and its errors, and the whole-system checks.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "spec.h"
#include "yaml.h"

#define FILE_NAME "apps/t/spec.yaml"

static struct spec spec;  // ~4 KiB each: kept off the stack
static struct spec_error err;
static struct spec sys[4];

static ftl_err_t parse_len(const char *text, size_t len)
{
    return spec_parse(FILE_NAME, text, len, &spec, &err);
}

static ftl_err_t parse(const char *text)
{
    return parse_len(text, strlen(text));
}

static void parse_ok(const char *text)
{
    if (parse(text) != FTL_OK) {
        fail_msg("unexpected error at line %d: %s", err.line, err.reason);
    }
}

// Parses `text` and expects an error at `line` whose reason contains `part`.
static void expect_error(const char *text, int line, const char *part)
{
    assert_int_equal(parse(text), FTL_ERR_PARSE);
    if (err.line != line || !strstr(err.reason, part)) {
        fail_msg("got line %d '%s', want line %d '...%s...'", err.line, err.reason, line, part);
    }
    assert_string_equal(err.file, FILE_NAME);
}

#define MIN_SPEC "name: a\nisolation: user\n"

static const char full_example[] =
    "name: echo_client          # required\n"
    "isolation: inkernel        # required\n"
    "env:                       # optional mapping\n"
    "  echo:     { service: echo }\n"
    "  greeting: { string: \"Hi!\" }\n"
    "  rounds:   { number: 5 }\n"
    "  nic:      { device: { compatible: \"virtio,mmio\", virtio_id: 1 } }\n"
    "exports:                   # optional sequence (or [])\n"
    "  - service: echo\n"
    "grants:                    # optional mapping\n"
    "  spawn: [hello, test_exit]\n"
    "  device: true\n";

static void full_example_spec_parses_every_field(void **state)
{
    (void)state;
    parse_ok(full_example);
    assert_string_equal(spec.file, FILE_NAME);
    assert_string_equal(spec.name, "echo_client");
    assert_int_equal(spec.isolation, SPEC_ISO_INKERNEL);
    assert_int_equal(spec.nenv, 4);
    assert_string_equal(spec.env[0].name, "echo");
    assert_int_equal(spec.env[0].kind, SPEC_ENV_SERVICE);
    assert_string_equal(spec.env[0].str, "echo");
    assert_int_equal(spec.env[0].line, 4);
    assert_int_equal(spec.env[1].kind, SPEC_ENV_STRING);
    assert_string_equal(spec.env[1].str, "Hi!");
    assert_int_equal(spec.env[2].kind, SPEC_ENV_NUMBER);
    assert_int_equal(spec.env[2].number, 5);
    assert_string_equal(spec.env[3].name, "nic");
    assert_int_equal(spec.env[3].kind, SPEC_ENV_DEVICE);
    assert_string_equal(spec.env[3].str, "virtio,mmio");
    assert_int_equal(spec.env[3].number, 1);
    assert_int_equal(spec.env[3].line, 7);
    assert_int_equal(spec.nexports, 1);
    assert_string_equal(spec.exports[0].service, "echo");
    assert_int_equal(spec.exports[0].line, 9);
    assert_int_equal(spec.grants.bits, SPEC_GRANT_SPAWN | SPEC_GRANT_DEVICE);
    assert_int_equal(spec.grants.nspawn, 2);
    assert_string_equal(spec.grants.spawn[1], "test_exit");
}

static void comments_are_ignored_at_line_start_and_after_values(void **state)
{
    (void)state;
    parse_ok("# a spec\n\n   # indented comment\n\t# tab before a comment line\n"
             "name: a # the name\nisolation: user\t# tab before a comment\n"
             "env: # none yet\n  s: { string: x }  # trailing\n# end\n");
    assert_string_equal(spec.name, "a");
    assert_string_equal(spec.env[0].str, "x");
    assert_int_equal(spec.env[0].line, 8);
}

static void hash_without_space_before_it_is_part_of_the_value(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  a: { string: x#y }\n  b: { string: \"x # y\" }\n");
    assert_string_equal(spec.env[0].str, "x#y");
    assert_string_equal(spec.env[1].str, "x # y");
}

static void env_item_may_be_a_block_mapping(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  nic:\n    device:\n      compatible: virtio,mmio\n"
                      "      virtio_id: 2\n  n:\n    number: 3\ngrants: { device: true }\n");
    assert_int_equal(spec.nenv, 2);
    assert_string_equal(spec.env[0].str, "virtio,mmio");
    assert_int_equal(spec.env[0].number, 2);
    assert_int_equal(spec.env[1].number, 3);
    assert_int_equal(spec.env[1].line, 8);
}

static void exports_may_be_a_sequence_at_the_key_column(void **state)
{
    (void)state;
    parse_ok("exports:\n- service: a\n-   service: b\n-\n  service: c\nname: a\nisolation: js\n");
    assert_int_equal(spec.nexports, 3);
    assert_string_equal(spec.exports[1].service, "b");
    assert_string_equal(spec.exports[2].service, "c");
    assert_int_equal(spec.exports[2].line, 5);
    assert_int_equal(spec.isolation, SPEC_ISO_JS);
}

static void exports_may_be_flow_mappings_in_a_flow_sequence(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "exports: [ { service: a }, {service: b}, ]\n");
    assert_int_equal(spec.nexports, 2);
    assert_string_equal(spec.exports[1].service, "b");
}

static void flow_mapping_may_span_lines(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  nic: { device: {\n      compatible: \"a,b\",  # the driver\n\n"
                      "      virtio_id: 0x1a },\n   }\n  x: { number: 1 }\n"
                      "grants: { device: true }\n");
    assert_string_equal(spec.env[0].str, "a,b");
    assert_int_equal(spec.env[0].number, 26);
    assert_int_equal(spec.env[1].line, 9);
}

static void whole_spec_may_be_one_flow_mapping(void **state)
{
    (void)state;
    parse_ok("{ \"name\": a, isolation: vmm, env: {s: {string: ''}}, exports: [] }\n");
    assert_int_equal(spec.isolation, SPEC_ISO_VMM);
    assert_string_equal(spec.env[0].str, "");
}

static void empty_flow_sequence_means_no_exports(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "exports: []\nenv: {}\n");
    assert_int_equal(spec.nexports, 0);
    assert_int_equal(spec.nenv, 0);
}

static void empty_env_and_exports_mean_none(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\nexports:   # nothing\n");
    assert_int_equal(spec.nenv, 0);
    assert_int_equal(spec.nexports, 0);
}

static void single_quoted_string_unescapes_doubled_quotes(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  s: { string: 'it''s \\n: #' }\n");
    assert_string_equal(spec.env[0].str, "it's \\n: #");
}

static void double_quoted_string_decodes_escapes(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n"
                      "  s: { string: \"q\\\" b\\\\ n\\n t\\t x\\x41 u\\u00e9 U\\U0001F600\" }\n");
    assert_string_equal(spec.env[0].str, "q\" b\\ n\n t\t xA u\xc3\xa9 U\xf0\x9f\x98\x80");
    parse_ok(MIN_SPEC "env:\n  s: { string: \"\\u20ac\\e\\/\" }\n");
    assert_string_equal(spec.env[0].str, "\xe2\x82\xac\x1b/");
}

static void numbers_may_be_signed_decimal_or_hex(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  a: { number: -42 }\n  b: { number: +7 }\n  c: { number: 0xFf }\n"
                      "  d: { number: 007 }\n");
    assert_int_equal(spec.env[0].number, -42);
    assert_int_equal(spec.env[1].number, 7);
    assert_int_equal(spec.env[2].number, 255);
    assert_int_equal(spec.env[3].number, 7);
}

static void int64_limits_parse(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  a: { number: 9223372036854775807 }\n"
                      "  b: { number: -9223372036854775808 }\n"
                      "  c: { number: 0x7fffffffffffffff }\n");
    assert_true(spec.env[0].number == INT64_MAX);
    assert_true(spec.env[1].number == INT64_MIN);
    assert_true(spec.env[2].number == INT64_MAX);
}

static void device_without_virtio_id_gets_minus_one(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  uart: { device: { compatible: \"arm,pl011\" } }\n"
                      "grants: { device: true }\n");
    assert_string_equal(spec.env[0].str, "arm,pl011");
    assert_int_equal(spec.env[0].number, -1);
}

static void document_marker_may_start_the_file(void **state)
{
    (void)state;
    parse_ok("# header\n---   # a spec\n" MIN_SPEC);
    assert_string_equal(spec.name, "a");
}

static void crlf_line_endings_and_a_bom_are_accepted(void **state)
{
    (void)state;
    parse_ok("\xef\xbb\xbfname: a\r\nisolation: wasm\r\nenv:\r\n  s: { string: \"x\" }\r\n");
    assert_int_equal(spec.isolation, SPEC_ISO_WASM);
    assert_string_equal(spec.env[0].str, "x");
}

static void text_need_not_be_nul_terminated(void **state)
{
    (void)state;
    static const char text[] = MIN_SPEC "exports: [ ]garbage";
    assert_int_equal(parse_len(text, strlen(text) - strlen("garbage")), FTL_OK);
    assert_int_equal(parse_len(text, strlen(MIN_SPEC) - 1), FTL_OK);  // no final newline
    assert_string_equal(spec.name, "a");
}

static void keys_may_be_quoted_and_in_any_order(void **state)
{
    (void)state;
    parse_ok("'isolation': user\n\"name\" : b\n");
    assert_string_equal(spec.name, "b");
    assert_int_equal(spec.isolation, SPEC_ISO_USER);
}

static void isolation_names_match_the_spec_words(void **state)
{
    (void)state;
    assert_string_equal(spec_isolation_name(SPEC_ISO_INKERNEL), "inkernel");
    assert_string_equal(spec_isolation_name(SPEC_ISO_USER), "user");
    assert_string_equal(spec_isolation_name(SPEC_ISO_WASM), "wasm");
    assert_string_equal(spec_isolation_name(SPEC_ISO_JS), "js");
    assert_string_equal(spec_isolation_name(SPEC_ISO_VMM), "vmm");
    assert_string_equal(spec_isolation_name((enum spec_isolation)99), "unknown");
}

static void tab_indentation_is_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n\ts: { string: x }\n", 4, "tabs are not allowed");
    expect_error(MIN_SPEC "exports:\n  -\tservice: x\n", 4, "tabs are not allowed");
}

static void anchors_aliases_and_tags_are_rejected(void **state)
{
    (void)state;
    expect_error("name: &n a\n", 1, "anchors");
    expect_error("name: *n\n", 1, "aliases");
    expect_error(MIN_SPEC "env:\n  s: { string: !!str x }\n", 4, "tags");
}

static void second_document_is_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "---\nname: b\n", 3, "only one document");
    expect_error(MIN_SPEC "...\n", 3, "'...'");
}

static void block_scalars_are_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  s:\n    string: |\n      text\n", 5, "block scalars");
    expect_error("name: >\n  a\n", 1, "block scalars");
}

static void dedent_to_an_unknown_column_is_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n    a: { number: 1 }\n  b: { number: 2 }\n", 5,
                 "unexpected indentation");
    expect_error("exports:\n  - service: a\n - service: b\nname: a\n", 3, "indentation");
}

static void extra_indentation_is_rejected(void **state)
{
    (void)state;
    expect_error("name: a\n  isolation: user\n", 2, "unexpected indentation");
}

static void unterminated_quotes_are_rejected(void **state)
{
    (void)state;
    expect_error("name: \"a\nisolation: user\n", 1, "unterminated string");
    expect_error(MIN_SPEC "env:\n  s: { string: 'x }\n", 4, "unterminated string");
    expect_error(MIN_SPEC "env:\n  s: { string: \"x\\\n  y\" }\n", 4, "cannot end with '\\'");
}

static void unterminated_flow_mapping_is_reported_at_its_opening_line(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  s: { string: x\n  t: { number: 1 }\n", 4, "no '}'");
    expect_error(MIN_SPEC "exports: [\n", 3, "no ']'");
}

static void text_after_a_value_is_rejected(void **state)
{
    (void)state;
    expect_error("name: \"a\" b\n", 1, "unexpected text 'b'");
    expect_error(MIN_SPEC "env: { } x\n", 3, "unexpected text 'x'");
    expect_error(MIN_SPEC "env: { s: {string: a} b }\n", 3, "expected ',' or '}'");
}

static void unknown_escape_is_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  s: { string: \"a\\qb\" }\n", 4, "unknown escape '\\q'");
    expect_error(MIN_SPEC "env:\n  s: { string: \"\\x4\" }\n", 4, "2 hex digits");
    expect_error(MIN_SPEC "env:\n  s: { string: \"\\x00\" }\n", 4, "NUL");
    expect_error(MIN_SPEC "env:\n  s: { string: \"\\ud800\" }\n", 4, "not a Unicode character");
}

static void colon_space_inside_a_plain_value_is_rejected(void **state)
{
    (void)state;
    expect_error("name: a: b\n", 1, "unexpected ': '");
}

static void control_characters_are_rejected(void **state)
{
    (void)state;
    static const char text[] = "name: a\nisolation: user\0\n";
    assert_int_equal(parse_len(text, sizeof(text) - 1), FTL_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.reason, "control character 0x00"));
    expect_error("name: a\risolation: user\n", 1, "carriage return");
}

static void nesting_deeper_than_the_yaml_limit_is_rejected(void **state)
{
    (void)state;
    // The schema stops at the first unexpected value, so test the YAML layer directly.
    char text[YAML_DEPTH_MAX * 2 + 2];
    memset(text, '[', YAML_DEPTH_MAX);
    memset(text + YAML_DEPTH_MAX, ']', YAML_DEPTH_MAX);
    strcpy(text + 2 * YAML_DEPTH_MAX, "\n");
    struct yaml_parser p;
    struct yaml_event ev;
    yaml_init(&p, text, strlen(text));
    ftl_err_t rc;
    int starts = 0;
    while ((rc = yaml_next(&p, &ev)) == FTL_OK && ev.type == YAML_EVENT_SEQ_START) {
        starts++;
    }
    assert_int_equal(rc, FTL_ERR_PARSE);
    assert_int_equal(starts, YAML_DEPTH_MAX - 1);
    assert_non_null(strstr(p.reason, "nesting deeper than"));
    text[YAML_DEPTH_MAX - 1] = ' ';
    text[YAML_DEPTH_MAX] = ' ';
    yaml_init(&p, text, strlen(text));
    do {
        assert_int_equal(yaml_next(&p, &ev), FTL_OK);
    } while (ev.type != YAML_EVENT_END);
}

static void multi_line_plain_value_is_rejected(void **state)
{
    (void)state;
    expect_error("isolation: user\nname: a\n  b\n", 3, "unexpected indentation");
}

static void unknown_key_is_reported_with_its_line(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "\nexprts:\n  - service: echo\n", 4,
                 "unknown key 'exprts' (did you mean 'exports'?)");
}

static void unknown_key_far_from_any_lists_the_valid_keys(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "version: 2\n", 3,
                 "unknown key 'version' (expected name, isolation, env, exports, limits, grants, "
                 "preopens, boot or restart)");
}

#define WASM_FS "name: a\nisolation: wasm\nenv:\n  fs: { service: fs }\n"

static void preopens_name_one_directory_of_the_fs_service(void **state)
{
    (void)state;
    parse_ok(WASM_FS "preopens: { \"/data\": \"file:/srv/data\" }\n");
    assert_int_equal(spec.npreopens, 1);
    assert_string_equal(spec.preopens[0].guest, "/data");
    assert_string_equal(spec.preopens[0].path, "/srv/data");
    assert_int_equal(spec.preopens[0].line, 5);
    parse_ok(WASM_FS "preopens:\n  /: file:/\n");
    assert_string_equal(spec.preopens[0].guest, "/");
    assert_string_equal(spec.preopens[0].path, "/");
    parse_ok(WASM_FS);
    assert_int_equal(spec.npreopens, 0);
}

static void several_preopens_keep_their_order(void **state)
{
    (void)state;
    parse_ok(WASM_FS "preopens:\n  /data: file:/srv/data\n  /tmp: \"file:/scratch\"\n"
                     "  /: file:/\n  /again: file:/srv/data\n");
    assert_int_equal(spec.npreopens, 4);
    assert_string_equal(spec.preopens[0].guest, "/data");
    assert_string_equal(spec.preopens[1].guest, "/tmp");
    assert_string_equal(spec.preopens[1].path, "/scratch");
    assert_int_equal(spec.preopens[1].line, 7);
    assert_string_equal(spec.preopens[2].guest, "/");
    assert_string_equal(spec.preopens[3].path, "/srv/data"); // one server path, two names
    parse_ok(WASM_FS "preopens: { /a: \"file:/a\", /b: \"file:/b\" }\n");
    assert_int_equal(spec.npreopens, 2);
    assert_string_equal(spec.preopens[1].path, "/b");
}

static void bad_preopens_are_reported(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  fs: { service: fs }\npreopens: { /d: \"file:/d\" }\n", 5,
                 "preopens are for wasm apps");
    expect_error("name: a\nisolation: wasm\npreopens: { /d: \"file:/d\" }\n", 3,
                 "preopens need an env item 'fs: { service: fs }'");
    expect_error(WASM_FS "preopens:\n  /a: file:/a\n  /b: file:/b\n  /a: file:/c\n", 8,
                 "duplicate preopen '/a' (first on line 6)");
    expect_error(WASM_FS "preopens:\n  /a: file:/a\n  /b: file:/b\n  /c: file:/c\n"
                         "  /d: file:/d\n  /e: file:/e\n", 10, "too many preopens (at most 4)");
    expect_error(WASM_FS "preopens: { data: \"file:/d\" }\n", 5, "an absolute path");
    expect_error(WASM_FS "preopens: { /d: \"tcp:1.2.3.4:5\" }\n", 5, "a file: URI");
    expect_error(WASM_FS "preopens:\n  /a: file:/a\n  /d: \"file:d\"\n", 7, "a file: URI");
    expect_error(WASM_FS "preopens: { /d: \"file:/d?w\" }\n", 5, "without ?flags");
    expect_error(WASM_FS "preopens: { /d: \"file:/a/../b\" }\n", 5, "a file: URI");
    expect_error(WASM_FS "preopens: { /d: \"file://d\" }\n", 5, "a file: URI");
    expect_error(WASM_FS "preopens: { /d/: \"file:/d\" }\n", 5, "no '.', '..' or empty parts");
    expect_error(WASM_FS "preopens: { /a/./b: \"file:/d\" }\n", 5, "an absolute path");
    expect_error(WASM_FS "preopens: { /..: \"file:/d\" }\n", 5, "an absolute path");
    expect_error(WASM_FS "preopens: { /d: [file:/d] }\n", 5, "a preopen");
    expect_error(WASM_FS "preopens: [a]\n", 5, "preopens must be a mapping");
}

static void limits_override_heap_and_handles(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "limits: { heap_kib: 2048, handles: 32 }\n");
    assert_int_equal(spec.heap_kib, 2048);
    assert_int_equal(spec.handles, 32);
}

static void limits_default_to_zero(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC);
    assert_int_equal(spec.heap_kib, 0);
    assert_int_equal(spec.handles, 0);
}

static void limit_out_of_range_is_reported(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "limits: { handles: 1000 }\n", 3,
                 "limit 'handles' must be between 1 and 256");
}

static void unknown_limit_is_reported(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "limits:\n  memory: 5\n", 4, "unknown limit 'memory'");
}

static void unknown_env_kind_is_reported(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  e:\n    sevice: echo\n", 5, "unknown env kind 'sevice' for 'e'");
    expect_error(MIN_SPEC "env:\n  e: { file: x }\n", 4,
                 "expected service, string, number or device");
}

static void non_integer_number_is_a_type_error(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  r: { number: abc }\n", 4, "must be an integer");
    expect_error(MIN_SPEC "env:\n  r: { number: 1.5 }\n", 4, "got '1.5'");
    expect_error(MIN_SPEC "env:\n  r: { number: \"5\" }\n", 4, "got a quoted string");
    expect_error(MIN_SPEC "env:\n  r: { number: 0x }\n", 4, "must be an integer");
    expect_error(MIN_SPEC "env:\n  r: { number: -x }\n", 4, "got '-x'");
}

static void string_given_a_mapping_is_a_type_error(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  g:\n    string:\n      a: b\n", 6,
                 "'string' of env item 'g' must be a string, got a mapping");
}

static void name_given_a_sequence_is_a_type_error(void **state)
{
    (void)state;
    expect_error("name: [a]\n", 1, "app name must be a string, got a sequence");
    expect_error("name:\nisolation: user\n", 1, "got nothing");
}

static void bad_name_characters_are_rejected(void **state)
{
    (void)state;
    expect_error("name: Echo\n", 1, "bad app name 'Echo'");
    expect_error("name: 1echo\n", 1, "starting with a letter");
    expect_error("name: echo-client\n", 1, "use a-z, 0-9 and _");
    expect_error("name: _x\n", 1, "bad app name");
    expect_error("name: ''\n", 1, "app name must not be empty");
    expect_error(MIN_SPEC "env:\n  Bad: { number: 1 }\n", 4, "bad env item name 'Bad'");
    expect_error(MIN_SPEC "exports:\n  - service: a.b\n", 4, "bad service name 'a.b'");
}

static void name_of_32_characters_is_too_long(void **state)
{
    (void)state;
    parse_ok("name: abcdefghijklmnopqrstuvwxyz01234\nisolation: user\n");
    expect_error("name: abcdefghijklmnopqrstuvwxyz012345\n", 1, "too long (at most 31");
    expect_error("name: abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\n", 1, "too long");
}

static void missing_name_is_reported(void **state)
{
    (void)state;
    expect_error("isolation: user\n", 0, "missing required key 'name'");
}

static void missing_isolation_is_reported(void **state)
{
    (void)state;
    expect_error("name: a\nenv: {}\n", 0, "missing required key 'isolation'");
}

static void unknown_isolation_lists_the_valid_ones(void **state)
{
    (void)state;
    expect_error("name: a\nisolation: kernel\n", 2,
                 "unknown isolation 'kernel' (expected inkernel, user, wasm, js or vmm)");
    expect_error("name: a\nisolation: { x: 1 }\n", 2, "got a mapping");
}

static void duplicate_key_is_reported_with_the_first_line(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "name: b\n", 3, "duplicate key 'name' (first on line 1)");
    expect_error(MIN_SPEC "env:\n  n: { device: { compatible: a, compatible: b } }\n", 4,
                 "duplicate key 'compatible'");
    expect_error(MIN_SPEC "env:\n  n:\n    string: a\n    string: b\n", 6,
                 "duplicate key 'string' (first on line 5)");
    expect_error(MIN_SPEC "exports:\n  - service: a\n    service: b\n", 5,
                 "duplicate key 'service' (first on line 4)");
}

static void duplicate_env_item_is_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  a: { number: 1 }\n  a: { number: 2 }\n", 5,
                 "duplicate env item 'a' (first on line 4)");
}

static void more_than_env_max_items_are_rejected(void **state)
{
    (void)state;
    char text[1024] = MIN_SPEC "env:\n";
    for (int i = 0; i <= SPEC_ENV_MAX; i++) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof(text) - len, "  e%d: { number: %d }\n", i, i);
    }
    expect_error(text, 4 + SPEC_ENV_MAX, "too many env items (at most 16)");
}

static void more_than_exports_max_are_rejected(void **state)
{
    (void)state;
    char text[1024] = MIN_SPEC "exports:\n";
    for (int i = 0; i <= SPEC_EXPORTS_MAX; i++) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof(text) - len, "  - service: s%d\n", i);
    }
    expect_error(text, 4 + SPEC_EXPORTS_MAX, "too many exports (at most 8)");
}

static void service_exported_twice_in_one_spec_is_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "exports:\n  - service: a\n  - service: a\n", 5,
                 "service 'a' is exported twice (first on line 4)");
}

static void empty_file_is_rejected(void **state)
{
    (void)state;
    expect_error("", 1, "the file is empty");
    expect_error("# only a comment\n\n", 1, "the file is empty");
}

static void top_level_must_be_a_mapping(void **state)
{
    (void)state;
    expect_error("- name: a\n", 1, "must be a mapping of keys");
    expect_error("hello\n", 1, "got a plain value");
}

static void numbers_out_of_int64_range_are_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  r: { number: 9223372036854775808 }\n", 4, "out of range");
    expect_error(MIN_SPEC "env:\n  r: { number: -9223372036854775809 }\n", 4, "out of range");
    expect_error(MIN_SPEC "env:\n  r: { number: 0x8000000000000000 }\n", 4, "out of range");
}

static void env_item_with_two_kinds_is_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  x: { string: a, number: 1 }\n", 4,
                 "has two kinds, 'string' and 'number'");
    expect_error(MIN_SPEC "env:\n  x: {}\n", 4, "env item 'x' is empty");
    expect_error(MIN_SPEC "env:\n  x: hello\n", 4, "must be a mapping");
}

static void device_needs_a_compatible_and_a_valid_virtio_id(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  nic: { device: { virtio_id: 1 } }\n", 4,
                 "device 'nic' needs a 'compatible' string");
    expect_error(MIN_SPEC "env:\n  nic: { device: { compatible: a, virtio_id: -1 } }\n", 4,
                 "between 0 and 4294967295");
    expect_error(MIN_SPEC "env:\n  nic: { device: { compatible: a, irq: 3 } }\n", 4,
                 "unknown device key 'irq'");
    expect_error(MIN_SPEC "env:\n  nic: { device: { compatible: '' } }\n", 4, "must not be empty");
    expect_error(MIN_SPEC "env:\n  nic: { device: virtio }\n", 4,
                 "device 'nic' must be a mapping");
}

static void string_longer_than_the_limit_is_rejected(void **state)
{
    (void)state;
    char text[512] = MIN_SPEC "env:\n  s: { string: \"";
    memset(text + strlen(text), 'x', SPEC_STRING_MAX);
    strcat(text, "\" }\n");
    expect_error(text, 4, "too long (at most 127 bytes)");
}

static void error_names_the_file_and_keeps_the_end_of_long_paths(void **state)
{
    (void)state;
    char path[200];
    memset(path, 'd', sizeof(path));
    strcpy(path + sizeof(path) - strlen("/apps/x/spec.yaml") - 1, "/apps/x/spec.yaml");
    assert_int_equal(spec_parse(path, "name: 1\n", 8, &spec, &err), FTL_ERR_PARSE);
    assert_int_equal(strlen(err.file), SPEC_FILE_MAX - 1);
    assert_memory_equal(err.file, "...ddd", 6);
    assert_string_equal(err.file + strlen(err.file) - 17, "/apps/x/spec.yaml");
}

static void null_arguments_are_invalid(void **state)
{
    (void)state;
    assert_int_equal(spec_parse(FILE_NAME, NULL, 1, &spec, &err), FTL_ERR_INVALID_ARG);
    assert_int_equal(spec_parse(FILE_NAME, "", 0, NULL, &err), FTL_ERR_INVALID_ARG);
    assert_int_equal(spec_parse(FILE_NAME, "", 0, &spec, NULL), FTL_ERR_INVALID_ARG);
    assert_int_equal(spec_check_system(NULL, 1, NULL, NULL, NULL), FTL_ERR_INVALID_ARG);
}

static void file_must_be_valid_utf8(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  s: { string: \"\xff\" }\n", 4, "not valid UTF-8");
    expect_error(MIN_SPEC "env:\n  s: { string: \"\xc0\xaf\" }\n", 4, "not valid UTF-8");
    expect_error(MIN_SPEC "env:\n  s: { string: \"\xe2\x80\xa8\" }\n", 4, "U+2028");
    expect_error("name: a\xc2\x85\n", 1, "control character 0x85");
}

static void comment_needs_a_space_before_the_hash(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "exports: [#x\n]\n", 3, "a comment needs a space before '#'");
    expect_error("name: 'a'# x\n", 1, "unexpected text '# x'");
}

static void other_yaml_indicators_are_rejected(void **state)
{
    (void)state;
    expect_error("%YAML 1.2\n" MIN_SPEC, 1, "directives");
    expect_error("? name\n: a\n", 1, "complex keys");
    expect_error(MIN_SPEC ": a\n", 3, "missing key before ':'");
    expect_error("name: :a\n", 1, "quote values that start with ':'");
    expect_error("name: ?a\n", 1, "quote values that start with '?'");
    expect_error("name: @a\n", 1, "unexpected '@'");
    expect_error(MIN_SPEC "exports: [ - a ]\n", 3, "sequence entry is not allowed here");
}

static void sequence_cannot_start_on_its_key_line(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "exports: - service: a\n", 3, "cannot start on the line of its key");
}

static void text_below_the_top_mapping_indentation_is_rejected(void **state)
{
    (void)state;
    expect_error("  name: a\n  isolation: user\n exports: []\n", 3, "text after the end");
}

static void block_mapping_line_without_colon_is_rejected(void **state)
{
    (void)state;
    expect_error("name: a\nisolation\n", 2, "expected ':' after 'isolation'");
    expect_error(MIN_SPEC "- b\n", 3, "found a '- ' sequence entry");
    expect_error(MIN_SPEC "exports:\n  - {service: a}\n    b\n", 5, "unexpected indentation");
    expect_error(MIN_SPEC "exports:\n  - {service: a}\n  x: 1\n", 5,
                 "expected a '- ' sequence entry");
}

static void flow_collection_syntax_errors_are_rejected(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env: {a}\n", 3, "expected ':' after key 'a'");
    expect_error(MIN_SPEC "env: {,}\n", 3, "expected a key, found ','");
    expect_error(MIN_SPEC "exports: [,]\n", 3, "expected an entry, found ','");
    expect_error(MIN_SPEC "exports: [{service: a}}\n", 3, "expected ',' or ']', found '}'");
    expect_error(MIN_SPEC "exports: [a: b]\n", 3, "'key: value' pairs inside [ ]");
    expect_error(MIN_SPEC "env: { a: }\n", 3, "env item 'a' must be a mapping");
}

static void wrong_shapes_of_env_and_exports_are_type_errors(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env: [a]\n", 3, "'env' must be a mapping");
    expect_error(MIN_SPEC "exports: {a: b}\n", 3, "'exports' must be a sequence");
    expect_error(MIN_SPEC "exports: [a]\n", 3, "each export must be a mapping");
    expect_error(MIN_SPEC "exports: [{}]\n", 3, "empty export");
    expect_error(MIN_SPEC "exports:\n  - sevice: a\n", 4, "unknown key 'sevice' in an export");
    expect_error(MIN_SPEC "exports:\n  - service: a\n    env: b\n", 5, "not 'env' too");
}

static void missing_file_name_is_shown_as_a_placeholder(void **state)
{
    (void)state;
    assert_int_equal(spec_parse(NULL, "", 0, &spec, &err), FTL_ERR_PARSE);
    assert_string_equal(err.file, "<spec>");
}

// ---- grants ----

static void no_grants_means_none(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC);
    assert_int_equal(spec.grants.bits, 0);
    assert_int_equal(spec.grants.nspawn, 0);
    parse_ok(MIN_SPEC "grants:\n");
    assert_int_equal(spec.grants.bits, 0);
    parse_ok(MIN_SPEC "grants: {}\n");
    assert_int_equal(spec.grants.bits, 0);
}

static void every_grant_sets_its_bit(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "grants:\n  spawn: [hello]\n  log_read: true\n  ps: true\n"
                      "  stats: true\n  dma: true\n  device: true\n  console: true\n  vm: true\n");
    assert_int_equal(spec.grants.bits, SPEC_GRANT_SPAWN | SPEC_GRANT_LOG_READ | SPEC_GRANT_PS |
                                           SPEC_GRANT_STATS | SPEC_GRANT_DMA |
                                           SPEC_GRANT_DEVICE | SPEC_GRANT_CONSOLE | SPEC_GRANT_VM);
    parse_ok(MIN_SPEC "grants: { ps: true, stats: false, dma: false }\n");
    assert_int_equal(spec.grants.bits, SPEC_GRANT_PS);
}

static void spawn_grant_lists_names_in_flow_or_block_form(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "grants:\n  spawn:\n    - hello\n    - 'test_exit'\n");
    assert_int_equal(spec.grants.nspawn, 2);
    assert_true(spec_grants_spawn(&spec.grants, "hello"));
    assert_true(spec_grants_spawn(&spec.grants, "test_exit"));
    assert_false(spec_grants_spawn(&spec.grants, "test_exi"));
    assert_false(spec_grants_spawn(&spec.grants, "a"));
    parse_ok(MIN_SPEC "grants: { spawn: [] }\n");
    assert_int_equal(spec.grants.bits, 0);
    assert_false(spec_grants_spawn(&spec.grants, ""));
}

static void unknown_grant_is_reported_with_its_line(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "grants:\n  ps: true\n  spwan: [hello]\n", 5,
                 "unknown grant 'spwan' (did you mean 'spawn'?)");
    expect_error(MIN_SPEC "grants:\n  network: true\n", 4,
                 "unknown grant 'network' (expected spawn, log_read, ps, stats, dma, device, "
                 "console, vm, control or trace)");
    expect_error(MIN_SPEC "grant:\n  ps: true\n", 3, "unknown key 'grant' (did you mean 'grants'?)");
}

static void grant_values_must_have_their_type(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "grants:\n  ps: yes\n", 4, "grant 'ps' must be true or false, got 'yes'");
    expect_error(MIN_SPEC "grants:\n  dma: \"true\"\n", 4,
                 "grant 'dma' must be true or false, got the quoted string 'true'");
    expect_error(MIN_SPEC "grants:\n  log_read: [a]\n", 4, "grant 'log_read' must be true or false");
    expect_error(MIN_SPEC "grants:\n  spawn: hello\n", 4,
                 "grant 'spawn' must be a list of app names");
    expect_error(MIN_SPEC "grants:\n  spawn: [hello, { a: b }]\n", 4,
                 "each entry of grant 'spawn' must be an app name");
    expect_error(MIN_SPEC "grants:\n  spawn: [Hello]\n", 4, "bad app name in grant 'spawn'");
    expect_error(MIN_SPEC "grants: [ps]\n", 3, "'grants' must be a mapping");
}

static void duplicate_grants_are_reported(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "grants:\n  ps: true\n  ps: false\n", 5,
                 "duplicate grant 'ps' (first on line 4)");
    expect_error(MIN_SPEC "grants:\n  spawn:\n    - hello\n    - hello\n", 6,
                 "app 'hello' is listed twice in grant 'spawn' (first on line 5)");
    expect_error(MIN_SPEC "grants: { ps: true }\ngrants: { dma: true }\n", 4,
                 "duplicate key 'grants' (first on line 3)");
}

static void spawn_grant_holds_at_most_spawn_max_apps(void **state)
{
    (void)state;
    char text[512] = MIN_SPEC "grants:\n  spawn:\n";
    for (int i = 0; i < SPEC_SPAWN_MAX; i++) {
        sprintf(text + strlen(text), "    - app%d\n", i);
    }
    parse_ok(text);
    assert_int_equal(spec.grants.nspawn, SPEC_SPAWN_MAX);
    strcat(text, "    - one_more\n");
    expect_error(text, 5 + SPEC_SPAWN_MAX, "too many apps in grant 'spawn' (at most 24)");
}

static void boot_false_marks_an_app_started_only_on_demand(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC);
    assert_false(spec.no_boot);
    parse_ok(MIN_SPEC "boot: true\n");
    assert_false(spec.no_boot);
    parse_ok(MIN_SPEC "boot: false\n");
    assert_true(spec.no_boot);
    expect_error(MIN_SPEC "boot: no\n", 3, "'boot' must be true or false");
    expect_error(MIN_SPEC "boot: false\nboot: true\n", 4, "duplicate key 'boot'");
}

static void device_item_without_the_device_grant_is_an_error(void **state)
{
    (void)state;
    expect_error(MIN_SPEC "env:\n  greeting: { string: hi }\n  nic: { device: { compatible: a } }\n",
                 5, "env item 'nic' is a device: the spec needs 'grants: { device: true }'");
    expect_error(MIN_SPEC "env:\n  nic: { device: { compatible: a } }\ngrants: { dma: true }\n",
                 4, "env item 'nic' is a device");
    parse_ok(MIN_SPEC "grants: { device: true }\nenv:\n  nic: { device: { compatible: a } }\n");
}

// System checks: each test parses a few specs into `sys` and collects the errors.
struct errors {
    int count;
    struct spec_error list[8];
};

static void collect(void *ctx, const struct spec_error *e)
{
    struct errors *errs = ctx;
    if (errs->count < 8) {
        errs->list[errs->count] = *e;
    }
    errs->count++;
}

static void parse_app(size_t i, const char *file, const char *text)
{
    if (spec_parse(file, text, strlen(text), &sys[i], &err) != FTL_OK) {
        fail_msg("%s:%d: %s", file, err.line, err.reason);
    }
}

static void expect_system_error(const struct errors *errs, int i, const char *file, int line,
                                const char *reason)
{
    assert_true(i < errs->count);
    const struct spec_error *e = &errs->list[i];
    if (strcmp(e->file, file) != 0 || e->line != line || !strstr(e->reason, reason)) {
        fail_msg("got %s:%d '%s', want %s:%d '...%s...'", e->file, e->line, e->reason, file,
                 line, reason);
    }
}

static void valid_system_has_no_errors(void **state)
{
    (void)state;
    parse_app(0, "apps/echo/spec.yaml",
              "name: echo\nisolation: user\nexports: [{service: echo}]\n");
    parse_app(1, "apps/client/spec.yaml",
              "name: client\nisolation: wasm\nenv:\n  e: { service: echo }\n");
    bool ok[2] = {false, false};
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 2, ok, collect, &errs), FTL_OK);
    assert_int_equal(errs.count, 0);
    assert_true(ok[0] && ok[1]);
    assert_int_equal(spec_check_system(sys, 0, NULL, NULL, NULL), FTL_OK);
}

static void duplicate_app_names_are_reported(void **state)
{
    (void)state;
    parse_app(0, "apps/a/spec.yaml", "name: a\nisolation: user\n");
    parse_app(1, "apps/b/spec.yaml", "name: a\nisolation: user\n");
    parse_app(2, "apps/c/spec.yaml", "name: c\nisolation: user\n");
    bool ok[3];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 3, ok, collect, &errs), FTL_ERR_PARSE);
    assert_int_equal(errs.count, 1);
    expect_system_error(&errs, 0, "apps/b/spec.yaml", 0, "app name 'a' is also used by apps/a");
    assert_false(ok[0] || ok[1]);
    assert_true(ok[2]);
}

static void service_exported_twice_is_reported_at_the_second_export(void **state)
{
    (void)state;
    parse_app(0, "apps/a/spec.yaml", "name: a\nisolation: user\nexports:\n  - service: log\n");
    parse_app(1, "apps/b/spec.yaml",
              "name: b\nisolation: user\nexports:\n  - service: x\n  - service: log\n");
    bool ok[2];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 2, ok, collect, &errs), FTL_ERR_PARSE);
    assert_int_equal(errs.count, 1);
    expect_system_error(&errs, 0, "apps/b/spec.yaml", 5,
                        "service 'log' is also exported by app 'a' (apps/a/spec.yaml:4)");
    assert_false(ok[0] || ok[1]);
}

static void missing_service_is_reported_at_the_env_line(void **state)
{
    (void)state;
    parse_app(0, "apps/echo_client/spec.yaml",
              "name: echo_client\nisolation: user\nenv:\n  n: { number: 1 }\n"
              "  echo: { service: echo }\n");
    bool ok[1];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 1, ok, collect, &errs), FTL_ERR_PARSE);
    assert_int_equal(errs.count, 1);
    expect_system_error(&errs, 0, "apps/echo_client/spec.yaml", 5,
                        "app 'echo_client' needs service 'echo', which no app exports");
    assert_false(ok[0]);
}

static void dependency_cycle_names_its_members(void **state)
{
    (void)state;
    parse_app(0, "apps/a/spec.yaml", "name: a\nisolation: user\nenv:\n  x: { service: sb }\n"
                                     "exports: [{service: sa}, {service: sa2}]\n");
    parse_app(1, "apps/b/spec.yaml", "name: b\nisolation: user\nenv:\n  x: { service: sc }\n"
                                     "  y: { service: sc2 }\nexports: [{service: sb}]\n");
    parse_app(2, "apps/c/spec.yaml", "name: c\nisolation: user\nenv:\n  x: { service: sa }\n"
                                     "  y: { service: sa2 }\n"
                                     "exports: [{service: sc}, {service: sc2}]\n");
    parse_app(3, "apps/d/spec.yaml", "name: d\nisolation: user\n");
    bool ok[4];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 4, ok, collect, &errs), FTL_ERR_PARSE);
    assert_int_equal(errs.count, 1);
    expect_system_error(&errs, 0, "apps/a/spec.yaml", 4, "dependency cycle: a -> b -> c -> a");
    assert_false(ok[0] || ok[1] || ok[2]);
    assert_true(ok[3]);
}

static void self_dependency_is_reported(void **state)
{
    (void)state;
    parse_ok(full_example);
    sys[0] = spec;
    bool ok[1];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 1, ok, collect, &errs), FTL_ERR_PARSE);
    assert_int_equal(errs.count, 1);
    expect_system_error(&errs, 0, FILE_NAME, 4,
                        "app 'echo_client' needs service 'echo', which it exports itself");
    assert_false(ok[0]);
}

static void dependents_of_a_broken_app_cannot_start(void **state)
{
    (void)state;
    parse_app(0, "apps/top/spec.yaml", "name: top\nisolation: user\nenv:\n  m: { service: mid }\n");
    parse_app(1, "apps/mid/spec.yaml", "name: mid\nisolation: user\nenv:\n  b: { service: base }\n"
                                       "exports:\n  - service: mid\n");
    parse_app(2, "apps/base/spec.yaml", "name: base\nisolation: user\nenv:\n"
                                        "  n: { service: nowhere }\nexports:\n  - service: base\n");
    parse_app(3, "apps/other/spec.yaml", "name: other\nisolation: user\n");
    bool ok[4];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 4, ok, collect, &errs), FTL_ERR_PARSE);
    assert_int_equal(errs.count, 1);
    expect_system_error(&errs, 0, "apps/base/spec.yaml", 4, "needs service 'nowhere'");
    assert_false(ok[0] || ok[1] || ok[2]);
    assert_true(ok[3]);
}

static void more_than_system_max_apps_are_rejected(void **state)
{
    (void)state;
    static struct spec many[SPEC_SYSTEM_MAX + 1];
    static bool ok[SPEC_SYSTEM_MAX + 1];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(many, SPEC_SYSTEM_MAX + 1, ok, collect, &errs),
                     FTL_ERR_PARSE);
    assert_int_equal(errs.count, 1);
    assert_non_null(strstr(errs.list[0].reason, "too many apps (at most 128)"));
    assert_false(ok[0] || ok[SPEC_SYSTEM_MAX]);
}

static void restart_policy_is_read_and_defaults_to_never(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC);
    assert_int_equal(spec.restart, SPEC_RESTART_NEVER);
    parse_ok(MIN_SPEC "restart: always\n");
    assert_int_equal(spec.restart, SPEC_RESTART_ALWAYS);
    parse_ok(MIN_SPEC "restart: on-failure\n");
    assert_int_equal(spec.restart, SPEC_RESTART_ON_FAILURE);
    expect_error(MIN_SPEC "restart: sometimes\n", 3,
                 "unknown restart policy 'sometimes' (expected never, on-failure or always)");
    expect_error(MIN_SPEC "restart: [always]\n", 3, "'restart'");
}

static void control_grant_is_a_boolean_grant(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "grants: { control: true }\n");
    assert_int_equal(spec.grants.bits, SPEC_GRANT_CONTROL);
    parse_ok(MIN_SPEC "grants: { control: false }\n");
    assert_int_equal(spec.grants.bits, 0);
    expect_error(MIN_SPEC "grants: { control: 1 }\n", 3, "grant 'control'");
}

static void optional_service_item_may_have_no_exporter(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  c: { service: controller, optional: true }\n");
    assert_true(spec.env[0].optional);
    assert_string_equal(spec.env[0].str, "controller");
    parse_ok(MIN_SPEC "env:\n  c: { service: controller }\n");
    assert_false(spec.env[0].optional);
    expect_error(MIN_SPEC "env:\n  c: { service: x, optional: maybe }\n", 4, "'optional'");
    expect_error(MIN_SPEC "env:\n  c: { string: x, optional: true }\n", 4, "two kinds");
    parse_app(0, "apps/a/spec.yaml",
              "name: a\nisolation: user\nenv:\n  c: { service: nobody, optional: true }\n");
    bool ok[1];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 1, ok, collect, &errs), FTL_OK);
    assert_int_equal(errs.count, 0);
    assert_true(ok[0]);
}

static void via_lists_interceptor_apps(void **state)
{
    (void)state;
    parse_ok(MIN_SPEC "env:\n  echo: { service: echo, via: [ratelimit, msglog] }\n");
    assert_int_equal(spec.env[0].nvia, 2);
    assert_string_equal(spec.env[0].via[0], "ratelimit");
    assert_string_equal(spec.env[0].via[1], "msglog");
    expect_error(MIN_SPEC "env:\n  echo: { service: echo, via: ratelimit }\n", 4,
                 "'via' of env item 'echo' must be a list of interceptor apps");
    expect_error(MIN_SPEC "env:\n  echo: { service: echo, via: [a, b, c] }\n", 4,
                 "too many apps in 'via' (at most 2)");
    expect_error(MIN_SPEC "env:\n  echo: { service: echo, via: [a, a] }\n", 4, "listed twice");
    expect_error(MIN_SPEC "env:\n  echo: { service: echo, via: [a], via: [b] }\n", 4,
                 "duplicate key 'via'");
    expect_error(MIN_SPEC "env:\n  s: { string: x, via: [a] }\n", 4, "two kinds");
    parse_app(0, "apps/a/spec.yaml", "name: a\nisolation: user\nexports: [{service: s}]\n");
    parse_app(1, "apps/b/spec.yaml",
              "name: b\nisolation: user\nenv:\n  s: { service: s, via: [nobody] }\n");
    bool ok[2];
    struct errors errs = {0};
    assert_int_equal(spec_check_system(sys, 2, ok, collect, &errs), FTL_ERR_PARSE);
    expect_system_error(&errs, 0, "apps/b/spec.yaml", 4,
                        "interceptor 'nobody' of env item 's' is not an app");
    assert_true(ok[0]);
    assert_false(ok[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(via_lists_interceptor_apps),
        cmocka_unit_test(restart_policy_is_read_and_defaults_to_never),
        cmocka_unit_test(control_grant_is_a_boolean_grant),
        cmocka_unit_test(optional_service_item_may_have_no_exporter),
        cmocka_unit_test(full_example_spec_parses_every_field),
        cmocka_unit_test(comments_are_ignored_at_line_start_and_after_values),
        cmocka_unit_test(hash_without_space_before_it_is_part_of_the_value),
        cmocka_unit_test(env_item_may_be_a_block_mapping),
        cmocka_unit_test(exports_may_be_a_sequence_at_the_key_column),
        cmocka_unit_test(exports_may_be_flow_mappings_in_a_flow_sequence),
        cmocka_unit_test(flow_mapping_may_span_lines),
        cmocka_unit_test(whole_spec_may_be_one_flow_mapping),
        cmocka_unit_test(empty_flow_sequence_means_no_exports),
        cmocka_unit_test(empty_env_and_exports_mean_none),
        cmocka_unit_test(single_quoted_string_unescapes_doubled_quotes),
        cmocka_unit_test(double_quoted_string_decodes_escapes),
        cmocka_unit_test(numbers_may_be_signed_decimal_or_hex),
        cmocka_unit_test(int64_limits_parse),
        cmocka_unit_test(device_without_virtio_id_gets_minus_one),
        cmocka_unit_test(document_marker_may_start_the_file),
        cmocka_unit_test(crlf_line_endings_and_a_bom_are_accepted),
        cmocka_unit_test(text_need_not_be_nul_terminated),
        cmocka_unit_test(keys_may_be_quoted_and_in_any_order),
        cmocka_unit_test(isolation_names_match_the_spec_words),
        cmocka_unit_test(tab_indentation_is_rejected),
        cmocka_unit_test(anchors_aliases_and_tags_are_rejected),
        cmocka_unit_test(second_document_is_rejected),
        cmocka_unit_test(block_scalars_are_rejected),
        cmocka_unit_test(dedent_to_an_unknown_column_is_rejected),
        cmocka_unit_test(extra_indentation_is_rejected),
        cmocka_unit_test(unterminated_quotes_are_rejected),
        cmocka_unit_test(unterminated_flow_mapping_is_reported_at_its_opening_line),
        cmocka_unit_test(text_after_a_value_is_rejected),
        cmocka_unit_test(unknown_escape_is_rejected),
        cmocka_unit_test(colon_space_inside_a_plain_value_is_rejected),
        cmocka_unit_test(control_characters_are_rejected),
        cmocka_unit_test(nesting_deeper_than_the_yaml_limit_is_rejected),
        cmocka_unit_test(multi_line_plain_value_is_rejected),
        cmocka_unit_test(unknown_key_is_reported_with_its_line),
        cmocka_unit_test(unknown_key_far_from_any_lists_the_valid_keys),
        cmocka_unit_test(preopens_name_one_directory_of_the_fs_service),
        cmocka_unit_test(several_preopens_keep_their_order),
        cmocka_unit_test(bad_preopens_are_reported),
        cmocka_unit_test(limits_override_heap_and_handles),
        cmocka_unit_test(limits_default_to_zero),
        cmocka_unit_test(limit_out_of_range_is_reported),
        cmocka_unit_test(unknown_limit_is_reported),
        cmocka_unit_test(unknown_env_kind_is_reported),
        cmocka_unit_test(non_integer_number_is_a_type_error),
        cmocka_unit_test(string_given_a_mapping_is_a_type_error),
        cmocka_unit_test(name_given_a_sequence_is_a_type_error),
        cmocka_unit_test(bad_name_characters_are_rejected),
        cmocka_unit_test(name_of_32_characters_is_too_long),
        cmocka_unit_test(missing_name_is_reported),
        cmocka_unit_test(missing_isolation_is_reported),
        cmocka_unit_test(unknown_isolation_lists_the_valid_ones),
        cmocka_unit_test(duplicate_key_is_reported_with_the_first_line),
        cmocka_unit_test(duplicate_env_item_is_rejected),
        cmocka_unit_test(more_than_env_max_items_are_rejected),
        cmocka_unit_test(more_than_exports_max_are_rejected),
        cmocka_unit_test(service_exported_twice_in_one_spec_is_rejected),
        cmocka_unit_test(empty_file_is_rejected),
        cmocka_unit_test(top_level_must_be_a_mapping),
        cmocka_unit_test(numbers_out_of_int64_range_are_rejected),
        cmocka_unit_test(env_item_with_two_kinds_is_rejected),
        cmocka_unit_test(device_needs_a_compatible_and_a_valid_virtio_id),
        cmocka_unit_test(no_grants_means_none),
        cmocka_unit_test(every_grant_sets_its_bit),
        cmocka_unit_test(spawn_grant_lists_names_in_flow_or_block_form),
        cmocka_unit_test(unknown_grant_is_reported_with_its_line),
        cmocka_unit_test(grant_values_must_have_their_type),
        cmocka_unit_test(duplicate_grants_are_reported),
        cmocka_unit_test(spawn_grant_holds_at_most_spawn_max_apps),
        cmocka_unit_test(boot_false_marks_an_app_started_only_on_demand),
        cmocka_unit_test(device_item_without_the_device_grant_is_an_error),
        cmocka_unit_test(string_longer_than_the_limit_is_rejected),
        cmocka_unit_test(error_names_the_file_and_keeps_the_end_of_long_paths),
        cmocka_unit_test(null_arguments_are_invalid),
        cmocka_unit_test(file_must_be_valid_utf8),
        cmocka_unit_test(comment_needs_a_space_before_the_hash),
        cmocka_unit_test(other_yaml_indicators_are_rejected),
        cmocka_unit_test(sequence_cannot_start_on_its_key_line),
        cmocka_unit_test(text_below_the_top_mapping_indentation_is_rejected),
        cmocka_unit_test(block_mapping_line_without_colon_is_rejected),
        cmocka_unit_test(flow_collection_syntax_errors_are_rejected),
        cmocka_unit_test(wrong_shapes_of_env_and_exports_are_type_errors),
        cmocka_unit_test(missing_file_name_is_shown_as_a_placeholder),
        cmocka_unit_test(valid_system_has_no_errors),
        cmocka_unit_test(duplicate_app_names_are_reported),
        cmocka_unit_test(service_exported_twice_is_reported_at_the_second_export),
        cmocka_unit_test(missing_service_is_reported_at_the_env_line),
        cmocka_unit_test(dependency_cycle_names_its_members),
        cmocka_unit_test(self_dependency_is_reported),
        cmocka_unit_test(dependents_of_a_broken_app_cannot_start),
        cmocka_unit_test(more_than_system_max_apps_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
