// Tests of the tcpip URI parser: every scheme, the any address, and each way a URI can
// be malformed (address, port, missing parts, trailing junk, MAC).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ftl/uri.h"

static ftl_err_t parse(const char *s, struct ftl_uri *out)
{
    const char *reason = NULL;
    ftl_err_t err = ftl_uri_parse(s, strlen(s), out, &reason);
    if (err == FTL_ERR_PARSE) {
        assert_non_null(reason); // every rejection says why
    }
    return err;
}

static void assert_rejected(const char *s)
{
    struct ftl_uri u;
    memset(&u, 0xa5, sizeof(u));
    struct ftl_uri before = u;
    if (parse(s, &u) != FTL_ERR_PARSE) {
        fail_msg("accepted \"%s\"", s);
    }
    assert_memory_equal(&u, &before, sizeof(u)); // untouched on failure
}

static void tcp_listen_parses_address_and_port(void **state)
{
    (void)state;
    struct ftl_uri u;
    assert_int_equal(parse("tcp-listen:10.0.2.15:80", &u), FTL_OK);
    assert_int_equal(u.kind, FTL_URI_TCP_LISTEN);
    const uint8_t ip[4] = {10, 0, 2, 15};
    assert_memory_equal(u.ip, ip, 4);
    assert_int_equal(u.port, 80);
}

static void tcp_listen_accepts_any_address(void **state)
{
    (void)state;
    struct ftl_uri u;
    assert_int_equal(parse("tcp-listen:0.0.0.0:8080", &u), FTL_OK);
    assert_true(ftl_uri_is_any(&u));
}

static void tcp_parses_destination(void **state)
{
    (void)state;
    struct ftl_uri u;
    assert_int_equal(parse("tcp:192.168.1.255:65535", &u), FTL_OK);
    assert_int_equal(u.kind, FTL_URI_TCP);
    const uint8_t ip[4] = {192, 168, 1, 255};
    assert_memory_equal(u.ip, ip, 4);
    assert_int_equal(u.port, 65535);
}

static void tcp_to_any_address_is_rejected(void **state)
{
    (void)state;
    assert_rejected("tcp:0.0.0.0:80");
}

static void udp_parses_and_accepts_any(void **state)
{
    (void)state;
    struct ftl_uri u;
    assert_int_equal(parse("udp:0.0.0.0:1", &u), FTL_OK);
    assert_int_equal(u.kind, FTL_URI_UDP);
    assert_int_equal(u.port, 1);
    assert_true(ftl_uri_is_any(&u));
}

static void ethernet_parses_mac_in_either_case(void **state)
{
    (void)state;
    struct ftl_uri u;
    assert_int_equal(parse("ethernet:52:54:00:Ab:cD:ef", &u), FTL_OK);
    assert_int_equal(u.kind, FTL_URI_ETHERNET);
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
    assert_memory_equal(u.mac, mac, 6);
    assert_false(ftl_uri_is_any(&u));
}

static void bad_addresses_are_rejected(void **state)
{
    (void)state;
    const char *bad[] = {
        "tcp:256.0.0.1:80", "tcp:1.2.3:80",     "tcp:1.2.3.4.5:80",  "tcp:1..3.4:80",
        "tcp:01.2.3.4:80",  "tcp:1.2.3.004:80", "tcp:a.b.c.d:80",    "tcp:-1.2.3.4:80",
        "tcp: 1.2.3.4:80",  "tcp:1.2.3.4 :80",  "tcp:1234.1.1.1:80", "tcp:.1.2.3:80",
        "tcp:1.2.3.:80",    "tcp:localhost:80", "tcp:[::1]:80",      "tcp:1.2.3.4x:80",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rejected(bad[i]);
    }
}

static void port_zero_is_rejected(void **state)
{
    (void)state;
    assert_rejected("tcp-listen:0.0.0.0:0");
    assert_rejected("udp:1.2.3.4:0");
}

static void port_above_65535_is_rejected(void **state)
{
    (void)state;
    assert_rejected("tcp:1.2.3.4:65536");
    assert_rejected("tcp:1.2.3.4:99999");
    assert_rejected("tcp:1.2.3.4:100000");
    assert_rejected("tcp:1.2.3.4:4294967376"); // 2^32 + 80 must not wrap to 80
}

static void malformed_ports_are_rejected(void **state)
{
    (void)state;
    assert_rejected("tcp:1.2.3.4:080");
    assert_rejected("tcp:1.2.3.4:+80");
    assert_rejected("tcp:1.2.3.4:-80");
    assert_rejected("tcp:1.2.3.4:0x50");
    assert_rejected("tcp:1.2.3.4: 80");
}

static void missing_parts_are_rejected(void **state)
{
    (void)state;
    const char *bad[] = {
        "",          "tcp",         "tcp:",        "tcp:1.2.3.4",     "tcp:1.2.3.4:",
        "tcp::80",   "tcp-listen",  "tcp-listen:", "udp:1.2.3.4",     "ethernet",
        "ethernet:", ":1.2.3.4:80", "1.2.3.4:80",  "tcp:1.2.3.4::80",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rejected(bad[i]);
    }
}

static void trailing_junk_is_rejected(void **state)
{
    (void)state;
    assert_rejected("tcp:1.2.3.4:80 ");
    assert_rejected("tcp:1.2.3.4:80/");
    assert_rejected("tcp:1.2.3.4:80:81");
    assert_rejected("udp:1.2.3.4:80\n");
    assert_rejected("ethernet:52:54:00:12:34:56:78");
    assert_rejected("ethernet:52:54:00:12:34:56 ");
}

static void embedded_nul_is_rejected(void **state)
{
    (void)state;
    struct ftl_uri u;
    const char s[] = "tcp:1.2.3.4:80\0junk";
    assert_int_equal(ftl_uri_parse(s, sizeof(s) - 1, &u, NULL), FTL_ERR_PARSE);
}

static void length_bounds_the_read(void **state)
{
    (void)state;
    // Only the first 16 bytes are the URI; the rest must not be looked at.
    struct ftl_uri u;
    assert_int_equal(ftl_uri_parse("tcp:1.2.3.4:8080garbage", 16, &u, NULL), FTL_OK);
    assert_int_equal(u.port, 8080);
}

static void unknown_schemes_are_rejected(void **state)
{
    (void)state;
    assert_rejected("TCP:1.2.3.4:80");
    assert_rejected("tcp-connect:1.2.3.4:80");
    assert_rejected("sctp:1.2.3.4:80");
    assert_rejected("tcplisten:1.2.3.4:80");
    assert_rejected("http://1.2.3.4:80");
}

static void bad_macs_are_rejected(void **state)
{
    (void)state;
    const char *bad[] = {
        "ethernet:52:54:00:12:34",    "ethernet:52:54:00:12:34:5",  "ethernet:52:54:00:12:34:5g",
        "ethernet:52-54-00-12-34-56", "ethernet:525400123456",      "ethernet:52:54:00:12:34:",
        "ethernet:5:254:00:12:34:56", "ethernet:52::54:00:12:34",   "ethernet:01:00:5e:00:00:01",
        "ethernet:ff:ff:ff:ff:ff:ff", "ethernet:00:00:00:00:00:00", "ethernet:1.2.3.4:80",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rejected(bad[i]);
    }
}

static void overlong_input_is_rejected(void **state)
{
    (void)state;
    char s[FTL_URI_MAX_LEN + 2];
    memset(s, '1', sizeof(s));
    memcpy(s, "tcp:1.2.3.4:", 12);
    struct ftl_uri u;
    assert_int_equal(ftl_uri_parse(s, sizeof(s), &u, NULL), FTL_ERR_PARSE);
}

static void null_arguments_are_invalid(void **state)
{
    (void)state;
    struct ftl_uri u;
    assert_int_equal(ftl_uri_parse(NULL, 0, &u, NULL), FTL_ERR_INVALID_ARG);
    assert_int_equal(ftl_uri_parse("tcp:1.2.3.4:1", 13, NULL, NULL), FTL_ERR_INVALID_ARG);
}

static void format_round_trips_every_kind(void **state)
{
    (void)state;
    const char *ok[] = {"tcp-listen:0.0.0.0:80", "tcp:10.0.2.2:65535", "udp:255.255.255.255:1",
                        "ethernet:52:54:00:ab:cd:ef"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct ftl_uri u;
        char buf[FTL_URI_MAX_LEN + 1];
        size_t len;
        assert_int_equal(parse(ok[i], &u), FTL_OK);
        assert_int_equal(ftl_uri_format(&u, buf, sizeof(buf), &len), FTL_OK);
        assert_string_equal(buf, ok[i]);
        assert_int_equal(len, strlen(ok[i]));
    }
}

static void format_into_short_buffer_fails(void **state)
{
    (void)state;
    struct ftl_uri u;
    assert_int_equal(parse("tcp:10.0.2.2:80", &u), FTL_OK);
    char buf[15]; // needs 16 with the NUL
    assert_int_equal(ftl_uri_format(&u, buf, sizeof(buf), NULL), FTL_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(ftl_uri_format(&u, buf, 0, NULL), FTL_ERR_BUFFER_TOO_SMALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_listen_parses_address_and_port),
        cmocka_unit_test(tcp_listen_accepts_any_address),
        cmocka_unit_test(tcp_parses_destination),
        cmocka_unit_test(tcp_to_any_address_is_rejected),
        cmocka_unit_test(udp_parses_and_accepts_any),
        cmocka_unit_test(ethernet_parses_mac_in_either_case),
        cmocka_unit_test(bad_addresses_are_rejected),
        cmocka_unit_test(port_zero_is_rejected),
        cmocka_unit_test(port_above_65535_is_rejected),
        cmocka_unit_test(malformed_ports_are_rejected),
        cmocka_unit_test(missing_parts_are_rejected),
        cmocka_unit_test(trailing_junk_is_rejected),
        cmocka_unit_test(embedded_nul_is_rejected),
        cmocka_unit_test(length_bounds_the_read),
        cmocka_unit_test(unknown_schemes_are_rejected),
        cmocka_unit_test(bad_macs_are_rejected),
        cmocka_unit_test(overlong_input_is_rejected),
        cmocka_unit_test(null_arguments_are_invalid),
        cmocka_unit_test(format_round_trips_every_kind),
        cmocka_unit_test(format_into_short_buffer_fails),
    };
    return cmocka_run_group_tests_name("uri", tests, NULL, NULL);
}
