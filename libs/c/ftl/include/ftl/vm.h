// Virtual machines for VMM apps (docs/vm.md). The kernel runs the guest's one vCPU
// at EL1 under a stage-2 table, with a virtual GICv3 (distributor, redistributor and
// CPU interface), the virtual timer, PSCI over `hvc` and WFI blocking. Everything
// else the guest touches outside its RAM is an MMIO exit that the app emulates: the
// split KVM draws between the kernel and a VMM. Needs `grants: { vm: true }`,
// `isolation: user` and a kernel entered at EL2.
#pragma once

#include <ftl/abi.h>

// The guest-physical map every VM has (mirrors QEMU's `virt`).
#define FTL_VM_GICD_BASE 0x08000000ull // distributor, 64 KiB (emulated by the kernel)
#define FTL_VM_GICD_SIZE 0x10000ull
#define FTL_VM_GICR_BASE 0x080a0000ull // redistributor of vCPU 0: RD + SGI frames, 128 KiB
#define FTL_VM_GICR_SIZE 0x20000ull
#define FTL_VM_RAM_BASE 0x40000000ull  // guest RAM: [FTL_VM_RAM_BASE, + ram_bytes)
#define FTL_VM_RAM_MAX (512ull << 20)
#define FTL_VM_SPI_BASE 32u            // INTID of SPI 0
#define FTL_VM_SPI_COUNT 64u           // SPIs 0..63 (INTIDs 32..95)
#define FTL_VM_VTIMER_PPI 27u          // INTID of the virtual timer (DTB: PPI 11)
#define FTL_VM_NO_POLL ((ftl_handle_t)-1) // ftl_vm_run without a poll handle

// Why ftl_vm_run returned.
#define FTL_VM_EXIT_MMIO 1  // a load or store outside RAM and the GIC: emulate it
#define FTL_VM_EXIT_POLL 2  // the poll handle given to ftl_vm_run has events
#define FTL_VM_EXIT_OFF 3   // the guest called PSCI SYSTEM_OFF
#define FTL_VM_EXIT_RESET 4 // the guest called PSCI SYSTEM_RESET
#define FTL_VM_EXIT_FAULT 5 // the guest did what the VM cannot go on from (`detail`
                            // says what); only ftl_vm_boot makes it run again

struct ftl_vm_exit {
    uint32_t kind;      // FTL_VM_EXIT_*
    uint32_t size;      // MMIO: access size in bytes (1, 2, 4 or 8)
    uint64_t addr;      // MMIO: guest-physical address
    uint64_t data;      // MMIO store: the value; MMIO load: the app puts the value here
                        // before it calls ftl_vm_run again (that completes the load)
    uint32_t write;     // MMIO: 1 for a store, 0 for a load
    uint32_t reserved;
    uint64_t pc;        // guest PC of the exit
    char detail[80];    // FAULT, OFF, RESET: a NUL-terminated explanation
};

// Exits by kind since ftl_vm_create (docs/benchmarks.md explains each).
struct ftl_vm_stats {
    uint64_t mmio;      // MMIO exits returned to the app
    uint64_t gicd;      // distributor accesses, emulated in the kernel
    uint64_t gicr;      // redistributor accesses, emulated in the kernel
    uint64_t icc;       // GIC CPU-interface system registers (IAR, EOIR, PMR, SGI1R...)
    uint64_t sysreg;    // other trapped system registers (ID registers, debug, PMU...)
    uint64_t wfi;       // WFI/WFE
    uint64_t hvc;       // PSCI and other hypervisor calls
    uint64_t irq;       // host interrupts taken while the guest ran
    uint64_t vtimer;    // virtual-timer interrupts delivered to the guest
    uint64_t injected;  // interrupts the guest acknowledged
    uint64_t run_ns;    // time the vCPU spent in the guest
};

/// Makes a VM with `ram_bytes` (a multiple of 2 MiB, at most FTL_VM_RAM_MAX) of zeroed
/// guest RAM at FTL_VM_RAM_BASE, charged to the app's kernel-memory account; the RAM
/// is also mapped read-write into the app at `*out_ram` for the app's whole life.
/// One VM per app, also after a failed attempt. FTL_ERR_DENIED without the grant,
/// FTL_ERR_UNSUPPORTED in another mode than user or on a kernel entered at EL1,
/// FTL_ERR_INVALID_ARG for a bad size, FTL_ERR_BUSY if the app made one already,
/// FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t ftl_vm_create(size_t ram_bytes, ftl_handle_t *out_vm, void **out_ram);
/// Copies the boot image's file `apps/<this app>/<name>` into guest RAM at `gpa`;
/// `*out_size` is its size. FTL_ERR_NOT_FOUND, FTL_ERR_TOO_LARGE if it does not fit in
/// RAM from `gpa`, FTL_ERR_BAD_ADDRESS.
FTL_MUST_CHECK ftl_err_t ftl_vm_load(ftl_handle_t vm, const char *name, uint64_t gpa,
                                     size_t *out_size);
/// Resets the vCPU and its virtual GIC and timer: the next ftl_vm_run starts the guest
/// at `pc` in EL1h with the MMU off, interrupts masked, x0 = `x0`, x1-x3 = 0 (the arm64
/// Linux boot protocol). Guest RAM is left as it is.
FTL_MUST_CHECK ftl_err_t ftl_vm_boot(ftl_handle_t vm, uint64_t pc, uint64_t x0);
/// Runs the guest on the calling thread until an exit the app must handle, which is
/// written to `*exit`. If `poll` is a poll handle, ftl_vm_run also returns
/// FTL_VM_EXIT_POLL when it has events (checked before entering the guest and while
/// the guest waits in WFI); pass FTL_VM_NO_POLL for none. After an MMIO load exit,
/// the next call reads `exit->data` as the loaded value. The guest is preempted like
/// any app; killing the app stops the VM.
FTL_MUST_CHECK ftl_err_t ftl_vm_run(ftl_handle_t vm, ftl_handle_t poll, struct ftl_vm_exit *exit);
/// Sets the level of SPI `spi` (0..FTL_VM_SPI_COUNT-1; INTID 32+spi) of the VM's
/// interrupt controller: 1 raises it, 0 lowers it. An edge-triggered SPI latches as
/// pending on each raise. FTL_ERR_INVALID_ARG.
FTL_MUST_CHECK ftl_err_t ftl_vm_irq(ftl_handle_t vm, uint32_t spi, uint32_t level);
/// Reads the VM's exit counters.
FTL_MUST_CHECK ftl_err_t ftl_vm_stats(ftl_handle_t vm, struct ftl_vm_stats *out);
