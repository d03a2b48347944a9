// Numeric semantics the C operators do not give directly: wasm min/max (NaN and
// signed-zero rules), bitwise sign ops, float-to-int truncation checks and
// saturation, rotates and counts. No libm: builtins only.
#pragma once

#include <stdint.h>
#include <stdbool.h>

static inline uint32_t f32_bits(float f)
{
    uint32_t u;
    __builtin_memcpy(&u, &f, 4);
    return u;
}

static inline uint64_t f64_bits(double f)
{
    uint64_t u;
    __builtin_memcpy(&u, &f, 8);
    return u;
}

static inline float f32_min(float a, float b)
{
    if (a != a || b != b) {
        return a + b; // propagates a (quieted) NaN
    }
    if (a == b) {
        return (f32_bits(a) & 0x80000000u) ? a : b; // min(-0, +0) = -0
    }
    return a < b ? a : b;
}

static inline float f32_max(float a, float b)
{
    if (a != a || b != b) {
        return a + b;
    }
    if (a == b) {
        return (f32_bits(a) & 0x80000000u) ? b : a;
    }
    return a > b ? a : b;
}

static inline double f64_min(double a, double b)
{
    if (a != a || b != b) {
        return a + b;
    }
    if (a == b) {
        return (f64_bits(a) >> 63) ? a : b;
    }
    return a < b ? a : b;
}

static inline double f64_max(double a, double b)
{
    if (a != a || b != b) {
        return a + b;
    }
    if (a == b) {
        return (f64_bits(a) >> 63) ? b : a;
    }
    return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t x, uint32_t n)
{
    n &= 31;
    return (x << n) | (x >> ((32 - n) & 31));
}

static inline uint32_t rotr32(uint32_t x, uint32_t n)
{
    n &= 31;
    return (x >> n) | (x << ((32 - n) & 31));
}

static inline uint64_t rotl64(uint64_t x, uint64_t n)
{
    n &= 63;
    return (x << n) | (x >> ((64 - n) & 63));
}

static inline uint64_t rotr64(uint64_t x, uint64_t n)
{
    n &= 63;
    return (x >> n) | (x << ((64 - n) & 63));
}

static inline uint32_t clz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_clz(x) : 32;
}

static inline uint32_t ctz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_ctz(x) : 32;
}

static inline uint64_t clz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_clzll(x) : 64;
}

static inline uint64_t ctz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_ctzll(x) : 64;
}

// Range checks for trapping truncation: true when trunc(x) fits. `lo`/`hi` are
// exclusive bounds on x itself.
static inline bool in_range(double x, double lo, double hi)
{
    return x > lo && x < hi;
}

#define I32_LO_S -2147483649.0
#define I32_HI_S 2147483648.0
#define I32_HI_U 4294967296.0
#define I64_HI_S 9223372036854775808.0
#define I64_HI_U 18446744073709551616.0

// Saturating truncations (NaN is 0).
static inline uint32_t sat_i32_s(double x)
{
    if (x != x) {
        return 0;
    }
    if (x <= -2147483648.0) {
        return 0x80000000u;
    }
    if (x >= I32_HI_S) {
        return 0x7fffffffu;
    }
    return (uint32_t)(int32_t)x;
}

static inline uint32_t sat_i32_u(double x)
{
    if (x != x || x <= -1.0) {
        return 0;
    }
    if (x >= I32_HI_U) {
        return 0xffffffffu;
    }
    return (uint32_t)x;
}

static inline uint64_t sat_i64_s(double x)
{
    if (x != x) {
        return 0;
    }
    if (x < -I64_HI_S) {
        return 0x8000000000000000ull;
    }
    if (x >= I64_HI_S) {
        return 0x7fffffffffffffffull;
    }
    return (uint64_t)(int64_t)x;
}

static inline uint64_t sat_i64_u(double x)
{
    if (x != x || x <= -1.0) {
        return 0;
    }
    if (x >= I64_HI_U) {
        return 0xffffffffffffffffull;
    }
    return (uint64_t)x;
}
