// What the arch code reports to the core when something goes wrong, and the
// interrupt dispatch table.
#pragma once

#include "kernel.h"

enum trap_access {
    TRAP_ACCESS_NONE,   // not a memory access fault
    TRAP_ACCESS_READ,
    TRAP_ACCESS_WRITE,
    TRAP_ACCESS_EXEC,
};

struct trap_info {
    const char *kind;   // "sync", "sync from EL0", ...
    const char *what;   // "data abort", "unknown instruction", ...
    bool from_user;     // the fault happened in user mode (EL0)
    enum trap_access access;
    bool permission;    // the page is mapped but does not allow the access
    uint64_t esr;       // syndrome, raw
    uint64_t pc;        // where it happened
    uint64_t far;       // faulting address, for aborts
    uint64_t lr, fp;    // for the backtrace
};

/// True if `pc` is in the kernel image (not in an app loaded at run time).
static inline bool in_kernel_image(uint64_t pc)
{
    extern char __kernel_start[], __kernel_end[];
    return pc >= (uintptr_t)__kernel_start && pc < (uintptr_t)__kernel_end;
}

/// Handles a fault: if the current thread was running app code, the app is
/// stopped with one log line and its handles closed; otherwise the kernel panics
/// with the report. Returns only if the fault was contained and another thread runs.
void trap_fault(const struct trap_info *info);

/// Registers `fn(ctx)` for interrupt `intid` and enables it. Returns
/// FTL_ERR_BUSY if the interrupt already has a handler.
FTL_MUST_CHECK ftl_err_t irq_register(uint32_t intid, void (*fn)(void *ctx), void *ctx);
/// Removes the handler of `intid` and masks it.
void irq_unregister(uint32_t intid);
/// Calls the handler registered for `intid` (arch code, with interrupts masked).
void irq_dispatch(uint32_t intid);
