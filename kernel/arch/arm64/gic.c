// GICv3 (QEMU virt, gic-version=3): one security state, group 1 interrupts,
// system-register CPU interface. Manual: Arm IHI 0069 (GICv3/v4 architecture).
// On a GICv2 board every gic_* call goes to gicv2.c instead.
#include "gic.h"
#include "../../fdt.h"
#include "../../kernel.h"
#include "cpu.h"

#define GICD_CTLR 0x0000
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GICR_WAKER 0x0014
#define GICR_SGI 0x10000 // SGI/PPI frame of the redistributor

static volatile uint8_t *gicd;
static volatile uint8_t *gicr;
static bool v2;                  // the board's GIC is a GICv2: gicv2.c drives it

static inline volatile uint32_t *reg32(volatile uint8_t *base, uint32_t off)
{
    return (volatile uint32_t *)(base + off);
}

static void wait_rwp(void)
{
    while (*reg32(gicd, GICD_CTLR) & (1u << 31)) {
    }
}

void gic_init(const struct board *b)
{
    if (b->gic_version == 2) {
        v2 = true;
        gicv2_init(b);
        return;
    }
    gicd = arch_phys_to_virt(b->gicd_base);
    gicr = arch_phys_to_virt(b->gicr_base);

    *reg32(gicd, GICD_CTLR) = 0;
    wait_rwp();
    // ARE (affinity routing) + EnableGrp1 + EnableGrp0 (single security state, DS=1).
    *reg32(gicd, GICD_CTLR) = (1u << 4) | (1u << 1) | (1u << 0);
    wait_rwp();

    // Wake this CPU's redistributor: clear ProcessorSleep, wait for ChildrenAsleep=0.
    *reg32(gicr, GICR_WAKER) &= ~(1u << 1);
    while (*reg32(gicr, GICR_WAKER) & (1u << 2)) {
    }
    *reg32(gicr, GICR_SGI + GICD_IGROUPR) = 0xffffffff;

    // CPU interface: system registers on, all priorities unmasked, group 1 on.
    // SRE (and, at EL2, Enable: lower levels may use it too).
    uint64_t sre;
    if (arm64_el == 2) {
        __asm__ volatile("mrs %0, icc_sre_el2" : "=r"(sre));
        __asm__ volatile("msr icc_sre_el2, %0; isb" ::"r"(sre | 0x9));
    } else {
        __asm__ volatile("mrs %0, icc_sre_el1" : "=r"(sre));
        __asm__ volatile("msr icc_sre_el1, %0; isb" ::"r"(sre | 0x1));
    }
    __asm__ volatile("msr icc_pmr_el1, %0" ::"r"(0xffull));
    __asm__ volatile("msr icc_bpr1_el1, %0" ::"r"(0ull));
    __asm__ volatile("msr icc_igrpen1_el1, %0; isb" ::"r"(1ull));
}

void gic_enable(uint32_t intid)
{
    if (v2) {
        gicv2_enable(intid);
        return;
    }
    uint32_t bit = 1u << (intid % 32);
    if (intid < 32) {
        *(volatile uint8_t *)(gicr + GICR_SGI + GICD_IPRIORITYR + intid) = 0x80;
        *reg32(gicr, GICR_SGI + GICD_ISENABLER) = bit;
        return;
    }
    *reg32(gicd, GICD_IGROUPR + 4 * (intid / 32)) |= bit;
    *(volatile uint8_t *)(gicd + GICD_IPRIORITYR + intid) = 0x80;
    *(volatile uint64_t *)(gicd + GICD_IROUTER + 8 * intid) = 0; // affinity 0.0.0.0
    *reg32(gicd, GICD_ISENABLER + 4 * (intid / 32)) = bit;
}

void gic_disable(uint32_t intid)
{
    if (v2) {
        gicv2_disable(intid);
        return;
    }
    uint32_t bit = 1u << (intid % 32);
    if (intid < 32) {
        *reg32(gicr, GICR_SGI + GICD_ICENABLER) = bit;
    } else {
        *reg32(gicd, GICD_ICENABLER + 4 * (intid / 32)) = bit;
        wait_rwp();
    }
}

uint32_t gic_ack(void)
{
    if (v2) {
        return gicv2_ack();
    }
    uint64_t iar;
    __asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(iar));
    __asm__ volatile("dsb sy");
    return (uint32_t)iar & 0xffffff;
}

void gic_eoi(uint32_t intid)
{
    if (v2) {
        gicv2_eoi(intid);
        return;
    }
    __asm__ volatile("msr icc_eoir1_el1, %0; isb" ::"r"((uint64_t)intid));
}
