// Physical pages and the kernel heap.
#pragma once

#include "klib.h"

#define HEAP_HEADER_BYTES 16  // before every kmalloc block
#define HEAP_CLASS_MIN_SHIFT 5 // 32-byte blocks
#define HEAP_CLASS_COUNT 7     // up to 2048-byte blocks; bigger ones take whole pages

/// Hands RAM [base, base+size) to the page allocator, minus [rsv_start, rsv_end)
/// pieces already in use (the kernel image, the device tree), given as physical ranges.
void mm_init(uint64_t base, uint64_t size, const uint64_t (*reserved)[2], size_t nreserved);
/// Allocates `npages` physically contiguous, zeroed pages. NULL if none.
void *page_alloc(size_t npages);
/// page_alloc() without zeroing, for memory that is overwritten at once.
void *page_alloc_raw(size_t npages);
/// Returns pages from page_alloc() or page_alloc_raw().
void page_free(void *p, size_t npages);
/// Pages currently free.
size_t page_free_count(void);
/// Pages of RAM the allocator manages, free or not.
size_t page_total_count(void);
/// Gives the heap's pages with no block in use back to the page allocator (kmalloc
/// also does it by itself as free lists grow), so page_free_count() is exact.
void heap_trim(void);
/// Bytes handed out by kmalloc and not yet freed (headers included).
size_t heap_used_bytes(void);

/// The size class of a heap block of `total` bytes (header included): blocks of class
/// c hold 2^(c + HEAP_CLASS_MIN_SHIFT) bytes; HEAP_CLASS_COUNT means whole pages.
static inline int heap_class(size_t total)
{
    if (total <= (1u << HEAP_CLASS_MIN_SHIFT)) {
        return 0;
    }
    if (total > (1u << (HEAP_CLASS_MIN_SHIFT + HEAP_CLASS_COUNT - 1))) {
        return HEAP_CLASS_COUNT;
    }
    return 64 - __builtin_clzll((unsigned long long)total - 1) - HEAP_CLASS_MIN_SHIFT;
}

/// Bytes of heap that kmalloc(size) really takes: its header plus the rounding to
/// its size class or to whole pages. What accounts are charged.
static inline size_t heap_block_bytes(size_t size)
{
    size_t total = size + HEAP_HEADER_BYTES;
    int c = heap_class(total);
    return c < HEAP_CLASS_COUNT ? (size_t)1 << (c + HEAP_CLASS_MIN_SHIFT)
                                : (total + 4095) & ~(size_t)4095;
}
