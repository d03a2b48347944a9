// memcpy, memmove and memset for native apps, linked before picolibc's, whose
// size-optimized versions move one byte per loop turn (six instructions a byte: 24,000
// for a 4 KiB message, more than the kernel spends sending it). arm64 allows unaligned
// accesses to normal memory, so these move 8 bytes at a time whatever the alignment
// (the type tells the compiler not to assume any), as the kernel's own do
// (kernel/lib/string.c). `no_builtin` keeps the compiler from turning the loops back
// into calls to the functions themselves; the loops are kept as written (no vector
// versions with alias checks) because every app links this file: about 300 bytes in all,
// each function in a section of its own so that an app keeps only the ones it calls.
#include <stddef.h>
#include <stdint.h>

#define AS_WRITTEN _Pragma("clang loop vectorize(disable) interleave(disable) unroll(disable)")

typedef uint64_t __attribute__((aligned(1), may_alias)) word_t;

__attribute__((no_builtin, section(".text.memcpy"))) void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    AS_WRITTEN
    for (; n >= 32; n -= 32, d += 32, s += 32) {
        word_t a = ((const word_t *)s)[0], b = ((const word_t *)s)[1];
        word_t c = ((const word_t *)s)[2], e = ((const word_t *)s)[3];
        ((word_t *)d)[0] = a;
        ((word_t *)d)[1] = b;
        ((word_t *)d)[2] = c;
        ((word_t *)d)[3] = e;
    }
    AS_WRITTEN
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        *(word_t *)d = *(const word_t *)s;
    }
    AS_WRITTEN
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

__attribute__((no_builtin, section(".text.memmove"))) void *memmove(void *dst, const void *src,
                                                                    size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) {
        return memcpy(dst, src, n); // a forward copy is safe
    }
    // Backwards, 8 bytes at a time: each word is read before anything overwrites it.
    AS_WRITTEN
    for (; n >= 8; n -= 8) {
        *(word_t *)(d + n - 8) = *(const word_t *)(s + n - 8);
    }
    AS_WRITTEN
    while (n--) {
        d[n] = s[n];
    }
    return dst;
}

__attribute__((no_builtin, section(".text.memset"))) void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    word_t v = (uint8_t)c * 0x0101010101010101ull;
    AS_WRITTEN
    for (; n >= 32; n -= 32, d += 32) {
        ((word_t *)d)[0] = v;
        ((word_t *)d)[1] = v;
        ((word_t *)d)[2] = v;
        ((word_t *)d)[3] = v;
    }
    AS_WRITTEN
    for (; n >= 8; n -= 8, d += 8) {
        *(word_t *)d = v;
    }
    AS_WRITTEN
    while (n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}
