// The WASM app runtime: loading a WASI command against the runtime's imports (by
// name, rejecting anything else), running it in fuel slices, and the linear-memory
// and log-line helpers the WASI and `ftl` modules share.
#include "wasm_app_int.h"

// The environ layout is the same for wasm32 and the native ABI: no pointers, and
// int64_t is 8-byte aligned in both. The `ftl` module copies it verbatim.
_Static_assert(offsetof(struct ftl_env_item, number) == 40, "ftl_env_item layout");
_Static_assert(sizeof(struct ftl_env_item) == 200, "ftl_env_item layout");
_Static_assert(offsetof(struct ftl_env, items) == 40, "ftl_env layout");

#define EXIT_TRAP "wasm app exit" // the trap message that carries an exit

// ---- linear memory ----------------------------------------------------------

void *wasm_app_mem(struct wasm_app *app, uint64_t addr, uint64_t len)
{
    if (!app->mem) {
        return NULL;
    }
    uint64_t size;
    uint8_t *base = wasm_memory_data(app->mem, &size);
    if (addr > size || len > size - addr) {
        return NULL;
    }
    // A zero-length range at the very end is valid but has no byte to point at.
    return base ? base + addr : NULL;
}

bool wasm_app_read(struct wasm_app *app, void *dst, uint64_t addr, uint64_t len)
{
    if (len == 0) {
        return true;
    }
    const void *p = wasm_app_mem(app, addr, len);
    if (!p) {
        return false;
    }
    memcpy(dst, p, len);
    return true;
}

bool wasm_app_write(struct wasm_app *app, uint64_t addr, const void *src, uint64_t len)
{
    if (len == 0) {
        return true;
    }
    void *p = wasm_app_mem(app, addr, len);
    if (!p) {
        return false;
    }
    memcpy(p, src, len);
    return true;
}

bool wasm_app_put_u32(struct wasm_app *app, uint64_t addr, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return wasm_app_write(app, addr, b, 4);
}

bool wasm_app_put_u64(struct wasm_app *app, uint64_t addr, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    return wasm_app_write(app, addr, b, 8);
}

bool wasm_app_get_u32(struct wasm_app *app, uint64_t addr, uint32_t *out)
{
    uint8_t b[4];
    if (!wasm_app_read(app, b, addr, 4)) {
        return false;
    }
    *out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

// ---- stdout / stderr as log lines ---------------------------------------------

static void line_emit(struct wasm_app *app, int fd)
{
    struct wasm_app_line *l = &app->out[fd - 1];
    // A failing log write has nowhere to be reported: the text is dropped.
    (void)app->ops->log_write(app->ctx, fd == 1 ? FTL_LOG_INFO : FTL_LOG_WARN, l->buf, l->len);
    l->len = 0;
}

void wasm_app_line_write(struct wasm_app *app, int fd, const uint8_t *p, size_t len)
{
    struct wasm_app_line *l = &app->out[fd - 1];
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') {
            line_emit(app, fd);
            continue;
        }
        if (l->len == sizeof(l->buf)) {
            line_emit(app, fd); // an over-long line goes out in pieces
        }
        l->buf[l->len++] = (char)p[i];
    }
}

void wasm_app_line_flush(struct wasm_app *app)
{
    for (int fd = 1; fd <= 2; fd++) {
        if (app->out[fd - 1].len) {
            line_emit(app, fd);
        }
    }
}

// ---- environ ------------------------------------------------------------------

const struct ftl_env_item *wasm_app_env_find(const struct wasm_app *app, const char *name,
                                             size_t name_len)
{
    if (name_len >= FTL_ENV_NAME_MAX) {
        return NULL;
    }
    for (uint32_t i = 0; i < app->env->nitems; i++) {
        const struct ftl_env_item *it = &app->env->items[i];
        if (strncmp(it->name, name, name_len) == 0 && it->name[name_len] == 0) {
            return it;
        }
    }
    return NULL;
}

// Copies the environ (strings forced to be terminated) and derives argv and stdin.
static ftl_err_t env_setup(struct wasm_app *app, const struct ftl_env *env)
{
    app->env_size = offsetof(struct ftl_env, items) + env->nitems * sizeof(env->items[0]);
    app->env = kmalloc(app->env_size);
    if (!app->env) {
        return FTL_ERR_NO_MEMORY;
    }
    memcpy(app->env, env, app->env_size);
    app->env->app_name[FTL_ENV_NAME_MAX - 1] = 0;
    for (uint32_t i = 0; i < app->env->nitems; i++) {
        app->env->items[i].name[FTL_ENV_NAME_MAX - 1] = 0;
        app->env->items[i].str[FTL_ENV_STRING_MAX - 1] = 0;
    }

    char *p = app->args_buf;
    size_t n = strlen(app->env->app_name);
    memcpy(p, app->env->app_name, n + 1);
    app->argv[app->argc++] = p;
    p += n + 1;
    const struct ftl_env_item *args = wasm_app_env_find(app, "args", 4);
    if (args && args->kind == FTL_ENV_STRING) {
        memcpy(p, args->str, strlen(args->str) + 1);
        while (*p && app->argc < WASM_APP_ARGS_MAX) {
            while (*p == ' ') {
                *p++ = 0;
            }
            if (*p) {
                app->argv[app->argc++] = p;
            }
            while (*p && *p != ' ') {
                p++;
            }
        }
    }

    const struct ftl_env_item *in = wasm_app_env_find(app, "stdin", 5);
    app->stdin_ch = in && in->kind == FTL_ENV_CHANNEL ? in->handle : -1;
    app->stdin_poll = -1;
    app->fs_poll = -1;
    app->stdin_eof = app->stdin_ch < 0;
    const struct ftl_env_item *out = wasm_app_env_find(app, "stdout", 6);
    app->stdout_ch = out && out->kind == FTL_ENV_CHANNEL ? out->handle : -1;
    app->stdout_poll = -1;
    return FTL_OK;
}

// ---- loading ------------------------------------------------------------------

static bool name_is(const char *s, const char *name, uint32_t len)
{
    return strlen(s) == len && memcmp(s, name, len) == 0;
}

static const struct wasm_app_import *find_import(const struct wasm_import_desc *d)
{
    const struct wasm_app_import *tabs[3] = {wasm_app_wasi_imports, wasm_app_wasi_fs_imports,
                                             wasm_app_ftl_imports};
    size_t counts[3] = {wasm_app_wasi_nimports, wasm_app_wasi_fs_nimports, wasm_app_ftl_nimports};
    for (int t = 0; t < 3; t++) {
        for (size_t i = 0; i < counts[t]; i++) {
            const struct wasm_app_import *im = &tabs[t][i];
            if (name_is(im->module, d->module, d->module_len) &&
                name_is(im->name, d->name, d->name_len)) {
                return im;
            }
        }
    }
    return NULL;
}

static uint8_t sig_type(char c)
{
    return c == 'I' ? WASM_I64 : WASM_I32;
}

// Builds the functype of `sig` ("iiI:i") into the given arrays.
static void sig_parse(const char *sig, uint8_t *params, uint8_t *results, struct wasm_functype *out)
{
    out->nparams = 0;
    out->nresults = 0;
    out->params = params;
    out->results = results;
    const char *p = sig;
    for (; *p && *p != ':'; p++) {
        params[out->nparams++] = sig_type(*p);
    }
    for (p += *p == ':'; *p; p++) {
        results[out->nresults++] = sig_type(*p);
    }
}

static bool functype_eq(const struct wasm_functype *a, const struct wasm_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           memcmp(a->params, b->params, a->nparams) == 0 &&
           memcmp(a->results, b->results, a->nresults) == 0;
}

// Appends `len` bytes of `s` to buf[*pos..], odd bytes shown as '?', always terminated.
static void append_name(char *buf, size_t cap, size_t *pos, const char *s, size_t len)
{
    for (size_t i = 0; i < len && *pos + 1 < cap; i++) {
        char c = s[i];
        buf[(*pos)++] = c < 0x20 || c > 0x7e ? '?' : c;
    }
    buf[*pos] = 0;
}

// Printable "module.name" of an import (the kernel's snprintf has no "%.*s").
static void import_name(const struct wasm_import_desc *d, char *buf, size_t cap)
{
    size_t pos = 0;
    append_name(buf, cap, &pos, d->module, d->module_len);
    append_name(buf, cap, &pos, ".", 1);
    append_name(buf, cap, &pos, d->name, d->name_len);
}

// Resolves import `i` to a host function created in the app's store.
static ftl_err_t link_import(struct wasm_app *app, uint32_t i, struct wasm_extern *out, char *err,
                             size_t errlen)
{
    struct wasm_import_desc d;
    char name[96];
    if (!wasm_module_import(app->mod, i, &d)) {
        snprintf(err, errlen, "import %u cannot be read", i);
        return FTL_ERR_PARSE;
    }
    import_name(&d, name, sizeof(name));
    const struct wasm_app_import *im = d.kind == WASM_EXTERN_FUNC ? find_import(&d) : NULL;
    if (!im) {
        snprintf(err, errlen, "unknown import %s", name);
        return FTL_ERR_PARSE;
    }
    uint8_t params[16]; // the longest signature, path_open's, has 9
    uint8_t results[2];
    struct wasm_functype t;
    sig_parse(im->sig, params, results, &t);
    if (!functype_eq(&t, d.functype)) {
        snprintf(err, errlen, "import %s has the wrong type (want %s)", name, im->sig);
        return FTL_ERR_PARSE;
    }
    out->kind = WASM_EXTERN_FUNC;
    out->func = wasm_func_create_host(app->store, &t, im->fn, app);
    if (!out->func) {
        snprintf(err, errlen, "out of memory");
        return FTL_ERR_NO_MEMORY;
    }
    return FTL_OK;
}

static ftl_err_t instantiate(struct wasm_app *app, const struct wasm_app_config *cfg, char *err,
                             size_t errlen)
{
    uint32_t n = wasm_module_import_count(app->mod);
    struct wasm_extern *imports = kzalloc((n ? n : 1) * sizeof(*imports));
    if (!imports) {
        snprintf(err, errlen, "out of memory");
        return FTL_ERR_NO_MEMORY;
    }
    ftl_err_t e = FTL_OK;
    for (uint32_t i = 0; i < n && e == FTL_OK; i++) {
        e = link_import(app, i, &imports[i], err, errlen);
    }
    if (e != FTL_OK) {
        goto out_free_imports;
    }
    enum wasm_status st =
        wasm_instance_create(app->store, app->mod, imports, n, err, errlen, &app->inst);
    if (st != WASM_OK) {
        e = st == WASM_ERR_NO_MEMORY ? FTL_ERR_NO_MEMORY : FTL_ERR_PARSE;
        goto out_free_imports;
    }
    struct wasm_extern x;
    if (wasm_instance_export(app->inst, "memory", &x) && x.kind == WASM_EXTERN_MEMORY) {
        app->mem = x.memory;
    }
    if (!wasm_instance_export(app->inst, "_start", &x) || x.kind != WASM_EXTERN_FUNC ||
        wasm_func_type(x.func)->nparams || wasm_func_type(x.func)->nresults) {
        snprintf(err, errlen, "no exported function _start: () -> () (not a WASI command)");
        e = FTL_ERR_PARSE;
        goto out_free_imports;
    }
    app->start = x.func;
    app->ex = wasm_exec_create(cfg->stack_slots ? cfg->stack_slots : 1u << 16,
                               cfg->max_frames ? cfg->max_frames : 4096);
    if (!app->ex) {
        snprintf(err, errlen, "out of memory");
        e = FTL_ERR_NO_MEMORY;
    }
out_free_imports:
    kfree(imports);
    return e;
}

static bool ops_complete(const struct wasm_app_ops *o)
{
    return o->handle_close && o->channel_create && o->channel_send && o->channel_recv &&
           o->poll_create && o->poll_add && o->poll_modify && o->poll_remove && o->poll_wait &&
           o->timer_create && o->timer_set && o->time_now && o->log_write && o->random;
}

ftl_err_t wasm_app_create(const uint8_t *bytes, size_t len, const struct wasm_app_ops *ops,
                          void *ctx, const struct wasm_app_config *cfg, char *err, size_t errlen,
                          struct wasm_app **out_app)
{
    if (!ops || !ops_complete(ops) || !cfg || !cfg->env) {
        snprintf(err, errlen, "no environ or an op is missing");
        return FTL_ERR_INVALID_ARG;
    }
    struct wasm_app *app = kzalloc(sizeof(*app));
    if (!app) {
        snprintf(err, errlen, "out of memory");
        return FTL_ERR_NO_MEMORY;
    }
    app->ops = ops;
    app->ctx = ctx;
    app->status = WASM_APP_RUNNING;
    ftl_err_t e = env_setup(app, cfg->env);
    if (e != FTL_OK) {
        snprintf(err, errlen, "out of memory");
        goto out_destroy;
    }
    enum wasm_status st = wasm_module_load(bytes, len, err, errlen, &app->mod);
    if (st != WASM_OK) {
        e = st == WASM_ERR_NO_MEMORY ? FTL_ERR_NO_MEMORY : FTL_ERR_PARSE;
        goto out_destroy;
    }
    app->store =
        wasm_store_create(cfg->max_memory_pages ? cfg->max_memory_pages : WASM_APP_PAGES_DEFAULT);
    if (!app->store) {
        snprintf(err, errlen, "out of memory");
        e = FTL_ERR_NO_MEMORY;
        goto out_destroy;
    }
    if (cfg->charge) {
        wasm_store_set_charge(app->store, cfg->charge, cfg->uncharge, ctx);
    }
    e = instantiate(app, cfg, err, errlen);
    if (e != FTL_OK) {
        goto out_destroy;
    }
    *out_app = app;
    return FTL_OK;

out_destroy:
    wasm_app_destroy(app);
    return e;
}

void wasm_app_destroy(struct wasm_app *app)
{
    if (!app) {
        return;
    }
    wasm_exec_destroy(app->ex);
    wasm_store_destroy(app->store);
    wasm_module_free(app->mod);
    wasm_app_fs_destroy(app);
    kfree(app->env);
    kfree(app);
}

// ---- running ------------------------------------------------------------------

enum wasm_status wasm_app_exit_now(struct wasm_app *app, struct wasm_exec *ex, int code)
{
    // The trap only unwinds the module; wasm_app_run() sees `stop` and reports an exit.
    app->stop = true;
    app->exit_code = code;
    return wasm_exec_set_trap(ex, EXIT_TRAP);
}

void wasm_app_stop(struct wasm_app *app, int code)
{
    // Host functions check this after each op and unwind the module.
    if (!app->stop) {
        app->stop = true;
        app->exit_code = code;
    }
}

static enum wasm_app_status finish(struct wasm_app *app, enum wasm_app_status status)
{
    wasm_app_line_flush(app);
    app->phase = 2;
    app->status = status;
    return status;
}

enum wasm_app_status wasm_app_run(struct wasm_app *app, int64_t fuel)
{
    if (app->phase == 2) {
        return app->status;
    }
    if (app->stop) {
        return finish(app, WASM_APP_EXITED); // stopped between slices
    }
    wasm_exec_set_fuel(app->ex, fuel);
    enum wasm_status st;
    if (app->suspended) {
        st = wasm_resume(app->ex, NULL, 0);
    } else if (app->phase == 0) {
        st = wasm_instance_start(app->inst, app->ex);
    } else {
        st = wasm_call(app->ex, app->start, NULL, 0, NULL, 0);
    }
    app->suspended = st == WASM_OUT_OF_FUEL;
    switch (st) {
    case WASM_OUT_OF_FUEL:
        if (app->stop) {
            return finish(app, WASM_APP_EXITED); // an op stopped it, then fuel ran out
        }
        return WASM_APP_RUNNING;
    case WASM_OK:
        if (app->phase == 0) {
            app->phase = 1;
            return WASM_APP_RUNNING;
        }
        return finish(app, WASM_APP_EXITED);
    default:
        if (app->stop) {
            return finish(app, WASM_APP_EXITED);
        }
        snprintf(app->error, sizeof(app->error), "%s",
                 st == WASM_ERR_TRAP ? wasm_exec_trap_message(app->ex) : "engine error");
        return finish(app, WASM_APP_TRAPPED);
    }
}

int wasm_app_exit_code(const struct wasm_app *app)
{
    return app->exit_code;
}

const char *wasm_app_error(const struct wasm_app *app)
{
    return app->error;
}
