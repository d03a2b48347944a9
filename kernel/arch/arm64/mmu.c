// User address spaces: 4 KiB-granule tables for the low half of the EL2&0 regime
// (TTBR0_EL2), or of the EL1&0 regime when the kernel runs at EL1 (TTBR0_EL1),
// three levels for 39-bit addresses, with an ASID per space.
// Arm ARM D8 (VMSAv8-64 translation).
#include "../../kernel.h"
#include "../../mm.h"
#include "cpu.h"
#include "mmu.h"

#define PTE_VALID (1ull << 0)
#define PTE_TABLE (1ull << 1)     // at levels 1-2: next-level table; at level 3: page
#define PTE_ATTR_NORMAL (1ull << 2)
#define PTE_AP_EL0 (1ull << 6)    // EL0 may access
#define PTE_AP_RO (1ull << 7)     // read-only at every level
#define PTE_SH_INNER (3ull << 8)
#define PTE_AF (1ull << 10)
#define PTE_NG (1ull << 11)       // not global: tagged with the ASID
#define PTE_PXN (1ull << 53)      // the kernel never executes app pages
#define PTE_UXN (1ull << 54)
#define PTE_ADDR_MASK 0x0000fffffffff000ull
#define USER_VA_LIMIT (1ull << 39)
#define ASID_COUNT 256

static uint8_t asid_used[ASID_COUNT];
static struct arch_aspace *active;

static uint16_t asid_alloc(void)
{
    for (uint16_t i = 1; i < ASID_COUNT; i++) {
        if (!asid_used[i]) {
            asid_used[i] = 1;
            return i;
        }
    }
    return 0;
}

int arch_aspace_create(struct arch_aspace **out)
{
    struct arch_aspace *as = kzalloc(sizeof(*as));
    if (!as) {
        return -1;
    }
    as->l1 = page_alloc(1);
    if (!as->l1) {
        kfree(as);
        return -1;
    }
    as->asid = asid_alloc();
    as->ttbr = arch_virt_to_phys(as->l1) | ((uint64_t)as->asid << 48);
    as->table_pages = 1;
    *out = as;
    return 0;
}

// Returns the next-level table for entry `i` of `table`, creating it if needed.
static uint64_t *next_table(struct arch_aspace *as, uint64_t *table, size_t i)
{
    if (table[i] & PTE_VALID) {
        return arch_phys_to_virt(table[i] & PTE_ADDR_MASK);
    }
    uint64_t *t = page_alloc(1);
    if (!t) {
        return NULL;
    }
    as->table_pages++;
    table[i] = arch_virt_to_phys(t) | PTE_VALID | PTE_TABLE;
    return t;
}

int arch_aspace_map(struct arch_aspace *as, uint64_t va, uint64_t pa, size_t len, uint32_t prot)
{
    // W^X for app spaces; an OS guest's RAM is both (its own stage 1 decides).
    if ((va | pa | len) & (PAGE_SIZE - 1) || va >= USER_VA_LIMIT || len > USER_VA_LIMIT - va ||
        ((prot & ARCH_PROT_WRITE) && (prot & ARCH_PROT_EXEC) && !as->vm)) {
        panic("arch_aspace_map: bad request va 0x%lx len 0x%zx prot %u", (unsigned long)va, len,
              prot);
    }
    uint64_t attrs = PTE_VALID | PTE_TABLE | PTE_AF | PTE_NG | PTE_PXN | PTE_AP_EL0;
    // MAIR index 1 is normal write-back memory, index 0 device-nGnRnE.
    attrs |= (prot & ARCH_PROT_DEVICE) ? PTE_UXN : (PTE_ATTR_NORMAL | PTE_SH_INNER);
    if (!(prot & ARCH_PROT_WRITE)) {
        attrs |= PTE_AP_RO;
    }
    if (!(prot & ARCH_PROT_EXEC)) {
        attrs |= PTE_UXN;
    }
    if (as->vm) {
        attrs = vm_pte_attrs(prot); // a guest VM: stage-2 descriptors (vmm.c)
    }
    for (size_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t v = va + off;
        uint64_t *l2 = next_table(as, as->l1, (v >> 30) & 511);
        uint64_t *l3 = l2 ? next_table(as, l2, (v >> 21) & 511) : NULL;
        if (!l3) {
            return -1;
        }
        l3[(v >> 12) & 511] = (pa + off) | attrs;
    }
    __asm__ volatile("dsb ishst" ::: "memory");
    return 0;
}

static void free_level(uint64_t *table, int level)
{
    if (level < 3) {
        for (size_t i = 0; i < 512; i++) {
            if (table[i] & PTE_VALID) {
                free_level(arch_phys_to_virt(table[i] & PTE_ADDR_MASK), level + 1);
            }
        }
    }
    page_free(table, 1);
}

static void flush_asid(uint16_t asid)
{
    // With E2H and TGE set, the EL1 forms of TLBI act on the EL2&0 regime.
    __asm__ volatile("dsb ishst; tlbi aside1, %0; dsb ish; isb" ::"r"((uint64_t)asid << 48)
                     : "memory");
}

void arch_aspace_destroy(struct arch_aspace *as)
{
    if (active == as) {
        arch_aspace_activate(NULL);
    }
    if (as->vm) {
        vm_release(as); // the VMID's TLB entries go before the tables do
    } else {
        flush_asid(as->asid);
        asid_used[as->asid] = 0;
    }
    free_level(as->l1, 1);
    kfree(as);
}

size_t arch_aspace_bytes(const struct arch_aspace *as)
{
    return heap_block_bytes(sizeof(*as)) + (size_t)as->table_pages * PAGE_SIZE +
           (as->vm ? vm_vcpu_bytes() : 0);
}

void arch_aspace_activate(struct arch_aspace *as)
{
    if (as && as->vm) {
        as = NULL; // a guest runs on stage 2 (vmm.c): the host's low half stays off
    }
    if (as == active) {
        return;
    }
    bool el2 = arm64_el == 2;
    uint64_t tcr;
    if (el2) {
        __asm__ volatile("mrs %0, tcr_el2" : "=r"(tcr));
    } else {
        __asm__ volatile("mrs %0, tcr_el1" : "=r"(tcr));
    }
    uint64_t old_tcr = tcr;
    if (as) {
        if (el2) {
            __asm__ volatile("msr ttbr0_el2, %0" ::"r"(as->ttbr));
        } else {
            __asm__ volatile("msr ttbr0_el1, %0" ::"r"(as->ttbr));
        }
        tcr &= ~(1ull << 7); // EPD0 off: walk TTBR0
        if (as->asid == 0) {
            flush_asid(0);
        }
    } else {
        tcr |= 1ull << 7;    // EPD0 on: the low half faults
    }
    // Only when EPD0 changes (to or from a thread without a low half): QEMU empties its
    // whole TLB at every TCR write, so an app-to-app switch writes TTBR0 alone.
    if (tcr != old_tcr) {
        if (el2) {
            __asm__ volatile("msr tcr_el2, %0" ::"r"(tcr));
        } else {
            __asm__ volatile("msr tcr_el1, %0" ::"r"(tcr));
        }
    }
    __asm__ volatile("isb");
    active = as;
}

size_t arch_user_stubs(uint8_t *code, size_t n)
{
    // Each stub: movz x8, #i; svc #0; ret; nop (16 bytes).
    for (size_t i = 0; i < n; i++) {
        uint32_t insn[4] = {0xd2800008u | ((uint32_t)i << 5), 0xd4000001u, 0xd65f03c0u,
                            0xd503201fu};
        memcpy(code + 16 * i, insn, sizeof(insn));
    }
    return 16;
}
