// The virtual GICv3 of an OS guest (vgic.h). Register offsets and behaviour follow
// the GICv3 architecture specification (IHI 0069): GICD_* §12.9, GICR_* §12.10-11,
// ICC_* §12.2; what Linux's irq-gic-v3 driver uses is all there is.
#include "vgic.h"
#include "../arch.h"
#include <ftl/vm.h>

#define PRIO_MASK 0xf8u // five priority bits, as ICC_CTLR_EL1.PRIbits says
#define PIDR2_GICV3 0x3bu
#define IIDR_VALUE 0x0100043bu
#define SGI_FRAME 0x10000u

static bool bit(const uint32_t *w, uint32_t i)
{
    return (w[i / 32] >> (i % 32)) & 1;
}

static void set_bit(uint32_t *w, uint32_t i, bool on)
{
    if (on) {
        w[i / 32] |= 1u << (i % 32);
    } else {
        w[i / 32] &= ~(1u << (i % 32));
    }
}

void vgic_reset(struct vgic *g)
{
    memset(g, 0, sizeof(*g));
    g->waker = 2; // ProcessorSleep
    for (uint32_t i = 0; i < 16; i++) {
        set_bit(g->edge, i, true); // SGIs are edge-triggered, always
    }
}

static bool is_pending(const struct vgic *g, uint32_t i)
{
    return bit(g->pending, i) || (!bit(g->edge, i) && bit(g->line, i));
}

static uint8_t running_prio(const struct vgic *g)
{
    return g->nrunning ? g->running[g->nrunning - 1] : 0xff;
}

// The highest-priority pending, enabled, inactive interrupt, or VGIC_SPURIOUS.
static uint32_t best_pending(const struct vgic *g)
{
    uint32_t best = VGIC_SPURIOUS;
    uint32_t best_prio = 0x100;
    for (uint32_t w = 0; w < VGIC_WORDS; w++) {
        uint32_t cand = g->enabled[w] & ~g->active[w] & (g->pending[w] | (g->line[w] & ~g->edge[w]));
        while (cand) {
            uint32_t i = w * 32 + (uint32_t)__builtin_ctz(cand);
            cand &= cand - 1;
            uint32_t pr = g->prio[i] & PRIO_MASK;
            if (pr < best_prio) {
                best_prio = pr;
                best = i;
            }
        }
    }
    return best;
}

static bool deliverable(const struct vgic *g, uint32_t i)
{
    if (i == VGIC_SPURIOUS || !g->grpen1 || !(g->dist_ctlr & 2)) {
        return false;
    }
    uint32_t pr = g->prio[i] & PRIO_MASK;
    return pr < (g->pmr & PRIO_MASK) && pr < (running_prio(g) & PRIO_MASK);
}

bool vgic_irq_line(const struct vgic *g)
{
    return deliverable(g, best_pending(g));
}

bool vgic_busy(const struct vgic *g, uint32_t intid)
{
    return intid < VGIC_IRQS && (is_pending(g, intid) || bit(g->active, intid));
}

void vgic_set_line(struct vgic *g, uint32_t intid, bool level)
{
    if (intid < 16 || intid >= VGIC_IRQS) {
        return;
    }
    if (bit(g->edge, intid) && level && !bit(g->line, intid)) {
        set_bit(g->pending, intid, true);
    }
    set_bit(g->line, intid, level);
}

// ---- the CPU interface ----

static uint32_t acknowledge(struct vgic *g)
{
    uint32_t i = best_pending(g);
    if (!deliverable(g, i) || g->nrunning == VGIC_ACTIVE_MAX) {
        return VGIC_SPURIOUS;
    }
    set_bit(g->pending, i, false);
    set_bit(g->active, i, true);
    g->running[g->nrunning++] = g->prio[i] & PRIO_MASK;
    g->acked++;
    return i;
}

static void end_of_interrupt(struct vgic *g, uint32_t i)
{
    if (i >= VGIC_IRQS) {
        return; // spurious or out of range: ignored, as the architecture allows
    }
    if (g->nrunning) {
        g->nrunning--; // priority drop
    }
    if (!(g->ctlr & 2)) {
        set_bit(g->active, i, false); // EOImode 0: deactivate too
    }
}

static void send_sgi(struct vgic *g, uint64_t v)
{
    uint32_t intid = (uint32_t)(v >> 24) & 15;
    bool all_others = (v >> 40) & 1;
    bool to_self = !all_others && (v & 1) && ((v >> 16) & 0xff) == 0 && ((v >> 32) & 0xff) == 0 &&
                   ((v >> 48) & 0xff) == 0;
    if (to_self) {
        set_bit(g->pending, intid, true);
    }
}

bool vgic_sysreg(struct vgic *g, uint32_t sysreg, bool read, uint64_t *val)
{
    uint64_t v = read ? 0 : *val;
    switch (sysreg) {
    case ARCH_SYSREG(3, 0, 4, 6, 0): // PMR
        if (!read) {
            g->pmr = (uint8_t)(v & PRIO_MASK);
        }
        v = g->pmr;
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 0): // IAR1
        v = read ? acknowledge(g) : 0;
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 1): // EOIR1
        if (!read) {
            end_of_interrupt(g, (uint32_t)v & 0xffffff);
        }
        break;
    case ARCH_SYSREG(3, 0, 12, 11, 1): // DIR
        if (!read && (v & 0xffffff) < VGIC_IRQS) {
            set_bit(g->active, (uint32_t)v & 0xffffff, false);
        }
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 2): // HPPIR1
        v = best_pending(g);
        break;
    case ARCH_SYSREG(3, 0, 12, 11, 3): // RPR
        v = running_prio(g);
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 3): // BPR1
        if (!read) {
            g->bpr1 = (uint8_t)(v & 7);
        }
        v = g->bpr1;
        break;
    case ARCH_SYSREG(3, 0, 12, 8, 3): // BPR0
        if (!read) {
            g->bpr0 = (uint8_t)(v & 7);
        }
        v = g->bpr0;
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 4): // CTLR: PRIbits 4 (five bits), IDbits 0, A3V
        if (!read) {
            g->ctlr = (uint32_t)v & 3;
        }
        v = g->ctlr | (4u << 8) | (1u << 15);
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 5): // SRE: system registers only
        v = 7;
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 6): // IGRPEN0
        if (!read) {
            g->grpen0 = v & 1;
        }
        v = g->grpen0;
        break;
    case ARCH_SYSREG(3, 0, 12, 12, 7): // IGRPEN1
        if (!read) {
            g->grpen1 = v & 1;
        }
        v = g->grpen1;
        break;
    case ARCH_SYSREG(3, 0, 12, 11, 5): // SGI1R
        if (!read) {
            send_sgi(g, v);
        }
        v = 0;
        break;
    case ARCH_SYSREG(3, 0, 12, 11, 6): // ASGI1R, SGI0R: group 0/other-security SGIs,
    case ARCH_SYSREG(3, 0, 12, 11, 7): // which this GIC does not deliver
    case ARCH_SYSREG(3, 0, 12, 8, 1):  // EOIR0
        v = 0;
        break;
    case ARCH_SYSREG(3, 0, 12, 8, 0): // IAR0
    case ARCH_SYSREG(3, 0, 12, 8, 2): // HPPIR0
        v = VGIC_SPURIOUS;
        break;
    default:
        if ((sysreg & ~3u) == ARCH_SYSREG(3, 0, 12, 8, 4)) { // AP0R0-3
            uint32_t *r = &g->ap0r[sysreg & 3];
            *r = read ? *r : (uint32_t)v;
            v = *r;
            break;
        }
        if ((sysreg & ~3u) == ARCH_SYSREG(3, 0, 12, 9, 0)) { // AP1R0-3
            uint32_t *r = &g->ap1r[sysreg & 3];
            *r = read ? *r : (uint32_t)v;
            v = *r;
            break;
        }
        return false;
    }
    if (read) {
        *val = v;
    }
    return true;
}

// ---- the distributor and the redistributor ----

// One 32-bit register of a bit-per-INTID bank (set/clear pairs included) for word `w`.
static bool bank_access(struct vgic *g, uint32_t off, uint32_t w, bool write, uint32_t v,
                        uint32_t *out)
{
    uint32_t *reg;
    switch (off) {
    case 0x080:
        reg = g->group;
        if (write) {
            reg[w] = v;
        }
        *out = reg[w];
        return true;
    case 0x100:
    case 0x180:
        reg = g->enabled;
        break;
    case 0x200:
    case 0x280:
        reg = g->pending;
        if (!write) {
            *out = g->pending[w] | (g->line[w] & ~g->edge[w]);
            return true;
        }
        break;
    case 0x300:
    case 0x380:
        reg = g->active;
        break;
    default:
        return false;
    }
    if (write) {
        bool set = (off & 0x80) == 0;
        reg[w] = set ? (reg[w] | v) : (reg[w] & ~v);
    }
    *out = reg[w];
    return true;
}

// Priorities (one byte per INTID) of `size` INTIDs from `first`, and (cfg_access) the
// configuration (two bits per INTID) of 16 INTIDs from `first`.
static void prio_access(struct vgic *g, uint32_t first, uint32_t size, bool write, uint64_t *val)
{
    for (uint32_t b = 0; b < size && first + b < VGIC_IRQS; b++) {
        if (write) {
            g->prio[first + b] = (uint8_t)((*val >> (8 * b)) & PRIO_MASK);
        }
    }
    if (!write) {
        uint64_t v = 0;
        for (uint32_t b = 0; b < size && first + b < VGIC_IRQS; b++) {
            v |= (uint64_t)g->prio[first + b] << (8 * b);
        }
        *val = v;
    }
}

static void cfg_access(struct vgic *g, uint32_t first, bool write, uint64_t *val)
{
    uint32_t v = 0;
    for (uint32_t k = 0; k < 16 && first + k < VGIC_IRQS; k++) {
        uint32_t i = first + k;
        if (write && i >= 16) {
            set_bit(g->edge, i, (*val >> (2 * k + 1)) & 1);
        }
        v |= (uint32_t)bit(g->edge, i) << (2 * k + 1);
    }
    *val = v;
}

static void dist_access(struct vgic *g, uint32_t off, bool write, uint32_t size, uint64_t *val)
{
    uint32_t out = 0;
    if (off >= 0x6100 && off < 0x6000 + 8 * VGIC_IRQS) { // IROUTER<n>, n >= 32
        uint64_t *r = &g->irouter[(off - 0x6000) / 8];
        if (write) {
            *r = (off & 4) ? ((*r & 0xffffffffull) | (*val << 32))
                           : (size == 8 ? *val : ((*r & ~0xffffffffull) | (uint32_t)*val));
        }
        *val = (off & 4) ? (*r >> 32) : (size == 8 ? *r : (uint32_t)*r);
        return;
    }
    if (off >= 0x400 && off < 0x400 + VGIC_IRQS) { // IPRIORITYR, SPIs only here
        if (off >= 0x420) {
            prio_access(g, off - 0x400, size, write, val);
        } else if (!write) {
            *val = 0;
        }
        return;
    }
    if (off >= 0xc00 && off < 0xc00 + VGIC_IRQS / 4) { // ICFGR
        if (off >= 0xc08) {
            cfg_access(g, (off - 0xc00) * 4, write, val);
        } else if (!write) {
            *val = 0;
        }
        return;
    }
    uint32_t bank = off & ~0x7fu, w = (off & 0x7f) / 4;
    if (bank >= 0x80 && bank <= 0x380 && w > 0 && w < VGIC_WORDS) { // SPIs' banks
        (void)bank_access(g, bank, w, write, (uint32_t)*val, &out);
        *val = out;
        return;
    }
    switch (off) {
    case 0x0: // CTLR: EnableGrp0, EnableGrp1A; ARE_NS is always one
        if (write) {
            g->dist_ctlr = (uint32_t)*val & 3;
        }
        out = g->dist_ctlr | (1u << 4);
        break;
    case 0x4: // TYPER: 96 INTIDs, 10 ID bits, no LPIs, No1N
        out = (VGIC_IRQS / 32 - 1) | (9u << 19) | (1u << 25);
        break;
    case 0x8:
        out = IIDR_VALUE;
        break;
    case 0xffe8:
        out = PIDR2_GICV3;
        break;
    default:
        break; // RAZ/WI: IGRPMODR, NSACR, the SGI/PPI words (the redistributor has them)
    }
    if (!write) {
        *val = out;
    }
}

static void redist_access(struct vgic *g, uint32_t off, bool write, uint32_t size, uint64_t *val)
{
    uint32_t out = 0;
    if (off >= SGI_FRAME) {
        uint32_t o = off - SGI_FRAME;
        if (o >= 0x400 && o < 0x420) {
            prio_access(g, o - 0x400, size, write, val);
            return;
        }
        if (o == 0xc00 || o == 0xc04) {
            cfg_access(g, (o - 0xc00) * 4, write, val);
            return;
        }
        if ((o & 0x7f) == 0 && o >= 0x80 && o <= 0x380) {
            (void)bank_access(g, o, 0, write, (uint32_t)*val, &out);
        }
        if (!write) {
            *val = out;
        }
        return;
    }
    switch (off) {
    case 0x4:
        out = IIDR_VALUE;
        break;
    case 0x8: // TYPER: processor 0, affinity 0, Last (one vCPU); no LPIs
        out = 1u << 4;
        break;
    case 0xc:
        out = 0;
        break;
    case 0x14: // WAKER: ChildrenAsleep follows ProcessorSleep at once
        if (write) {
            g->waker = (uint32_t)*val & 2;
        }
        out = g->waker | (g->waker << 1);
        break;
    case 0xffe8:
        out = PIDR2_GICV3;
        break;
    default:
        break; // CTLR (no LPIs), PROPBASER, PENDBASER...: RAZ/WI
    }
    (void)size;
    if (!write) {
        *val = out;
    }
}

bool vgic_mmio(struct vgic *g, uint64_t ipa, bool write, uint32_t size, uint64_t *val, int *which)
{
    if (ipa >= FTL_VM_GICD_BASE && ipa < FTL_VM_GICD_BASE + FTL_VM_GICD_SIZE) {
        *which = 0;
        dist_access(g, (uint32_t)(ipa - FTL_VM_GICD_BASE), write, size, val);
        return true;
    }
    if (ipa >= FTL_VM_GICR_BASE && ipa < FTL_VM_GICR_BASE + FTL_VM_GICR_SIZE) {
        *which = 1;
        redist_access(g, (uint32_t)(ipa - FTL_VM_GICR_BASE), write, size, val);
        return true;
    }
    return false;
}
