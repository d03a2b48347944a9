// Execution contexts: the value and frame stacks of one wasm thread, entry from
// the host (wasm_call), resumption after fuel ran out, and trap reporting.
#include "wasm_int.h"

struct wasm_exec *wasm_exec_create(uint32_t stack_slots, uint32_t max_frames)
{
    if (stack_slots < 16 || max_frames < 2) {
        return NULL;
    }
    struct wasm_exec *ex = kzalloc(sizeof(*ex));
    if (!ex) {
        return NULL;
    }
    ex->stack = kzalloc((size_t)stack_slots * sizeof(*ex->stack));
    ex->frames = kzalloc((size_t)max_frames * sizeof(*ex->frames));
    if (!ex->stack || !ex->frames) {
        wasm_exec_destroy(ex);
        return NULL;
    }
    ex->stack_end = ex->stack + stack_slots;
    ex->max_frames = max_frames;
    ex->fuel = WASM_FUEL_UNLIMITED;
    return ex;
}

void wasm_exec_destroy(struct wasm_exec *ex)
{
    if (!ex) {
        return;
    }
    kfree(ex->stack);
    kfree(ex->frames);
    kfree(ex);
}

void wasm_exec_set_fuel(struct wasm_exec *ex, int64_t fuel)
{
    ex->fuel = fuel < 0 ? 0 : fuel;
}

int64_t wasm_exec_fuel(const struct wasm_exec *ex)
{
    return ex->fuel;
}

const char *wasm_exec_trap_message(const struct wasm_exec *ex)
{
    return ex->trap ? ex->trap : "";
}

enum wasm_status wasm_exec_set_trap(struct wasm_exec *ex, const char *msg)
{
    size_t n = strlen(msg);
    if (n >= sizeof(ex->trap_buf)) {
        n = sizeof(ex->trap_buf) - 1;
    }
    memcpy(ex->trap_buf, msg, n);
    ex->trap_buf[n] = 0;
    ex->trap = ex->trap_buf;
    return WASM_ERR_TRAP;
}

void wasm_exec_abort(struct wasm_exec *ex)
{
    ex->suspended = false;
    ex->nframes = 0;
}

static enum wasm_status trap(struct wasm_exec *ex, const char *msg)
{
    ex->trap = msg;
    return WASM_ERR_TRAP;
}

static void copy_results(const struct wasm_exec *ex, union wasm_val *results, uint32_t n)
{
    if (n) {
        memcpy(results, ex->stack, (size_t)n * sizeof(*results));
    }
}

static enum wasm_status call_host(struct wasm_exec *ex, struct wasm_func *f,
                                  union wasm_val *results)
{
    uint32_t nres = f->type->nresults;
    ex->trap = NULL;
    ex->running = true;
    enum wasm_status st = f->host(ex, f->ctx, ex->stack);
    ex->running = false;
    if (st != WASM_OK) {
        return trap(ex, ex->trap ? ex->trap : "host function failed");
    }
    copy_results(ex, results, nres);
    return WASM_OK;
}

enum wasm_status wasm_call(struct wasm_exec *ex, struct wasm_func *f, const union wasm_val *args,
                           uint32_t nargs, union wasm_val *results, uint32_t nresults)
{
    const struct wasm_functype *t = f->type;
    if (ex->suspended || ex->running || nargs != t->nparams || nresults != t->nresults) {
        return WASM_ERR_ARG;
    }
    if (!f->host && !wasm_code_is_runnable(f->code)) {
        return trap(ex, WASM_TRAP_NO_CODE);
    }
    size_t avail = (size_t)(ex->stack_end - ex->stack);
    size_t need = f->host ? (t->nparams > t->nresults ? t->nparams : t->nresults)
                          : f->code->frame_slots;
    if (need > avail) {
        return trap(ex, "call stack exhausted");
    }
    if (nargs) {
        memcpy(ex->stack, args, (size_t)nargs * sizeof(*args));
    }
    if (f->host) {
        return call_host(ex, f, results);
    }
    const struct wasm_code *code = f->code;
    memset(ex->stack + code->nparams, 0, (code->nlocals - code->nparams) * sizeof(*ex->stack));
    ex->frames[0].ip = NULL;
    ex->frames[0].fp = NULL;
    ex->frames[0].inst = NULL;
    ex->nframes = 1;
    ex->ip = code->words;
    ex->fp = ex->stack;
    ex->inst = f->inst;
    ex->entry_type = t;
    ex->running = true;
    enum wasm_status st = wasm_interp_run(ex);
    ex->running = false;
    if (st == WASM_OK) {
        copy_results(ex, results, nresults);
    }
    return st;
}

enum wasm_status wasm_resume(struct wasm_exec *ex, union wasm_val *results, uint32_t nresults)
{
    if (!ex->suspended || ex->running || nresults != ex->entry_type->nresults) {
        return WASM_ERR_ARG;
    }
    ex->running = true;
    enum wasm_status st = wasm_interp_run(ex);
    ex->running = false;
    if (st == WASM_OK) {
        copy_results(ex, results, nresults);
    }
    return st;
}
