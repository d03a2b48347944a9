// Host (Linux unit test) stand-ins for the register state the portable core stores
// but never looks inside. The host build has no real threads, so nothing is saved.
#pragma once

#include <stdint.h>

struct arch_context {
    uint64_t unused;
};

struct arch_frame {
    uint64_t unused;
};

uint64_t arch_irq_save(void);
void arch_irq_restore(uint64_t flags);
