// The kernel's own mappings after boot.S: the linear map (PA + KERNEL_VBASE, 1 GiB
// blocks in boot_l1) redone from the device tree, so RAM and devices get the right
// memory type wherever a machine puts them, and the image's place (KIMAGE_VBASE).
#include "../../kernel.h"
#include "../../fdt.h"
#include "asm.h"
#include "cpu.h"

#define GIB (1ull << 30)
#define LINEAR_ENTRIES 511 // entry 511 maps the image
#define BLOCK_DEVICE (0x1ull | (1ull << 10) | (1ull << 53) | (1ull << 54))
#define BLOCK_NORMAL (0x1ull | (1ull << 10) | (3ull << 8) | (1ull << 2) | (1ull << 54))

extern uint64_t boot_l1[512];

static bool range_touches(uint64_t base, uint64_t size, size_t gib)
{
    uint64_t lo = (uint64_t)gib * GIB, hi = lo + GIB;
    return size != 0 && base < hi && base + size > lo;
}

// The memory type GiB `gib` wants: normal if it holds RAM (or the DTB or the image),
// device if it holds a device the kernel or a driver uses, else unmapped.
static uint64_t entry_for(const struct board *b, uint64_t dtb_pa, size_t gib)
{
    uint64_t base = (uint64_t)gib * GIB;
    if (range_touches(b->ram_base, b->ram_size, gib) || range_touches(dtb_pa, 1, gib) ||
        range_touches(arm64_image_pa, 1, gib)) {
        return base | BLOCK_NORMAL;
    }
    bool dev = range_touches(b->uart_base, 1, gib) || range_touches(b->gicd_base, 1, gib) ||
               range_touches(b->gicr_base, 1, gib) || range_touches(b->gicc_base, 1, gib);
    for (size_t i = 0; i < b->nvirtio && !dev; i++) {
        dev = range_touches(b->virtio[i].base, b->virtio[i].size, gib);
    }
    return dev ? base | BLOCK_DEVICE : 0;
}

static void tlb_flush_kernel(void)
{
    // At EL2 with E2H and TGE set, TLBI VMALLE1 acts on the EL2&0 regime.
    __asm__ volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");
}

void kmap_init(const struct board *b, uint64_t dtb_pa)
{
    for (size_t i = 0; i < LINEAR_ENTRIES; i++) {
        uint64_t want = entry_for(b, dtb_pa, i);
        if (boot_l1[i] == want) {
            continue;
        }
        // Break-before-make (Arm ARM D8.14.1): a valid entry changes only through invalid.
        if (boot_l1[i] != 0) {
            boot_l1[i] = 0;
            tlb_flush_kernel();
        }
        boot_l1[i] = want;
    }
    tlb_flush_kernel();
}
