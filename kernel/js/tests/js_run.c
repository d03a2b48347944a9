// js-run: runs a JS app (main.js) on Linux through the same runtime as the kernel's
// `isolation: js` (kernel/js/js_app.c), with in-process channels (host_ftl.c, shared
// with wasm-run). Log lines go to stdout as "[level] text".
#define _GNU_SOURCE
#include "../js_app.h"
#include "../../wasm/tests/host_ftl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLIENTS_MAX 8
#define ITEMS_MAX 32

static const char usage[] =
    "usage: js-run [options] main.js [NAME=value ...]\n"
    "  NAME=value        an environ item: a number if it parses as one, else a string\n"
    "  --name NAME       the app name (default: the folder of main.js)\n"
    "  --heap-kib N      the arena limit (default: 4096)\n"
    "  --cpu-ms N        stop a turn of the event loop after N ms of CPU (default: none)\n"
    "  --stats 1         print the arena's figures at the end (bytes of pages held)\n"
    "  --connect TEXT    a client: CONNECT on the system channel, then DATA TEXT; replies\n"
    "                    are printed as \"reply N: ...\" once the app waits (repeatable)\n";

struct client {
    const char *text;
    struct host_chan *ch;
};

struct runner {
    struct host_ftl hf;
    struct host_chan *system;
    struct client clients[CLIENTS_MAX];
    int nclients;
    bool clients_done;
    int64_t cpu_limit_ns;
    int64_t turn_start_ns;
};

// host_ftl.c stops a wasm app that waits with nothing left to wake it; a JS app's
// loop sees the same wait time out and ends by itself.
void wasm_app_stop(struct wasm_app *app, int code)
{
    (void)app;
    (void)code;
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool over_budget(void *ctx)
{
    struct runner *r = ((struct host_ftl *)ctx)->idle_arg;
    return r->cpu_limit_ns && cpu_ns() - r->turn_start_ns > r->cpu_limit_ns;
}

static void turn_begin(void *ctx)
{
    struct runner *r = ((struct host_ftl *)ctx)->idle_arg;
    r->turn_start_ns = cpu_ns();
}

static void *pages_alloc(void *ctx, size_t bytes)
{
    (void)ctx;
    return aligned_alloc(4096, bytes);
}

static void pages_release(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    (void)bytes;
    free(p);
}

static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(buf, cap *= 2);
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

static bool clients_idle(void *arg)
{
    struct runner *r = arg;
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

static struct ftl_env *make_env(struct runner *r, const char *name, char **vars, int nvars)
{
    struct ftl_env *env = calloc(1, sizeof(*env) + ITEMS_MAX * sizeof(env->items[0]));
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
            fprintf(stderr, "js-run: %s: name or value too long\n", vars[i]);
            free(env);
            return NULL;
        }
        memcpy(it->name, vars[i], n);
        char *end;
        long long v = strtoll(eq + 1, &end, 0);
        if (eq[1] && !*end) {
            it->kind = FTL_ENV_NUMBER;
            it->number = v;
        } else {
            it->kind = FTL_ENV_STRING;
            snprintf(it->str, sizeof(it->str), "%s", eq + 1);
        }
    }
    return env;
}

static int start_clients(struct runner *r)
{
    for (int i = 0; i < r->nclients; i++) {
        struct client *c = &r->clients[i];
        if (host_chan_send(r->system, FTL_MSG_CONNECT, "js-run", 6, &c->ch) != FTL_OK ||
            host_chan_send(c->ch, FTL_MSG_DATA, c->text, strlen(c->text), NULL) != FTL_OK) {
            fprintf(stderr, "js-run: cannot start client %d\n", i + 1);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct runner r;
    size_t heap = JS_APP_HEAP_DEFAULT;
    bool stats = false;
    const char *name = NULL;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        const char *v = argv[i + 1];
        if (strcmp(argv[i], "--heap-kib") == 0) {
            heap = (size_t)strtoull(v, NULL, 0) * 1024;
        } else if (strcmp(argv[i], "--cpu-ms") == 0) {
            r.cpu_limit_ns = strtoll(v, NULL, 0) * 1000000;
        } else if (strcmp(argv[i], "--stats") == 0) {
            stats = strcmp(v, "0") != 0;
        } else if (strcmp(argv[i], "--name") == 0) {
            name = v;
        } else if (strcmp(argv[i], "--connect") == 0 && r.nclients < CLIENTS_MAX) {
            r.clients[r.nclients++].text = v;
        } else {
            break;
        }
    }
    if (i >= argc || strncmp(argv[i], "--", 2) == 0) {
        fputs(usage, stderr);
        return 2;
    }
    const char *path = argv[i++];
    for (int j = i; j < argc; j++) {
        if (!strchr(argv[j], '=')) {
            fputs(usage, stderr);
            return 2;
        }
    }
    char base[FTL_ENV_NAME_MAX] = "app";
    if (!name) {
        const char *slash = strrchr(path, '/');
        if (slash && slash > path) {
            const char *start = slash - 1;
            while (start > path && start[-1] != '/') {
                start--;
            }
            snprintf(base, sizeof(base), "%.*s", (int)(slash - start), start);
        }
        name = base;
    }
    size_t len;
    char *src = read_file(path, &len);
    if (!src) {
        fprintf(stderr, "js-run: cannot read %s\n", path);
        return 1;
    }
    r.hf.name = name;
    r.hf.idle = clients_idle;
    r.hf.idle_arg = &r;
    int rc = 1;
    struct js_arena arena;
    struct js_arena_pages pages = {pages_alloc, pages_release, NULL};
    js_arena_init(&arena, &pages, heap);
    struct ftl_env *env = make_env(&r, name, argv + i, argc - i);
    struct js_app_config cfg = {.env = env,
                                .stack_size = 1u << 20,
                                .interrupt = over_budget,
                                .turn_begin = turn_begin};
    struct js_app *app = NULL;
    char err[JS_APP_ERROR_MAX];
    const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!env || start_clients(&r) != 0) {
        goto out;
    }
    if (js_app_create(&arena, file, src, len, &host_ftl_ops, &r.hf, &cfg, err, sizeof(err),
                      &app) != FTL_OK) {
        fprintf(stderr, "js-run: %s: cannot load: %s\n", name, err);
        goto out;
    }
    if (stats) {
        printf("arena: %zu bytes held after load (%zu in blocks)\n", arena.held, arena.in_use);
    }
    if (js_app_run(app) == JS_APP_EXITED) {
        rc = js_app_exit_code(app) & 0xff;
        if (rc) {
            fprintf(stderr, "js-run: %s: exited with code %d\n", name, js_app_exit_code(app));
        }
    } else {
        fflush(stdout);
        fprintf(stderr, "js-run: %s: %s: %s\n", name, js_app_error_kind(app), js_app_error(app));
        rc = 134;
    }
out:
    if (stats) {
        printf("arena: %zu bytes held at most\n", arena.peak);
    }
    fflush(stdout);
    js_app_destroy(app);
    if (arena.in_use) {
        fprintf(stderr, "js-run: %zu bytes of the arena still in use after the runtime went\n",
                arena.in_use);
        rc = rc ? rc : 1;
    }
    js_arena_release_all(&arena);
    free(env);
    free(src);
    host_ftl_cleanup();
    return rc;
}
