// The C string and memory functions the freestanding kernel uses (clang may also
// emit calls to memcpy/memset on its own).
#include "../klib.h"

// arm64 allows unaligned accesses to normal memory, so copies move 8 bytes at a
// time whatever the alignment (the type tells the compiler not to assume any).
typedef uint64_t __attribute__((aligned(1), may_alias)) word_t;

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (; n >= 32; n -= 32, d += 32, s += 32) {
        word_t a = ((const word_t *)s)[0], b = ((const word_t *)s)[1];
        word_t c = ((const word_t *)s)[2], e = ((const word_t *)s)[3];
        ((word_t *)d)[0] = a;
        ((word_t *)d)[1] = b;
        ((word_t *)d)[2] = c;
        ((word_t *)d)[3] = e;
    }
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        *(word_t *)d = *(const word_t *)s;
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) {
        return memcpy(dst, src, n); // forward copy is safe
    }
    while (n--) {
        d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    word_t v = (uint8_t)c * 0x0101010101010101ull;
    for (; n >= 32; n -= 32, d += 32) {
        ((word_t *)d)[0] = v;
        ((word_t *)d)[1] = v;
        ((word_t *)d)[2] = v;
        ((word_t *)d)[3] = v;
    }
    for (; n >= 8; n -= 8, d += 8) {
        *(word_t *)d = v;
    }
    while (n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i]) {
            return (uint8_t)a[i] - (uint8_t)b[i];
        }
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) {
            return (char *)s;
        }
        if (!*s) {
            return NULL;
        }
    }
}
