// Byte-stream primitives of the wasm binary format: LEB128 integers, value types,
// and the first-error-wins error report ("section, offset: reason").
#include "wasm_int.h"

bool wasm_fail(struct wasm_reader *r, enum wasm_status st, const char *reason)
{
    if (r->status != WASM_OK) {
        return false;
    }
    r->status = st;
    if (r->err && r->errlen) {
        snprintf(r->err, r->errlen, "%s section, offset 0x%zx: %s",
                 r->section ? r->section : "module", (size_t)(r->p - r->start), reason);
    }
    return false;
}

bool wasm_read_u8(struct wasm_reader *r, uint8_t *out)
{
    if (r->p >= r->end) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end");
    }
    *out = *r->p++;
    return true;
}

bool wasm_read_bytes(struct wasm_reader *r, void *dst, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end");
    }
    memcpy(dst, r->p, n);
    r->p += n;
    return true;
}

// Reads an LEB128 number of at most `bits` bits. The last permitted byte may not
// continue, and its bits beyond `bits` must be zero (unsigned) or copies of the
// sign bit (signed).
static bool read_leb(struct wasm_reader *r, unsigned bits, bool is_signed, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        uint8_t b;
        if (!wasm_read_u8(r, &b)) {
            return false;
        }
        if (i == maxbytes - 1) {
            unsigned rem = bits - shift;
            if (b & 0x80) {
                return wasm_fail(r, WASM_ERR_MALFORMED, "integer representation too long");
            }
            if (is_signed) {
                uint8_t mask = (uint8_t)((0x7fu << (rem - 1)) & 0x7f);
                if ((b & mask) != 0 && (b & mask) != mask) {
                    return wasm_fail(r, WASM_ERR_MALFORMED, "integer too large");
                }
            } else if (rem < 7 && (b & ((0x7fu << rem) & 0x7f)) != 0) {
                return wasm_fail(r, WASM_ERR_MALFORMED, "integer too large");
            }
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (is_signed && shift < 64 && (b & 0x40)) {
                result |= ~(uint64_t)0 << shift;
            }
            *out = result;
            return true;
        }
    }
}

bool wasm_read_u32(struct wasm_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!read_leb(r, 32, false, &v)) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

bool wasm_read_s32(struct wasm_reader *r, int32_t *out)
{
    uint64_t v;
    if (!read_leb(r, 32, true, &v)) {
        return false;
    }
    *out = (int32_t)(uint32_t)v;
    return true;
}

bool wasm_read_s33(struct wasm_reader *r, int64_t *out)
{
    uint64_t v;
    if (!read_leb(r, 33, true, &v)) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

bool wasm_read_s64(struct wasm_reader *r, int64_t *out)
{
    uint64_t v;
    if (!read_leb(r, 64, true, &v)) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

bool wasm_read_valtype(struct wasm_reader *r, uint8_t *out)
{
    uint8_t b;
    if (!wasm_read_u8(r, &b)) {
        return false;
    }
    switch (b) {
    case WASM_I32:
    case WASM_I64:
    case WASM_F32:
    case WASM_F64:
    case WASM_FUNCREF:
    case WASM_EXTERNREF:
        *out = b;
        return true;
    default:
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed value type");
    }
}

bool wasm_read_reftype(struct wasm_reader *r, uint8_t *out)
{
    uint8_t b;
    if (!wasm_read_u8(r, &b)) {
        return false;
    }
    if (!wasm_is_reftype(b)) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed reference type");
    }
    *out = b;
    return true;
}
