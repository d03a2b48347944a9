// GICv2 (QEMU virt gic-version=2, Firecracker and KVM hosts on older hardware): a
// memory-mapped distributor and CPU interface. With or without the security
// extensions, the view the kernel gets has one group, enabled by bit 0 and signalled
// as IRQ. Manual: Arm IHI 0048B (GIC architecture v1.0 and v2.0), chapter 4.
#include "gic.h"
#include "../../fdt.h"
#include "../../kernel.h"

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

static volatile uint8_t *gicd;
static volatile uint8_t *gicc;

static inline volatile uint32_t *reg32(volatile uint8_t *base, uint32_t off)
{
    return (volatile uint32_t *)(base + off);
}

void gicv2_init(const struct board *b)
{
    gicd = arch_phys_to_virt(b->gicd_base);
    gicc = arch_phys_to_virt(b->gicc_base);
    *reg32(gicd, GICD_CTLR) = 1;   // forward interrupts to the CPU interfaces
    *reg32(gicc, GICC_PMR) = 0xff; // every priority passes
    *reg32(gicc, GICC_BPR) = 0;
    *reg32(gicc, GICC_CTLR) = 1; // signal them to this CPU
}

void gicv2_enable(uint32_t intid)
{
    gicd[GICD_IPRIORITYR + intid] = 0x80;
    if (intid >= 32) {
        gicd[GICD_ITARGETSR + intid] = 1; // CPU interface 0 (SGI/PPI targets are fixed)
    }
    *reg32(gicd, GICD_ISENABLER + 4 * (intid / 32)) = 1u << (intid % 32);
}

void gicv2_disable(uint32_t intid)
{
    *reg32(gicd, GICD_ICENABLER + 4 * (intid / 32)) = 1u << (intid % 32);
}

uint32_t gicv2_ack(void)
{
    uint32_t iar = *reg32(gicc, GICC_IAR);
    __asm__ volatile("dsb sy");
    return iar & 0x3ff; // 1023: spurious; the CPU ID bits matter only for SGIs
}

void gicv2_eoi(uint32_t intid)
{
    *reg32(gicc, GICC_EOIR) = intid;
}
