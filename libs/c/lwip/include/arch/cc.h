// lwIP's compiler and platform glue for FTL: types from the compiler's headers, no printf,
// and the hooks (random numbers, assertion failures) that the tcpip app provides.
#ifndef FTL_LWIP_ARCH_CC_H
#define FTL_LWIP_ARCH_CC_H

#include <stdint.h>

// aarch64 and x86-64 (the host tests) are both little-endian.
#define BYTE_ORDER LITTLE_ENDIAN

// lwIP's own isdigit() & co., so no ctype table is needed; no <inttypes.h> either, since
// the format macros are used only by debug output, which is off.
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_INTTYPES_H 1

// Byte swaps compile to one `rev` instruction instead of lwIP's shift-and-or functions.
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/// Returns 32 random bits. lwIP uses it for ephemeral TCP/UDP ports and the DHCP
/// transaction id. Not provided by this library: the app implements it (from the
/// kernel's entropy, or a counter mixed with the clock).
uint32_t ftl_lwip_rand(void);
#define LWIP_RAND() ((u32_t)ftl_lwip_rand())

/// Called when an lwIP internal assertion fails; must not return. Not provided by this
/// library: the app logs `msg`, `file` and `line` and exits.
_Noreturn void ftl_lwip_assert_failed(const char *msg, const char *file, int line);

#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) ftl_lwip_assert_failed((x), __FILE__, __LINE__)

#endif
