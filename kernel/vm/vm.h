// Virtual machines for VMM apps (<ftl/vm.h>, docs/vm.md): the calls.
#pragma once

#include "../syscall.h"

FTL_MUST_CHECK ftl_err_t sys_vm_create(struct process *p, size_t ram_bytes, uaddr_t out_vm,
                                       uaddr_t out_ram);
FTL_MUST_CHECK ftl_err_t sys_vm_load(struct process *p, ftl_handle_t vm, uaddr_t name,
                                     uint64_t gpa, uaddr_t out_size);
FTL_MUST_CHECK ftl_err_t sys_vm_boot(struct process *p, ftl_handle_t vm, uint64_t pc,
                                     uint64_t x0);
FTL_MUST_CHECK ftl_err_t sys_vm_run(struct process *p, ftl_handle_t vm, ftl_handle_t poll,
                                    uaddr_t exit);
FTL_MUST_CHECK ftl_err_t sys_vm_irq(struct process *p, ftl_handle_t vm, uint32_t spi,
                                    uint32_t level);
FTL_MUST_CHECK ftl_err_t sys_vm_stats(struct process *p, ftl_handle_t vm, uaddr_t out);
