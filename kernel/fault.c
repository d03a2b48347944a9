// Faults and interrupt dispatch: contain what an app did, panic on what the kernel did.
#include "log.h"
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

void trap_fault(const struct trap_info *info)
{
    struct thread *t = thread_current();
    struct process *p = t->proc;
    if (p && t->in_app) {
        char msg[192];
        int n = snprintf(msg, sizeof(msg), "crashed: %s at pc %s (app offset 0x%lx), address 0x%lx",
                         info->what, ksym_format(info->pc),
                         (unsigned long)(info->pc - (uint64_t)(uintptr_t)p->mem),
                         (unsigned long)info->far);
        log_line(p->name, FTL_LOG_ERROR, msg, (size_t)n);
        process_exit(-1);
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
