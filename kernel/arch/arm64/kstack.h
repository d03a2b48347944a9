// Kernel stacks with an unmapped guard below (kstack.c).
#pragma once

#include "../../klib.h"

// The region: the top 512 MiB of the address space, in 512 KiB slots. vectors.S tests
// these as bits: in the region, bits 38-29 of an address are all set; in a slot's
// guard (its lower half), bit 18 is clear.
#define KSTACK_VBASE 0xffffffffe0000000ull
#define KSTACK_REGION (512ull << 20)
#define KSTACK_SLOT (512u << 10)
#define KSTACK_MAX (256u << 10) // largest stack; the guard below it is as big

// arch_kstack_map, arch_kstack_unmap and arch_kstack_guard are in kernel/arch.h.
