// The startup process (in the kernel for now): reads every app's spec from the
// boot image, checks them as one system, creates the service channels and starts
// each app with its environ. Bad specs are reported with file:line and skipped;
// the rest of the system comes up.
#include "startup.h"
#include "channel.h"
#include "console.h"
#include "control.h"
#include "device.h"
#include "initfs.h"
#include "isolation/isolation.h"
#include "log.h"
#include "process.h"
#include "spec.h"


struct app {
    struct spec *spec;
    struct process *proc;        // the instance started at boot
    struct channel *system;      // the kernel's end of that instance's system channel
    bool spec_ok;                // the spec passed the system checks: it may be spawned
    bool ok;                     // the boot instance is running
};

static struct app apps[APPS_MAX];
static size_t napps;

static struct app *find_app(const char *name);

static void report(void *ctx, const struct spec_error *err)
{
    (void)ctx;
    if (err->line > 0) {
        klog(FTL_LOG_ERROR, "%s:%d: %s", err->file, err->line, err->reason);
    } else {
        klog(FTL_LOG_ERROR, "%s: %s", err->file, err->reason);
    }
}

static bool is_spec_file(const char *name)
{
    size_t len = strlen(name);
    return len >= 10 && strcmp(name + len - 10, "/spec.yaml") == 0;
}

// Parses every apps/<name>/spec.yaml in the image into one array (the form
// spec_check_system wants). Returns the array, or NULL if there are none.
static struct spec *load_specs(void)
{
    size_t nfiles = 0;
    for (size_t i = 0; i < initfs_count(); i++) {
        nfiles += is_spec_file(initfs_get(i).name);
    }
    if (nfiles == 0) {
        return NULL;
    }
    nfiles = nfiles < APPS_MAX ? nfiles : APPS_MAX;
    struct spec *specs = kzalloc(nfiles * sizeof(struct spec));
    if (!specs) {
        panic("startup: out of memory reading specs");
    }
    struct spec_error err;
    for (size_t i = 0; i < initfs_count() && napps < nfiles; i++) {
        struct initfs_file f = initfs_get(i);
        if (!is_spec_file(f.name)) {
            continue;
        }
        if (spec_parse(f.name, (const char *)f.data, f.size, &specs[napps], &err) != FTL_OK) {
            report(NULL, &err);
            continue;
        }
        apps[napps].spec = &specs[napps];
        napps++;
    }
    return specs;
}

static struct app *exporter_of(const char *service)
{
    for (size_t i = 0; i < napps; i++) {
        for (size_t j = 0; j < apps[i].spec->nexports; j++) {
            if (strcmp(apps[i].spec->exports[j].service, service) == 0) {
                return &apps[i];
            }
        }
    }
    return NULL;
}

// Loads the app's binary for mode `mode` (a SPEC_ISO_*, normally the spec's) and makes
// its process with a system channel, or says why it cannot. The kernel's end of the
// system channel goes to *out_system.
static bool create_process_from(const struct spec *s, int mode, const void *upload,
                                size_t upload_len, struct kmem *parent, struct process **out,
                                struct channel **out_system);

static bool create_process(const struct spec *s, int mode, struct kmem *parent,
                           struct process **out, struct channel **out_system)
{
    return create_process_from(s, mode, NULL, 0, parent, out, out_system);
}

// As create_process, from `upload` (the controller's copy of a binary) if not NULL.
static bool create_process_from(const struct spec *s, int mode, const void *upload,
                                size_t upload_len, struct kmem *parent, struct process **out,
                                struct channel **out_system)
{
    const struct isolation *iso = isolation_for_spec(mode);
    if (iso->needs_el2 && !arch_has_el2()) {
        klog(FTL_LOG_ERROR,
             "%s: not started: isolation '%s' needs EL2 (hardware virtualization) and FTL "
             "runs at %s here",
             s->file, iso->name, arch_boot_mode());
        return false;
    }
    char path[INITFS_NAME_MAX + 16];
    snprintf(path, sizeof(path), "apps/%s/%s", s->name, iso->binary);
    struct initfs_file bin = {.data = upload, .size = upload_len};
    if (!upload && initfs_find(path, &bin) != FTL_OK) {
        klog(FTL_LOG_ERROR, "%s: no %s in the boot image", s->file, path);
        return false;
    }
    const char *why;
    struct process *p;
    struct process_limits lim = {.heap_size = (size_t)s->heap_kib * 1024,
                                 .handles = (size_t)s->handles,
                                 .kmem = (size_t)s->kmem_kib * 1024,
                                 .parent = parent,
                                 .cpu_ms = (size_t)s->cpu_ms};
    ftl_err_t err = process_create(mode, s->name, bin.data, bin.size, &lim, &p, &why);
    if (err != FTL_OK) {
        klog(FTL_LOG_ERROR, "%s: cannot load: %s", path, why);
        return false;
    }
    p->grants = s->grants; // every instance gets its own spec's grants, never its parent's
    struct channel *kernel_end, *app_end;
    if (channel_create_pair(p->kmem, &kernel_end, &app_end) != FTL_OK) {
        process_destroy(p);
        return false;
    }
    if (process_set_system(p, &app_end->obj) != FTL_OK) {
        object_unref(&app_end->obj);
        object_unref(&kernel_end->obj);
        process_destroy(p);
        return false;
    }
    *out = p;
    *out_system = kernel_end;
    return true;
}

// Connects a client's env item to the exporting app: the client gets one end in
// its environ, the server gets the other in a CONNECT on its system channel.
static ftl_err_t connect_service(struct process *client, const struct spec_env_item *it)
{
    struct channel *c;
    ftl_err_t err = it->nvia ? startup_connect_via(client, it->str, it->via, it->nvia, &c)
                             : startup_connect(client, it->str, &c);
    if (it->optional && (err == FTL_ERR_NOT_FOUND || err == FTL_ERR_PEER_CLOSED)) {
        // Nobody serves it now: no env item, but ftl_service_connect may reach it later.
        return control_note_service(client, it->name, it->str);
    }
    if (err == FTL_OK) {
        err = control_note_service(client, it->name, it->str);
        if (err == FTL_OK) {
            control_note_via(client, it);
        }
        if (err != FTL_OK) {
            object_unref(&c->obj);
            return err;
        }
    }
    if (err != FTL_OK) {
        return err;
    }
    return process_env_add(client, it->name, FTL_ENV_CHANNEL, it->str, 0, &c->obj);
}

// Sends `service`'s CONNECT with `handles` (references taken over, also on error) on
// the system channel `system`, charged to `client`.
static ftl_err_t send_connect(struct process *client, struct channel *system, const char *service,
                              struct object **handles, uint32_t nhandles)
{
    size_t ulen = strlen(service);
    struct msg *m = msg_alloc(client->kmem, ulen);
    if (!m) {
        for (uint32_t i = 0; i < nhandles; i++) {
            object_unref(handles[i]);
        }
        return FTL_ERR_NO_MEMORY;
    }
    m->type = FTL_MSG_CONNECT;
    memcpy(m->data, service, ulen);
    for (uint32_t i = 0; i < nhandles; i++) {
        m->handles[i] = (struct handle_entry){handles[i], FTL_RIGHTS_ALL};
    }
    m->nhandles = nhandles;
    ftl_err_t err = channel_send(system, m);
    if (err != FTL_OK) {
        msg_free(m); // drops the handles' references
    }
    return err;
}

ftl_err_t startup_connect_via(struct process *client, const char *service,
                              const char (*via)[SPEC_NAME_MAX], size_t nvia, struct channel **out)
{
    if (nvia == 0) {
        return startup_connect(client, service, out);
    }
    struct app *ia = find_app(via[0]);
    if (!ia || !ia->ok) {
        return FTL_ERR_NOT_FOUND;
    }
    struct channel *up;
    ftl_err_t err = startup_connect_via(client, service, via + 1, nvia - 1, &up);
    if (err != FTL_OK) {
        return err;
    }
    struct channel *c, *s;
    err = channel_create_pair(client->kmem, &c, &s);
    if (err != FTL_OK) {
        object_unref(&up->obj);
        return err;
    }
    struct object *handles[2] = {&s->obj, &up->obj};
    err = send_connect(client, ia->system, service, handles, 2);
    if (err != FTL_OK) {
        object_unref(&c->obj);
        return err;
    }
    *out = c;
    return FTL_OK;
}

ftl_err_t startup_connect(struct process *client, const char *service, struct channel **out)
{
    struct channel *system = control_route(service); // a server the controller started
    if (!system) {
        struct app *server = exporter_of(service);
        system = server ? server->system : NULL;
    }
    if (!system) {
        return FTL_ERR_NOT_FOUND;
    }
    struct channel *c, *s;
    ftl_err_t err = channel_create_pair(client->kmem, &c, &s);
    if (err != FTL_OK) {
        return err;
    }
    size_t ulen = strlen(service);
    struct msg *m = msg_alloc(client->kmem, ulen);
    if (!m) {
        object_unref(&c->obj);
        object_unref(&s->obj);
        return FTL_ERR_NO_MEMORY;
    }
    m->type = FTL_MSG_CONNECT;
    memcpy(m->data, service, ulen);
    m->handles[0] = (struct handle_entry){&s->obj, FTL_RIGHTS_ALL};
    m->nhandles = 1;
    err = channel_send(system, m);
    if (err != FTL_OK) {
        msg_free(m);
        object_unref(&c->obj);
        return err;
    }
    *out = c;
    return FTL_OK;
}

static ftl_err_t build_environ(const struct spec *s, struct process *p)
{
    for (size_t i = 0; i < s->nenv; i++) {
        const struct spec_env_item *it = &s->env[i];
        ftl_err_t err = FTL_OK;
        switch (it->kind) {
        case SPEC_ENV_STRING:
            err = process_env_add(p, it->name, FTL_ENV_STRING, it->str, 0, NULL);
            break;
        case SPEC_ENV_NUMBER:
            err = process_env_add(p, it->name, FTL_ENV_NUMBER, NULL, it->number, NULL);
            break;
        case SPEC_ENV_SERVICE:
            err = connect_service(p, it);
            break;
        case SPEC_ENV_DEVICE:
            err = device_attach(p, it);
            break;
        }
        if (err != FTL_OK) {
            klog(FTL_LOG_ERROR, "%s:%d: cannot set up '%s': %s", s->file, it->line, it->name,
                 ftl_err_name(err));
            return err;
        }
    }
    if (s->grants.bits & SPEC_GRANT_CONSOLE) {
        ftl_err_t err = console_attach(p);
        if (err != FTL_OK) {
            klog(FTL_LOG_ERROR, "%s: cannot give it the console: %s", s->file, ftl_err_name(err));
            return err;
        }
    }
    // Preopens, read by the WASI runtime (kernel/wasm/wasm_app_wasi_fs.c): fs_name and
    // fs_root for the first, fs_name1 and fs_root1 for the second, and so on.
    for (size_t i = 0; i < s->npreopens; i++) {
        char name[16], root[16];
        snprintf(name, sizeof(name), i ? "fs_name%u" : "fs_name", (unsigned)i);
        snprintf(root, sizeof(root), i ? "fs_root%u" : "fs_root", (unsigned)i);
        ftl_err_t err = process_env_add(p, name, FTL_ENV_STRING, s->preopens[i].guest, 0, NULL);
        if (err == FTL_OK) {
            err = process_env_add(p, root, FTL_ENV_STRING, s->preopens[i].path, 0, NULL);
        }
        if (err != FTL_OK) {
            klog(FTL_LOG_ERROR, "%s:%d: cannot set up the preopen: %s", s->file,
                 s->preopens[i].line, ftl_err_name(err));
            return err;
        }
    }
    return FTL_OK;
}

// An app can start if its spec is fine, it loaded, and every service it uses is
// exported by an app that can start. Repeats until nothing changes.
static void propagate_failures(void)
{
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < napps; i++) {
            struct app *a = &apps[i];
            for (size_t j = 0; a->ok && j < a->spec->nenv; j++) {
                const struct spec_env_item *it = &a->spec->env[j];
                struct app *server = it->kind == SPEC_ENV_SERVICE && !it->optional
                                         ? exporter_of(it->str)
                                         : NULL;
                for (uint32_t v = 0; it->kind == SPEC_ENV_SERVICE && v < it->nvia; v++) {
                    struct app *ia = find_app(it->via[v]);
                    server = ia && !ia->ok ? ia : server;
                }
                if (server && !server->ok) {
                    klog(FTL_LOG_ERROR, "%s:%d: not starting '%s': service '%s' is unavailable",
                         a->spec->file, it->line, a->spec->name, it->str);
                    a->ok = false;
                    changed = true;
                }
            }
        }
    }
}

void startup_run(void)
{
    struct spec *specs = load_specs();
    if (napps == 0) {
        KWARN("no apps to start in the boot image");
        return;
    }
    bool ok[APPS_MAX];
    (void)spec_check_system(specs, napps, ok, report, NULL);
    for (size_t i = 0; i < napps; i++) {
        apps[i].spec_ok = ok[i];
        apps[i].ok = ok[i] && !apps[i].spec->no_boot &&
                     create_process(apps[i].spec, apps[i].spec->isolation, NULL, &apps[i].proc,
                                    &apps[i].system);
    }
    propagate_failures();
    for (size_t i = 0; i < napps; i++) {
        if (apps[i].ok && build_environ(apps[i].spec, apps[i].proc) != FTL_OK) {
            apps[i].ok = false;
        }
    }
    size_t started = 0, on_demand = 0;
    for (size_t i = 0; i < napps; i++) {
        on_demand += apps[i].spec->no_boot;
        if (apps[i].ok && process_start(apps[i].proc) == FTL_OK) {
            started++;
        } else if (apps[i].proc) {
            process_destroy(apps[i].proc);
            apps[i].proc = NULL;
        }
    }
    if (on_demand) { // `boot: false`: started only by ftl_process_spawn
        KINFO("startup: %zu of %zu apps started, %zu more on demand", started, napps - on_demand,
              on_demand);
    } else {
        KINFO("startup: %zu of %zu apps started", started, napps);
    }
}

static struct app *find_app(const char *name)
{
    for (size_t i = 0; i < napps; i++) {
        if (strcmp(apps[i].spec->name, name) == 0) {
            return &apps[i];
        }
    }
    return NULL;
}

ftl_err_t startup_spawn(const char *name, int mode, struct kmem *parent, struct process **out)
{
    struct app *a = find_app(name);
    if (!a || !a->spec_ok) {
        return FTL_ERR_NOT_FOUND;
    }
    if (mode < 0) {
        mode = (int)a->spec->isolation;
    } else if (mode != (int)a->spec->isolation) {
        // Another mode than the spec's: never inkernel (that would hand the app the
        // kernel), and only one whose binary the image holds and this CPU can run.
        const struct isolation *iso = isolation_for_spec(mode);
        char path[INITFS_NAME_MAX + 16];
        struct initfs_file bin;
        if (!iso || mode == SPEC_ISO_INKERNEL) {
            return FTL_ERR_INVALID_ARG;
        }
        snprintf(path, sizeof(path), "apps/%s/%s", a->spec->name, iso->binary);
        if (initfs_find(path, &bin) != FTL_OK || (iso->needs_el2 && !arch_has_el2())) {
            return FTL_ERR_UNSUPPORTED;
        }
    }
    struct process *p;
    struct channel *system;
    if (!create_process(a->spec, mode, parent, &p, &system)) {
        return FTL_ERR_NO_MEMORY;
    }
    p->system_peer = &system->obj; // released with the process
    ftl_err_t err = build_environ(a->spec, p);
    if (err != FTL_OK) {
        process_destroy(p);
        return err;
    }
    *out = p;
    return FTL_OK;
}

bool startup_env_uses(const char *app, const char *item)
{
    for (size_t i = 0; i < napps; i++) {
        const struct spec *s = apps[i].spec;
        for (size_t j = 0; strcmp(s->name, app) == 0 && j < s->nenv; j++) {
            if (strcmp(s->env[j].name, item) == 0) {
                return true;
            }
        }
    }
    return false;
}

size_t startup_list(struct ftl_app_entry *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < napps && n < max; i++) {
        struct ftl_app_entry *e = &out[n++];
        memset(e, 0, sizeof(*e));
        snprintf(e->name, sizeof(e->name), "%s", apps[i].spec->name);
        e->isolation = (uint32_t)apps[i].spec->isolation;
        e->flags = (apps[i].spec_ok ? FTL_APP_STARTS : 0) | (apps[i].ok ? FTL_APP_RUNNING : 0) |
                   (uint32_t)apps[i].spec->restart << FTL_APP_RESTART_SHIFT;
    }
    return n;
}

ftl_err_t startup_spawn_spec(const struct spec *s, const void *bin, size_t len,
                             struct kmem *parent, struct process **out,
                             struct channel **out_system)
{
    struct process *p;
    struct channel *system;
    if (!create_process_from(s, s->isolation, bin, len, parent, &p, &system)) {
        return bin ? FTL_ERR_PARSE : FTL_ERR_NOT_FOUND; // the log says why
    }
    p->system_peer = &system->obj; // released with the process
    ftl_err_t err = build_environ(s, p);
    if (err != FTL_OK) {
        process_destroy(p);
        return err;
    }
    *out = p;
    *out_system = system;
    return FTL_OK;
}

struct channel *startup_boot_app(const char *name, const struct spec **out_spec)
{
    struct app *a = find_app(name);
    *out_spec = a && a->ok ? a->spec : NULL;
    return a && a->ok ? a->system : NULL;
}

bool startup_exports_other(const char *service, const char *name)
{
    struct app *a = exporter_of(service);
    return a && strcmp(a->spec->name, name) != 0;
}

const struct spec *startup_image_spec(const char *name)
{
    struct app *a = find_app(name);
    return a && a->spec_ok ? a->spec : NULL;
}
