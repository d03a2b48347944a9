// Process creation (memory layout, loading, the address space), the environ,
// start, exit and crashes.
#include "process.h"
#include "vm/vm.h"
#include "isolation/isolation.h"
#include "debugger.h"
#include "device.h"
#include "elf.h"
#include "log.h"
#include "mm.h"
#include "poll.h"

#define CALLS_COUNT ((sizeof(struct ftl_calls) - 8) / sizeof(void *))

static struct list processes = {&processes, &processes};
static size_t nprocesses;

struct process *process_current(void)
{
    return thread_current()->proc;
}

size_t process_count(void)
{
    return nprocesses;
}

void *process_range_walk(const struct process *p, uint64_t addr, size_t len, uint32_t prot)
{
    uint64_t end = addr + len;
    // The other common place of buffers first. Only native ELF apps have a data region
    // (lay_out); wasm and JS processes, which pass host pointers, have none.
    const struct app_region *d = p->data_region;
    if (d && end >= addr && addr >= d->start && end <= d->end && (d->prot & prot) == prot) {
        return p->mem + (addr - p->ubase);
    }
    if (process_isolation(p)->host_pointers) {
        // The engine checked the address against the module's memory and passes host
        // pointers (kernel/isolation/wasm.c); the JS runtime passes its own buffers.
        return (void *)(uintptr_t)addr;
    }
    if (end < addr) {
        return NULL;
    }
    // Walk the range region by region; every byte must be in a region allowing `prot`.
    uint64_t at = addr;
    while (at < end) {
        size_t i = 0;
        while (i < p->nregions && (at < p->regions[i].start || at >= p->regions[i].end ||
                                   (p->regions[i].prot & prot) != prot)) {
            i++;
        }
        if (i == p->nregions) {
            return NULL;
        }
        at = p->regions[i].end;
    }
    return p->mem + (addr - p->ubase);
}

static void forget_handle(void *owner, ftl_handle_t h, struct object *obj)
{
    poll_forget_handle(obj, owner, h);
}

void process_init_common(struct process *p)
{
    handle_table_init(&p->handles, FTL_PROCESS_HANDLES_MAX, p, forget_handle);
    p->fast_region = &p->regions[0];
    list_init(&p->dma);
    p->log_tokens = LOG_BURST_LINES;
}

static void add_region(struct process *p, uint64_t off, uint64_t len, uint32_t prot)
{
    if (p->nregions == PROCESS_REGIONS_MAX) {
        panic("process '%s': more than %d regions", p->name, PROCESS_REGIONS_MAX);
    }
    uint64_t start = p->ubase + (off & ~(uint64_t)(PAGE_SIZE - 1));
    uint64_t end = p->ubase + ALIGN_UP(off + len, PAGE_SIZE);
    p->regions[p->nregions++] = (struct app_region){start, end, prot};
}

static uint32_t segment_prot(uint32_t elf_prot)
{
    return ((elf_prot & ELF_PROT_READ) ? ARCH_PROT_READ : 0) |
           ((elf_prot & ELF_PROT_WRITE) ? ARCH_PROT_WRITE : 0) |
           ((elf_prot & ELF_PROT_EXEC) ? ARCH_PROT_EXEC : 0);
}

// Bytes of the call stubs page: only an app with its own address space has one.
static size_t stubs_bytes(const struct process *p)
{
    return process_own_space(p) ? PAGE_SIZE : 0;
}

// Bytes of the app's memory, [image | env | stubs | heap | guard | stack]: what
// process_create allocates and charges, and so what process_free gives back.
static size_t mem_bytes(const struct process *p)
{
    return p->image_size + PROCESS_ENV_PAGES * PAGE_SIZE + stubs_bytes(p) + p->heap_size +
           PAGE_SIZE + PROCESS_STACK_DEFAULT;
}

// Lays out [image | env | stubs | heap | guard | stack] in the p->mem_pages pages
// allocated and records the regions. inkernel apps may pass any address of their
// memory; user apps get exact regions.
static void lay_out(struct process *p, const struct elf_info *info)
{
    size_t env_off = p->image_size;
    size_t stubs_off = env_off + PROCESS_ENV_PAGES * PAGE_SIZE;
    size_t heap_off = stubs_off + stubs_bytes(p);
    size_t guard_off = heap_off + p->heap_size;
    size_t stack_off = guard_off + PAGE_SIZE;
    if (stack_off + PROCESS_STACK_DEFAULT != p->mem_pages * PAGE_SIZE) {
        panic("process '%s': layout of %zu bytes in %zu pages", p->name,
              stack_off + PROCESS_STACK_DEFAULT, p->mem_pages);
    }
    p->guard = p->ubase + guard_off;
    p->stack_top = p->ubase + stack_off + PROCESS_STACK_DEFAULT;
    const struct isolation *iso = process_isolation(p);
    if (!iso->own_space) {
        add_region(p, 0, p->mem_pages * PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_WRITE);
    } else {
        for (size_t i = 0; i < info->nsegments; i++) {
            add_region(p, info->segments[i].vaddr, info->segments[i].memsz,
                       segment_prot(info->segments[i].prot));
            if (p->regions[p->nregions - 1].prot & ARCH_PROT_WRITE) {
                p->data_region = &p->regions[p->nregions - 1];
            }
        }
        add_region(p, env_off, PROCESS_ENV_PAGES * PAGE_SIZE, ARCH_PROT_READ);
        add_region(p, stubs_off, PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_EXEC);
        add_region(p, heap_off, p->heap_size, ARCH_PROT_READ | ARCH_PROT_WRITE);
        add_region(p, stack_off, PROCESS_STACK_DEFAULT, ARCH_PROT_READ | ARCH_PROT_WRITE);
        p->fast_region = &p->regions[p->nregions - 1];
    }
    uint8_t *env_area = p->mem + env_off;
    p->start = (struct ftl_start *)(void *)env_area;
    p->env = (struct ftl_env *)(void *)(env_area + sizeof(struct ftl_start));
    size_t room = PROCESS_ENV_PAGES * PAGE_SIZE - sizeof(struct ftl_start) -
                  sizeof(struct ftl_env) - sizeof(struct ftl_calls);
    p->env_capacity = room / sizeof(struct ftl_env_item);
    p->start->env = (const struct ftl_env *)(uintptr_t)(p->ubase + env_off +
                                                        sizeof(struct ftl_start));
    p->start->heap = (void *)(uintptr_t)(p->ubase + heap_off);
    p->start->heap_size = p->heap_size;
    if (!iso->own_space) {
        p->start->calls = iso->calls;
        return;
    }
    // Its own space: a call table of the mode's stubs, at the end of the env area.
    size_t calls_off = env_off + PROCESS_ENV_PAGES * PAGE_SIZE - sizeof(struct ftl_calls);
    struct ftl_calls *calls = (struct ftl_calls *)(void *)(p->mem + calls_off);
    size_t stub_size = iso->stubs(p->mem + stubs_off, CALLS_COUNT);
    uint64_t *fn = (uint64_t *)(void *)((uint8_t *)calls + 8);
    calls->version = FTL_CALLS_VERSION;
    calls->size = sizeof(struct ftl_calls);
    for (size_t i = 0; i < CALLS_COUNT; i++) {
        fn[i] = p->ubase + stubs_off + i * stub_size;
    }
    p->start->calls = (const struct ftl_calls *)(uintptr_t)(p->ubase + calls_off);
}

// Its own space: maps every region into a new address space (vmm: a new VM's stage 2).
static ftl_err_t map_regions(struct process *p, const char **why)
{
    int err = process_isolation(p)->space_create(&p->aspace);
    if (err == ARCH_VM_NO_ID) {
        *why = "no free VM id (every one of the CPU's VMIDs is in use)";
        return FTL_ERR_TOO_MANY;
    }
    if (err != 0) {
        return FTL_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < p->nregions; i++) {
        const struct app_region *r = &p->regions[i];
        uint64_t pa = arch_virt_to_phys(p->mem + (r->start - p->ubase));
        if (arch_aspace_map(p->aspace, r->start, pa, r->end - r->start, r->prot) != 0) {
            return FTL_ERR_NO_MEMORY;
        }
    }
    return FTL_OK;
}

static uint32_t watch_poll_state(struct object *obj)
{
    return ((struct process_watch *)obj)->exited ? FTL_READABLE : 0;
}

static void watch_destroy(struct object *obj)
{
    kfree(obj);
}

static const struct object_ops watch_ops = {
    .destroy = watch_destroy,
    .poll_state = watch_poll_state,
};

ftl_err_t process_watch(struct process *p, struct process_watch **out)
{
    struct process_watch *w = kzalloc(sizeof(*w));
    if (!w) {
        return FTL_ERR_NO_MEMORY;
    }
    object_init(&w->obj, OBJ_PROCESS, &watch_ops);
    object_ref(&w->obj); // one for the process, one for the caller
    w->proc = p;
    p->watch = w;
    *out = w;
    return FTL_OK;
}

ftl_err_t process_account(struct process *p, const struct process_limits *lim,
                          size_t self_bytes, const char **why)
{
    self_bytes += heap_block_bytes(sizeof(*p)) + heap_block_bytes(sizeof(struct kmem));
    size_t limit = lim->kmem ? lim->kmem : self_bytes + KMEM_EXTRA_DEFAULT;
    if (kmem_create(lim->parent, limit, &p->kmem) != FTL_OK) {
        *why = "out of kernel memory";
        return FTL_ERR_NO_MEMORY;
    }
    if (kmem_charge(p->kmem, self_bytes) != FTL_OK) {
        // Read by the caller at once (the kernel runs one thing at a time).
        static char reason[96];
        snprintf(reason, sizeof(reason),
                 "limits.kmem_kib (%zu KiB) is below the app's own memory (%zu KiB)",
                 lim->kmem / 1024, (self_bytes + 1023) / 1024);
        *why = lim->kmem && lim->kmem < self_bytes
                   ? reason
                   : "no kernel memory left for it (its spawner's limit or the kernel's reserve)";
        kmem_release(p->kmem);
        p->kmem = NULL;
        return FTL_ERR_NO_MEMORY;
    }
    p->kmem_self = self_bytes;
    return FTL_OK;
}

// What thread_create takes for a thread with a kernel stack of `kstack` bytes.
static size_t thread_footprint(size_t kstack)
{
    return heap_block_bytes(sizeof(struct thread)) + (kstack ? heap_block_bytes(kstack) : 0);
}

// Charges more of the process's own memory (page tables, its thread) to its account.
static ftl_err_t charge_self(struct process *p, size_t bytes)
{
    ftl_err_t err = kmem_charge(p->kmem, bytes);
    if (err == FTL_OK) {
        p->kmem_self += bytes;
    }
    return err;
}

ftl_err_t process_charge_self(struct process *p, size_t bytes)
{
    return charge_self(p, bytes);
}

ftl_err_t process_map(struct process *p, uint64_t va, uint64_t pa, size_t len, uint32_t prot)
{
    size_t before = arch_aspace_bytes(p->aspace);
    int rc = arch_aspace_map(p->aspace, va, pa, len, prot);
    // Tables made stay in the space until it goes, also when the map failed halfway
    // or their charge is refused (then they are the kernel's, and the call fails).
    size_t grown = arch_aspace_bytes(p->aspace) - before;
    if (grown && charge_self(p, grown) != FTL_OK) {
        return FTL_ERR_NO_MEMORY;
    }
    return rc == 0 ? FTL_OK : FTL_ERR_NO_MEMORY;
}

static void process_free(void *arg)
{
    struct process *p = arg;
    device_release(p);
    if (p->watch) {
        p->watch->proc = NULL;
        object_unref(&p->watch->obj);
    }
    if (p->system_peer) {
        object_unref(p->system_peer);
    }
    kfree(p->services); // charged in p->kmem_self
    if (p->aspace) {
        arch_aspace_destroy(p->aspace);
    }
    vm_process_gone(p); // after the address space: it maps the guest's RAM
    if (process_isolation(p)->release) {
        process_isolation(p)->release(p);
    }
    if (p->mem) {
        page_free(p->mem, p->mem_pages);
    }
    if (p->owned_binary) {
        page_free(p->owned_binary, p->owned_pages);
    }
    if (p->kmem) {
        kmem_uncharge(p->kmem, p->kmem_self);
        kmem_release(p->kmem); // stays while messages it sent are still queued
    }
    kfree(p);
}

ftl_err_t process_create(int spec_isolation, const char *name, const void *bin, size_t len,
                         const struct process_limits *lim, struct process **out, const char **why)
{
    return isolation_for_spec(spec_isolation)->create(name, bin, len, lim, out, why);
}

bool process_own_space(const struct process *p)
{
    return process_isolation(p)->own_space;
}

ftl_err_t process_create_native(const struct isolation *iso, const char *name, const void *elf,
                                size_t len, const struct process_limits *lim,
                                struct process **out, const char **why)
{
    struct elf_info info;
    ftl_err_t err = elf_inspect(elf, len, &info, why);
    if (err != FTL_OK) {
        return err;
    }
    struct process *p = kzalloc(sizeof(*p));
    if (!p) {
        *why = "out of kernel memory";
        return FTL_ERR_NO_MEMORY;
    }
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->mode = iso->mode;
    list_init(&p->link);
    process_init_common(p);
    if (lim->handles) {
        p->handles.limit = lim->handles;
    }
    p->heap_size = lim->heap_size ? ALIGN_UP(lim->heap_size, PAGE_SIZE) : PROCESS_HEAP_DEFAULT;
    p->image_size = ALIGN_UP(info.mem_size, PAGE_SIZE);
    size_t total = mem_bytes(p);
    err = process_account(p, lim, total, why);
    if (err != FTL_OK) {
        kfree(p);
        return err;
    }
    p->mem = page_alloc(total / PAGE_SIZE);
    if (!p->mem) {
        *why = "out of memory for the app";
        err = FTL_ERR_NO_MEMORY;
        goto out_free;
    }
    p->mem_pages = total / PAGE_SIZE;
    p->ubase = process_own_space(p) ? USER_BASE : (uint64_t)(uintptr_t)p->mem;
    err = elf_load(elf, len, &info, p->mem, p->ubase, why);
    if (err != FTL_OK) {
        goto out_free;
    }
    lay_out(p, &info);
    arch_sync_icache(p->mem, p->image_size + (PROCESS_ENV_PAGES + 1) * PAGE_SIZE);
    p->entry = p->ubase + info.entry;
    snprintf(p->env->app_name, sizeof(p->env->app_name), "%s", name);
    if (process_own_space(p)) {
        err = map_regions(p, why); // (says why for FTL_ERR_TOO_MANY)
        if (err == FTL_OK && charge_self(p, arch_aspace_bytes(p->aspace)) != FTL_OK) {
            err = FTL_ERR_NO_MEMORY;
        }
        if (err != FTL_OK) {
            if (err == FTL_ERR_NO_MEMORY) {
                *why = "out of memory for page tables";
            }
            goto out_free;
        }
    }
    debugger_app_loaded(p->name, process_own_space(p), p->ubase);
    *out = p;
    return FTL_OK;

out_free:
    process_free(p);
    return err;
}

ftl_err_t process_env_add(struct process *p, const char *name, uint32_t kind, const char *str,
                          int64_t number, struct object *obj)
{
    if (p->env->nitems >= p->env_capacity) {
        return FTL_ERR_TOO_MANY;
    }
    struct ftl_env_item *it = &p->env->items[p->env->nitems];
    memset(it, 0, sizeof(*it));
    if (kind == FTL_ENV_CHANNEL || kind == FTL_ENV_DEVICE) {
        ftl_err_t err = handle_table_add(&p->handles, obj, FTL_RIGHTS_ALL, &it->handle);
        if (err != FTL_OK) {
            return err;
        }
    }
    snprintf(it->name, sizeof(it->name), "%s", name);
    snprintf(it->str, sizeof(it->str), "%s", str ? str : "");
    it->kind = kind;
    it->number = number;
    p->env->nitems++;
    return FTL_OK;
}

ftl_err_t process_set_system(struct process *p, struct object *obj)
{
    return handle_table_add(&p->handles, obj, FTL_RIGHTS_ALL, &p->env->system);
}

void process_destroy(struct process *p)
{
    handle_table_close_all(&p->handles);
    process_free(p);
}

ftl_err_t process_start(struct process *p)
{
    const struct isolation *iso = process_isolation(p);
    size_t thread_bytes = thread_footprint(iso->kstack_alloc ? 0 : iso->kstack);
    if (charge_self(p, thread_bytes) != FTL_OK) {
        return FTL_ERR_NO_MEMORY;
    }
    // No kernel stack of its own (inkernel): the thread runs on the app's stack, the
    // top of its memory, and so do its kernel calls (plain function calls). Else the
    // thread has a kernel stack for exceptions and calls, or for the engine.
    if (iso->kstack == 0) {
        uint8_t *stack = p->mem + p->mem_pages * PAGE_SIZE - PROCESS_STACK_DEFAULT;
        p->thread = thread_create(p->name, iso->thread, p, stack, PROCESS_STACK_DEFAULT);
    } else if (iso->kstack_alloc) {
        void *stack = iso->kstack_alloc(p);
        p->thread = stack ? thread_create(p->name, iso->thread, p, stack, iso->kstack) : NULL;
    } else {
        p->thread = thread_create(p->name, iso->thread, p, NULL, iso->kstack);
    }
    if (!p->thread) {
        kmem_uncharge(p->kmem, thread_bytes);
        p->kmem_self -= thread_bytes;
        return FTL_ERR_NO_MEMORY;
    }
    p->thread->proc = p;
    p->thread->aspace = p->aspace;
    p->thread->on_reap = process_free;
    p->thread->reap_arg = p;
    uint64_t flags = arch_irq_save();
    list_push_back(&processes, &p->link);
    nprocesses++;
    arch_irq_restore(flags);
    return FTL_OK;
}

void process_report_dropped_logs(struct process *p)
{
    if (p->log_dropped) {
        char note[64];
        int n = snprintf(note, sizeof(note), "%u log lines dropped (over %d lines/s)",
                         p->log_dropped, LOG_LINES_PER_S);
        log_line(p->name, FTL_LOG_WARN, note, (size_t)n);
        p->log_dropped = 0;
    }
}

static _Noreturn void end_process(struct process *p, int code)
{
    process_report_dropped_logs(p);
    p->exited = true;
    if (p->watch) {
        p->watch->proc = NULL;
        p->watch->exited = true;
        p->watch->killed = p->killed;
        p->watch->code = code;
        object_notify(&p->watch->obj);
    }
    handle_table_close_all(&p->handles);
    list_remove(&p->link);
    nprocesses--;
    thread_exit(); // memory is freed by process_free once we are off this stack
}

_Noreturn void process_exit(int code)
{
    arch_irq_save();
    struct process *p = process_current();
    if (!p) {
        panic("process_exit called from kernel thread '%s'", thread_current()->name);
    }
    thread_current()->in_app = false;
    if (code != 0) {
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "exited with code %d", code);
        log_line(p->name, FTL_LOG_WARN, msg, (size_t)n);
    }
    end_process(p, code);
}

_Noreturn void process_abort(const char *what, const char *detail)
{
    arch_irq_save();
    struct process *p = process_current();
    thread_current()->in_app = false;
    char msg[256];
    int n = snprintf(msg, sizeof(msg), "%s: %s", what, detail);
    log_line(p->name, FTL_LOG_ERROR, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    end_process(p, -1);
}

void process_kill(struct process *p, const char *by)
{
    if (p->exited || p->killed) {
        return;
    }
    p->killed = true;
    snprintf(p->killed_by, sizeof(p->killed_by), "%s", by);
    if (p->thread) {
        p->thread->killed = true;
        sched_wake(p->thread); // a wait returns and the call ends it
    }
}

_Noreturn void process_end_killed(struct process *p)
{
    char detail[FTL_ENV_NAME_MAX + 8];
    snprintf(detail, sizeof(detail), "by %s", p->killed_by);
    process_abort("killed", detail);
}

_Noreturn void process_crash(const char *what, uint64_t pc, uint64_t addr)
{
    struct process *p = process_current();
    char detail[160];
    snprintf(detail, sizeof(detail), "%s at pc 0x%lx (app offset 0x%lx), address 0x%lx", what,
             (unsigned long)pc, (unsigned long)(pc - p->ubase), (unsigned long)addr);
    process_abort("crashed", detail);
}

struct process *process_next(struct process *prev)
{
    struct list *next = prev ? prev->link.next : processes.next;
    return next == &processes ? NULL : container_of(next, struct process, link);
}

const struct process *process_by_kmem(const struct kmem *k)
{
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &processes) {
        struct process *p = container_of(pos, struct process, link);
        if (k && p->kmem == k) {
            return p;
        }
    }
    return NULL;
}

struct process *process_find_unwatched(const char *name)
{
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &processes) {
        struct process *p = container_of(pos, struct process, link);
        if (!p->watch && !p->exited && !p->killed && strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

size_t process_list(struct ftl_ps_entry *out, size_t max)
{
    size_t n = 0;
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &processes) {
        if (n == max) {
            break;
        }
        struct process *p = container_of(pos, struct process, link);
        struct ftl_ps_entry *e = &out[n++];
        memset(e, 0, sizeof(*e));
        snprintf(e->name, sizeof(e->name), "%s", p->name);
        e->isolation = (uint32_t)p->mode;
        e->handles = (uint32_t)p->handles.count;
        e->memory = p->mem_pages * PAGE_SIZE + p->dma_bytes;
        e->kmem_used = p->kmem ? kmem_in_use(p->kmem) : 0;
        e->kmem_limit = p->kmem ? p->kmem->limit : 0;
        e->kmem_peak = p->kmem ? p->kmem->peak : 0;
        if (p->vm) {
            vm_ps_info(p->vm, e);
        }
    }
    return n;
}
