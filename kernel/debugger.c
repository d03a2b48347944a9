// The loaded-app table for debuggers. gdb reads `debugger_apps` when it attaches and
// breaks on debugger_hook() to learn of each load as it happens (tools/gdb_ftl.py),
// then adds the app's symbols with add-symbol-file at the recorded base.
#include "debugger.h"

// Read by gdb by name: keep the symbols even though nothing in the kernel reads them.
__attribute__((used)) struct debugger_app debugger_apps[DEBUGGER_APPS_MAX];
__attribute__((used)) uint32_t debugger_apps_count;

static bool log_loads;

void debugger_set_log(bool on)
{
    log_loads = on;
}

// gdb puts a breakpoint here: `app` is the entry just written. The empty asm keeps the
// call (and the argument in x0) through LTO.
__attribute__((noinline, used)) void debugger_hook(const struct debugger_app *app)
{
    __asm__ volatile("" : : "r"(app) : "memory");
}

static struct debugger_app *find_or_add(const char *name)
{
    for (uint32_t i = 0; i < debugger_apps_count; i++) {
        if (strncmp(debugger_apps[i].name, name, sizeof(debugger_apps[i].name)) == 0) {
            return &debugger_apps[i];
        }
    }
    if (debugger_apps_count == DEBUGGER_APPS_MAX) {
        return NULL;
    }
    struct debugger_app *app = &debugger_apps[debugger_apps_count++];
    snprintf(app->name, sizeof(app->name), "%s", name);
    return app;
}

void debugger_app_loaded(const char *name, bool user, uint64_t base)
{
    if (log_loads) {
        KINFO("%s: loaded at 0x%lx (%s)", name, (unsigned long)base,
              user ? "user mode, own address space" : "inkernel");
    }
    uint64_t flags = arch_irq_save();
    struct debugger_app *app = find_or_add(name);
    if (app) {
        app->base = base;
        app->user = user;
        app->loads++;
    }
    arch_irq_restore(flags);
    if (app) {
        debugger_hook(app);
    }
}
