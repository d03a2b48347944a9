// Virtual machines for VMM apps: the VM object and its calls (docs/vm.md).
#include "vm.h"

ftl_err_t sys_vm_create(struct process *p, size_t ram_bytes, uaddr_t out_vm, uaddr_t out_ram)
{
    (void)p, (void)ram_bytes, (void)out_vm, (void)out_ram;
    return FTL_ERR_UNSUPPORTED;
}

ftl_err_t sys_vm_load(struct process *p, ftl_handle_t vm, uaddr_t name, uint64_t gpa,
                      uaddr_t out_size)
{
    (void)p, (void)vm, (void)name, (void)gpa, (void)out_size;
    return FTL_ERR_UNSUPPORTED;
}

ftl_err_t sys_vm_boot(struct process *p, ftl_handle_t vm, uint64_t pc, uint64_t x0)
{
    (void)p, (void)vm, (void)pc, (void)x0;
    return FTL_ERR_UNSUPPORTED;
}

ftl_err_t sys_vm_run(struct process *p, ftl_handle_t vm, ftl_handle_t poll, uaddr_t exit)
{
    (void)p, (void)vm, (void)poll, (void)exit;
    return FTL_ERR_UNSUPPORTED;
}

ftl_err_t sys_vm_irq(struct process *p, ftl_handle_t vm, uint32_t spi, uint32_t level)
{
    (void)p, (void)vm, (void)spi, (void)level;
    return FTL_ERR_UNSUPPORTED;
}

ftl_err_t sys_vm_stats(struct process *p, ftl_handle_t vm, uaddr_t out)
{
    (void)p, (void)vm, (void)out;
    return FTL_ERR_UNSUPPORTED;
}
