// The vCPU run loop of an OS guest: enter the guest, handle what the kernel handles
// (the GIC, the virtual timer, PSCI, trapped system registers, WFI), return the rest
// (MMIO) to the app. Runs on the app's thread inside ftl_vm_run.
#include "vm.h"
#include "../log.h"
#include "../poll.h"
#include "../sched.h"
#include "../trap.h"

// PSCI 1.0 (Arm DEN 0022) and SMCCC function IDs.
#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_AFFINITY_INFO 0x84000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000au
#define PSCI_NOT_SUPPORTED ((uint64_t)-1)
#define PSCI_SMC64 0x40000000u // the SMC64 bit of a function ID

enum step { STEP_GUEST, STEP_EXIT }; // go on running the guest, or return to the app

static void set_exit(struct ftl_vm_exit *out, uint32_t kind, uint64_t pc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_exit(struct ftl_vm_exit *out, uint32_t kind, uint64_t pc, const char *fmt, ...)
{
    out->kind = kind;
    out->pc = pc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
    va_end(ap);
}

static uint64_t reg(struct vm *vm, uint32_t rt)
{
    return rt == 31 ? 0 : arch_vm_regs(vm->s2)[rt];
}

static void set_reg(struct vm *vm, uint32_t rt, uint64_t v)
{
    if (rt != 31) {
        arch_vm_regs(vm->s2)[rt] = v;
    }
}

// A loaded value as the load instruction leaves it in its register.
static uint64_t load_value(uint64_t data, uint32_t size, bool sign, bool sf)
{
    unsigned bits = size * 8;
    if (bits < 64) {
        data &= (1ull << bits) - 1;
        if (sign && (data >> (bits - 1)) & 1) {
            data |= ~0ull << bits;
        }
    }
    return sf ? data : (data & 0xffffffffull);
}

void vm_complete_load(struct vm *vm, uint64_t data)
{
    set_reg(vm, vm->load_rt, load_value(data, vm->load_size, vm->load_sign, vm->load_sf));
    arch_vm_skip(vm->s2);
    vm->load_pending = false;
}

static enum step psci(struct vm *vm, uint64_t pc, bool smc, struct ftl_vm_exit *out)
{
    uint64_t *x = arch_vm_regs(vm->s2);
    uint32_t fn = (uint32_t)x[0] & ~PSCI_SMC64;
    const char *via = smc ? "smc" : "hvc";
    vm->stats.hvc++;
    switch (fn) {
    case PSCI_VERSION:
        x[0] = 0x10000; // 1.0
        return STEP_GUEST;
    case PSCI_MIGRATE_INFO_TYPE:
        x[0] = 2; // no trusted OS to migrate
        return STEP_GUEST;
    case PSCI_AFFINITY_INFO:
        x[0] = x[1] == 0 ? 0 : (uint64_t)-2; // vCPU 0 is on; no other exists
        return STEP_GUEST;
    case PSCI_SYSTEM_OFF:
    case PSCI_CPU_OFF:
        vm->booted = false;
        set_exit(out, FTL_VM_EXIT_OFF, pc, "PSCI %s through %s",
                 fn == PSCI_CPU_OFF ? "CPU_OFF" : "SYSTEM_OFF", via);
        return STEP_EXIT;
    case PSCI_SYSTEM_RESET:
        vm->booted = false;
        set_exit(out, FTL_VM_EXIT_RESET, pc, "PSCI SYSTEM_RESET through %s", via);
        return STEP_EXIT;
    default:
        // FEATURES, CPU_ON, SMCCC_VERSION, vendor calls: not supported (which also keeps
        // Linux on SMCCC 1.0, so it probes nothing further).
        x[0] = PSCI_NOT_SUPPORTED;
        return STEP_GUEST;
    }
}

// A trapped MRS/MSR/SYS that is not the GIC's: ID registers read as the trimmed CPU;
// everything else (debug, PMU, the physical timer, set/way cache operations, IMPDEF
// registers) reads as zero and ignores writes, as KVM does for what it hides.
static void sysreg(struct vm *vm, const struct arch_vm_trap *t)
{
    uint32_t op0 = t->sysreg >> 14, op1 = (t->sysreg >> 11) & 7, crn = (t->sysreg >> 7) & 15;
    uint32_t crm = (t->sysreg >> 3) & 15, op2 = t->sysreg & 7;
    uint64_t v = t->read ? 0 : reg(vm, t->rt);
    if (vgic_sysreg(&vm->gic, t->sysreg, t->read, &v)) {
        vm->stats.icc++;
    } else {
        v = 0;
        vm->stats.sysreg++;
        if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1) {
            v = arch_vm_id_reg(crm, op2);
        } else if (!vm->unknown_logged && op0 != 1 && op0 != 2 && !(op0 == 3 && crn == 9)) {
            vm->unknown_logged = true; // debug (op0 2), cache ops (op0 1), PMU (CRn 9) expected
            KINFO("vm of %s: system register S%u_%u_C%u_C%u_%u reads as zero (logged once)",
                  vm->owner ? vm->owner->name : "?", op0, op1, crn, crm, op2);
        }
    }
    if (t->read) {
        set_reg(vm, t->rt, v);
    }
}

static enum step mmio(struct vm *vm, const struct arch_vm_trap *t, struct ftl_vm_exit *out)
{
    if (!t->isv) {
        vm->booted = false;
        set_exit(out, FTL_VM_EXIT_FAULT, t->pc,
                 "MMIO access at 0x%lx the syndrome does not describe (pair or writeback)",
                 (unsigned long)t->ipa);
        return STEP_EXIT;
    }
    uint64_t mask = t->size == 8 ? ~0ull : ((1ull << (t->size * 8)) - 1);
    uint64_t v = t->write ? (reg(vm, t->rt) & mask) : 0;
    int which;
    if (vgic_mmio(&vm->gic, t->ipa, t->write, t->size, &v, &which)) {
        which == 0 ? vm->stats.gicd++ : vm->stats.gicr++;
        if (!t->write) {
            set_reg(vm, t->rt, load_value(v, t->size, t->sign, t->sf));
        }
        arch_vm_skip(vm->s2);
        return STEP_GUEST;
    }
    vm->stats.mmio++;
    *out = (struct ftl_vm_exit){.kind = FTL_VM_EXIT_MMIO,
                                .size = t->size,
                                .addr = t->ipa,
                                .data = v,
                                .write = t->write,
                                .pc = t->pc};
    if (t->write) {
        arch_vm_skip(vm->s2);
    } else {
        vm->load_pending = true;
        vm->load_rt = t->rt;
        vm->load_size = t->size;
        vm->load_sign = t->sign;
        vm->load_sf = t->sf;
    }
    return STEP_EXIT;
}

// The guest waits for an interrupt: block until one could reach it (its virtual
// timer's deadline), the app's poll has an event, or the app is killed.
static void wait_for_interrupt(struct vm *vm, struct poll *poll)
{
    struct arch_vm_timer tm;
    arch_vm_timer(vm->s2, &tm);
    if (tm.level || vgic_irq_line(&vm->gic)) {
        return;
    }
    vm->waiter = thread_current();
    if (poll) {
        (void)poll_block(poll, tm.deadline_ns);
    } else {
        (void)sched_block(tm.deadline_ns);
    }
    vm->waiter = NULL;
}

static enum step trap(struct vm *vm, struct poll *poll, struct ftl_vm_exit *out)
{
    struct arch_vm_trap t;
    arch_vm_trap(vm->s2, &t);
    switch (t.kind) {
    case ARCH_VM_TRAP_WFI:
        vm->stats.wfi++;
        arch_vm_skip(vm->s2);
        wait_for_interrupt(vm, poll);
        return STEP_GUEST;
    case ARCH_VM_TRAP_WFE:
        vm->stats.wfi++;
        arch_vm_skip(vm->s2);
        return STEP_GUEST;
    case ARCH_VM_TRAP_HVC:
        if (t.imm != 0) {
            arch_vm_regs(vm->s2)[0] = PSCI_NOT_SUPPORTED;
            return STEP_GUEST;
        }
        return psci(vm, t.pc, false, out);
    case ARCH_VM_TRAP_SMC:
        arch_vm_skip(vm->s2); // a trapped smc returns to itself
        return psci(vm, t.pc, true, out);
    case ARCH_VM_TRAP_SYSREG:
        sysreg(vm, &t);
        arch_vm_skip(vm->s2);
        return STEP_GUEST;
    case ARCH_VM_TRAP_MMIO:
        return mmio(vm, &t, out);
    case ARCH_VM_TRAP_OTHER:
    default:
        vm->booted = false;
        set_exit(out, FTL_VM_EXIT_FAULT, t.pc, "guest exception class 0x%x (ESR 0x%lx)",
                 (unsigned)(t.esr >> 26), (unsigned long)t.esr);
        return STEP_EXIT;
    }
}

// Before each entry: the timer's line into the GIC, the physical timer interrupt
// unmasked only while the guest could take a new one, the guest's IRQ line.
static void prepare_entry(struct vm *vm)
{
    struct arch_vm_timer tm;
    arch_vm_timer(vm->s2, &tm);
    if (tm.level && !vm->timer_level) {
        vm->stats.vtimer++;
    }
    vm->timer_level = tm.level;
    vgic_set_line(&vm->gic, FTL_VM_VTIMER_PPI, tm.level);
    timer_vm = vm;
    if (!vgic_busy(&vm->gic, FTL_VM_VTIMER_PPI)) {
        arch_irq_unmask(FTL_VM_VTIMER_PPI);
    }
    arch_vm_set_virq(vm->s2, vgic_irq_line(&vm->gic));
}

void vm_run_loop(struct vm *vm, struct process *p, struct poll *poll, struct ftl_vm_exit *out)
{
    for (;;) {
        if (p->killed) {
            return; // the call's way back ends the app
        }
        if (poll && poll_ready(poll)) {
            set_exit(out, FTL_VM_EXIT_POLL, arch_vm_pc(vm->s2), "events");
            return;
        }
        prepare_entry(vm);
        struct trap_info fault;
        int64_t t0 = arch_time_ns();
        enum arch_vm_exit e = arch_vm_run(vm->s2, &fault);
        vm->stats.run_ns += (uint64_t)(arch_time_ns() - t0);
        switch (e) {
        case ARCH_VM_EXIT_IRQ:
            vm->stats.irq++;
            arch_irq_enable(); // the kernel takes its interrupt here; may switch threads
            arch_irq_save();
            break;
        case ARCH_VM_EXIT_TRAP:
            if (trap(vm, poll, out) == STEP_EXIT) {
                return;
            }
            break;
        case ARCH_VM_EXIT_CALL:
        case ARCH_VM_EXIT_FAULT:
        default:
            vm->booted = false;
            set_exit(out, FTL_VM_EXIT_FAULT, fault.pc, "%s: %s", fault.kind, fault.what);
            return;
        }
    }
}
