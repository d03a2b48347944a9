// The controller's calls (<ftl/control.h>, docs/controller.md). Every argument comes
// from an app and is checked here before use; spec text goes through the build's
// checker (spec.c). An app with `grants: { control: true }` can start any code, so the
// image gives it to the controller alone, and an applied spec cannot grant it.
#include "control.h"
#include "log.h"
#include "mm.h"
#include "startup.h"
#include "syscall.h"
#include <ftl/control.h>

#define PROCESS_SERVICES_MAX (SPEC_ENV_MAX + SPEC_EXPORTS_MAX)

struct route {
    char service[SPEC_NAME_MAX];   // "" when the slot is free
    char app[SPEC_NAME_MAX];       // the app serving it
    struct channel *system;        // one reference: its instance's system channel
};

static struct route routes[CONTROL_ROUTES_MAX];

static struct route *route_find(const char *service)
{
    for (size_t i = 0; i < CONTROL_ROUTES_MAX; i++) {
        if (routes[i].service[0] && strcmp(routes[i].service, service) == 0) {
            return &routes[i];
        }
    }
    return NULL;
}

struct channel *control_route(const char *service)
{
    struct route *r = route_find(service);
    return r ? r->system : NULL;
}

ftl_err_t control_note_service(struct process *p, const char *key, const char *service)
{
    if (!p->services) {
        size_t bytes = PROCESS_SERVICES_MAX * sizeof(struct process_service);
        size_t charged = heap_block_bytes(bytes);
        if (kmem_charge(p->kmem, charged) != FTL_OK) {
            return FTL_ERR_NO_MEMORY;
        }
        p->services = kzalloc(bytes);
        if (!p->services) {
            kmem_uncharge(p->kmem, charged);
            return FTL_ERR_NO_MEMORY;
        }
        p->kmem_self += charged; // uncharged with the process, which frees the array
    }
    if (p->nservices == PROCESS_SERVICES_MAX) {
        return FTL_ERR_TOO_MANY;
    }
    struct process_service *s = &p->services[p->nservices++];
    snprintf(s->key, sizeof(s->key), "%s", key);
    snprintf(s->service, sizeof(s->service), "%s", service);
    return FTL_OK;
}

void control_note_via(struct process *p, const struct spec_env_item *it)
{
    if (p->nservices == 0) {
        return;
    }
    struct process_service *s = &p->services[p->nservices - 1];
    s->nvia = it->nvia;
    memcpy(s->via, it->via, sizeof(s->via));
}

// Copies app string [name, name+len) into `out` (SPEC_NAME_MAX bytes) as a C string.
static ftl_err_t copy_name(struct process *p, uaddr_t name, size_t len, char *out)
{
    if (len == 0 || len >= SPEC_NAME_MAX) {
        return len == 0 ? FTL_ERR_INVALID_ARG : FTL_ERR_TOO_LARGE;
    }
    ftl_err_t err = app_copy_in(p, out, name, len);
    out[len] = '\0';
    if (err == FTL_OK && strlen(out) != len) {
        return FTL_ERR_INVALID_ARG; // a NUL inside
    }
    return err;
}

// Parses app spec text [text, text+len) into a new struct spec (kfree it).
static ftl_err_t parse_app_spec(struct process *p, uaddr_t text, size_t len, struct spec **out,
                                struct spec_error *serr)
{
    if (len > FTL_SPEC_TEXT_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    char *buf = kmalloc(FTL_SPEC_TEXT_MAX);
    struct spec *s = kzalloc(sizeof(*s));
    ftl_err_t err = buf && s ? FTL_OK : FTL_ERR_NO_MEMORY;
    if (err == FTL_OK) {
        err = app_copy_in(p, buf, text, len);
    }
    if (err == FTL_OK) {
        err = spec_parse("applied", buf, len, s, serr);
    }
    kfree(buf);
    if (err != FTL_OK) {
        kfree(s);
        return err;
    }
    snprintf(s->file, sizeof(s->file), "applied/%s.yaml", s->name);
    *out = s;
    return FTL_OK;
}

ftl_err_t sys_app_check(struct process *p, uaddr_t text, size_t len, uaddr_t out)
{
    if (!process_has_grant(p, SPEC_GRANT_CONTROL)) {
        return FTL_ERR_DENIED;
    }
    struct ftl_spec_info info;
    memset(&info, 0, sizeof(info));
    struct spec_error serr;
    struct spec *s = NULL;
    ftl_err_t err = parse_app_spec(p, text, len, &s, &serr);
    if (err == FTL_OK) {
        snprintf(info.name, sizeof(info.name), "%s", s->name);
        info.isolation = (uint32_t)s->isolation;
        info.restart = (uint32_t)s->restart;
        info.nexports = (uint32_t)s->nexports;
        kfree(s);
    } else if (err == FTL_ERR_PARSE) {
        info.line = serr.line;
        snprintf(info.reason, sizeof(info.reason), "%s", serr.reason);
    } else {
        return err;
    }
    ftl_err_t cerr = app_copy_out(p, out, &info, sizeof(info));
    return cerr != FTL_OK ? cerr : err;
}

// Routes every service `proc` exports (its records with an empty key) to it.
static ftl_err_t route_exports(struct process *proc, struct channel *system)
{
    for (size_t i = 0; i < proc->nservices; i++) {
        const struct process_service *ps = &proc->services[i];
        if (ps->key[0]) {
            continue;
        }
        struct route *r = route_find(ps->service);
        for (size_t j = 0; !r && j < CONTROL_ROUTES_MAX; j++) {
            r = routes[j].service[0] ? NULL : &routes[j];
        }
        if (!r) {
            return FTL_ERR_TOO_MANY;
        }
        object_ref(&system->obj);
        if (r->system) {
            object_unref(&r->system->obj);
        }
        snprintf(r->service, sizeof(r->service), "%s", ps->service);
        snprintf(r->app, sizeof(r->app), "%s", proc->name);
        r->system = system;
    }
    return FTL_OK;
}

// Another app serves one of the services `s` exports: FTL_ERR_ALREADY_EXISTS.
static ftl_err_t check_exports(const struct spec *s)
{
    for (size_t i = 0; i < s->nexports; i++) {
        const struct route *r = route_find(s->exports[i].service);
        if ((r && strcmp(r->app, s->name) != 0) ||
            startup_exports_other(s->exports[i].service, s->name)) {
            return FTL_ERR_ALREADY_EXISTS;
        }
    }
    return FTL_OK;
}

static ftl_err_t note_exports(struct process *proc, const struct spec *s)
{
    for (size_t i = 0; i < s->nexports; i++) {
        ftl_err_t err = control_note_service(proc, "", s->exports[i].service);
        if (err != FTL_OK) {
            return err;
        }
    }
    return FTL_OK;
}

// The binary of a spawn request: NULL for the image's, else the kernel's view of the
// caller's bytes (user and vmm modes copy it while loading). The engines (wasm, js)
// keep their module for the app's life, so they get a copy of their own: *out_pages
// pages the new process owns (process->owned_binary).
static ftl_err_t spawn_binary(struct process *p, const struct ftl_app_spawn_args *a,
                              struct spec *s, const void **out, size_t *out_pages)
{
    *out = NULL;
    *out_pages = 0;
    if (!a->binary) {
        return a->binary_len ? FTL_ERR_INVALID_ARG : FTL_OK;
    }
    if (a->binary_len == 0 || a->binary_len > FTL_APP_BINARY_MAX) {
        return a->binary_len ? FTL_ERR_TOO_LARGE : FTL_ERR_INVALID_ARG;
    }
    if (s->isolation == SPEC_ISO_INKERNEL) {
        s->isolation = SPEC_ISO_USER; // an uploaded binary never runs in the kernel
    }
    const void *from = process_range(p, (uint64_t)(uintptr_t)a->binary, a->binary_len,
                                     ARCH_PROT_READ);
    if (!from) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (s->isolation == SPEC_ISO_WASM || s->isolation == SPEC_ISO_JS) {
        size_t pages = ALIGN_UP(a->binary_len, PAGE_SIZE) / PAGE_SIZE;
        void *copy = page_alloc_raw(pages);
        if (!copy) {
            return FTL_ERR_NO_MEMORY;
        }
        memcpy(copy, from, a->binary_len); // the caller cannot change it while it runs
        *out_pages = pages;
        from = copy;
    }
    *out = from;
    return FTL_OK;
}

// A copy of the image's spec of app args->image_app.
static ftl_err_t image_spec(struct process *p, const struct ftl_app_spawn_args *a,
                            struct spec **out)
{
    char name[SPEC_NAME_MAX];
    ftl_err_t err = copy_name(p, (uaddr_t)(uintptr_t)a->image_app, a->image_app_len, name);
    if (err != FTL_OK) {
        return err;
    }
    const struct spec *img = startup_image_spec(name);
    if (!img) {
        return FTL_ERR_NOT_FOUND;
    }
    struct spec *s = kmalloc(sizeof(*s));
    if (!s) {
        return FTL_ERR_NO_MEMORY;
    }
    memcpy(s, img, sizeof(*s));
    *out = s;
    return FTL_OK;
}

ftl_err_t sys_app_spawn(struct process *p, uaddr_t uargs, uaddr_t out)
{
    if (!process_has_grant(p, SPEC_GRANT_CONTROL)) {
        return FTL_ERR_DENIED;
    }
    struct ftl_app_spawn_args a;
    ftl_err_t err = app_copy_in(p, &a, uargs, sizeof(a));
    if (err != FTL_OK) {
        return err;
    }
    if ((a.flags & ~FTL_SPAWN_ROUTE) || a.reserved) {
        return FTL_ERR_INVALID_ARG;
    }
    if (!process_range(p, out, sizeof(ftl_handle_t), ARCH_PROT_WRITE)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (p->handles.count >= p->handles.limit) {
        return FTL_ERR_TOO_MANY;
    }
    struct spec_error serr;
    struct spec *s;
    if (a.spec) {
        err = parse_app_spec(p, (uaddr_t)(uintptr_t)a.spec, a.spec_len, &s, &serr);
    } else {
        err = image_spec(p, &a, &s);
    }
    if (err != FTL_OK) {
        return err;
    }
    const void *bin = NULL;
    size_t bin_pages = 0; // > 0: `bin` is the engine's own copy
    struct process *child = NULL;
    struct channel *system = NULL;
    struct process_watch *w = NULL;
    if (s->grants.bits & SPEC_GRANT_CONTROL) {
        err = FTL_ERR_DENIED; // only the image's controller holds it
        goto cleanup;
    }
    err = spawn_binary(p, &a, s, &bin, &bin_pages);
    if (err == FTL_OK) {
        err = check_exports(s);
    }
    if (err == FTL_OK) {
        err = startup_spawn_spec(s, bin, a.binary_len, p->kmem, &child, &system);
    }
    if (err != FTL_OK) {
        if (bin_pages) {
            page_free((void *)(uintptr_t)bin, bin_pages);
        }
        goto cleanup;
    }
    if (bin_pages) { // the module's copy is the new app's, charged to it, freed with it
        child->owned_binary = (void *)(uintptr_t)bin;
        child->owned_pages = bin_pages;
        err = process_charge_self(child, bin_pages * PAGE_SIZE);
    }
    if (err == FTL_OK) {
        err = note_exports(child, s);
    }
    if (err == FTL_OK) {
        err = process_watch(child, &w);
    }
    if (err == FTL_OK) {
        err = process_start(child);
    }
    if (err != FTL_OK) {
        if (w) {
            object_unref(&w->obj);
        }
        process_destroy(child);
        goto cleanup;
    }
    if (a.flags & FTL_SPAWN_ROUTE) {
        (void)route_exports(child, system); // checked above: every service has a slot
    }
    KINFO("control: started %s (%s%s)", s->name, spec_isolation_name(s->isolation),
          bin ? ", uploaded binary" : "");
    err = app_give_handle(p, &w->obj, out);
cleanup:
    kfree(s);
    return err;
}

ftl_err_t sys_app_adopt(struct process *p, uaddr_t name, size_t len, uaddr_t out)
{
    if (!process_has_grant(p, SPEC_GRANT_CONTROL)) {
        return FTL_ERR_DENIED;
    }
    char app[SPEC_NAME_MAX];
    ftl_err_t err = copy_name(p, name, len, app);
    if (err != FTL_OK) {
        return err;
    }
    if (!process_range(p, out, sizeof(ftl_handle_t), ARCH_PROT_WRITE)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (p->handles.count >= p->handles.limit) {
        return FTL_ERR_TOO_MANY;
    }
    struct process *target = process_find_unwatched(app);
    const struct spec *s = NULL;
    struct channel *system = startup_boot_app(app, &s);
    if (!target || target->system_peer || !s || target == p) {
        return FTL_ERR_NOT_FOUND; // not running, or not a boot instance
    }
    struct process_watch *w;
    // Its exports, recorded before anything else changes: a failure leaves it as it was.
    size_t nservices = target->nservices;
    err = note_exports(target, s);
    if (err == FTL_OK) {
        err = process_watch(target, &w);
    }
    if (err != FTL_OK) {
        target->nservices = nservices;
        return err;
    }
    if (system) {
        object_ref(&system->obj);
        target->system_peer = &system->obj; // now routable like a spawned instance
    }
    return app_give_handle(p, &w->obj, out);
}

// The process behind process handle `h` of `p`, or NULL once it ended.
static ftl_err_t watched(struct process *p, ftl_handle_t h, uint32_t rights,
                         struct process_watch **out)
{
    struct handle_entry *e;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_PROCESS, rights, &e);
    if (err == FTL_OK) {
        *out = (struct process_watch *)e->obj;
    }
    return err;
}

ftl_err_t sys_app_route(struct process *p, ftl_handle_t h)
{
    if (!process_has_grant(p, SPEC_GRANT_CONTROL)) {
        return FTL_ERR_DENIED;
    }
    struct process_watch *w;
    ftl_err_t err = watched(p, h, FTL_RIGHT_WRITE, &w);
    if (err != FTL_OK) {
        return err;
    }
    if (!w->proc || w->proc->killed) {
        return FTL_ERR_PEER_CLOSED;
    }
    if (!w->proc->system_peer) {
        return FTL_ERR_NOT_FOUND;
    }
    return route_exports(w->proc, (struct channel *)w->proc->system_peer);
}

ftl_err_t sys_service_connect(struct process *p, uaddr_t name, size_t len, uaddr_t out)
{
    char key[SPEC_NAME_MAX];
    ftl_err_t err = copy_name(p, name, len, key);
    if (err != FTL_OK) {
        return err;
    }
    if (!process_range(p, out, sizeof(ftl_handle_t), ARCH_PROT_WRITE)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    const char *service = NULL;
    const struct process_service *rec = NULL;
    for (size_t i = 0; i < p->nservices && !service; i++) {
        if (p->services[i].key[0] && strcmp(p->services[i].key, key) == 0) {
            rec = &p->services[i];
            service = rec->service;
        }
    }
    if (!service && process_has_grant(p, SPEC_GRANT_CONTROL)) {
        service = key;
    }
    if (!service) {
        return FTL_ERR_NOT_FOUND;
    }
    if (p->handles.count >= p->handles.limit) {
        return FTL_ERR_TOO_MANY;
    }
    struct channel *c;
    err = rec && rec->nvia ? startup_connect_via(p, service, rec->via, rec->nvia, &c)
                           : startup_connect(p, service, &c);
    if (err != FTL_OK) {
        return err;
    }
    return app_give_handle(p, &c->obj, out);
}

ftl_err_t sys_process_info(struct process *p, ftl_handle_t h, uaddr_t out)
{
    struct process_watch *w;
    ftl_err_t err = watched(p, h, FTL_RIGHT_READ, &w);
    if (err != FTL_OK) {
        return err;
    }
    struct ftl_process_info info = {
        .exited = w->exited,
        .code = w->exited ? w->code : 0,
        .killed = w->killed,
    };
    return app_copy_out(p, out, &info, sizeof(info));
}
