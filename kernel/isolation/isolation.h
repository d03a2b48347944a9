// The isolation modes (docs/isolation.md), one file each in kernel/isolation/:
// inkernel.c, user.c, vmm.c (the app's machine code), wasm.c and js.c (an engine in
// the kernel runs it). The process core (process.c, startup.c, device.c, fault.c)
// knows a mode only through its struct isolation; a new mode is a new file here, its
// line in isolation.c and its word in the spec's list of modes.
#pragma once

#include "../process.h"

struct arch_aspace;

struct isolation {
    enum process_mode mode;
    const char *name;             // the spec's word
    const char *binary;           // the file of apps/<name>/ the mode runs
    bool native;                  // runs the app's own machine code (an ELF)
    bool own_space;               // the app has an address space of its own at USER_BASE
    bool needs_el2;               // needs the CPU's virtualization level (arch_has_el2)
    bool host_pointers;           // its calls pass kernel pointers its engine has checked
    bool engine_in_kernel;        // a fault in kernel code while the app runs is the app's
    size_t kstack;                // kernel stack of the app's thread; 0: the app's stack
    /// Optional: makes the thread's kernel stack of `kstack` bytes, charged to `p` and
    /// freed by `release` (NULL: the thread's own, from the kernel heap).
    void *(*kstack_alloc)(struct process *p);
    const struct ftl_calls *calls; // native without own_space: the app's call table
    /// Makes the process from `bin` (ELF, module or source). FTL_ERR_* with *why.
    ftl_err_t (*create)(const char *name, const void *bin, size_t len,
                        const struct process_limits *lim, struct process **out,
                        const char **why);
    /// own_space: writes the call stubs of calls 0..n-1 into `code`; one stub's size.
    size_t (*stubs)(uint8_t *code, size_t n);
    /// own_space: creates the app's address space. 0, or -1 when out of memory.
    int (*space_create)(struct arch_aspace **out);
    /// The body of the app's thread: runs the app until it ends; never returns.
    void (*thread)(void *process);
    /// Frees what the mode holds beyond the common parts (NULL: nothing).
    void (*release)(struct process *p);
};

extern const struct isolation isolation_inkernel, isolation_user, isolation_wasm,
    isolation_js, isolation_vmm;

/// The mode a spec's `isolation:` word (enum spec_isolation) names.
const struct isolation *isolation_for_spec(int spec_isolation);

/// The mode of process `p`.
const struct isolation *process_isolation(const struct process *p);

/// The ELF modes' create (process.c): loads `elf` for `iso`.
FTL_MUST_CHECK ftl_err_t process_create_native(const struct isolation *iso, const char *name,
                                               const void *elf, size_t len,
                                               const struct process_limits *lim,
                                               struct process **out, const char **why);
/// The engine modes' create (wasm.c): a process with an environ in kernel memory and no
/// app memory of its own; js builds on it.
FTL_MUST_CHECK ftl_err_t process_create_engine(enum process_mode mode, const char *name,
                                               const void *bin, size_t len,
                                               const struct process_limits *lim,
                                               struct process **out, const char **why);
