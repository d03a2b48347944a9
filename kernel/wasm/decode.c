// Module decoder: reads and validates every section of a wasm binary and hands
// each function body to the translator (compile.c).
#include "wasm_int.h"

// Section ids in the order the binary format requires (datacount sits before code).
static const uint8_t section_rank[13] = {
    [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6,
    [7] = 7, [8] = 8, [9] = 9, [12] = 10, [10] = 11, [11] = 12,
};
static const char *const section_name[13] = {
    "custom", "type", "import", "function", "table", "memory", "global",
    "export", "start", "element", "code", "data", "data count",
};

static void *alloc_array(struct wasm_reader *r, uint32_t n, size_t size)
{
    void *p = kzalloc(n ? (size_t)n * size : 1);
    if (!p) {
        wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
    }
    return p;
}

// Reads a vector length; each element takes at least one byte, so a count larger
// than what is left cannot be right (and must not drive an allocation).
static bool read_count(struct wasm_reader *r, uint32_t *out)
{
    if (!wasm_read_u32(r, out)) {
        return false;
    }
    if (*out > (size_t)(r->end - r->p)) {
        *out = 0; // callers size arrays by it
        return wasm_fail(r, WASM_ERR_MALFORMED, "length out of bounds");
    }
    return true;
}

static bool utf8_is_valid(const uint8_t *s, uint32_t len)
{
    uint32_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        uint32_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n) {
            return false;
        }
        for (uint32_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

static bool read_name(struct wasm_reader *r, char **out, uint32_t *out_len)
{
    uint32_t len;
    if (!read_count(r, &len)) {
        return false;
    }
    if (!utf8_is_valid(r->p, len)) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed UTF-8 encoding");
    }
    if (out) {
        char *s = kmalloc((size_t)len + 1);
        if (!s) {
            return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
        }
        memcpy(s, r->p, len);
        s[len] = 0;
        *out = s;
        *out_len = len;
    }
    r->p += len;
    return true;
}

static bool read_limits(struct wasm_reader *r, struct wasm_limits *lim, uint32_t bound,
                        const char *what)
{
    uint8_t flags;
    if (!wasm_read_u8(r, &flags)) {
        return false;
    }
    if (flags > 1) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "integer too large");
    }
    lim->has_max = flags == 1;
    if (!wasm_read_u32(r, &lim->min)) {
        return false;
    }
    lim->max = 0;
    if (lim->has_max && !wasm_read_u32(r, &lim->max)) {
        return false;
    }
    if (lim->min > bound || (lim->has_max && lim->max > bound)) {
        return wasm_fail(r, WASM_ERR_INVALID, what);
    }
    if (lim->has_max && lim->max < lim->min) {
        return wasm_fail(r, WASM_ERR_INVALID, "size minimum must not be greater than maximum");
    }
    return true;
}

static bool read_memory_type(struct wasm_reader *r, struct wasm_limits *lim)
{
    return read_limits(r, lim, WASM_MAX_PAGES, "memory size must be at most 65536 pages (4GiB)");
}

static bool read_table_type(struct wasm_reader *r, struct wasm_table_type *tt)
{
    return wasm_read_reftype(r, &tt->reftype) &&
           read_limits(r, &tt->lim, UINT32_MAX, "table size too large");
}

static bool read_global_type(struct wasm_reader *r, struct wasm_global_type *gt)
{
    uint8_t mut;
    if (!wasm_read_valtype(r, &gt->type) || !wasm_read_u8(r, &mut)) {
        return false;
    }
    if (mut > 1) {
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed mutability");
    }
    gt->mut = mut == 1;
    return true;
}

static bool is_illegal_opcode(uint8_t op)
{
    return (op > 0x11 && op < 0x1a) || (op > 0x1c && op < 0x20) || op == 0x27 ||
           (op > 0xc4 && op < 0xd0) || (op > 0xd2 && op != 0xfc);
}

static bool read_const_number(struct wasm_reader *r, uint8_t op, struct wasm_const_expr *out,
                              uint8_t *type)
{
    int32_t v32;
    int64_t v64;
    switch (op) {
    case 0x41:
        *type = WASM_I32;
        return wasm_read_s32(r, &v32) && (out->val.i32 = (uint32_t)v32, true);
    case 0x42:
        *type = WASM_I64;
        return wasm_read_s64(r, &v64) && (out->val.i64 = (uint64_t)v64, true);
    case 0x43:
        *type = WASM_F32;
        return wasm_read_bytes(r, &out->val.i32, 4);
    default:
        *type = WASM_F64;
        return wasm_read_bytes(r, &out->val.i64, 8);
    }
}

// Reads the one instruction of a constant expression and reports its type.
static bool read_const_instr(struct wasm_reader *r, struct wasm_module *m, uint32_t nvisible,
                             struct wasm_const_expr *out, uint8_t *type)
{
    switch (out->op) {
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x44:
        return read_const_number(r, out->op, out, type);
    case 0xd0:
        return wasm_read_reftype(r, type);
    case 0xd2:
        if (!wasm_read_u32(r, &out->idx)) {
            return false;
        }
        if (out->idx >= m->nfuncs) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function");
        }
        m->func_declared[out->idx] = true;
        *type = WASM_FUNCREF;
        return true;
    case 0x23:
        if (!wasm_read_u32(r, &out->idx)) {
            return false;
        }
        if (out->idx >= nvisible) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown global");
        }
        if (m->globals[out->idx].mut) {
            return wasm_fail(r, WASM_ERR_INVALID, "constant expression required");
        }
        *type = m->globals[out->idx].type;
        return true;
    case 0x0b:
        return wasm_fail(r, WASM_ERR_INVALID, "type mismatch");
    default:
        if (is_illegal_opcode(out->op)) {
            return wasm_fail(r, WASM_ERR_MALFORMED, "illegal opcode");
        }
        return wasm_fail(r, WASM_ERR_INVALID, "constant expression required");
    }
}

// Reads a constant expression of type `want`; global.get may name the first
// `nvisible` globals, which must be immutable.
static bool read_const_expr(struct wasm_reader *r, struct wasm_module *m, uint8_t want,
                            uint32_t nvisible, struct wasm_const_expr *out)
{
    uint8_t type = 0;
    uint8_t end;
    out->val.i64 = 0;
    if (!wasm_read_u8(r, &out->op) || !read_const_instr(r, m, nvisible, out, &type) ||
        !wasm_read_u8(r, &end)) {
        return false;
    }
    if (end != 0x0b) {
        return wasm_fail(r, WASM_ERR_INVALID, "constant expression required");
    }
    if (type != want) {
        return wasm_fail(r, WASM_ERR_INVALID, "type mismatch");
    }
    return true;
}

static bool decode_types(struct wasm_reader *r, struct wasm_module *m)
{
    if (!read_count(r, &m->ntypes) ||
        !(m->types = alloc_array(r, m->ntypes, sizeof(*m->types)))) {
        return false;
    }
    for (uint32_t i = 0; i < m->ntypes; i++) {
        uint8_t form;
        uint32_t np;
        uint32_t nr;
        if (!wasm_read_u8(r, &form)) {
            return false;
        }
        if (form != 0x60) {
            return wasm_fail(r, WASM_ERR_MALFORMED, "integer representation too long");
        }
        if (!read_count(r, &np)) {
            return false;
        }
        if (np > WASM_MAX_PARAMS) {
            return wasm_fail(r, WASM_ERR_NO_MEMORY, "too many parameters (engine limit)");
        }
        uint8_t *buf = kmalloc((size_t)np + 1);
        if (!buf) {
            return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
        }
        m->types[i].params = buf;
        m->types[i].nparams = np;
        for (uint32_t k = 0; k < np; k++) {
            if (!wasm_read_valtype(r, &buf[k])) {
                return false;
            }
        }
        if (!read_count(r, &nr)) {
            return false;
        }
        if (nr > WASM_MAX_PARAMS) {
            return wasm_fail(r, WASM_ERR_NO_MEMORY, "too many results (engine limit)");
        }
        uint8_t *res = kmalloc((size_t)nr + 1);
        if (!res) {
            return wasm_fail(r, WASM_ERR_NO_MEMORY, "out of memory");
        }
        m->types[i].results = res;
        m->types[i].nresults = nr;
        for (uint32_t k = 0; k < nr; k++) {
            if (!wasm_read_valtype(r, &res[k])) {
                return false;
            }
        }
    }
    return true;
}

static bool decode_import_desc(struct wasm_reader *r, struct wasm_module *m,
                               struct wasm_import *im)
{
    if (!wasm_read_u8(r, &im->kind)) {
        return false;
    }
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        if (!wasm_read_u32(r, &im->type_idx)) {
            return false;
        }
        if (im->type_idx >= m->ntypes) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown type");
        }
        m->nfunc_imports++;
        return true;
    case WASM_EXTERN_TABLE:
        m->ntable_imports++;
        return read_table_type(r, &im->table);
    case WASM_EXTERN_MEMORY:
        if (++m->nmemories > 1) {
            return wasm_fail(r, WASM_ERR_INVALID, "multiple memories");
        }
        m->memory_imported = true;
        return read_memory_type(r, &im->mem) && (m->memory = im->mem, true);
    case WASM_EXTERN_GLOBAL:
        m->nglobal_imports++;
        return read_global_type(r, &im->global);
    default:
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed import kind");
    }
}

static bool decode_imports(struct wasm_reader *r, struct wasm_module *m)
{
    if (!read_count(r, &m->nimports) ||
        !(m->imports = alloc_array(r, m->nimports, sizeof(*m->imports)))) {
        return false;
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        struct wasm_import *im = &m->imports[i];
        if (!read_name(r, &im->module, &im->module_len) ||
            !read_name(r, &im->name, &im->name_len) ||
            !decode_import_desc(r, m, im)) {
            return false;
        }
    }
    return true;
}

// Allocates an index space (imports first) once its defining section is known.
static bool build_funcs(struct wasm_reader *r, struct wasm_module *m, uint32_t ndefined)
{
    m->nfuncs = m->nfunc_imports + ndefined;
    if (!(m->func_type = alloc_array(r, m->nfuncs, sizeof(uint32_t))) ||
        !(m->func_declared = alloc_array(r, m->nfuncs, sizeof(bool))) ||
        !(m->codes = alloc_array(r, ndefined, sizeof(*m->codes)))) {
        return false;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (m->imports[i].kind == WASM_EXTERN_FUNC) {
            m->func_type[k++] = m->imports[i].type_idx;
        }
    }
    return true;
}

static bool build_tables(struct wasm_reader *r, struct wasm_module *m, uint32_t ndefined)
{
    m->ntables = m->ntable_imports + ndefined;
    if (!(m->tables = alloc_array(r, m->ntables, sizeof(*m->tables)))) {
        return false;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (m->imports[i].kind == WASM_EXTERN_TABLE) {
            m->tables[k++] = m->imports[i].table;
        }
    }
    return true;
}

static bool build_globals(struct wasm_reader *r, struct wasm_module *m, uint32_t ndefined)
{
    m->nglobals = m->nglobal_imports + ndefined;
    if (!(m->globals = alloc_array(r, m->nglobals, sizeof(*m->globals))) ||
        !(m->global_init = alloc_array(r, ndefined, sizeof(*m->global_init)))) {
        return false;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (m->imports[i].kind == WASM_EXTERN_GLOBAL) {
            m->globals[k++] = m->imports[i].global;
        }
    }
    return true;
}

static bool decode_functions(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t n;
    if (!read_count(r, &n) || !build_funcs(r, m, n)) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        if (!wasm_read_u32(r, &t)) {
            return false;
        }
        if (t >= m->ntypes) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown type");
        }
        m->func_type[m->nfunc_imports + i] = t;
    }
    return true;
}

static bool decode_tables(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t n;
    if (!read_count(r, &n) || !build_tables(r, m, n)) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!read_table_type(r, &m->tables[m->ntable_imports + i])) {
            return false;
        }
    }
    return true;
}

static bool decode_memories(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t n;
    if (!read_count(r, &n)) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (++m->nmemories > 1) {
            return wasm_fail(r, WASM_ERR_INVALID, "multiple memories");
        }
        if (!read_memory_type(r, &m->memory)) {
            return false;
        }
    }
    return true;
}

static bool decode_globals(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t n;
    if (!read_count(r, &n) || !build_globals(r, m, n)) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct wasm_global_type *gt = &m->globals[m->nglobal_imports + i];
        if (!read_global_type(r, gt) ||
            !read_const_expr(r, m, gt->type, m->nglobal_imports, &m->global_init[i])) {
            return false;
        }
    }
    return true;
}

static bool export_index_ok(struct wasm_reader *r, struct wasm_module *m, struct wasm_export *ex)
{
    switch (ex->kind) {
    case WASM_EXTERN_FUNC:
        if (ex->idx >= m->nfuncs) {
            return wasm_fail(r, WASM_ERR_INVALID, "unknown function");
        }
        m->func_declared[ex->idx] = true;
        return true;
    case WASM_EXTERN_TABLE:
        return ex->idx < m->ntables || wasm_fail(r, WASM_ERR_INVALID, "unknown table");
    case WASM_EXTERN_MEMORY:
        return ex->idx < m->nmemories || wasm_fail(r, WASM_ERR_INVALID, "unknown memory");
    case WASM_EXTERN_GLOBAL:
        return ex->idx < m->nglobals || wasm_fail(r, WASM_ERR_INVALID, "unknown global");
    default:
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed export kind");
    }
}

static bool decode_exports(struct wasm_reader *r, struct wasm_module *m)
{
    if (!read_count(r, &m->nexports) ||
        !(m->exports = alloc_array(r, m->nexports, sizeof(*m->exports)))) {
        return false;
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        struct wasm_export *ex = &m->exports[i];
        if (!read_name(r, &ex->name, &ex->name_len) || !wasm_read_u8(r, &ex->kind) ||
            !wasm_read_u32(r, &ex->idx) || !export_index_ok(r, m, ex)) {
            return false;
        }
        for (uint32_t k = 0; k < i; k++) {
            if (m->exports[k].name_len == ex->name_len &&
                memcmp(m->exports[k].name, ex->name, ex->name_len) == 0) {
                return wasm_fail(r, WASM_ERR_INVALID, "duplicate export name");
            }
        }
    }
    return true;
}

static bool decode_start(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t f;
    if (!wasm_read_u32(r, &f)) {
        return false;
    }
    if (f >= m->nfuncs) {
        return wasm_fail(r, WASM_ERR_INVALID, "unknown function");
    }
    const struct wasm_functype *t = &m->types[m->func_type[f]];
    if (t->nparams || t->nresults) {
        return wasm_fail(r, WASM_ERR_INVALID, "start function");
    }
    m->start = f;
    return true;
}

bool wasm_read_const_expr(struct wasm_reader *r, struct wasm_module *m, uint8_t want,
                          struct wasm_const_expr *out)
{
    // 2.0: constant expressions see imported globals only
    return read_const_expr(r, m, want, m->nglobal_imports, out);
}

static bool decode_code(struct wasm_reader *r, struct wasm_module *m)
{
    uint32_t n;
    if (!read_count(r, &n)) {
        return false;
    }
    if (n != m->nfuncs - m->nfunc_imports) {
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "function and code section have inconsistent lengths");
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        if (!wasm_read_u32(r, &size)) {
            return false;
        }
        if (size > (size_t)(r->end - r->p)) {
            return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
        }
        const uint8_t *end = r->p + size;
        if (!wasm_compile_body(r, m, m->nfunc_imports + i, end)) {
            return false;
        }
        if (r->p != end) {
            return wasm_fail(r, WASM_ERR_MALFORMED, "section size mismatch");
        }
    }
    return true;
}

// Before a section of rank `rank`, index spaces defined by earlier (absent)
// sections get their import-only shape.
static bool build_missing(struct wasm_reader *r, struct wasm_module *m, unsigned rank)
{
    if (rank > 3 && !m->func_type && !build_funcs(r, m, 0)) {
        return false;
    }
    if (rank > 4 && !m->tables && !build_tables(r, m, 0)) {
        return false;
    }
    if (rank > 6 && !m->globals && !build_globals(r, m, 0)) {
        return false;
    }
    return true;
}

static bool decode_section(struct wasm_reader *r, struct wasm_module *m, uint8_t id)
{
    switch (id) {
    case 0:
        return read_name(r, NULL, NULL) && (r->p = r->end, true);
    case 1:
        return decode_types(r, m);
    case 2:
        return decode_imports(r, m);
    case 3:
        return decode_functions(r, m);
    case 4:
        return decode_tables(r, m);
    case 5:
        return decode_memories(r, m);
    case 6:
        return decode_globals(r, m);
    case 7:
        return decode_exports(r, m);
    case 8:
        return decode_start(r, m);
    case 9:
        return wasm_decode_elems(r, m);
    case 10:
        return decode_code(r, m);
    case 11:
        return wasm_decode_datas(r, m);
    case 12:
        m->has_datacount = true;
        return wasm_read_u32(r, &m->datacount);
    default:
        return wasm_fail(r, WASM_ERR_MALFORMED, "malformed section id");
    }
}

// The counts that two sections must agree on, checked once every section is read: an
// absent section counts as empty, wherever the sections around it stand.
static bool check_section_counts(struct wasm_reader *r, const struct wasm_module *m,
                                 bool has_code)
{
    if (m->nfuncs != m->nfunc_imports && !has_code) {
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "function and code section have inconsistent lengths");
    }
    if (m->has_datacount && m->datacount != m->ndatas) {
        return wasm_fail(r, WASM_ERR_MALFORMED,
                         "data count and data section have inconsistent lengths");
    }
    return true;
}

static bool decode_sections(struct wasm_reader *r, struct wasm_module *m)
{
    unsigned last_rank = 0;
    bool has_code = false;
    const uint8_t *module_end = r->end;
    while (r->p < module_end) {
        uint8_t id;
        uint32_t size;
        r->section = NULL;
        if (!wasm_read_u8(r, &id) || !wasm_read_u32(r, &size)) {
            return false;
        }
        if (id > 12) {
            return wasm_fail(r, WASM_ERR_MALFORMED, "malformed section id");
        }
        if (size > (size_t)(module_end - r->p)) {
            return wasm_fail(r, WASM_ERR_MALFORMED, "length out of bounds");
        }
        r->section = section_name[id];
        if (id != 0) {
            if (section_rank[id] <= last_rank) {
                return wasm_fail(r, WASM_ERR_MALFORMED, "unexpected content after last section");
            }
            last_rank = section_rank[id];
            has_code = has_code || id == 10;
            if (!build_missing(r, m, id == 12 ? 10 : section_rank[id])) {
                return false;
            }
        }
        r->end = r->p + size;
        if (!decode_section(r, m, id)) {
            return false;
        }
        if (r->p != r->end) {
            return wasm_fail(r, WASM_ERR_MALFORMED, "section size mismatch");
        }
        r->end = module_end;
    }
    r->section = NULL;
    return build_missing(r, m, 13) && check_section_counts(r, m, has_code);
}

enum wasm_status wasm_module_load(const uint8_t *bytes, size_t len, char *err, size_t errlen,
                                  struct wasm_module **out_mod)
{
    static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    struct wasm_reader r = {
        .start = bytes, .p = bytes, .end = bytes + len, .err = err, .errlen = errlen,
    };
    if (err && errlen) {
        err[0] = 0;
    }
    *out_mod = NULL;
    if (len < 4 || memcmp(bytes, header, 4) != 0) {
        wasm_fail(&r, WASM_ERR_MALFORMED, "magic header not detected");
        return r.status;
    }
    if (len < 8 || memcmp(bytes + 4, header + 4, 4) != 0) {
        wasm_fail(&r, WASM_ERR_MALFORMED, "unknown binary version");
        return r.status;
    }
    r.p += 8;
    struct wasm_module *m = kzalloc(sizeof(*m));
    if (!m) {
        return WASM_ERR_NO_MEMORY;
    }
    m->start = -1;
    if (!decode_sections(&r, m)) {
        wasm_module_free(m);
        return r.status;
    }
    *out_mod = m;
    return WASM_OK;
}

void wasm_module_free(struct wasm_module *m)
{
    if (!m) {
        return;
    }
    for (uint32_t i = 0; m->types && i < m->ntypes; i++) {
        kfree((void *)m->types[i].params);
        kfree((void *)m->types[i].results);
    }
    kfree(m->types);
    for (uint32_t i = 0; m->imports && i < m->nimports; i++) {
        kfree(m->imports[i].module);
        kfree(m->imports[i].name);
    }
    kfree(m->imports);
    if (m->codes) {
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
            kfree(m->codes[i].words);
        }
    }
    kfree(m->codes);
    kfree(m->func_type);
    kfree(m->func_declared);
    kfree(m->tables);
    kfree(m->globals);
    kfree(m->global_init);
    for (uint32_t i = 0; m->exports && i < m->nexports; i++) {
        kfree(m->exports[i].name);
    }
    kfree(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++) {
        kfree(m->elems[i].items);
    }
    kfree(m->elems);
    for (uint32_t i = 0; i < m->ndatas; i++) {
        kfree(m->datas[i].bytes);
    }
    kfree(m->datas);
    kfree(m);
}

uint32_t wasm_module_import_count(const struct wasm_module *m)
{
    return m->nimports;
}

bool wasm_module_import(const struct wasm_module *m, uint32_t i, struct wasm_import_desc *out)
{
    if (i >= m->nimports) {
        return false;
    }
    const struct wasm_import *im = &m->imports[i];
    memset(out, 0, sizeof(*out));
    out->module = im->module;
    out->name = im->name;
    out->module_len = im->module_len;
    out->name_len = im->name_len;
    out->kind = (enum wasm_extern_kind)im->kind;
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        out->functype = &m->types[im->type_idx];
        break;
    case WASM_EXTERN_TABLE:
        out->type = im->table.reftype;
        out->min = im->table.lim.min;
        out->max = im->table.lim.max;
        out->has_max = im->table.lim.has_max;
        break;
    case WASM_EXTERN_MEMORY:
        out->min = im->mem.min;
        out->max = im->mem.max;
        out->has_max = im->mem.has_max;
        break;
    default:
        out->type = im->global.type;
        out->mut = im->global.mut;
        break;
    }
    return true;
}

uint32_t wasm_module_export_count(const struct wasm_module *m)
{
    return m->nexports;
}

bool wasm_module_export_name(const struct wasm_module *m, uint32_t i, const char **out_name,
                             uint32_t *out_len, enum wasm_extern_kind *out_kind)
{
    if (i >= m->nexports) {
        return false;
    }
    *out_name = m->exports[i].name;
    *out_len = m->exports[i].name_len;
    *out_kind = (enum wasm_extern_kind)m->exports[i].kind;
    return true;
}
