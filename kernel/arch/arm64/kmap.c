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

// Marks the GiBs [base, base + size) touches as `type` in want[] unless already marked.
static void mark(uint64_t *want, uint64_t base, uint64_t size, uint64_t type)
{
    if (size == 0 || base >= LINEAR_ENTRIES * GIB) {
        return;
    }
    uint64_t last = (base + size - 1) / GIB;
    for (uint64_t i = base / GIB; i <= last && i < LINEAR_ENTRIES; i++) {
        if (want[i] == 0) {
            want[i] = i * GIB | type;
        }
    }
}

// The entry each GiB wants: normal memory if it holds RAM (or the DTB or the image),
// device memory if it holds a device the kernel or a driver uses, else none.
static void linear_entries(const struct board *b, uint64_t dtb_pa, uint64_t *want)
{
    mark(want, b->ram_base, b->ram_size, BLOCK_NORMAL);
    mark(want, dtb_pa, 1, BLOCK_NORMAL);
    mark(want, arm64_image_pa, 1, BLOCK_NORMAL);
    mark(want, b->uart_base, 1, BLOCK_DEVICE);
    mark(want, b->gicd_base, 1, BLOCK_DEVICE);
    mark(want, b->gicr_base, 1, BLOCK_DEVICE);
    mark(want, b->gicc_base, 1, BLOCK_DEVICE);
    for (size_t i = 0; i < b->nvirtio; i++) {
        mark(want, b->virtio[i].base, b->virtio[i].size, BLOCK_DEVICE);
    }
    if (b->has_pci) { // bus 0's config space and the window BARs go in
        mark(want, b->pci.ecam_base, 1u << 20, BLOCK_DEVICE);
        mark(want, b->pci.mem32.cpu, b->pci.mem32.size, BLOCK_DEVICE);
    }
}

static void tlb_flush_kernel(void)
{
    // At EL2 with E2H and TGE set, TLBI VMALLE1 acts on the EL2&0 regime.
    __asm__ volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");
}

void kmap_init(const struct board *b, uint64_t dtb_pa)
{
    static uint64_t want[LINEAR_ENTRIES];
    linear_entries(b, dtb_pa, want);
    for (size_t i = 0; i < LINEAR_ENTRIES; i++) {
        if (boot_l1[i] == want[i]) {
            continue;
        }
        // Break-before-make (Arm ARM D8.14.1): a valid entry changes only through invalid.
        if (boot_l1[i] != 0) {
            boot_l1[i] = 0;
            tlb_flush_kernel();
        }
        boot_l1[i] = want[i];
    }
    tlb_flush_kernel();
}
