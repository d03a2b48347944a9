// Processes: an app's memory, address space, handle table, environ and thread.
#pragma once

#include "handle.h"
#include "kmem.h"
#include "sched.h"
#include "spec.h"
#include <ftl/calls.h>

#define PROCESS_HEAP_DEFAULT (256u << 10) // malloc arena per app
#define PROCESS_STACK_DEFAULT (64u << 10) // main thread stack
#define PROCESS_ENV_PAGES 2               // start block + environ (+ call table in user mode)
#define PROCESS_KSTACK_SIZE (16u << 10)   // kernel stack of a user-mode thread
#define PROCESS_REGIONS_MAX 12
#define USER_BASE 0x400000ull             // where user-mode apps are loaded (4 MiB)

enum process_mode {
    PROCESS_INKERNEL,                // EL2, kernel address space, calls are function calls
    PROCESS_USER,                    // EL0, own page table, calls are svc
    PROCESS_WASM,                    // a WebAssembly module in the kernel's engine
    PROCESS_JS,                      // a JavaScript app in the kernel's engine (QuickJS)
    PROCESS_VMM,                     // EL1 guest in its own VM (stage 2), calls are hvc
};

// A range of the app's address space and what the app may do there.
struct app_region {
    uint64_t start, end;             // app addresses, page-aligned
    uint32_t prot;                   // ARCH_PROT_*
};

struct process {
    char name[FTL_ENV_NAME_MAX];
    enum process_mode mode;
    struct handle_table handles;
    struct thread *thread;
    struct arch_aspace *aspace;      // user mode only
    uint8_t *mem;                    // kernel view of the app's memory, mem_pages pages:
    size_t mem_pages;                // [image | env | call stubs | heap | guard | stack]
    uint64_t ubase;                  // app address of mem[0]
    size_t image_size;
    size_t heap_size;
    uint64_t guard;                  // app address of the unmapped page below the stack
    uint64_t entry;                  // app address of _start
    uint64_t stack_top;              // app address
    struct ftl_start *start;         // kernel views into mem
    struct ftl_env *env;
    size_t env_capacity;             // items that fit
    struct app_region regions[PROCESS_REGIONS_MAX];
    size_t nregions;
    const struct app_region *fast_region; // checked first by process_range: where calls'
                                     // buffers mostly are (inkernel: all its memory; else the stack)
    const struct app_region *data_region; // checked next: the app's writable data and bss
    struct object *system_peer;      // kernel end of the system channel, if the process owns it
    struct process_watch *watch;     // what ftl_process_spawn handed out, or NULL
    struct list dma;                 // struct dma_block: DMA memory it holds
    size_t dma_bytes;
    uint32_t log_tokens;             // log lines it may write now (refilled over time)
    uint32_t log_dropped;            // lines dropped since the last one written
    int64_t log_refill_ns;           // when log_tokens was last topped up
    struct kmem *kmem;               // kernel memory charged for the app (see kmem.h)
    size_t kmem_self;                // bytes of it for the process itself: its memory,
                                     // page tables, thread, kernel stack
    const void *wasm;                // wasm mode: the module (in the boot image)
    size_t wasm_len;
    struct js_proc *js;              // js mode: the engine's arena and CPU budget
    struct wasm_app *wasm_app;       // wasm mode: the running module (isolation/wasm.c)
    struct vm *vm;                   // its virtual machine (kernel/vm/), or NULL
    void *owned_binary;              // an uploaded module the engine runs, freed with it
    size_t owned_pages;
    struct spec_grants grants;       // from its own spec, set before it starts; fixed after
    struct process_service *services; // its `service` env items, for ftl_service_connect
    size_t nservices;                //   (control.c); NULL/0 without any
    struct list link;                // all processes
    bool exited;
    bool killed;                     // process_kill asked it to end (killed_by says who)
    char killed_by[FTL_ENV_NAME_MAX];
};

// Per-app limits from the spec (`limits:`); 0 means the default.
struct process_limits {
    size_t heap_size;                // bytes of malloc arena (PROCESS_HEAP_DEFAULT)
    size_t handles;                  // open handles (FTL_PROCESS_HANDLES_MAX)
    size_t kmem;                     // bytes of kernel memory, the app's own included
                                     // (its memory + KMEM_EXTRA_DEFAULT)
    struct kmem *parent;             // the spawner's account, or NULL for boot apps
    size_t cpu_ms;                   // js: CPU per event-loop turn (0: the default)
};

/// Makes process `name` of the mode (kernel/isolation/) a spec's `isolation:` names,
/// from its binary [bin, bin+len) (which must stay valid for the process's life),
/// with `lim`. On error, FTL_ERR_PARSE or FTL_ERR_NO_MEMORY with a reason in *why;
/// nothing is left allocated.
FTL_MUST_CHECK ftl_err_t process_create(int spec_isolation, const char *name, const void *bin,
                                        size_t len, const struct process_limits *lim,
                                        struct process **out, const char **why);
/// Gives a new process its kernel-memory account and charges it `self_bytes` (the
/// process's own memory) under `lim`. FTL_ERR_NO_MEMORY with a reason in *why.
FTL_MUST_CHECK ftl_err_t process_account(struct process *p, const struct process_limits *lim,
                                         size_t self_bytes, const char **why);
/// True if `p` has an address space of its own at USER_BASE (user and vmm modes).
bool process_own_space(const struct process *p);
/// The argument of the app's entry point: its struct ftl_start, at the app's address.
static inline uint64_t process_start_arg(const struct process *p)
{
    return p->ubase + (uint64_t)((uint8_t *)p->start - p->mem);
}
/// Maps [va, va+len) of user process `p` to physical `pa` with `prot`, charging the
/// page tables it adds to the app. FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t process_map(struct process *p, uint64_t va, uint64_t pa, size_t len,
                                     uint32_t prot);
/// Charges `bytes` more of the process's own memory to its account (freed with it).
/// FTL_ERR_NO_MEMORY past its limit.
FTL_MUST_CHECK ftl_err_t process_charge_self(struct process *p, size_t bytes);
/// Handle table and list set-up shared by every mode.
void process_init_common(struct process *p);

/// Adds an environ item. The CHANNEL kind takes over a reference to `obj`.
/// FTL_ERR_TOO_MANY if the environ area or handle table is full.
FTL_MUST_CHECK ftl_err_t process_env_add(struct process *p, const char *name, uint32_t kind,
                                         const char *str, int64_t number, struct object *obj);
/// Sets the system channel end (takes over the reference).
FTL_MUST_CHECK ftl_err_t process_set_system(struct process *p, struct object *obj);

/// Starts the app's thread.
FTL_MUST_CHECK ftl_err_t process_start(struct process *p);

/// Frees a process that was created but never started.
void process_destroy(struct process *p);

/// Logs how many of the app's log lines the rate limit dropped since the last such
/// report (nothing if none), and resets the count.
void process_report_dropped_logs(struct process *p);

/// Ends the current process: closes its handles (peers see PEER_CLOSED), frees its
/// memory once its thread is off the CPU, logs `code` if nonzero.
_Noreturn void process_exit(int code);

/// Ends the current process after a fault, with one log line saying what happened.
_Noreturn void process_crash(const char *what, uint64_t pc, uint64_t addr);

/// Ends the current process with the log line `<what>: <detail>` at ERROR level.
_Noreturn void process_abort(const char *what, const char *detail);

// The object behind a process handle: readable once the process exited.
struct process_watch {
    struct object obj;
    struct process *proc;            // until it ends
    bool exited;
    bool killed;                     // ended by process_kill
    int code;
};

// One `service` env item of a process: the env name and the service behind it.
struct process_service {
    char key[SPEC_NAME_MAX];
    char service[SPEC_NAME_MAX];
    uint32_t nvia;                   // the interceptors its channel passes through
    char via[SPEC_VIA_MAX][SPEC_NAME_MAX];
};

/// Gives `p` a watch object and returns it with one reference for the caller.
/// FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t process_watch(struct process *p, struct process_watch **out);

/// Asks `p` to end, on behalf of the app named `by`: it ends with `killed: by <by>` at
/// its next kill point (process_kill_point), at once if it is waiting or running app
/// code (the next interrupt from app code is one).
void process_kill(struct process *p, const char *by);

/// Ends the current process if it was killed. Called where its thread holds nothing:
/// on the way back from each kernel call, after an interrupt taken in app code, and
/// at each turn of a wasm or vmm run loop.
_Noreturn void process_end_killed(struct process *p);
static inline void process_kill_point(struct process *p)
{
    if (p && p->killed) {
        process_end_killed(p);
    }
}

/// The process of the running thread, or NULL for kernel threads.
struct process *process_current(void);

/// The live, unwatched, not yet ending process called `name` (a boot app's instance),
/// or NULL.
struct process *process_find_unwatched(const char *name);

/// The live process after `prev` (the first if `prev` is NULL), or NULL at the end.
struct process *process_next(struct process *prev);

/// The live process whose kernel-memory account is `k`, or NULL.
const struct process *process_by_kmem(const struct kmem *k);

/// Number of live processes.
size_t process_count(void);

/// Describes up to `max` live processes into `out`; returns how many.
size_t process_list(struct ftl_ps_entry *out, size_t max);

void *process_range_walk(const struct process *p, uint64_t addr, size_t len, uint32_t prot);

/// Returns the kernel view of app range [addr, addr+len) if all of it lies in
/// regions that allow `prot`, else NULL. Inline for the common case: the range sits
/// in the app's stack (or an inkernel app's only region).
static inline void *process_range(const struct process *p, uint64_t addr, size_t len,
                                  uint32_t prot)
{
    const struct app_region *r = p->fast_region;
    if (p->nregions && addr >= r->start && addr <= r->end && len <= r->end - addr &&
        (r->prot & prot) == prot) {
        return p->mem + (addr - p->ubase);
    }
    return process_range_walk(p, addr, len, prot);
}

/// True if `p`'s spec grants it `grant` (one SPEC_GRANT_* bit). Privileged calls
/// check this first and return FTL_ERR_DENIED without it.
static inline bool process_has_grant(const struct process *p, uint32_t grant)
{
    return (p->grants.bits & grant) == grant;
}

