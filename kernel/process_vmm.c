// isolation: vmm. The app's ELF, laid out exactly as in user mode (same regions, same
// addresses), runs as an EL1 guest in a VM of its own: its memory is mapped by the
// VM's stage-2 table (kernel/arch/arm64/vmm.c) and its call stubs are `hvc`. This
// loop runs on the app's kernel thread: each exit is a call (the same syscall
// dispatch as user mode), an interrupt for the kernel, or a fault that ends the app.
#include "process.h"
#include "syscall.h"
#include "trap.h"

_Noreturn void process_vmm_run(struct process *p)
{
    uint64_t start = p->ubase + (uint64_t)((uint8_t *)p->start - p->mem);
    arch_vm_reset(p->aspace, p->entry, p->stack_top, start);
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
        case ARCH_VM_EXIT_FAULT:
            trap_fault(&fault); // ends the app with the one-line report
            break;
        }
    }
}
