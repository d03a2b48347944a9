// Parsing and printing of the URIs clients OPEN on the tcpip app:
//   tcp-listen:<ip>:<port>   udp:<ip>:<port>   tcp:<ip>:<port>   ethernet:<mac>
// Pure functions over caller memory: no allocation, no global state.
#ifndef FTL_URI_H
#define FTL_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ftl/abi.h>

/// Longest URI accepted, in bytes ("tcp-listen:255.255.255.255:65535" is 32).
#define FTL_URI_MAX_LEN 64

enum ftl_uri_kind {
    FTL_URI_TCP_LISTEN, // accept TCP connections on ip:port; ip may be 0.0.0.0 (any)
    FTL_URI_TCP,        // connect to ip:port; ip may not be 0.0.0.0
    FTL_URI_UDP,        // UDP socket bound to ip:port; ip may be 0.0.0.0 (any)
    FTL_URI_ETHERNET,   // a network device registering its MAC address
};

struct ftl_uri {
    enum ftl_uri_kind kind;
    uint8_t ip[4];  // IPv4 address, most significant byte first (10.0.2.15 is {10,0,2,15})
    uint16_t port;  // 1..65535; ip and port are 0 for FTL_URI_ETHERNET
    uint8_t mac[6]; // unicast, non-zero; all 0 except for FTL_URI_ETHERNET
};

/// Parses the `len` bytes at `s` (no NUL terminator needed; a NUL byte is junk) into
/// `*out_uri`. Schemes are lower case; an address is four decimal numbers 0..255 without
/// leading zeros; a port is a decimal 1..65535 without leading zeros; a MAC is six pairs of
/// hex digits (either case) separated by ':', unicast and not all zero.
/// Returns FTL_OK; FTL_ERR_PARSE if the bytes are not such a URI, with `*out_reason` (when
/// `out_reason` is not NULL) set to a static English sentence naming the first problem;
/// FTL_ERR_INVALID_ARG if `s` or `out_uri` is NULL. `*out_uri` is written only on success.
FTL_MUST_CHECK ftl_err_t ftl_uri_parse(const char *s, size_t len, struct ftl_uri *out_uri,
                                       const char **out_reason);

/// Writes `uri` in the form ftl_uri_parse() reads, NUL-terminated, into `buf` of `size`
/// bytes; `*out_len` (may be NULL) gets the length without the NUL. Returns FTL_OK,
/// FTL_ERR_BUFFER_TOO_SMALL if `size` is too small (nothing useful is written), or
/// FTL_ERR_INVALID_ARG for an unknown kind or a NULL pointer.
FTL_MUST_CHECK ftl_err_t ftl_uri_format(const struct ftl_uri *uri, char *buf, size_t size,
                                        size_t *out_len);

/// True if `uri` names the any address 0.0.0.0 (meaningful for listen and udp).
bool ftl_uri_is_any(const struct ftl_uri *uri);

#endif
