// Shared by the benchmark programs: each defines `uint32_t run(void)`, pure compute
// with a checksum as result, built (a) for wasm32 without libc or WASI, exporting
// `run` (so wabt's wasm-interp can run it), (b) natively with bench_main.c.
#pragma once

#include <stddef.h>
#include <stdint.h>

uint32_t run(void);

#ifdef __wasm__
// No libc in the wasm builds: what the compiler may call on its own.
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
    volatile uint8_t *d = dst; // volatile: keeps this loop from becoming a memset call
    for (size_t i = 0; i < n; i++) {
        d[i] = (uint8_t)c;
    }
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    volatile uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i];
    }
    return dst;
}
#endif
