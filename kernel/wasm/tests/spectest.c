// Host runner for the official wasm spec tests: converts each .wast with wabt's
// wast2json, runs every command against the engine and counts as spectest-interp
// does (every command but "register"; text-format assert_malformed counts passed).
//
// usage: spectest [-v] [-f FUEL] OUTDIR FILE.wast...
//   -f FUEL  run every call in slices of FUEL units, resuming after each
//            WASM_OUT_OF_FUEL (exercises suspension everywhere)
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../wasm.h"
#include "json.h"

#define MAX_NAMED 256

struct named {
    char *name;
    struct wasm_instance *inst;
};

struct runner {
    const char *dir;
    bool verbose;
    const char *file;
    int64_t fuel; // per slice; WASM_FUEL_UNLIMITED by default
    struct wasm_store *store;
    struct wasm_exec *ex;
    struct wasm_module *mods[2048];
    uint32_t nmods;
    struct named named[MAX_NAMED]; // "$name" -> instance
    uint32_t nnamed;
    struct named registered[MAX_NAMED]; // "as" name -> instance
    uint32_t nregistered;
    struct wasm_instance *current;
    // the "spectest" host module
    struct wasm_extern spectest[16];
    const char *spectest_names[16];
    uint32_t nspectest;
    uint32_t passed;
    uint32_t total;
};

// ---- the spectest host module ----------------------------------------------------

static enum wasm_status host_print(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    (void)ex;
    (void)ctx;
    (void)args;
    return WASM_OK;
}

static void add_spectest(struct runner *r, const char *name, struct wasm_extern ext)
{
    r->spectest_names[r->nspectest] = name;
    r->spectest[r->nspectest++] = ext;
}

static void add_print(struct runner *r, const char *name, const uint8_t *params, uint32_t n)
{
    struct wasm_functype t = {.nparams = n, .params = params, .nresults = 0, .results = params};
    struct wasm_extern e = {.kind = WASM_EXTERN_FUNC};
    e.func = wasm_func_create_host(r->store, &t, host_print, NULL);
    add_spectest(r, name, e);
}

static void add_global(struct runner *r, const char *name, uint8_t type, union wasm_val v)
{
    struct wasm_extern e = {.kind = WASM_EXTERN_GLOBAL};
    e.global = wasm_global_create(r->store, type, false, v);
    add_spectest(r, name, e);
}

static void make_spectest(struct runner *r)
{
    static const uint8_t i32[] = {WASM_I32};
    static const uint8_t i64[] = {WASM_I64};
    static const uint8_t f32[] = {WASM_F32};
    static const uint8_t f64[] = {WASM_F64};
    static const uint8_t i32f32[] = {WASM_I32, WASM_F32};
    static const uint8_t f64f64[] = {WASM_F64, WASM_F64};
    r->nspectest = 0;
    add_print(r, "print", i32, 0);
    add_print(r, "print_i32", i32, 1);
    add_print(r, "print_i64", i64, 1);
    add_print(r, "print_f32", f32, 1);
    add_print(r, "print_f64", f64, 1);
    add_print(r, "print_i32_f32", i32f32, 2);
    add_print(r, "print_f64_f64", f64f64, 2);
    union wasm_val v = {.i64 = 0};
    v.i32 = 666;
    add_global(r, "global_i32", WASM_I32, v);
    v.i64 = 666;
    add_global(r, "global_i64", WASM_I64, v);
    v.i64 = 0;
    v.f32 = 666.6f;
    add_global(r, "global_f32", WASM_F32, v);
    v.f64 = 666.6;
    add_global(r, "global_f64", WASM_F64, v);
    struct wasm_extern t = {.kind = WASM_EXTERN_TABLE};
    t.table = wasm_table_create(r->store, WASM_FUNCREF, 10, 20, true);
    add_spectest(r, "table", t);
    struct wasm_extern m = {.kind = WASM_EXTERN_MEMORY};
    m.memory = wasm_memory_create(r->store, 1, 2, true);
    add_spectest(r, "memory", m);
}

// ---- calls ---------------------------------------------------------------------

// Finishes a run that may stop for fuel: resumes with a fresh slice each time.
static enum wasm_status finish_run(struct runner *r, enum wasm_status st, union wasm_val *res,
                                   uint32_t nres)
{
    while (st == WASM_OUT_OF_FUEL) {
        wasm_exec_set_fuel(r->ex, r->fuel);
        st = wasm_resume(r->ex, res, nres);
    }
    return st;
}

static enum wasm_status call(struct runner *r, struct wasm_func *f, const union wasm_val *args,
                             uint32_t nargs, union wasm_val *res, uint32_t nres)
{
    wasm_exec_set_fuel(r->ex, r->fuel);
    return finish_run(r, wasm_call(r->ex, f, args, nargs, res, nres), res, nres);
}

// ---- modules -------------------------------------------------------------------

static struct wasm_instance *find_named(struct named *list, uint32_t n, const char *name)
{
    for (uint32_t i = n; i-- > 0;) {
        if (strcmp(list[i].name, name) == 0) {
            return list[i].inst;
        }
    }
    return NULL;
}

static bool resolve_import(struct runner *r, const struct wasm_import_desc *d,
                           struct wasm_extern *out)
{
    if (strcmp(d->module, "spectest") == 0) {
        for (uint32_t i = 0; i < r->nspectest; i++) {
            if (strcmp(r->spectest_names[i], d->name) == 0) {
                *out = r->spectest[i];
                return true;
            }
        }
        return false;
    }
    struct wasm_instance *inst = find_named(r->registered, r->nregistered, d->module);
    return inst && wasm_instance_export_n(inst, d->name, d->name_len, out);
}

static enum wasm_status load_module(struct runner *r, const char *filename,
                                    struct wasm_module **out, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", r->dir, filename);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot open %.200s", path);
        return WASM_ERR_ARG;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    size_t got = buf ? fread(buf, 1, (size_t)size, fp) : 0;
    fclose(fp);
    enum wasm_status st = wasm_module_load(buf, got, err, errlen, out);
    free(buf);
    if (st == WASM_OK && r->nmods < sizeof(r->mods) / sizeof(r->mods[0])) {
        r->mods[r->nmods++] = *out;
    }
    return st;
}

// Loads, links and instantiates (including the start function).
static enum wasm_status instantiate(struct runner *r, const char *filename,
                                    struct wasm_instance **out, char *err, size_t errlen)
{
    struct wasm_module *mod;
    enum wasm_status st = load_module(r, filename, &mod, err, errlen);
    if (st != WASM_OK) {
        return st;
    }
    uint32_t n = wasm_module_import_count(mod);
    struct wasm_extern *imports = calloc(n + 1, sizeof(*imports));
    for (uint32_t i = 0; i < n; i++) {
        struct wasm_import_desc d;
        wasm_module_import(mod, i, &d);
        if (!resolve_import(r, &d, &imports[i])) {
            snprintf(err, errlen, "unknown import \"%s\" \"%s\"", d.module, d.name);
            free(imports);
            return WASM_ERR_LINK;
        }
    }
    st = wasm_instance_create(r->store, mod, imports, n, err, errlen, out);
    free(imports);
    if (st != WASM_OK) {
        return st;
    }
    wasm_exec_set_fuel(r->ex, r->fuel);
    st = finish_run(r, wasm_instance_start(*out, r->ex), NULL, 0);
    if (st == WASM_ERR_TRAP) {
        snprintf(err, errlen, "start: %s", wasm_exec_trap_message(r->ex));
    }
    return st;
}

// ---- values --------------------------------------------------------------------

static bool parse_value(const struct json *v, union wasm_val *out, uint8_t *type)
{
    const char *t = json_str(v, "type");
    const char *s = json_str(v, "value");
    out->i64 = 0;
    if (!t) {
        return false;
    }
    static const struct {
        const char *name;
        uint8_t type;
    } types[] = {{"i32", WASM_I32}, {"i64", WASM_I64}, {"f32", WASM_F32},
                 {"f64", WASM_F64}, {"funcref", WASM_FUNCREF}, {"externref", WASM_EXTERNREF}};
    *type = 0;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(t, types[i].name) == 0) {
            *type = types[i].type;
        }
    }
    if (!*type || !s) {
        return *type != 0;
    }
    if (strcmp(s, "null") == 0) {
        out->ref = 0;
    } else if (*type == WASM_EXTERNREF) {
        out->ref = strtoull(s, NULL, 10) + 1; // 0 is null
    } else if (*type == WASM_I32 || *type == WASM_F32) {
        out->i32 = (uint32_t)strtoull(s, NULL, 10);
    } else if (strncmp(s, "nan:", 4) != 0) {
        out->i64 = strtoull(s, NULL, 10);
    }
    return true;
}

static bool f32_matches(const char *want, uint32_t got)
{
    bool nan = (got & 0x7f800000u) == 0x7f800000u && (got & 0x007fffffu);
    if (strcmp(want, "nan:canonical") == 0) {
        return (got & 0x7fffffffu) == 0x7fc00000u;
    }
    if (strcmp(want, "nan:arithmetic") == 0) {
        return nan && (got & 0x00400000u);
    }
    return got == (uint32_t)strtoull(want, NULL, 10);
}

static bool f64_matches(const char *want, uint64_t got)
{
    bool nan = (got & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
               (got & 0x000fffffffffffffull);
    if (strcmp(want, "nan:canonical") == 0) {
        return (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    }
    if (strcmp(want, "nan:arithmetic") == 0) {
        return nan && (got & 0x0008000000000000ull);
    }
    return got == strtoull(want, NULL, 10);
}

static bool value_matches(const struct json *want, union wasm_val got)
{
    const char *t = json_str(want, "type");
    const char *s = json_str(want, "value");
    if (!t) {
        return false;
    }
    if (strcmp(t, "funcref") == 0 && !s) {
        return got.ref != 0;
    }
    if (!s) {
        return false;
    }
    if (strcmp(t, "i32") == 0) {
        return got.i32 == (uint32_t)strtoull(s, NULL, 10);
    }
    if (strcmp(t, "i64") == 0) {
        return got.i64 == strtoull(s, NULL, 10);
    }
    if (strcmp(t, "f32") == 0) {
        return f32_matches(s, got.i32);
    }
    if (strcmp(t, "f64") == 0) {
        return f64_matches(s, got.i64);
    }
    if (strcmp(s, "null") == 0) {
        return got.ref == 0;
    }
    if (strcmp(t, "externref") == 0) {
        return got.ref == strtoull(s, NULL, 10) + 1;
    }
    return false;
}

// ---- actions -------------------------------------------------------------------

static struct wasm_instance *action_instance(struct runner *r, const struct json *action)
{
    const char *mod = json_str(action, "module");
    return mod ? find_named(r->named, r->nnamed, mod) : r->current;
}

// Runs an invoke/get action; results land in `res` (up to 16), their count in *nres.
static enum wasm_status run_action(struct runner *r, const struct json *action,
                                   union wasm_val *res, uint32_t *nres, char *err, size_t errlen)
{
    struct wasm_instance *inst = action_instance(r, action);
    const char *type = json_str(action, "type");
    const char *field = json_str(action, "field");
    const struct json *fj = json_get(action, "field");
    struct wasm_extern ext;
    if (!inst || !field || !type || !wasm_instance_export_n(inst, field, fj->len, &ext)) {
        snprintf(err, errlen, "no export \"%s\"", field ? field : "?");
        return WASM_ERR_ARG;
    }
    if (strcmp(type, "get") == 0) {
        if (ext.kind != WASM_EXTERN_GLOBAL) {
            return WASM_ERR_ARG;
        }
        res[0] = wasm_global_get(ext.global);
        *nres = 1;
        return WASM_OK;
    }
    if (ext.kind != WASM_EXTERN_FUNC) {
        return WASM_ERR_ARG;
    }
    const struct json *args = json_get(action, "args");
    union wasm_val argv[64];
    uint32_t nargs = 0;
    for (size_t i = 0; args && i < args->n && i < 64; i++) {
        uint8_t t;
        if (!parse_value(args->items[i], &argv[nargs++], &t)) {
            return WASM_ERR_ARG;
        }
    }
    const struct wasm_functype *ft = wasm_func_type(ext.func);
    if (ft->nresults > 16) {
        return WASM_ERR_ARG;
    }
    *nres = ft->nresults;
    enum wasm_status st = call(r, ext.func, argv, nargs, res, ft->nresults);
    if (st == WASM_ERR_TRAP) {
        snprintf(err, errlen, "trap: %s", wasm_exec_trap_message(r->ex));
    } else if (st != WASM_OK) {
        snprintf(err, errlen, "call failed (%d)", st);
    }
    return st;
}

static bool check_return(struct runner *r, const struct json *cmd, char *err, size_t errlen)
{
    union wasm_val res[16];
    uint32_t nres = 0;
    if (run_action(r, json_get(cmd, "action"), res, &nres, err, errlen) != WASM_OK) {
        return false;
    }
    const struct json *exp = json_get(cmd, "expected");
    if (!exp || exp->n != nres) {
        snprintf(err, errlen, "result count %u", nres);
        return false;
    }
    for (uint32_t i = 0; i < nres; i++) {
        if (!value_matches(exp->items[i], res[i])) {
            snprintf(err, errlen, "result %u: got 0x%llx", i, (unsigned long long)res[i].i64);
            return false;
        }
    }
    return true;
}

// ---- commands ------------------------------------------------------------------

static void add_named(struct named *list, uint32_t *n, const char *name,
                      struct wasm_instance *inst)
{
    if (*n < MAX_NAMED) {
        list[*n].name = strdup(name);
        list[*n].inst = inst;
        (*n)++;
    }
}

static bool cmd_module(struct runner *r, const struct json *cmd, char *err, size_t errlen)
{
    struct wasm_instance *inst;
    const char *file = json_str(cmd, "filename");
    if (!file || instantiate(r, file, &inst, err, errlen) != WASM_OK) {
        r->current = NULL;
        return false;
    }
    r->current = inst;
    const char *name = json_str(cmd, "name");
    if (name) {
        add_named(r->named, &r->nnamed, name, inst);
    }
    return true;
}

static bool cmd_expect_load_failure(struct runner *r, const struct json *cmd, char *err,
                                    size_t errlen)
{
    const char *mt = json_str(cmd, "module_type");
    if (mt && strcmp(mt, "text") == 0) {
        return true; // spectest-interp does not parse text modules either
    }
    struct wasm_module *mod;
    enum wasm_status st = load_module(r, json_str(cmd, "filename"), &mod, err, errlen);
    if (st == WASM_OK) {
        snprintf(err, errlen, "module loaded but should have been rejected");
        return false;
    }
    bool want_malformed = strcmp(json_str(cmd, "type"), "assert_malformed") == 0;
    if (r->verbose && (st == WASM_ERR_MALFORMED) != want_malformed) {
        const struct json *line = json_get(cmd, "line");
        printf("  NOTE %s:%d rejected as %s, expected \"%s\": %s\n", r->file,
               line ? (int)line->num : 0, st == WASM_ERR_MALFORMED ? "malformed" : "invalid",
               json_str(cmd, "text"), err);
    }
    return st == WASM_ERR_MALFORMED || st == WASM_ERR_INVALID;
}

static bool run_command(struct runner *r, const struct json *cmd, char *err, size_t errlen)
{
    const char *type = json_str(cmd, "type");
    union wasm_val res[16];
    uint32_t nres;
    struct wasm_instance *inst;
    if (strcmp(type, "module") == 0) {
        return cmd_module(r, cmd, err, errlen);
    }
    if (strcmp(type, "action") == 0) {
        return run_action(r, json_get(cmd, "action"), res, &nres, err, errlen) == WASM_OK;
    }
    if (strcmp(type, "assert_return") == 0) {
        return check_return(r, cmd, err, errlen);
    }
    if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0) {
        enum wasm_status st = run_action(r, json_get(cmd, "action"), res, &nres, err, errlen);
        if (st == WASM_OK) {
            snprintf(err, errlen, "expected a trap, got none");
        }
        const char *want = json_str(cmd, "text");
        if (r->verbose && st == WASM_ERR_TRAP && want &&
            strncmp(wasm_exec_trap_message(r->ex), want, strlen(want)) != 0) {
            const struct json *line = json_get(cmd, "line");
            printf("  NOTE %s:%d trap \"%s\", expected \"%s\"\n", r->file,
                   line ? (int)line->num : 0, wasm_exec_trap_message(r->ex), want);
        }
        return st == WASM_ERR_TRAP;
    }
    if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0) {
        return cmd_expect_load_failure(r, cmd, err, errlen);
    }
    if (strcmp(type, "assert_unlinkable") == 0) {
        enum wasm_status st = instantiate(r, json_str(cmd, "filename"), &inst, err, errlen);
        return st == WASM_ERR_LINK;
    }
    if (strcmp(type, "assert_uninstantiable") == 0) {
        enum wasm_status st = instantiate(r, json_str(cmd, "filename"), &inst, err, errlen);
        return st == WASM_ERR_TRAP;
    }
    snprintf(err, errlen, "unknown command %s", type);
    return false;
}

static void cmd_register(struct runner *r, const struct json *cmd)
{
    const char *name = json_str(cmd, "name");
    const char *as = json_str(cmd, "as");
    struct wasm_instance *inst = name ? find_named(r->named, r->nnamed, name) : r->current;
    if (inst && as) {
        add_named(r->registered, &r->nregistered, as, inst);
    }
}

static void run_commands(struct runner *r, const struct json *cmds)
{
    for (size_t i = 0; i < cmds->n; i++) {
        const struct json *cmd = cmds->items[i];
        const char *type = json_str(cmd, "type");
        if (!type) {
            continue;
        }
        if (strcmp(type, "register") == 0) {
            cmd_register(r, cmd);
            continue;
        }
        char err[256] = "";
        r->total++;
        if (run_command(r, cmd, err, sizeof(err))) {
            r->passed++;
        } else if (r->verbose) {
            const struct json *line = json_get(cmd, "line");
            printf("  FAIL %s:%d %s: %s\n", r->file, line ? (int)line->num : 0, type, err);
        }
    }
}

// ---- files ---------------------------------------------------------------------

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        return NULL;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    *len = buf ? fread(buf, 1, (size_t)size, fp) : 0;
    fclose(fp);
    return buf;
}

static void reset_runner(struct runner *r)
{
    wasm_store_destroy(r->store);
    for (uint32_t i = 0; i < r->nmods; i++) {
        wasm_module_free(r->mods[i]);
    }
    for (uint32_t i = 0; i < r->nnamed; i++) {
        free(r->named[i].name);
    }
    for (uint32_t i = 0; i < r->nregistered; i++) {
        free(r->registered[i].name);
    }
    r->store = NULL;
    r->nmods = r->nnamed = r->nregistered = 0;
    r->current = NULL;
}

// Converts and runs one .wast file; returns false if it could not be converted.
static bool run_file(struct runner *r, const char *outdir, const char *wast)
{
    char name[256];
    const char *base = strrchr(wast, '/') ? strrchr(wast, '/') + 1 : wast;
    snprintf(name, sizeof(name), "%s", base);
    char *dot = strstr(name, ".wast");
    if (dot) {
        *dot = 0;
    }
    char dir[1024];
    char cmdline[4096];
    char json_path[1400];
    snprintf(dir, sizeof(dir), "%s/%s", outdir, name);
    snprintf(json_path, sizeof(json_path), "%s/%s.json", dir, name);
    snprintf(cmdline, sizeof(cmdline), "mkdir -p '%s' && wast2json --disable-simd '%s' -o '%s'",
             dir, wast, json_path);
    if (system(cmdline) != 0) {
        printf("%s: wast2json failed\n", name);
        return false;
    }
    size_t len;
    char *text = read_file(json_path, &len);
    struct json *doc = text ? json_parse(text, len) : NULL;
    free(text);
    const struct json *cmds = json_get(doc, "commands");
    if (!cmds) {
        printf("%s: cannot read %s\n", name, json_path);
        json_free(doc);
        return false;
    }
    r->dir = dir;
    r->file = name;
    r->store = wasm_store_create(0);
    make_spectest(r);
    uint32_t p0 = r->passed;
    uint32_t t0 = r->total;
    run_commands(r, cmds);
    printf("%s: %u/%u\n", name, r->passed - p0, r->total - t0);
    fflush(stdout);
    reset_runner(r);
    json_free(doc);
    return true;
}

int main(int argc, char **argv)
{
    struct runner *r = calloc(1, sizeof(*r));
    int i = 1;
    r->fuel = WASM_FUEL_UNLIMITED;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            r->verbose = true;
        } else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
            r->fuel = strtoll(argv[++i], NULL, 10);
        }
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: %s [-v] [-f FUEL] OUTDIR FILE.wast...\n", argv[0]);
        return 2;
    }
    const char *outdir = argv[i++];
    r->ex = wasm_exec_create(1u << 20, 20000);
    bool ok = r->ex != NULL;
    for (; i < argc; i++) {
        ok = run_file(r, outdir, argv[i]) && ok;
    }
    printf("spec: %u/%u commands passed\n", r->passed, r->total);
    ok = ok && r->passed == r->total;
    wasm_exec_destroy(r->ex);
    free(r);
    return ok ? 0 : 1;
}
