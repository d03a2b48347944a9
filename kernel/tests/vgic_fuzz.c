// Fuzzes the virtual GIC (kernel/vm/vgic.c) with what a hostile guest can do: any
// sequence of distributor/redistributor accesses (any offset, size, value), CPU
// interface register accesses, and its devices' lines, checking the invariants the
// run loop relies on after every step.
#include "../vm/vgic.h"
#include "arch.h"
#include <assert.h>
#include <ftl/vm.h>
#include <stdint.h>
#include <string.h>

// The CPU-interface registers a guest can reach (plus an unknown one).
static const uint32_t sysregs[] = {
    ARCH_SYSREG(3, 0, 4, 6, 0),   ARCH_SYSREG(3, 0, 12, 12, 0), ARCH_SYSREG(3, 0, 12, 12, 1),
    ARCH_SYSREG(3, 0, 12, 11, 1), ARCH_SYSREG(3, 0, 12, 12, 2), ARCH_SYSREG(3, 0, 12, 11, 3),
    ARCH_SYSREG(3, 0, 12, 12, 3), ARCH_SYSREG(3, 0, 12, 8, 3),  ARCH_SYSREG(3, 0, 12, 12, 4),
    ARCH_SYSREG(3, 0, 12, 12, 5), ARCH_SYSREG(3, 0, 12, 12, 6), ARCH_SYSREG(3, 0, 12, 12, 7),
    ARCH_SYSREG(3, 0, 12, 11, 5), ARCH_SYSREG(3, 0, 12, 11, 6), ARCH_SYSREG(3, 0, 12, 11, 7),
    ARCH_SYSREG(3, 0, 12, 8, 0),  ARCH_SYSREG(3, 0, 12, 8, 1),  ARCH_SYSREG(3, 0, 12, 8, 2),
    ARCH_SYSREG(3, 0, 12, 8, 4),  ARCH_SYSREG(3, 0, 12, 8, 7),  ARCH_SYSREG(3, 0, 12, 9, 0),
    ARCH_SYSREG(3, 0, 12, 9, 3),  ARCH_SYSREG(3, 0, 12, 13, 0),
};

static uint64_t take(const uint8_t **p, size_t *n, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes && *n; i++, (*p)++, (*n)--) {
        v |= (uint64_t) * *p << (8 * i);
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static struct vgic g;
    vgic_reset(&g);
    const uint8_t *p = data;
    size_t n = len;
    while (n) {
        uint8_t op = (uint8_t)take(&p, &n, 1);
        uint64_t v = take(&p, &n, 8);
        switch (op % 4) {
        case 0: { // an access in (or near) the GIC's windows
            uint32_t off = (uint32_t)take(&p, &n, 3);
            uint64_t base = (op & 4) ? FTL_VM_GICR_BASE : FTL_VM_GICD_BASE;
            uint32_t size = 1u << ((op >> 3) & 3);
            int which;
            bool write = op & 32;
            uint64_t a = base + (off & ~(size - 1));
            bool mine = vgic_mmio(&g, a, write, size, &v, &which);
            bool gicd = a >= FTL_VM_GICD_BASE && a < FTL_VM_GICD_BASE + FTL_VM_GICD_SIZE;
            bool gicr = a >= FTL_VM_GICR_BASE && a < FTL_VM_GICR_BASE + FTL_VM_GICR_SIZE;
            assert(mine == (gicd || gicr) && (!mine || which == (gicd ? 0 : 1)));
            break;
        }
        case 1: {
            uint32_t r = sysregs[(op >> 2) % (sizeof(sysregs) / sizeof(sysregs[0]))];
            bool read = op & 128;
            bool known = vgic_sysreg(&g, r, read, &v);
            assert(known == (r != ARCH_SYSREG(3, 0, 12, 13, 0)));
            if (read && r == ARCH_SYSREG(3, 0, 12, 12, 0)) {
                assert(v == VGIC_SPURIOUS || v < VGIC_IRQS); // IAR1
            }
            break;
        }
        case 2:
            vgic_set_line(&g, (uint32_t)(v % 200), (v >> 32) & 1);
            break;
        default:
            (void)vgic_irq_line(&g);
            (void)vgic_busy(&g, (uint32_t)(v % 200));
            break;
        }
        assert(g.nrunning <= VGIC_ACTIVE_MAX);
    }
    return 0;
}
