// A virtual GICv3 for an OS guest: distributor and redistributor registers (MMIO
// the guest's stage 2 leaves unmapped) and the CPU interface (ICC_* system registers,
// trapped with ICH_HCR_EL2.TALL0/TALL1/TC), in software. One vCPU; INTIDs 0-95
// (SGIs, PPIs, 64 SPIs); no LPIs, no ITS. The guest's IRQ line is
// vgic_irq_line(); arm64's HCR_EL2.VI carries it into the guest.
#pragma once

#include "../klib.h"

#define VGIC_IRQS 96u
#define VGIC_WORDS (VGIC_IRQS / 32)
#define VGIC_SPURIOUS 1023u
#define VGIC_ACTIVE_MAX 8u

struct vgic {
    uint32_t dist_ctlr;              // EnableGrp0, EnableGrp1 (ARE_NS reads as one)
    uint32_t waker;                  // GICR_WAKER.ProcessorSleep
    uint32_t group[VGIC_WORDS], enabled[VGIC_WORDS], pending[VGIC_WORDS];
    uint32_t active[VGIC_WORDS], edge[VGIC_WORDS], line[VGIC_WORDS];
    uint8_t prio[VGIC_IRQS];
    uint64_t irouter[VGIC_IRQS];
    // CPU interface
    uint32_t ctlr;                   // ICC_CTLR_EL1: CBPR, EOImode
    uint8_t pmr, bpr0, bpr1;
    bool grpen0, grpen1;
    uint32_t nrunning;               // active priorities, highest (lowest value) last
    uint8_t running[VGIC_ACTIVE_MAX];
    uint32_t ap0r[4], ap1r[4];
    uint64_t acked;                  // interrupts the guest acknowledged (IAR1)
};

/// Puts the GIC in its reset state.
void vgic_reset(struct vgic *g);
/// Emulates an access of `size` bytes at guest-physical `ipa` if it is in the
/// distributor's or redistributor's window (*val: written value, or the value read).
/// Returns false if the address is not the GIC's. `*which` counts what it was: 0
/// distributor, 1 redistributor.
bool vgic_mmio(struct vgic *g, uint64_t ipa, bool write, uint32_t size, uint64_t *val,
               int *which);
/// Emulates a trapped ICC_* access (ARCH_SYSREG encoding). Returns false if `sysreg`
/// is not a GIC CPU-interface register.
bool vgic_sysreg(struct vgic *g, uint32_t sysreg, bool read, uint64_t *val);
/// Sets the input line of `intid` (PPIs and SPIs): a level interrupt is pending while
/// it is high, an edge one latches on each rise.
void vgic_set_line(struct vgic *g, uint32_t intid, bool level);
/// True if an interrupt the guest would take now (enabled, pending, above the
/// priority mask and the running priority, its group on) waits: the IRQ line.
bool vgic_irq_line(const struct vgic *g);
/// True if `intid` is pending or active (its source need not signal it again).
bool vgic_busy(const struct vgic *g, uint32_t intid);
