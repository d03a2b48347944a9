// Physical pages and the kernel heap.
#pragma once

#include "klib.h"

/// Hands RAM [base, base+size) to the page allocator, minus [rsv_start, rsv_end)
/// pieces already in use (the kernel image, the device tree), given as physical ranges.
void mm_init(uint64_t base, uint64_t size, const uint64_t (*reserved)[2], size_t nreserved);
/// Allocates `npages` physically contiguous, zeroed pages. NULL if none.
void *page_alloc(size_t npages);
/// Returns pages from page_alloc().
void page_free(void *p, size_t npages);
/// Pages currently free.
size_t page_free_count(void);
/// Bytes handed out by kmalloc and not yet freed (headers included).
size_t heap_used_bytes(void);
