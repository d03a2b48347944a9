// Faults and interrupt dispatch: contain what an app did, panic on what the kernel did.
#include "log.h"
#include "isolation/isolation.h"
#include "process.h"
#include "trap.h"

#define IRQ_MAX 1024

struct irq_handler {
    void (*fn)(void *ctx);
    void *ctx;
};

static struct irq_handler handlers[IRQ_MAX];

ftl_err_t irq_register(uint32_t intid, void (*fn)(void *ctx), void *ctx)
{
    if (intid >= IRQ_MAX) {
        return FTL_ERR_INVALID_ARG;
    }
    if (handlers[intid].fn) {
        return FTL_ERR_BUSY;
    }
    handlers[intid] = (struct irq_handler){fn, ctx};
    arch_irq_unmask(intid);
    return FTL_OK;
}

void irq_unregister(uint32_t intid)
{
    if (intid < IRQ_MAX) {
        arch_irq_mask(intid);
        handlers[intid] = (struct irq_handler){NULL, NULL};
    }
}

void irq_dispatch(uint32_t intid)
{
    if (intid < IRQ_MAX && handlers[intid].fn) {
        handlers[intid].fn(handlers[intid].ctx);
    } else {
        KWARN("unexpected interrupt %u", intid);
    }
}

static void print_frame(void *ctx, uintptr_t pc)
{
    int *depth = ctx;
    kprintf("  #%d %s\n", (*depth)++, ksym_format(pc));
}

// Names what an app did wrong, in its own terms.
static const char *describe(const struct process *p, const struct trap_info *info)
{
    if (info->access == TRAP_ACCESS_NONE) {
        return info->what;
    }
    uint64_t a = info->far;
    if (a < 0x10000) {
        return info->access == TRAP_ACCESS_EXEC ? "jump to NULL" : "NULL pointer dereference";
    }
    if (a >= p->guard && a < p->guard + PAGE_SIZE) {
        return "stack overflow (guard page)";
    }
    if (arch_kstack_guard(a)) {
        return "stack overflow (the guard page below the engine's stack)";
    }
    if (a >> 63) {
        return "access to kernel memory";
    }
    if (info->access == TRAP_ACCESS_EXEC) {
        return info->permission ? "jump to non-executable memory" : "jump to unmapped memory";
    }
    if (info->permission) {
        return info->access == TRAP_ACCESS_WRITE ? "write to read-only memory"
                                                 : "read of protected memory";
    }
    return "access to unmapped memory";
}

// An inkernel app's thread runs app code and, inside its calls, kernel code; the
// program counter tells which faulted (apps are loaded outside the kernel image). A
// js app's engine is in the kernel image: its thread says when it runs the engine.
static bool app_code_faulted(const struct thread *t, const struct process *p,
                             const struct trap_info *info)
{
    if (info->from_user) {
        return true;
    }
    return t->in_app && (process_isolation(p)->engine_in_kernel || !in_kernel_image(info->pc));
}

void trap_fault(const struct trap_info *info)
{
    struct thread *t = thread_current();
    struct process *p = t->proc;
    if (p && app_code_faulted(t, p, info)) {
        process_crash(describe(p, info), info->pc, info->far);
    }
    kprintf("\n[kernel      ] PANIC  %s exception: %s\n", info->kind, info->what);
    kprintf("  ESR 0x%lx  ELR %s\n", (unsigned long)info->esr, ksym_format(info->pc));
    kprintf("  FAR 0x%lx  LR  %s\n", (unsigned long)info->far, ksym_format(info->lr));
    kprintf("  thread '%s', app '%s'\n", t->name, p ? p->name : "-");
    kprintf("  backtrace:\n");
    int depth = 0;
    arch_backtrace(info->fp, print_frame, &depth);
    panic("unhandled exception in kernel code");
}
