// arm64 register state the portable core stores but never looks inside.
#pragma once

#include <stdint.h>

// Callee-saved state kept across arch_switch_to (layout used by context.S).
struct arch_context {
    uint64_t x19_x30[12];
    uint64_t sp;
    uint64_t tpidr_el0;
    uint64_t d8_d15[8];
    uint64_t fpcr;
    uint64_t fpsr;
};

// Everything saved on exception entry (layout used by vectors.S).
struct arch_frame {
    uint64_t x[31];
    uint64_t elr;
    uint64_t spsr;
    uint64_t sp_el0;
    uint64_t tpidr_el0;
    uint64_t pad;
    __uint128_t q[32];
    uint64_t fpcr;
    uint64_t fpsr;
};

_Static_assert(sizeof(struct arch_context) == 192, "context.S layout");
_Static_assert(sizeof(struct arch_frame) == 816, "vectors.S layout");

// Masks interrupts and returns the previous state for arch_irq_restore().
static inline uint64_t arch_irq_save(void)
{
    uint64_t daif;
    __asm__ volatile("mrs %0, daif; msr daifset, #2" : "=r"(daif)::"memory");
    return daif;
}

// Restores the interrupt mask saved by arch_irq_save().
static inline void arch_irq_restore(uint64_t flags)
{
    __asm__ volatile("msr daif, %0" ::"r"(flags) : "memory");
}
