// Guest VMs for isolation: vmm. An app runs at EL1 with HCR_EL2.DC=1 (no stage-1
// tables: guest address = IPA), under a stage-2 table of its own VMID that maps
// exactly the regions user mode would map. Everything a guest could use to reach
// past its VM traps to EL2 and ends it (docs/isolation.md, "vmm").
// Arm ARM D5 (stage 2), D13.2 (HCR_EL2); the switch follows Linux's VHE KVM.
#include "../../kernel.h"
#include "../../mm.h"
#include "../../trap.h"
#include "mmu.h"

// Stage-2 page descriptor bits (Arm ARM D8.3).
#define S2_PAGE 3ull            // valid, page
#define S2_NORMAL (0xfull << 2) // MemAttr: normal, inner and outer write-back
#define S2_DEVICE (0x1ull << 2) // MemAttr: Device-nGnRE
#define S2_READ (1ull << 6)     // S2AP bit 0
#define S2_WRITE (1ull << 7)    // S2AP bit 1
#define S2_SH_INNER (3ull << 8)
#define S2_AF (1ull << 10)
#define S2_XN (2ull << 53) // XN[1:0] = 10: not executable at EL1 or EL0

#define BIT(n) (1ull << (n))
// The host's HCR_EL2 (asm.h's value plus VM and DC: TGE=1 makes both behave as 0,
// and keeping them set spares QEMU a full TLB flush at every exit).
#define HCR_HOST (BIT(34) | BIT(31) | BIT(27) | BIT(12) | BIT(0))
// The guest's: VM, FMO, IMO, AMO (physical interrupts and SErrors go to EL2 whatever
// the guest masks), DC, TWI, TWE, TID1-3 (ID registers), TSC (smc: QEMU's PSCI
// would power the machine off), TIDCP, TACR, TSW, TPCP, TPU (cache maintenance),
// TTLB, TVM, TRVM (the EL1 translation registers), RW, E2H, TLOR, TERR, TEA.
#define HCR_GUEST                                                                                  \
    (BIT(0) | BIT(3) | BIT(4) | BIT(5) | BIT(12) | BIT(13) | BIT(14) | BIT(16) | BIT(17) |         \
     BIT(18) | BIT(19) | BIT(20) | BIT(21) | BIT(22) | BIT(23) | BIT(24) | BIT(25) | BIT(26) |     \
     BIT(30) | BIT(31) | BIT(34) | BIT(35) | BIT(36) | BIT(37))
// An OS guest's (Linux): VM, FMO, IMO, AMO, TWI, TWE, TID3 (ID registers: the guest
// sees a trimmed CPU), TSC, TIDCP, TACR, TSW, RW, E2H, TLOR. It owns its stage 1,
// caches and TLBs; everything that reaches past its VM still traps.
#define HCR_OS                                                                                     \
    (BIT(0) | BIT(3) | BIT(4) | BIT(5) | BIT(13) | BIT(14) | BIT(18) | BIT(19) | BIT(20) |         \
     BIT(21) | BIT(22) | BIT(31) | BIT(34) | BIT(35))
#define HCR_VI BIT(7)
#define OS_SPSR 0x3c5ull // EL1h, DAIF masked: the arm64 Linux boot protocol
// MDCR_EL2: TPM, TPMCR (PMU), TDA, TDOSA, TDRA (debug registers), TPMS (SPE), TTRF.
#define MDCR_TRAPS (BIT(5) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | BIT(14) | BIT(19))
// ICH_HCR_EL2: TC, TALL0, TALL1: every EL1 access to the GIC CPU interface traps.
#define ICH_HCR_TRAPS (BIT(10) | BIT(11) | BIT(12))
// VTCR_EL2: 39-bit IPA from level 1, 4 KiB granule, write-back inner-shareable
// walks, 40-bit PA, 8-bit VMIDs.
#define VTCR_VALUE 0x80023559ull
#define GUEST_SPSR 0x3c4ull                  // EL1t, DAIF masked
#define GUEST_SCTLR (0x30d00800ull | BIT(3)) // RES1 bits, SP alignment check
#define GUEST_VECTORS 0x3ff000ull            // the read-only vector page below the app
#define VMID_COUNT 256

#define read_sysreg(r)                                                                             \
    ({                                                                                             \
        uint64_t _v;                                                                               \
        __asm__ volatile("mrs %0, " #r : "=r"(_v));                                                \
        _v;                                                                                        \
    })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)))

// EL1 registers a guest can change without trapping, swapped only when another
// vCPU takes the CPU (the host never uses EL1 registers).
struct el1_state {
    uint64_t elr, spsr, esr, far, vbar, cpacr, tpidr, sp, par, cntkctl, cntv_ctl, cntv_cval;
    uint64_t vdisr;  // DISR_EL1 as the guest sees it (VDISR_EL2, as AMO=1), with RAS
    uint64_t tpidr2; // TPIDR2_EL0, with SME (QEMU's max CPU has both)
    // An OS guest's own translation regime (an app guest's are constants).
    uint64_t sctlr, ttbr0, ttbr1, tcr, mair, amair, contextidr, afsr0, afsr1, csselr;
};

// Layout used by vmm_switch.S up to `hpfar`.
struct arch_vcpu {
    uint64_t x[31];
    uint64_t sp_el0;
    uint64_t elr, spsr;
    uint64_t tpidr_el0, tpidrro_el0;
    uint64_t fpcr, fpsr;
    __uint128_t q[32];
    uint64_t host_sp;
    uint64_t esr, far, hpfar; // of the last exit
    uint64_t host_tpidr;      // the calling thread's TPIDR_EL0, kept by vmm_switch.S
    struct el1_state el1;
    uint16_t vmid;
    uint64_t vttbr;
    bool os;                  // an OS guest (arch_vm_create_os), not an app
    bool virq;                // raise the guest's IRQ line (HCR_EL2.VI) at entry
    uint64_t cntvoff;         // CNTVOFF_EL2: the guest's virtual count starts at its boot
};

_Static_assert(offsetof(struct arch_vcpu, sp_el0) == 248, "vmm_switch.S layout");
_Static_assert(offsetof(struct arch_vcpu, q) == 304, "vmm_switch.S layout");
_Static_assert(offsetof(struct arch_vcpu, host_sp) == 816, "vmm_switch.S layout");
_Static_assert(offsetof(struct arch_vcpu, hpfar) == 840, "vmm_switch.S layout");
_Static_assert(offsetof(struct arch_vcpu, host_tpidr) == 848, "vmm_switch.S layout");

uint64_t vcpu_enter(struct arch_vcpu *v);
extern char guest_exit_vectors[], exception_vectors_el2[];

static uint8_t vmid_used[VMID_COUNT];
static struct arch_vcpu *loaded; // whose EL1 registers the CPU holds
static uint64_t *vector_page;    // shared by every VM, read-only to all of them
static bool traps_set;
static bool has_ras, has_sme; // registers the guest can reach that only some CPUs have

uint64_t vm_pte_attrs(uint32_t prot)
{
    uint64_t attrs = S2_PAGE | S2_AF | S2_READ;
    attrs |= (prot & ARCH_PROT_DEVICE) ? S2_DEVICE : (S2_NORMAL | S2_SH_INNER);
    if (prot & ARCH_PROT_WRITE) {
        attrs |= S2_WRITE;
    }
    if (!(prot & ARCH_PROT_EXEC)) {
        attrs |= S2_XN;
    }
    return attrs;
}

size_t vm_vcpu_bytes(void)
{
    return heap_block_bytes(sizeof(struct arch_vcpu));
}

// One-time set-up of the EL2 controls every guest shares.
static bool vmm_init(void)
{
    if (traps_set) {
        return true;
    }
    vector_page = page_alloc(1);
    if (!vector_page) {
        return false;
    }
    // Entry k of 16: `hvc #(0xe00 + k); b .`. Any exception the guest takes at its
    // own EL1 (undefined instruction, svc, brk, its stage-1 faults) becomes an exit.
    uint32_t *insn = (uint32_t *)vector_page;
    for (uint32_t k = 0; k < 16; k++) {
        insn[k * 32] = 0xd4000002u | ((0xe00u + k) << 5);
        insn[k * 32 + 1] = 0x14000000u;
    }
    arch_sync_icache(vector_page, PAGE_SIZE);
    has_ras = ((read_sysreg(id_aa64pfr0_el1) >> 28) & 15) != 0;
    has_sme = ((read_sysreg(s3_0_c0_c4_1) >> 24) & 15) != 0; // ID_AA64PFR1_EL1
    write_sysreg(vtcr_el2, VTCR_VALUE);
    write_sysreg(mdcr_el2, (read_sysreg(mdcr_el2) & 0x1f) | MDCR_TRAPS);
    // CPTR_EL2 (CPACR layout under E2H): FP stays on, SVE and SME stay off (ZEN, SMEN
    // = 0); trace registers trap too (TTA). The host uses none of them.
    write_sysreg(cptr_el2, read_sysreg(cptr_el2) | BIT(28));
    write_sysreg(s3_4_c12_c11_0, ICH_HCR_TRAPS); // ICH_HCR_EL2
    write_sysreg(vpidr_el2, read_sysreg(midr_el1));
    write_sysreg(vmpidr_el2, 0x80000000ull);
    __asm__ volatile("isb");
    traps_set = true;
    return true;
}

static int vm_create(struct arch_aspace **out, bool os)
{
    if (!vmm_init()) {
        return -1;
    }
    uint16_t vmid = 1;
    while (vmid < VMID_COUNT && vmid_used[vmid]) {
        vmid++;
    }
    if (vmid == VMID_COUNT) {
        return ARCH_VM_NO_ID;
    }
    struct arch_aspace *as = kzalloc(sizeof(*as));
    struct arch_vcpu *v = kzalloc(sizeof(*v));
    uint64_t *l1 = page_alloc(1);
    if (!as || !v || !l1) {
        kfree(as);
        kfree(v);
        if (l1) {
            page_free(l1, 1);
        }
        return -1;
    }
    vmid_used[vmid] = 1;
    as->l1 = l1;
    as->table_pages = 1;
    as->vm = v;
    v->vmid = vmid;
    v->vttbr = arch_virt_to_phys(l1) | ((uint64_t)vmid << 48);
    v->os = os;
    *out = as;
    return 0;
}

int arch_vm_create(struct arch_aspace **out)
{
    int err = vm_create(out, false);
    if (err != 0) {
        return err;
    }
    // The tables made here stay with the VM and are counted in arch_aspace_bytes.
    return arch_aspace_map(*out, GUEST_VECTORS, arch_virt_to_phys(vector_page), PAGE_SIZE,
                           ARCH_PROT_READ | ARCH_PROT_EXEC);
}

int arch_vm_create_os(struct arch_aspace **out)
{
    return vm_create(out, true);
}

void arch_vm_boot(struct arch_aspace *vm, uint64_t pc, uint64_t x0)
{
    struct arch_vcpu *v = vm->vm;
    memset(v->x, 0, sizeof(v->x));
    memset(v->q, 0, sizeof(v->q));
    v->x[0] = x0;
    v->sp_el0 = 0;
    v->elr = pc;
    v->spsr = OS_SPSR;
    v->tpidr_el0 = v->tpidrro_el0 = v->fpcr = v->fpsr = 0;
    v->el1 = (struct el1_state){.sctlr = GUEST_SCTLR & ~BIT(3)};
    v->virq = false;
    v->cntvoff = read_sysreg(cntpct_el0); // the guest's virtual count starts at 0
    if (loaded == v) {
        loaded = NULL;
    }
}

void arch_vm_reset(struct arch_aspace *vm, uint64_t entry, uint64_t sp, uint64_t arg)
{
    struct arch_vcpu *v = vm->vm;
    memset(v->x, 0, sizeof(v->x));
    memset(v->q, 0, sizeof(v->q));
    v->x[0] = arg;
    v->sp_el0 = sp;
    v->elr = entry;
    v->spsr = GUEST_SPSR;
    v->tpidr_el0 = v->tpidrro_el0 = v->fpcr = v->fpsr = 0;
    v->el1 = (struct el1_state){.vbar = GUEST_VECTORS, .cpacr = 3ull << 20};
    if (loaded == v) {
        loaded = NULL;
    }
}

uint64_t *arch_vm_regs(struct arch_aspace *vm)
{
    return vm->vm->x;
}

static void vcpu_put(struct arch_vcpu *v)
{
    struct el1_state *s = &v->el1;
    s->elr = read_sysreg(elr_el12);
    s->spsr = read_sysreg(spsr_el12);
    s->esr = read_sysreg(esr_el12);
    s->far = read_sysreg(far_el12);
    s->vbar = read_sysreg(vbar_el12);
    s->cpacr = read_sysreg(cpacr_el12);
    s->tpidr = read_sysreg(tpidr_el1);
    s->sp = read_sysreg(sp_el1);
    s->par = read_sysreg(par_el1);
    s->cntkctl = read_sysreg(cntkctl_el12);
    s->cntv_ctl = read_sysreg(cntv_ctl_el02);
    s->cntv_cval = read_sysreg(cntv_cval_el02);
    if (has_ras) {
        s->vdisr = read_sysreg(s3_4_c12_c1_1); // VDISR_EL2
    }
    if (has_sme) {
        s->tpidr2 = read_sysreg(s3_3_c13_c0_5); // TPIDR2_EL0
    }
    if (v->os) {
        s->sctlr = read_sysreg(sctlr_el12);
        s->ttbr0 = read_sysreg(ttbr0_el12);
        s->ttbr1 = read_sysreg(ttbr1_el12);
        s->tcr = read_sysreg(tcr_el12);
        s->mair = read_sysreg(mair_el12);
        s->amair = read_sysreg(amair_el12);
        s->contextidr = read_sysreg(contextidr_el12);
        s->afsr0 = read_sysreg(afsr0_el12);
        s->afsr1 = read_sysreg(afsr1_el12);
        s->csselr = read_sysreg(csselr_el1);
    }
    write_sysreg(cntv_ctl_el02, 0); // its timer must not fire while it is off the CPU
}

static void vcpu_load(struct arch_vcpu *v)
{
    const struct el1_state *s = &v->el1;
    write_sysreg(cntv_ctl_el02, 0);
    write_sysreg(cntvoff_el2, v->cntvoff);
    write_sysreg(sctlr_el12, v->os ? s->sctlr : GUEST_SCTLR);
    write_sysreg(ttbr0_el12, s->ttbr0);
    write_sysreg(ttbr1_el12, s->ttbr1);
    write_sysreg(tcr_el12, s->tcr);
    write_sysreg(mair_el12, s->mair);
    write_sysreg(amair_el12, s->amair);
    write_sysreg(contextidr_el12, s->contextidr);
    write_sysreg(afsr0_el12, s->afsr0);
    write_sysreg(afsr1_el12, s->afsr1);
    write_sysreg(csselr_el1, s->csselr);
    write_sysreg(elr_el12, s->elr);
    write_sysreg(spsr_el12, s->spsr);
    write_sysreg(esr_el12, s->esr);
    write_sysreg(far_el12, s->far);
    write_sysreg(vbar_el12, s->vbar);
    write_sysreg(cpacr_el12, s->cpacr);
    write_sysreg(tpidr_el1, s->tpidr);
    write_sysreg(sp_el1, s->sp);
    write_sysreg(par_el1, s->par);
    write_sysreg(cntkctl_el12, s->cntkctl);
    write_sysreg(cntv_cval_el02, s->cntv_cval);
    write_sysreg(cntv_ctl_el02, s->cntv_ctl);
    if (has_ras) {
        write_sysreg(s3_4_c12_c1_1, s->vdisr);
    }
    if (has_sme) {
        write_sysreg(s3_3_c13_c0_5, s->tpidr2);
    }
}

// Removes every TLB entry of the VM's VMID: EL1&0 TLBI with TGE clear and the VM's
// VTTBR loaded (with TGE set they would hit the host's EL2&0 regime).
static void flush_vmid(const struct arch_vcpu *v)
{
    uint64_t flags = arch_irq_save();
    write_sysreg(vttbr_el2, v->vttbr);
    write_sysreg(hcr_el2, HCR_HOST & ~BIT(27));
    __asm__ volatile("isb; dsb ishst; tlbi vmalls12e1is; dsb ish; isb" ::: "memory");
    write_sysreg(hcr_el2, HCR_HOST);
    __asm__ volatile("isb");
    arch_irq_restore(flags);
}

void vm_release(struct arch_aspace *as)
{
    struct arch_vcpu *v = as->vm;
    flush_vmid(v);
    if (loaded == v) {
        loaded = NULL;
    }
    vmid_used[v->vmid] = 0;
    kfree(v);
    as->vm = NULL;
}

// Names a guest fault the way trap.c names a user-mode one.
static void describe(const struct arch_vcpu *v, uint64_t esr, uint64_t far, uint64_t pc,
                     const char *kind, struct trap_info *f)
{
    uint32_t ec = (uint32_t)(esr >> 26);
    uint32_t fsc = (uint32_t)esr & 0x3f;
    *f = (struct trap_info){.kind = kind,
                            .what = "privileged or undefined instruction",
                            .from_user = true,
                            .esr = esr,
                            .pc = pc,
                            .far = far,
                            .lr = v->x[30],
                            .fp = v->x[29]};
    switch (ec) {
    case 0x20:
    case 0x21:
        f->what = "instruction abort";
        f->access = TRAP_ACCESS_EXEC;
        f->permission = (fsc & 0x3c) == 0x0c;
        break;
    case 0x24:
    case 0x25:
        f->what = "data abort";
        f->access = (esr & BIT(6)) ? TRAP_ACCESS_WRITE : TRAP_ACCESS_READ;
        f->permission = (fsc & 0x3c) == 0x0c;
        break;
    case 0x0e:
        f->what = "illegal execution state";
        break;
    case 0x22:
        f->what = "PC alignment fault";
        break;
    case 0x26:
        f->what = "SP alignment fault";
        break;
    case 0x2c:
        f->what = "floating-point exception";
        break;
    case 0x2f:
        f->what = "SError";
        break;
    case 0x3c:
        f->what = "BRK instruction";
        break;
    default:
        break; // wfi/wfe, smc, hvc, trapped system registers, undefined
    }
    if (f->access == TRAP_ACCESS_NONE) {
        f->far = 0; // FAR holds an older abort's address (maybe another VM's): not ours
    }
}

enum arch_vm_exit arch_vm_run(struct arch_aspace *vm, struct trap_info *fault)
{
    struct arch_vcpu *v = vm->vm;
    if (loaded != v) {
        if (loaded) {
            vcpu_put(loaded);
        }
        vcpu_load(v);
        loaded = v;
    }
    write_sysreg(vttbr_el2, v->vttbr);
    write_sysreg(hcr_el2, v->os ? (HCR_OS | (v->virq ? HCR_VI : 0)) : HCR_GUEST);
    write_sysreg(vbar_el2, (uintptr_t)guest_exit_vectors);
    __asm__ volatile("isb");
    uint64_t vector = vcpu_enter(v);
    write_sysreg(hcr_el2, HCR_HOST);
    write_sysreg(vbar_el2, (uintptr_t)exception_vectors_el2);
    __asm__ volatile("isb");
    if ((vector & 3) == 1 || (vector & 3) == 2) {
        return ARCH_VM_EXIT_IRQ; // IRQ or FIQ, also while the guest ran its own AArch32 EL0
    }
    if (v->os && (vector & 3) == 0) {
        return ARCH_VM_EXIT_TRAP; // arch_vm_trap decodes it for kernel/vm/
    }
    uint32_t ec = (uint32_t)(v->esr >> 26);
    uint32_t imm = (uint32_t)v->esr & 0xffff;
    if (vector == 8 && ec == 0x16 && imm == 0) {
        return ARCH_VM_EXIT_CALL;
    }
    if (vector == 8 && ec == 0x16 && (imm & ~15u) == 0xe00) {
        // The guest's own vector page: report what the guest's EL1 took.
        describe(v, read_sysreg(esr_el12), read_sysreg(far_el12), read_sysreg(elr_el12),
                 "sync in guest", fault);
        return ARCH_VM_EXIT_FAULT;
    }
    describe(v, v->esr, v->far, v->elr, (vector & 3) == 3 ? "serror from guest" : "sync from guest",
             fault);
    return ARCH_VM_EXIT_FAULT;
}

size_t arch_guest_stubs(uint8_t *code, size_t n)
{
    // Each stub: movz x8, #i; hvc #0; ret; nop (16 bytes).
    for (size_t i = 0; i < n; i++) {
        uint32_t insn[4] = {0xd2800008u | ((uint32_t)i << 5), 0xd4000002u, 0xd65f03c0u,
                            0xd503201fu};
        memcpy(code + 16 * i, insn, sizeof(insn));
    }
    return 16;
}

// ---- OS guests (kernel/vm/): exits decoded for the portable VM code ----

void arch_vm_trap(struct arch_aspace *vm, struct arch_vm_trap *t)
{
    const struct arch_vcpu *v = vm->vm;
    uint64_t esr = v->esr;
    uint32_t ec = (uint32_t)(esr >> 26);
    uint32_t iss = (uint32_t)esr & 0x1ffffff;
    *t = (struct arch_vm_trap){.kind = ARCH_VM_TRAP_OTHER, .esr = esr, .pc = v->elr};
    switch (ec) {
    case 0x01: // WFI, WFE (and WFIT/WFET, hidden from the guest: treated alike)
        t->kind = (iss & 1) ? ARCH_VM_TRAP_WFE : ARCH_VM_TRAP_WFI;
        break;
    case 0x16:
        t->kind = ARCH_VM_TRAP_HVC;
        t->imm = iss & 0xffff;
        break;
    case 0x17:
        t->kind = ARCH_VM_TRAP_SMC;
        t->imm = iss & 0xffff;
        break;
    case 0x18: // MRS, MSR, SYS: Op0 21:20, Op2 19:17, Op1 16:14, CRn 13:10, Rt 9:5, CRm 4:1
        t->kind = ARCH_VM_TRAP_SYSREG;
        t->sysreg = ARCH_SYSREG((iss >> 20) & 3, (iss >> 14) & 7, (iss >> 10) & 15,
                                (iss >> 1) & 15, (iss >> 17) & 7);
        t->rt = (iss >> 5) & 31;
        t->read = iss & 1;
        break;
    case 0x24: // data abort from the guest: an access outside what stage 2 maps
        t->kind = ARCH_VM_TRAP_MMIO;
        t->ipa = ((v->hpfar & 0xffffffffff0ull) << 8) | (v->far & 0xfff);
        t->isv = (iss >> 24) & 1;
        t->size = 1u << ((iss >> 22) & 3);
        t->sign = (iss >> 21) & 1;
        t->rt = (iss >> 16) & 31;
        t->sf = (iss >> 15) & 1;
        t->write = (iss >> 6) & 1;
        // Only a stage-2 translation fault on the access itself is an MMIO access;
        // anything else (a stage-1 walk through unmapped memory, a permission or
        // alignment fault) is the guest's error.
        if ((iss & 0x3c) != 0x04 || ((iss >> 7) & 1)) {
            t->kind = ARCH_VM_TRAP_OTHER;
        }
        break;
    default:
        break; // instruction aborts, SVE, anything unexpected: the VM stops
    }
}

void arch_vm_skip(struct arch_aspace *vm)
{
    vm->vm->elr += 4;
}

void arch_vm_set_virq(struct arch_aspace *vm, bool raised)
{
    vm->vm->virq = raised;
}

uint64_t arch_vm_pc(struct arch_aspace *vm)
{
    return vm->vm->elr;
}

void arch_vm_timer(struct arch_aspace *vm, struct arch_vm_timer *out)
{
    struct arch_vcpu *v = vm->vm;
    uint64_t ctl = v->el1.cntv_ctl, cval = v->el1.cntv_cval;
    if (loaded == v) {
        ctl = read_sysreg(cntv_ctl_el02);
        cval = read_sysreg(cntv_cval_el02);
    }
    uint64_t now = read_sysreg(cntpct_el0) - v->cntvoff;
    bool armed = (ctl & 1) && !(ctl & 2);
    out->level = armed && now >= cval;
    out->deadline_ns = INT64_MAX;
    if (armed && !out->level) {
        // When the guest's count reaches cval, in the host's clock.
        out->deadline_ns = arch_time_ns() + arch_ticks_to_ns(cval - now) + 1;
    }
}

// The host's value of ID register (op0 3, op1 0, CRn 0, CRm, op2), read by encoding.
#define ID_CASE(m, o)                                                                              \
    case (m) * 8 + (o):                                                                            \
        return read_sysreg(s3_0_c0_c##m##_##o)
#define ID_ROW(m)                                                                                  \
    ID_CASE(m, 0);                                                                                 \
    ID_CASE(m, 1);                                                                                 \
    ID_CASE(m, 2);                                                                                 \
    ID_CASE(m, 3);                                                                                 \
    ID_CASE(m, 4);                                                                                 \
    ID_CASE(m, 5);                                                                                 \
    ID_CASE(m, 6);                                                                                 \
    ID_CASE(m, 7)

static uint64_t host_id_reg(uint32_t crm, uint32_t op2)
{
    switch (crm * 8 + op2) {
        ID_ROW(1);
        ID_ROW(2);
        ID_ROW(3);
        ID_ROW(4);
        ID_ROW(5);
        ID_ROW(6);
        ID_ROW(7);
    default:
        return 0;
    }
}

static uint64_t clear_fields(uint64_t v, uint64_t fields)
{
    // `fields`: one bit per 4-bit field to clear (bit k: bits 4k+3..4k).
    for (int k = 0; k < 16; k++) {
        if (fields & (1u << k)) {
            v &= ~(0xfull << (4 * k));
        }
    }
    return v;
}

uint64_t arch_vm_id_reg(uint32_t crm, uint32_t op2)
{
    uint64_t v = host_id_reg(crm, op2);
    switch (crm * 8 + op2) {
    case 4 * 8 + 0: // ID_AA64PFR0: EL2, EL3, RAS, SVE, SEL2, MPAM, AMU, RME
        return clear_fields(v, BIT(2) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(10) | BIT(11) |
                                   BIT(13));
    case 4 * 8 + 1: // ID_AA64PFR1: MTE, RAS_frac, MPAM_frac, SME, NMI, GCS, THE
        return clear_fields(v, BIT(2) | BIT(3) | BIT(4) | BIT(6) | BIT(9) | BIT(11) | BIT(12));
    case 4 * 8 + 4: // ID_AA64ZFR0 (SVE)
    case 4 * 8 + 5: // ID_AA64SMFR0 (SME)
    case 5 * 8 + 1: // ID_AA64DFR1
    case 5 * 8 + 4: // ID_AA64AFR0
    case 5 * 8 + 5: // ID_AA64AFR1
        return 0;
    case 5 * 8 + 0: // ID_AA64DFR0: TraceVer, PMUVer, PMSVer, TraceFilt, TraceBuffer, MTPMU, BRBE
        return clear_fields(v, BIT(1) | BIT(2) | BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13));
    case 6 * 8 + 0: // ID_AA64ISAR0: TME
        return clear_fields(v, BIT(6));
    case 6 * 8 + 1: // ID_AA64ISAR1: APA, API, GPA, GPI (pointer authentication)
        return clear_fields(v, BIT(1) | BIT(2) | BIT(6) | BIT(7));
    case 6 * 8 + 2: // ID_AA64ISAR2: WFxT, GPA3, APA3
        return clear_fields(v, BIT(0) | BIT(2) | BIT(3));
    case 7 * 8 + 0: // ID_AA64MMFR0: PARange 36 bits; FGT, ECV (EL2 features)
        return (clear_fields(v, BIT(0) | BIT(14) | BIT(15))) | 1;
    case 7 * 8 + 1: // ID_AA64MMFR1: VMIDBits, VH, LO, TWED, HCX, TIDCP1, CMOW
        return clear_fields(v, BIT(1) | BIT(2) | BIT(4) | BIT(8) | BIT(10) | BIT(13) | BIT(14));
    case 7 * 8 + 2: // ID_AA64MMFR2: NV, EVT, FWB, IDS
        return clear_fields(v, BIT(6) | BIT(9) | BIT(10) | BIT(11));
    default:
        return v;
    }
}
