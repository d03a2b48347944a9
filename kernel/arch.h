// Everything the portable kernel core needs from a CPU architecture. Each arch
// implements these in kernel/arch/<arch>/ and defines its types in arch_types.h.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch_types.h"

// arch_types.h also provides, usually inline because they sit on every kernel call:
//   uint64_t arch_irq_save(void);          masks interrupts, returns the previous state
//   void arch_irq_restore(uint64_t flags); restores what arch_irq_save returned
/// Unmasks interrupts.
void arch_irq_enable(void);
/// Sleeps until an interrupt is pending (returns with interrupts still masked).
void arch_wait_for_interrupt(void);

/// Monotonic time since boot, in nanoseconds.
int64_t arch_time_ns(void);
/// Arms the one-shot kernel timer for absolute time `deadline_ns` (INT64_MAX: off).
void arch_timer_set_deadline(int64_t deadline_ns);

/// Saves the current thread's callee-saved state into `from` and resumes `to`.
void arch_switch_to(struct arch_context *from, struct arch_context *to);
/// Prepares `ctx` so that switching to it calls thread_start(entry, arg) on `stack_top`.
void arch_context_init(struct arch_context *ctx, void *stack_top, void (*entry)(void *),
                       void *arg);

/// Writes bytes to the boot console (the UART), polling.
void arch_console_write(const char *s, size_t len);
/// Turns on the console UART's receive interrupt; false if this UART has none FTL drives.
bool arch_console_rx_enable(void);
/// Reads up to `max` received bytes without waiting; returns how many.
size_t arch_console_read(char *buf, size_t max);
/// Makes freshly written code at [addr, addr+len) visible to instruction fetch.
void arch_sync_icache(void *addr, size_t len);
/// Powers the machine off (QEMU exits). Never returns.
_Noreturn void arch_poweroff(void);

// Why a boot failed, for arch_poweroff_failed: the kernel said so on the console, or
// there was no console to say it on.
#define BOOT_FAILED_REPORTED 0xf71b0001u
#define BOOT_FAILED_NO_CONSOLE 0xf71b0002u
/// Powers off after a failed boot, leaving `code` where a debugger finds it (x1 on
/// arm64: PSCI SYSTEM_OFF takes no argument). Never returns.
_Noreturn void arch_poweroff_failed(uint32_t code);

/// True if the CPU lets the kernel run virtual machines: on arm64, FTL runs at EL2
/// (with VHE). False when it was entered at EL1 (a VM without nested virtualization:
/// KVM guests, Firecracker, cloud VMs, QEMU without virtualization=on). Isolation
/// modes that need it (vmm) are refused per app when it is false.
bool arch_has_el2(void);
/// A few words on how the kernel runs, for the first log line ("EL2 (VHE)", "EL1").
const char *arch_boot_mode(void);

/// Zeroes `len` bytes at page-aligned `p` (len a multiple of the page size), as
/// fast as the CPU can (cache-line zeroing on arm64).
void arch_zero_pages(void *p, size_t len);

/// Kernel virtual address of physical address `pa` (the linear map).
void *arch_phys_to_virt(uint64_t pa);
/// Maps `size` bytes (whole pages, at most 256 KiB) of fresh, unzeroed pages as a
/// kernel stack with an unmapped guard below it: running off its bottom faults, and
/// ends the thread's app (or panics) instead of writing below. Returns its lowest
/// address, or NULL. The caller charges the pages.
void *arch_kstack_map(size_t size);
/// Unmaps and frees a stack from arch_kstack_map (`size` as given to it).
void arch_kstack_unmap(void *stack, size_t size);
/// True if `addr` is in the guard below a mapped kernel stack.
bool arch_kstack_guard(uint64_t addr);
/// Physical address of kernel virtual address `va` (linear map or image).
uint64_t arch_virt_to_phys(const void *va);

/// Calls `fn(ctx, pc)` for each return address on the call stack whose frame
/// pointer is `fp` (0: the caller's own stack), stopping at anything not kernel memory.
void arch_backtrace(uintptr_t fp, void (*fn)(void *ctx, uintptr_t pc), void *ctx);

// ---- user address spaces (EL0 on arm64) ----

#define ARCH_PROT_READ 1u
#define ARCH_PROT_WRITE 2u
#define ARCH_PROT_EXEC 4u
#define ARCH_PROT_DEVICE 8u  // device memory (registers): uncached, no speculation

struct arch_aspace;

/// Creates an empty user address space. FTL_ERR_NO_MEMORY (-1) on failure.
int arch_aspace_create(struct arch_aspace **out);
/// Maps [va, va+len) to physical [pa, pa+len) for the app with `prot` (page-aligned,
/// never writable and executable at once). Returns 0 or -1 when out of memory.
int arch_aspace_map(struct arch_aspace *as, uint64_t va, uint64_t pa, size_t len, uint32_t prot);
/// Bytes of RAM the space's tables take (what its app is charged).
size_t arch_aspace_bytes(const struct arch_aspace *as);
/// Frees the tables and forgets the space's TLB entries.
void arch_aspace_destroy(struct arch_aspace *as);
/// Makes `as` the current user space; NULL: none (low addresses fault).
void arch_aspace_activate(struct arch_aspace *as);
/// Drops to user mode at `entry` with stack `sp` and first argument `arg`, on
/// the current thread's kernel stack. Never returns (the app re-enters by svc).
_Noreturn void arch_user_enter(uint64_t entry, uint64_t sp, uint64_t arg);
/// Writes user-mode call stubs for calls 0..n-1 into `code` (`stub_size` bytes each)
/// and returns stub_size. Call number i's stub enters the kernel with call i.
size_t arch_user_stubs(uint8_t *code, size_t n);

/// Lets interrupt `intid` reach the CPU (the GIC on arm64).
void arch_irq_unmask(uint32_t intid);
/// Stops interrupt `intid` from reaching the CPU.
void arch_irq_mask(uint32_t intid);

// ---- guest VMs (isolation: vmm; EL1 guests under stage-2 tables on arm64) ----
// A VM is an arch_aspace made by arch_vm_create: arch_aspace_map, _bytes and
// _destroy work on it as on a user space, and activating it turns the low half off.

struct trap_info;

enum arch_vm_exit {
    ARCH_VM_EXIT_CALL,  // the guest made a kernel call (its stub's hvc)
    ARCH_VM_EXIT_IRQ,   // a physical interrupt is pending for the kernel
    ARCH_VM_EXIT_FAULT, // the guest did something it may not: see *fault
    ARCH_VM_EXIT_TRAP,  // an OS guest's synchronous exit: arch_vm_trap says which
};

/// Creates an empty guest address space with its own VMID and one vCPU (the tables
/// and vCPU count in arch_aspace_bytes). Returns 0, -1 when out of memory (or without
/// virtualization), ARCH_VM_NO_ID when every VMID is in use.
int arch_vm_create(struct arch_aspace **out);
#define ARCH_VM_NO_ID (-2)
/// Sets the vCPU of `vm` to start at `entry` with stack `sp` and first argument `arg`.
void arch_vm_reset(struct arch_aspace *vm, uint64_t entry, uint64_t sp, uint64_t arg);
/// Runs the guest until it exits; call with interrupts masked. For a FAULT, *fault
/// says what happened in the same terms as a user-mode fault.
enum arch_vm_exit arch_vm_run(struct arch_aspace *vm, struct trap_info *fault);
/// The guest's general registers x0-x30 (call number in x[8], arguments in x[0..5],
/// the result goes to x[0]).
uint64_t *arch_vm_regs(struct arch_aspace *vm);
// OS guests (kernel/vm/): a VM whose guest owns its EL1 (page tables, caches, vectors)
// and sees a trimmed CPU; its exits are decoded for the portable code.
#define ARCH_SYSREG(op0, op1, crn, crm, op2)                                                       \
    (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))

enum arch_vm_trap_kind {
    ARCH_VM_TRAP_OTHER,  // anything else: the VM stops (esr says what)
    ARCH_VM_TRAP_WFI,
    ARCH_VM_TRAP_WFE,
    ARCH_VM_TRAP_HVC,    // pc is already past the hvc
    ARCH_VM_TRAP_SMC,
    ARCH_VM_TRAP_SYSREG, // a trapped MRS/MSR/SYS: sysreg (ARCH_SYSREG), rt, read
    ARCH_VM_TRAP_MMIO,   // a load/store at an IPA stage 2 does not map
};

struct arch_vm_trap {
    enum arch_vm_trap_kind kind;
    uint32_t imm;        // HVC, SMC
    uint32_t sysreg;     // SYSREG
    uint32_t rt;         // SYSREG, MMIO: the register (31: xzr)
    bool read;           // SYSREG: MRS
    bool isv;            // MMIO: the syndrome describes the access (else: ldp, writeback...)
    bool write, sign, sf; // MMIO: store; sign-extend a load; to a 64-bit register
    uint32_t size;       // MMIO: bytes
    uint64_t ipa;        // MMIO
    uint64_t esr, pc;
};

struct arch_vm_timer {
    bool level;          // the guest's virtual timer condition holds now
    int64_t deadline_ns; // else when it will (arch_time_ns clock), or INT64_MAX
};

/// Creates an empty VM for an OS guest (no vector page); else as arch_vm_create.
int arch_vm_create_os(struct arch_aspace **out);
/// Resets an OS guest's vCPU: EL1h, MMU off, DAIF masked, pc, x0; its virtual count
/// starts at 0.
void arch_vm_boot(struct arch_aspace *vm, uint64_t pc, uint64_t x0);
/// Decodes the last ARCH_VM_EXIT_TRAP.
void arch_vm_trap(struct arch_aspace *vm, struct arch_vm_trap *t);
/// Moves the guest's pc past the trapped instruction.
void arch_vm_skip(struct arch_aspace *vm);
uint64_t arch_vm_pc(struct arch_aspace *vm);
/// Raises or lowers the guest's virtual IRQ line from the next entry on.
void arch_vm_set_virq(struct arch_aspace *vm, bool raised);
/// The guest's virtual timer.
void arch_vm_timer(struct arch_aspace *vm, struct arch_vm_timer *out);
/// ID register (op0 3, op1 0, CRn 0, crm, op2) as an OS guest sees it: the host's,
/// without the features no VM offers (SVE, SME, PAuth, MTE, PMU, RAS, EL2...).
uint64_t arch_vm_id_reg(uint32_t crm, uint32_t op2);
/// Counter ticks as ns.
int64_t arch_ticks_to_ns(uint64_t ticks);

/// Writes guest call stubs (the hvc sibling of arch_user_stubs); returns stub_size.
size_t arch_guest_stubs(uint8_t *code, size_t n);
