// Kernel stacks with a guard page: 4 KiB pages mapped in a region of the kernel's
// address space of their own, the top 512 MiB (KSTACK_VBASE; L1 entry 511, which also
// maps the image at its bottom, L2 entries 256-511). The region is cut into 512 KiB
// slots: a stack of up to 256 KiB in a slot's upper half, nothing mapped in its lower
// half. A thread that runs off the bottom of its stack faults there, and the exception
// vectors (vectors.S) see it before they push a frame: a stack pointer in the region
// with bit 18 clear is in a guard, so they switch to an emergency stack and call
// kstack_overflow. The pages are not contiguous; the caller charges them.
#include "../../kernel.h"
#include "../../log.h"
#include "../../mm.h"
#include "../../process.h"
#include "asm.h"
#include "kstack.h"

#define L2_FIRST 256                           // L2 index of KSTACK_VBASE in the image's GiB
#define SLOTS (KSTACK_REGION / KSTACK_SLOT)    // 1,024
#define SLOTS_PER_L3 ((2u << 20) / KSTACK_SLOT) // 4 slots per 2 MiB level-3 table
#define PTE_ADDR 0x0000fffffffff000ull
// A page: valid, AF, inner shareable, normal memory, never executable (PXN, UXN).
#define PTE_STACK (0x3ull | (1ull << 10) | (3ull << 8) | (1ull << 2) | (1ull << 53) | (1ull << 54))

extern uint64_t boot_l1[512];

static uint64_t *l3_tables[SLOTS / SLOTS_PER_L3]; // made on first use, never freed
static uint8_t slot_used[SLOTS / 8];

static uint64_t *l2_table(void)
{
    return arch_phys_to_virt(boot_l1[511] & PTE_ADDR);
}

static void tlb_flush_va(uint64_t va)
{
    // At EL2 with E2H and TGE set, the EL1 forms act on the EL2&0 regime (as in kmap.c).
    __asm__ volatile("dsb ishst; tlbi vaae1is, %0; dsb ish; isb" ::"r"(va >> 12) : "memory");
}

// The level-3 entry for `va` (in the region); its table is made if needed.
static uint64_t *pte_of(uint64_t va, bool make)
{
    size_t t = (va - KSTACK_VBASE) >> 21;
    if (!l3_tables[t]) {
        if (!make) {
            return NULL;
        }
        uint64_t *l3 = page_alloc(1);
        if (!l3) {
            return NULL;
        }
        l3_tables[t] = l3;
        __asm__ volatile("dsb ishst" ::: "memory");
        l2_table()[L2_FIRST + t] = arch_virt_to_phys(l3) | PTE_TABLE_DESC;
        __asm__ volatile("dsb ishst; isb" ::: "memory");
    }
    return &l3_tables[t][(va >> 12) & 511];
}

void *arch_kstack_map(size_t size)
{
    if (size == 0 || size > KSTACK_MAX || size % PAGE_SIZE) {
        return NULL;
    }
    uint64_t flags = arch_irq_save();
    size_t slot = SLOTS;
    for (size_t i = 0; i < SLOTS; i++) {
        if (!(slot_used[i / 8] & (1u << (i % 8)))) {
            slot = i;
            break;
        }
    }
    uint64_t top = KSTACK_VBASE + (slot + 1) * KSTACK_SLOT;
    uint64_t base = top - size;
    size_t mapped = 0;
    if (slot == SLOTS) {
        goto fail;
    }
    slot_used[slot / 8] |= (uint8_t)(1u << (slot % 8));
    for (; mapped < size; mapped += PAGE_SIZE) {
        uint64_t *pte = pte_of(base + mapped, true);
        void *page = pte ? page_alloc_raw(1) : NULL;
        if (!page) {
            goto fail;
        }
        *pte = arch_virt_to_phys(page) | PTE_STACK;
    }
    __asm__ volatile("dsb ishst; isb" ::: "memory");
    arch_irq_restore(flags);
    return (void *)(uintptr_t)base;

fail:
    arch_irq_restore(flags);
    if (slot < SLOTS) {
        arch_kstack_unmap((void *)(uintptr_t)base, mapped); // frees the slot too
    }
    return NULL;
}

void arch_kstack_unmap(void *stack, size_t size)
{
    uint64_t base = (uint64_t)(uintptr_t)stack;
    uint64_t flags = arch_irq_save();
    for (size_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t *pte = pte_of(base + off, false);
        if (!pte || !(*pte & 1)) {
            continue;
        }
        void *page = arch_phys_to_virt(*pte & PTE_ADDR);
        *pte = 0;
        tlb_flush_va(base + off);
        page_free(page, 1);
    }
    size_t slot = (base - KSTACK_VBASE) / KSTACK_SLOT;
    slot_used[slot / 8] &= (uint8_t) ~(1u << (slot % 8));
    arch_irq_restore(flags);
}

bool arch_kstack_guard(uint64_t addr)
{
    return addr >= KSTACK_VBASE && !(addr & KSTACK_MAX);
}

_Static_assert(KSTACK_VBASE == 0xffffffffe0000000ull && KSTACK_MAX == 1u << 18 &&
                   KSTACK_SLOT == 2 * KSTACK_MAX,
               "vectors.S tests bits 38-29 and 18");

// From vectors.S, on the emergency stack, interrupts masked: the stack pointer of the
// current thread went into a guard. The thread cannot go on: if it was running an
// engine for an app, the app ends (its stack is freed with it); else the kernel stops.
_Noreturn void kstack_overflow(uint64_t far, uint64_t elr, uint64_t fp)
{
    struct thread *t = thread_current();
    if (t->proc && t->in_app) {
        process_crash("stack overflow (the guard page below the engine's stack)", elr, far);
    }
    kprintf("\n[kernel      ] PANIC  kernel stack overflow in thread '%s'\n", t->name);
    kprintf("  ELR %s  FAR 0x%lx  FP 0x%lx\n", ksym_format(elr), (unsigned long)far,
            (unsigned long)fp);
    panic("kernel stack overflow");
}
