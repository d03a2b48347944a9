// What the arm64 files share about how the kernel was entered: the exception level
// it runs at and where the loader put the image (both set once by boot.S).
#pragma once

#include <stdint.h>

struct board;

/// The exception level the kernel runs at: 2 (EL2 with VHE) or 1. Set by boot.S.
extern uint32_t arm64_el;
/// The exception level the kernel was entered at (2 when it left EL2 for lack of VHE).
extern uint32_t arm64_entry_el;
/// Physical address of the image's first byte (_start), wherever the loader put it.
extern uint64_t arm64_image_pa;

/// Rebuilds the early linear map from the device tree's facts: RAM as normal memory,
/// the GiBs holding known devices as device memory, nothing else (kmap.c).
void kmap_init(const struct board *b, uint64_t dtb_pa);
