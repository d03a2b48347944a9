// Virtual machines for VMM apps (<ftl/vm.h>, docs/vm.md): the calls.
#pragma once

#include "../object.h"
#include "../process.h"
#include "../syscall.h"
#include "vgic.h"
#include <ftl/vm.h>

struct poll;

#define VM_CHUNK (2u << 20) // guest RAM comes in chunks of this size (any free 2 MiB will do)

struct vm {
    struct object obj;
    struct process *owner;
    struct arch_aspace *s2;
    uint8_t *chunk[FTL_VM_RAM_MAX / VM_CHUNK]; // guest RAM: kernel views of its 2 MiB chunks
    size_t ram_bytes;
    size_t charged;                  // bytes charged to the owner: RAM and tables
    uint64_t app_ram;                // the app's view of guest RAM
    struct vgic gic;
    struct ftl_vm_stats stats;
    bool booted;                     // ftl_vm_boot done, no fault or power-off since
    bool timer_level;                // the virtual timer's line, last seen
    bool load_pending;               // the last exit was an MMIO load to complete
    uint32_t load_rt, load_size;
    bool load_sign, load_sf;
    bool unknown_logged;             // a RAZ/WI system register was logged once
    struct thread *waiter;           // its thread while it blocks in WFI
};

extern struct vm *timer_vm;           // whose virtual timer the CPU holds (vm.c; set by vcpu.c)

/// Runs the guest of `vm` for app `p` until an exit for the app, written to *out
/// (interrupts masked; they are taken between guest entries). vcpu.c.
void vm_run_loop(struct vm *vm, struct process *p, struct poll *poll, struct ftl_vm_exit *out);
/// Completes the MMIO load of the last exit with `data` and moves past it.
void vm_complete_load(struct vm *vm, uint64_t data);
/// Describes the VM in a process's ps entry (state, exits, time in the guest).
void vm_ps_info(const struct vm *vm, struct ftl_ps_entry *e);
/// Drops the process's reference to its VM (when the process is freed, after its
/// address space: the guest RAM it mapped goes last).
void vm_process_gone(struct process *p);


FTL_MUST_CHECK ftl_err_t sys_vm_create(struct process *p, size_t ram_bytes, uaddr_t out_vm,
                                       uaddr_t out_ram);
FTL_MUST_CHECK ftl_err_t sys_vm_load(struct process *p, ftl_handle_t vm, uaddr_t name,
                                     size_t name_len, uint64_t gpa, uaddr_t out_size);
FTL_MUST_CHECK ftl_err_t sys_vm_boot(struct process *p, ftl_handle_t vm, uint64_t pc,
                                     uint64_t x0);
FTL_MUST_CHECK ftl_err_t sys_vm_run(struct process *p, ftl_handle_t vm, ftl_handle_t poll,
                                    uaddr_t exit);
FTL_MUST_CHECK ftl_err_t sys_vm_irq(struct process *p, ftl_handle_t vm, uint32_t spi,
                                    uint32_t level);
FTL_MUST_CHECK ftl_err_t sys_vm_stats(struct process *p, ftl_handle_t vm, uaddr_t out);
