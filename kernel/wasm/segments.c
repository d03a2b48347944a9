// Decoding of the element and data sections (all 2.0 segment encodings).
#include "wasm_int.h"

static bool read_func_indices(struct wasm_reader *r, struct wasm_module *m, struct wasm_elem *el)
{
    for (uint32_t i = 0; i < el->n; i++) {
        struct wasm_const_expr *it = &el->items[i];
        it->op = 0xd2;
        if (!wasm_read_u32(r, &it->idx)) {
            return false;
        }
        if (it->idx >= m->nfuncs) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function");
        }
        m->func_declared[it->idx] = true;
    }
    return true;
}

static bool read_item_exprs(struct wasm_reader *r, struct wasm_module *m, struct wasm_elem *el)
{
    for (uint32_t i = 0; i < el->n; i++) {
        if (!wasm_read_const_expr(r, m, el->reftype, &el->items[i])) {
            return false;
        }
    }
    return true;
}

static bool read_elem_items(struct wasm_reader *r, struct wasm_module *m, struct wasm_elem *el,
                            bool exprs)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n)) {
        return false;
    }
    if (n > (size_t)(r->end - r->p)) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "length out of bounds");
    }
    el->n = n;
    el->items = kzalloc((size_t)(n ? n : 1) * sizeof(*el->items));
    if (!el->items) {
        return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    return exprs ? read_item_exprs(r, m, el) : read_func_indices(r, m, el);
}

static bool read_elem_kind(struct wasm_reader *r, struct wasm_elem *el)
{
    uint8_t kind;
    if (!wasm_read_u8(r, &kind)) {
        return false;
    }
    if (kind != 0) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed element kind");
    }
    el->reftype = WASM_FUNCREF;
    return true;
}

// Flags: bit 0 passive/declarative, bit 1 explicit table (active) or declarative,
// bit 2 items are expressions with an explicit reference type.
static bool decode_elem(struct wasm_reader *r, struct wasm_module *m, struct wasm_elem *el)
{
    uint32_t flags;
    if (!wasm_read_u32(r, &flags)) {
        return false;
    }
    if (flags > 7) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed elements segment kind");
    }
    bool exprs = flags & 4;
    el->reftype = WASM_FUNCREF;
    if (flags & 1) {
        el->mode = (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
    } else {
        el->mode = SEG_ACTIVE;
        if ((flags & 2) && !wasm_read_u32(r, &el->table)) {
            return false;
        }
        if (el->table >= m->ntables) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown table");
        }
        if (!wasm_read_const_expr(r, m, WASM_I32, &el->offset)) {
            return false;
        }
    }
    if (flags & 3) {
        bool ok = exprs ? wasm_read_reftype(r, &el->reftype) : read_elem_kind(r, el);
        if (!ok) {
            return false;
        }
    }
    if (!read_elem_items(r, m, el, exprs)) {
        return false;
    }
    if (el->mode == SEG_ACTIVE && m->tables[el->table].reftype != el->reftype) {
        return wasm_fail(r, WASM_ERR_INVALID, "type mismatch");
    }
    return true;
}

bool wasm_decode_elems(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n)) {
        return false;
    }
    if (n > (size_t)(r->end - r->p)) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "length out of bounds");
    }
    m->elems = kzalloc((size_t)(n ? n : 1) * sizeof(*m->elems));
    if (!m->elems) {
        return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        m->nelems = i + 1;
        if (!decode_elem(r, m, &m->elems[i])) {
            return false;
        }
    }
    return true;
}

static bool decode_data(struct wasm_reader *r, struct wasm_module *m, struct wasm_data *d)
{
    uint32_t flags;
    uint32_t mem = 0;
    if (!wasm_read_u32(r, &flags)) {
        return false;
    }
    if (flags > 2) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed data segment kind");
    }
    d->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
    if (flags == 2 && !wasm_read_u32(r, &mem)) {
        return false;
    }
    if (d->mode == SEG_ACTIVE) {
        if (mem >= m->nmemories) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown memory");
        }
        if (!wasm_read_const_expr(r, m, WASM_I32, &d->offset)) {
            return false;
        }
    }
    if (!wasm_read_u32(r, &d->len)) {
        return false;
    }
    if (d->len > (size_t)(r->end - r->p)) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
    }
    d->bytes = kmalloc(d->len ? d->len : 1);
    if (!d->bytes) {
        return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    return wasm_read_bytes(r, d->bytes, d->len);
}

bool wasm_decode_datas(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t n;
    if (!wasm_read_u32(r, &n)) {
        return false;
    }
    if (n > (size_t)(r->end - r->p)) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "length out of bounds");
    }
    if (m->has_datacount && n != m->datacount) {
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "data count and data section have inconsistent lengths");
    }
    m->datas = kzalloc((size_t)(n ? n : 1) * sizeof(*m->datas));
    if (!m->datas) {
        return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        m->ndatas = i + 1;
        if (!decode_data(r, m, &m->datas[i])) {
            return false;
        }
    }
    return true;
}
