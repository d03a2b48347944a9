// wasm-run: runs a WASI command (or an FTL app built for WASM) on Linux through the
// app runtime, with in-process channels (host_ftl.c). Also calls one export of a
// module without imports for the benchmarks (--invoke).
#define _DEFAULT_SOURCE
#include "host_fs.h"
#include "host_ftl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENTS_MAX 8
#define ITEMS_MAX 32
#define DIRS_MAX 8 // --dir: the runtime's WASM_APP_PREOPENS_MAX

static const char usage[] =
    "usage: wasm-run [options] module.wasm [NAME=value | ARG ...]\n"
    "  NAME=value        an environ string item (WASI environment; args=\"a b\" adds argv)\n"
    "  ARG               a program argument (argv[1..])\n"
    "  --env NAME=VALUE  a WASI environment variable (like NAME=value after the module)\n"
    "  --dir HOST::GUEST serve directory HOST as the preopened directory GUEST\n"
    "                    (repeatable, up to 8: fds 3, 4, ... in this order)\n"
    "  --name NAME       the app name, argv[0] (default: the file name without .wasm)\n"
    "  --fuel-limit N    stop with \"out of fuel\" after N units (default: unlimited)\n"
    "  --slice N         fuel per slice between returns to the runner (default: 1000000)\n"
    "  --connect TEXT    a client: CONNECT on the system channel, then DATA TEXT; replies\n"
    "                    are printed as \"reply N: ...\" once the app waits (repeatable)\n"
    "  --invoke FUNC     call export FUNC() of a module without imports, print its result\n";

struct client {
    const char *text;
    struct host_chan *ch;
};

struct runner {
    struct host_ftl hf;
    char dirs[DIRS_MAX][4096]; // --dir HOST::GUEST, in order
    const char *guests[DIRS_MAX];
    int ndirs;
    struct host_chan *system; // far end of the app's system channel
    struct client clients[CLIENTS_MAX];
    int nclients;
    bool clients_done;
};

static uint8_t *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 1 << 16;
    size_t len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
            }
            buf = nb;
        }
    }
    fclose(f);
    *out_len = len;
    return buf;
}

// When the app is idle: print every reply the clients got, then close them.
static bool clients_idle(void *arg)
{
    struct runner *r = arg;
    if (host_fs_idle()) {
        return true;
    }
    if (r->clients_done || r->nclients == 0) {
        return false;
    }
    for (int i = 0; i < r->nclients; i++) {
        char buf[FTL_MSG_DATA_MAX];
        size_t n;
        while (host_chan_recv(r->clients[i].ch, buf, sizeof(buf), &n) == FTL_OK) {
            printf("reply %d: %.*s\n", i + 1, (int)n, buf);
        }
        host_chan_close(r->clients[i].ch);
    }
    r->clients_done = true;
    return true;
}

static int start_clients(struct runner *r)
{
    for (int i = 0; i < r->nclients; i++) {
        struct client *c = &r->clients[i];
        const char *uri = "wasm-run";
        if (host_chan_send(r->system, FTL_MSG_CONNECT, uri, strlen(uri), &c->ch) != FTL_OK ||
            host_chan_send(c->ch, FTL_MSG_DATA, c->text, strlen(c->text), NULL) != FTL_OK) {
            fprintf(stderr, "wasm-run: cannot start client %d\n", i + 1);
            return -1;
        }
    }
    return 0;
}

// Builds the environ: string items from NAME=value, "stdin" fed from the process's
// stdin, the system channel.
static struct ftl_env *make_env(struct runner *r, const char *name, char **vars, int nvars)
{
    // Room for the vars, fs and stdin, and two items per --dir.
    size_t items = ITEMS_MAX + 2 + 2 * DIRS_MAX;
    struct ftl_env *env = calloc(1, sizeof(*env) + items * sizeof(env->items[0]));
    struct host_chan *in;
    if (!env || nvars >= ITEMS_MAX ||
        host_ftl_channel_pair(&r->hf, &env->system, &r->system) != FTL_OK) {
        free(env);
        return NULL;
    }
    snprintf(env->app_name, sizeof(env->app_name), "%s", name);
    for (int i = 0; i < nvars; i++) {
        struct ftl_env_item *it = &env->items[env->nitems++];
        const char *eq = strchr(vars[i], '=');
        size_t n = (size_t)(eq - vars[i]);
        if (n >= sizeof(it->name) || strlen(eq + 1) >= sizeof(it->str)) {
            fprintf(stderr, "wasm-run: %s: name or value too long\n", vars[i]);
            free(env);
            return NULL;
        }
        memcpy(it->name, vars[i], n);
        it->kind = FTL_ENV_STRING;
        snprintf(it->str, sizeof(it->str), "%s", eq + 1);
    }
    struct ftl_env_item *it;
    // The fs channel, and each preopen's guest name and server path (fs_name, fs_root;
    // fs_name1, fs_root1; ...: wasm_app_wasi_fs.c).
    struct ftl_env_item *fs = r->ndirs ? &env->items[env->nitems++] : NULL;
    for (int d = 0; d < r->ndirs; d++) {
        snprintf(fs->name, sizeof(fs->name), "fs");
        fs->kind = FTL_ENV_CHANNEL;
        char root[8];
        if (host_fs_add(&r->hf, r->dirs[d], root, &fs->handle) != FTL_OK) {
            fprintf(stderr, "wasm-run: --dir %s: no such directory\n", r->dirs[d]);
            free(env);
            return NULL;
        }
        for (int k = 0; k < 2; k++) {
            it = &env->items[env->nitems++];
            snprintf(it->name, sizeof(it->name), d ? "%s%d" : "%s", k ? "fs_root" : "fs_name", d);
            it->kind = FTL_ENV_STRING;
            snprintf(it->str, sizeof(it->str), "%s", k ? root : r->guests[d]);
        }
    }
    it = &env->items[env->nitems++];
    snprintf(it->name, sizeof(it->name), "stdin");
    it->kind = FTL_ENV_CHANNEL;
    snprintf(it->str, sizeof(it->str), "stdin");
    if (host_ftl_channel_pair(&r->hf, &it->handle, &in) != FTL_OK) {
        free(env);
        return NULL;
    }
    host_ftl_feed_stdin(in);
    return env;
}

// Runs the app in slices until it ends or `limit` fuel is spent; the exit status.
static int run_app(struct wasm_app *app, const char *name, int64_t limit, int64_t slice)
{
    int64_t spent = 0;
    for (;;) {
        int64_t fuel = limit - spent < slice ? limit - spent : slice;
        enum wasm_app_status st = wasm_app_run(app, fuel);
        spent += fuel;
        if (st == WASM_APP_EXITED) {
            return wasm_app_exit_code(app) & 0xff;
        }
        if (st == WASM_APP_TRAPPED) {
            fflush(stdout);
            fprintf(stderr, "wasm-run: %s: trap: %s\n", name, wasm_app_error(app));
            return 134;
        }
        if (spent >= limit) {
            fflush(stdout);
            fprintf(stderr, "wasm-run: %s: out of fuel after %lld units\n", name, (long long)limit);
            return 137;
        }
    }
}

static void print_val(uint8_t type, union wasm_val v)
{
    switch (type) {
    case WASM_I32:
        printf("i32:%u", v.i32);
        break;
    case WASM_I64:
        printf("i64:%llu", (unsigned long long)v.i64);
        break;
    case WASM_F32:
        printf("f32:%g", (double)v.f32);
        break;
    case WASM_F64:
        printf("f64:%g", v.f64);
        break;
    default:
        printf("ref:%llu", (unsigned long long)v.ref);
        break;
    }
}

// Calls export `fn` (no parameters) of a module without imports.
static int invoke(const uint8_t *bytes, size_t len, const char *fn, int64_t limit)
{
    char err[256];
    struct wasm_module *mod = NULL;
    struct wasm_store *store = wasm_store_create(0);
    struct wasm_exec *ex = wasm_exec_create(1u << 16, 4096);
    struct wasm_instance *inst;
    struct wasm_extern x;
    int rc = 1;
    if (wasm_module_load(bytes, len, err, sizeof(err), &mod) != WASM_OK ||
        wasm_instance_create(store, mod, NULL, 0, err, sizeof(err), &inst) != WASM_OK) {
        fprintf(stderr, "wasm-run: %s\n", err);
        goto out;
    }
    if (!wasm_instance_export(inst, fn, &x) || x.kind != WASM_EXTERN_FUNC ||
        wasm_func_type(x.func)->nparams || wasm_func_type(x.func)->nresults > 1) {
        fprintf(stderr, "wasm-run: no export %s: () -> (one value or none)\n", fn);
        goto out;
    }
    const struct wasm_functype *t = wasm_func_type(x.func);
    union wasm_val res[1];
    wasm_exec_set_fuel(ex, limit);
    enum wasm_status st = wasm_instance_start(inst, ex);
    if (st == WASM_OK) {
        st = wasm_call(ex, x.func, NULL, 0, res, t->nresults);
    }
    if (st != WASM_OK) {
        fprintf(stderr, "wasm-run: %s\n",
                st == WASM_OUT_OF_FUEL ? "out of fuel" : wasm_exec_trap_message(ex));
        rc = st == WASM_OUT_OF_FUEL ? 137 : 134;
        goto out;
    }
    printf("%s() =>", fn);
    if (t->nresults) {
        printf(" ");
        print_val(t->results[0], res[0]);
    }
    printf("\n");
    rc = 0;
out:
    wasm_exec_destroy(ex);
    wasm_store_destroy(store);
    wasm_module_free(mod);
    return rc;
}

static int run_file(struct runner *r, const char *path, char **vars, int nvars, int64_t limit,
                    int64_t slice, const char *fn)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "wasm-run: cannot read %s\n", path);
        return 1;
    }
    if (fn) {
        int rc = invoke(bytes, len, fn, limit);
        free(bytes);
        return rc;
    }
    int rc = 1;
    char err[256];
    struct wasm_app *app = NULL;
    struct ftl_env *env = make_env(r, r->hf.name, vars, nvars);
    struct wasm_app_config cfg = {.env = env};
    if (!env || start_clients(r) != 0) {
        goto out;
    }
    if (wasm_app_create(bytes, len, &host_ftl_ops, &r->hf, &cfg, err, sizeof(err), &app) !=
        FTL_OK) {
        fprintf(stderr, "wasm-run: %s: %s\n", path, err);
        goto out;
    }
    r->hf.app = app;
    rc = run_app(app, r->hf.name, limit, slice);
out:
    wasm_app_destroy(app);
    free(env);
    free(bytes);
    return rc;
}

int main(int argc, char **argv)
{
    static struct runner r;
    int64_t limit = WASM_FUEL_UNLIMITED;
    int64_t slice = 1000000;
    const char *fn = NULL;
    const char *name = NULL;
    char *envs[ITEMS_MAX];
    int nenv = 0;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        const char *v = argv[i + 1];
        if (strcmp(argv[i], "--fuel-limit") == 0) {
            limit = strtoll(v, NULL, 0);
        } else if (strcmp(argv[i], "--slice") == 0) {
            slice = strtoll(v, NULL, 0);
        } else if (strcmp(argv[i], "--name") == 0) {
            name = v;
        } else if (strcmp(argv[i], "--invoke") == 0) {
            fn = v;
        } else if (strcmp(argv[i], "--env") == 0 && strchr(v, '=') && nenv < ITEMS_MAX / 2) {
            envs[nenv++] = argv[i + 1];
        } else if (strcmp(argv[i], "--dir") == 0 && strstr(v, "::") && r.ndirs < DIRS_MAX) {
            snprintf(r.dirs[r.ndirs], sizeof(r.dirs[0]), "%.*s", (int)(strstr(v, "::") - v), v);
            r.guests[r.ndirs++] = strstr(v, "::") + 2;
        } else if (strcmp(argv[i], "--connect") == 0 && r.nclients < CLIENTS_MAX) {
            r.clients[r.nclients++].text = v;
        } else {
            break;
        }
    }
    if (i >= argc || strncmp(argv[i], "--", 2) == 0 || limit <= 0 || slice <= 0) {
        fputs(usage, stderr);
        return 2;
    }
    const char *path = argv[i++];
    // Program arguments (no '=') join one args item; NAME=value and --env items stay.
    static char *vars[ITEMS_MAX];
    static char args_item[FTL_ENV_STRING_MAX + 8];
    int nvars = 0;
    size_t alen = 0;
    for (int j = 0; j < nenv && nvars < ITEMS_MAX - 1; j++) {
        vars[nvars++] = envs[j];
    }
    for (int j = i; j < argc; j++) {
        if (strchr(argv[j], '=') && nvars < ITEMS_MAX - 1) {
            vars[nvars++] = argv[j];
        } else if (!strchr(argv[j], '=')) {
            int k = snprintf(args_item + alen, sizeof(args_item) - alen, "%s%s",
                             alen ? " " : "args=", argv[j]);
            alen += k > 0 ? (size_t)k : 0;
            if (alen >= sizeof(args_item)) {
                fputs("wasm-run: program arguments too long\n", stderr);
                return 2;
            }
        }
    }
    if (alen) {
        vars[nvars++] = args_item;
    }
    char base[FTL_ENV_NAME_MAX];
    if (!name) {
        const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        snprintf(base, sizeof(base), "%.*s", (int)strcspn(b, "."), b);
        name = base;
    }
    r.hf.name = name;
    r.hf.idle = clients_idle;
    r.hf.idle_arg = &r;
    int rc = run_file(&r, path, vars, nvars, limit, slice, fn);
    fflush(stdout);
    host_ftl_cleanup();
    return rc;
}
