// isolation: vmm. The app's ELF, laid out exactly as in user mode (same regions, same
// addresses), runs as an EL1 guest in a VM of its own: its memory is mapped by the
// VM's stage-2 table (kernel/arch/arm64/vmm.c) and its call stubs are `hvc`. This
// loop runs on the app's kernel thread: each exit is a call (the same syscall
// dispatch as user mode), an interrupt for the kernel, or a fault that ends the app.
#include "isolation.h"
#include "../syscall.h"
#include "../trap.h"

static ftl_err_t vmm_create(const char *name, const void *elf, size_t len,
                            const struct process_limits *lim, struct process **out,
                            const char **why)
{
    return process_create_native(&isolation_vmm, name, elf, len, lim, out, why);
}

static void vmm_thread(void *arg)
{
    struct process *p = arg;
    arch_vm_reset(p->aspace, p->entry, p->stack_top, process_start_arg(p));
    uint64_t *x = arch_vm_regs(p->aspace);
    arch_irq_save(); // the guest runs with the kernel's interrupts masked (they exit it)
    for (;;) {
        process_kill_point(p);
        struct trap_info fault;
        switch (arch_vm_run(p->aspace, &fault)) {
        case ARCH_VM_EXIT_CALL:
            x[0] = (uint64_t)syscall_dispatch(p, x[8], x);
            break;
        case ARCH_VM_EXIT_IRQ:
            // The interrupt is still pending: unmasking takes it here, on the app's
            // thread, which holds nothing, so the scheduler may switch away.
            arch_irq_enable();
            arch_irq_save();
            break;
        case ARCH_VM_EXIT_TRAP: // only OS guests (kernel/vm/) exit this way
        case ARCH_VM_EXIT_FAULT:
            trap_fault(&fault); // ends the app with the one-line report
            break;
        }
    }
}

const struct isolation isolation_vmm = {
    .mode = PROCESS_VMM,
    .name = "vmm",
    .binary = "app.elf",
    .native = true,
    .own_space = true,
    .needs_el2 = true,
    .kstack = PROCESS_KSTACK_SIZE,
    .create = vmm_create,
    .stubs = arch_guest_stubs,
    .space_create = arch_vm_create,
    .thread = vmm_thread,
};
