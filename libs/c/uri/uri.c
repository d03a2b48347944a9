// The tcpip URI grammar: a scheme, then an IPv4 address and a port, or a MAC address.
// The parser walks a cursor over the caller's bytes and never reads past `len`.
#include "ftl/uri.h"

#include <string.h>

struct cursor {
    const char *p;   // next byte
    const char *end; // one past the last byte
};

static bool at_end(const struct cursor *c)
{
    return c->p == c->end;
}

static bool take_char(struct cursor *c, char ch)
{
    if (at_end(c) || *c->p != ch) {
        return false;
    }
    c->p++;
    return true;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int hex_value(char ch)
{
    if (is_digit(ch)) {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

// Reads a decimal of 1..max_digits digits without a leading zero (so "010" is not taken
// for octal) into *out. Returns false, consuming nothing useful, when there is none.
static bool take_decimal(struct cursor *c, int max_digits, uint32_t *out)
{
    const char *start = c->p;
    uint32_t v = 0;
    while (!at_end(c) && is_digit(*c->p)) {
        if (c->p - start == max_digits) {
            return false;
        }
        v = v * 10 + (uint32_t)(*c->p - '0');
        c->p++;
    }
    if (c->p == start || (c->p - start > 1 && *start == '0')) {
        return false;
    }
    *out = v;
    return true;
}

static bool take_ipv4(struct cursor *c, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        uint32_t v;
        if (i > 0 && !take_char(c, '.')) {
            return false;
        }
        if (!take_decimal(c, 3, &v) || v > 255) {
            return false;
        }
        out[i] = (uint8_t)v;
    }
    return true;
}

static bool take_mac(struct cursor *c, uint8_t out[6])
{
    for (int i = 0; i < 6; i++) {
        if (i > 0 && !take_char(c, ':')) {
            return false;
        }
        if (c->end - c->p < 2) {
            return false;
        }
        int hi = hex_value(c->p[0]);
        int lo = hex_value(c->p[1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
        c->p += 2;
    }
    return true;
}

// Consumes `scheme` followed by ':' if the input starts with them.
static bool take_scheme(struct cursor *c, const char *scheme)
{
    size_t n = strlen(scheme);
    if ((size_t)(c->end - c->p) <= n || memcmp(c->p, scheme, n) != 0 || c->p[n] != ':') {
        return false;
    }
    c->p += n + 1;
    return true;
}

static ftl_err_t fail(const char **out_reason, const char *reason)
{
    if (out_reason) {
        *out_reason = reason;
    }
    return FTL_ERR_PARSE;
}

// Parses "<ip>:<port>" up to the end of input into `u`.
static ftl_err_t parse_ip_port(struct cursor *c, struct ftl_uri *u, const char **out_reason)
{
    if (at_end(c)) {
        return fail(out_reason, "missing IPv4 address");
    }
    if (!take_ipv4(c, u->ip)) {
        return fail(out_reason, "bad IPv4 address: want four numbers 0-255 joined by '.'");
    }
    if (!take_char(c, ':')) {
        return fail(out_reason, at_end(c) ? "missing ':<port>' after the address"
                                          : "unexpected character after the address");
    }
    if (at_end(c)) {
        return fail(out_reason, "missing port");
    }
    uint32_t port;
    if (!take_decimal(c, 5, &port)) {
        return fail(out_reason, "bad port: want a decimal number 1-65535");
    }
    if (port == 0 || port > 65535) {
        return fail(out_reason, "port out of range: want 1-65535");
    }
    u->port = (uint16_t)port;
    if (!at_end(c)) {
        return fail(out_reason, "unexpected characters after the port");
    }
    return FTL_OK;
}

static ftl_err_t parse_mac(struct cursor *c, struct ftl_uri *u, const char **out_reason)
{
    if (at_end(c)) {
        return fail(out_reason, "missing MAC address");
    }
    if (!take_mac(c, u->mac)) {
        return fail(out_reason, "bad MAC address: want six hex pairs joined by ':'");
    }
    if (!at_end(c)) {
        return fail(out_reason, "unexpected characters after the MAC address");
    }
    if (u->mac[0] & 1) {
        return fail(out_reason, "MAC address is multicast: a device needs a unicast one");
    }
    static const uint8_t zero[6];
    if (memcmp(u->mac, zero, sizeof(zero)) == 0) {
        return fail(out_reason, "MAC address is all zero");
    }
    return FTL_OK;
}

ftl_err_t ftl_uri_parse(const char *s, size_t len, struct ftl_uri *out_uri, const char **out_reason)
{
    if (!s || !out_uri) {
        return FTL_ERR_INVALID_ARG;
    }
    if (len > FTL_URI_MAX_LEN) {
        return fail(out_reason, "URI too long");
    }
    struct cursor c = {s, s + len};
    struct ftl_uri u;
    memset(&u, 0, sizeof(u));
    ftl_err_t err;
    // "tcp-listen:" before "tcp:", though neither is a prefix of the other with the ':'.
    if (take_scheme(&c, "tcp-listen")) {
        u.kind = FTL_URI_TCP_LISTEN;
        err = parse_ip_port(&c, &u, out_reason);
    } else if (take_scheme(&c, "tcp")) {
        u.kind = FTL_URI_TCP;
        err = parse_ip_port(&c, &u, out_reason);
        if (err == FTL_OK && ftl_uri_is_any(&u)) {
            err = fail(out_reason, "tcp: needs a destination address, not 0.0.0.0");
        }
    } else if (take_scheme(&c, "udp")) {
        u.kind = FTL_URI_UDP;
        err = parse_ip_port(&c, &u, out_reason);
    } else if (take_scheme(&c, "ethernet")) {
        u.kind = FTL_URI_ETHERNET;
        err = parse_mac(&c, &u, out_reason);
    } else {
        err = fail(out_reason, "unknown scheme: want tcp-listen:, tcp:, udp: or ethernet:");
    }
    if (err == FTL_OK) {
        *out_uri = u;
    }
    return err;
}

bool ftl_uri_is_any(const struct ftl_uri *uri)
{
    return uri->kind != FTL_URI_ETHERNET && uri->ip[0] == 0 && uri->ip[1] == 0 && uri->ip[2] == 0 &&
           uri->ip[3] == 0;
}

// Appends the decimal form of `v` at buf[*pos] if it fits below `size`.
static bool put_decimal(char *buf, size_t size, size_t *pos, uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    if (*pos + (size_t)n >= size) {
        return false;
    }
    while (n > 0) {
        buf[(*pos)++] = digits[--n];
    }
    return true;
}

static bool put_str(char *buf, size_t size, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (*pos + n >= size) {
        return false;
    }
    memcpy(buf + *pos, s, n);
    *pos += n;
    return true;
}

static bool put_mac(char *buf, size_t size, size_t *pos, const uint8_t mac[6])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 6; i++) {
        if (*pos + (i > 0) + 2 >= size) {
            return false;
        }
        if (i > 0) {
            buf[(*pos)++] = ':';
        }
        buf[(*pos)++] = hex[mac[i] >> 4];
        buf[(*pos)++] = hex[mac[i] & 15];
    }
    return true;
}

static bool put_ip_port(char *buf, size_t size, size_t *pos, const struct ftl_uri *uri)
{
    for (int i = 0; i < 4; i++) {
        if ((i > 0 && !put_str(buf, size, pos, ".")) || !put_decimal(buf, size, pos, uri->ip[i])) {
            return false;
        }
    }
    return put_str(buf, size, pos, ":") && put_decimal(buf, size, pos, uri->port);
}

ftl_err_t ftl_uri_format(const struct ftl_uri *uri, char *buf, size_t size, size_t *out_len)
{
    if (!uri || !buf) {
        return FTL_ERR_INVALID_ARG;
    }
    static const char *const schemes[] = {
        [FTL_URI_TCP_LISTEN] = "tcp-listen:",
        [FTL_URI_TCP] = "tcp:",
        [FTL_URI_UDP] = "udp:",
        [FTL_URI_ETHERNET] = "ethernet:",
    };
    if ((unsigned)uri->kind > FTL_URI_ETHERNET) {
        return FTL_ERR_INVALID_ARG;
    }
    size_t pos = 0;
    bool ok = put_str(buf, size, &pos, schemes[uri->kind]);
    if (uri->kind == FTL_URI_ETHERNET) {
        ok = ok && put_mac(buf, size, &pos, uri->mac);
    } else {
        ok = ok && put_ip_port(buf, size, &pos, uri);
    }
    if (!ok) {
        if (size > 0) {
            buf[0] = '\0';
        }
        return FTL_ERR_BUFFER_TOO_SMALL;
    }
    buf[pos] = '\0';
    if (out_len) {
        *out_len = pos;
    }
    return FTL_OK;
}
