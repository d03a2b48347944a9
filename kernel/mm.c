// Physical page allocator (a bitmap, first fit) and the kernel heap (power-of-two
// size classes carved from pages; big blocks take whole pages). When a class's free
// list grows past a mark (twice what it held after its last sweep), it is swept:
// pages all of whose blocks are free go back to the page allocator. So memory an
// app made the kernel use, and gave back, is free pages again; kmalloc and kfree
// pay one counter for it.
#include "mm.h"
#include "kernel.h"

#define HEAP_MAGIC 0x4b4d454du
#define CLASS_MIN_SHIFT HEAP_CLASS_MIN_SHIFT
#define CLASS_COUNT HEAP_CLASS_COUNT

static uint8_t *pages_base;  // kernel VA of page 0
static uint64_t *bitmap;     // 1 = used
static size_t npages_total;
static size_t npages_free;
static size_t search_hint;
static size_t heap_used;

struct block_header {
    uint32_t magic;
    uint32_t cls;            // size class, or CLASS_COUNT for page-sized blocks
    uint64_t npages;         // for page-sized blocks
};

struct free_block {
    struct free_block *next;
};

_Static_assert(sizeof(struct block_header) == HEAP_HEADER_BYTES, "heap header size");

static struct free_block *free_lists[CLASS_COUNT];
static size_t free_counts[CLASS_COUNT];    // blocks on each free list
static size_t sweep_at[CLASS_COUNT];       // sweep when free_counts passes this
static uint16_t *page_free_blocks;         // a sweep's count of free blocks per page

static bool page_is_used(size_t i)
{
    return bitmap[i / 64] & (1ull << (i % 64));
}

static void mark(size_t first, size_t n, bool used)
{
    for (size_t i = first; i < first + n; i++) {
        if (used) {
            bitmap[i / 64] |= 1ull << (i % 64);
        } else {
            bitmap[i / 64] &= ~(1ull << (i % 64));
        }
    }
}

void mm_init(uint64_t base, uint64_t size, const uint64_t (*reserved)[2], size_t nreserved)
{
    pages_base = arch_phys_to_virt(base);
    npages_total = size / PAGE_SIZE;
    // The bitmap lives in the first pages of RAM that are not reserved: find a spot
    // by placing it right after the highest reserved range inside RAM.
    uint64_t spot = base;
    for (size_t i = 0; i < nreserved; i++) {
        if (reserved[i][1] > spot && reserved[i][0] < base + size) {
            spot = ALIGN_UP(reserved[i][1], PAGE_SIZE);
        }
    }
    size_t bitmap_bytes = ALIGN_UP((npages_total + 63) / 64 * 8, PAGE_SIZE);
    size_t counts_bytes = ALIGN_UP(npages_total * sizeof(uint16_t), PAGE_SIZE);
    bitmap = arch_phys_to_virt(spot);
    memset(bitmap, 0, bitmap_bytes);
    page_free_blocks = (uint16_t *)(void *)((uint8_t *)bitmap + bitmap_bytes);
    mark((spot - base) / PAGE_SIZE, (bitmap_bytes + counts_bytes) / PAGE_SIZE, true);
    for (size_t i = 0; i < nreserved; i++) {
        uint64_t s = reserved[i][0] < base ? base : reserved[i][0] & ~(uint64_t)(PAGE_SIZE - 1);
        uint64_t e = ALIGN_UP(reserved[i][1], PAGE_SIZE);
        if (e > base + size) {
            e = base + size;
        }
        if (s < e) {
            mark((s - base) / PAGE_SIZE, (e - s) / PAGE_SIZE, true);
        }
    }
    npages_free = 0;
    for (size_t i = 0; i < npages_total; i++) {
        npages_free += !page_is_used(i);
    }
}

static void *pages_take(size_t n);

void *page_alloc_raw(size_t n)
{
    return pages_take(n);
}

void *page_alloc(size_t n)
{
    void *p = pages_take(n);
    if (p) {
        arch_zero_pages(p, n * PAGE_SIZE);
    }
    return p;
}

// Takes `n` contiguous pages, not zeroed (kmalloc does not promise zeroed memory).
static void *pages_take(size_t n)
{
    if (n == 0 || n > npages_free) {
        return NULL;
    }
    uint64_t flags = arch_irq_save();
    for (int pass = 0; pass < 2; pass++) {
        size_t start = pass == 0 ? search_hint : 0;
        size_t run = 0;
        for (size_t i = start; i < npages_total; i++) {
            run = page_is_used(i) ? 0 : run + 1;
            if (run == n) {
                size_t first = i + 1 - n;
                mark(first, n, true);
                npages_free -= n;
                search_hint = i + 1;
                arch_irq_restore(flags);
                return pages_base + first * PAGE_SIZE;
            }
        }
    }
    arch_irq_restore(flags);
    return NULL;
}

void page_free(void *p, size_t n)
{
    size_t first = (size_t)((uint8_t *)p - pages_base) / PAGE_SIZE;
    if ((uint8_t *)p < pages_base || first + n > npages_total) {
        panic("page_free: %p is not a page of RAM", p);
    }
    uint64_t flags = arch_irq_save();
    for (size_t i = first; i < first + n; i++) {
        if (!page_is_used(i)) {
            panic("page_free: page %p freed twice", (void *)(pages_base + i * PAGE_SIZE));
        }
    }
    mark(first, n, false);
    npages_free += n;
    if (first < search_hint) {
        search_hint = first;
    }
    arch_irq_restore(flags);
}

size_t page_free_count(void)
{
    return npages_free;
}

size_t page_total_count(void)
{
    return npages_total;
}

size_t heap_used_bytes(void)
{
    return heap_used;
}

static size_t page_index(const void *p)
{
    return (size_t)((const uint8_t *)p - pages_base) / PAGE_SIZE;
}

__attribute__((noinline)) static bool refill(int c)
{
    uint8_t *page = pages_take(1); // kmalloc does not promise zeroed memory
    if (!page) {
        return false;
    }
    size_t bsize = 1u << (c + CLASS_MIN_SHIFT);
    for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
        struct free_block *b = (struct free_block *)(void *)(page + off);
        b->next = free_lists[c];
        free_lists[c] = b;
    }
    free_counts[c] += PAGE_SIZE / bsize;
    return true;
}

// Gives every page of class `c` whose blocks are all on the free list back to the
// page allocator. Three passes over the list: clear the per-page counts, count,
// unlink the blocks of full pages. Interrupts are masked, so a page released in the
// last pass is intact while the links of its other blocks are read.
__attribute__((noinline)) static void sweep(int c)
{
    size_t per_page = PAGE_SIZE >> (c + CLASS_MIN_SHIFT);
    for (struct free_block *b = free_lists[c]; b; b = b->next) {
        page_free_blocks[page_index(b)] = 0;
    }
    for (struct free_block *b = free_lists[c]; b; b = b->next) {
        page_free_blocks[page_index(b)]++;
    }
    struct free_block **link = &free_lists[c];
    while (*link) {
        struct free_block *b = *link;
        size_t i = page_index(b);
        if (page_free_blocks[i] < per_page) {
            link = &b->next;
            continue;
        }
        *link = b->next;
        free_counts[c]--;
        if (++page_free_blocks[i] == 2 * per_page) {
            page_free(pages_base + i * PAGE_SIZE, 1); // its last block is unlinked
        }
    }
    sweep_at[c] = 2 * (free_counts[c] > per_page ? free_counts[c] : per_page);
}

void heap_trim(void)
{
    uint64_t flags = arch_irq_save();
    for (int c = 0; c < CLASS_COUNT; c++) {
        sweep(c);
    }
    arch_irq_restore(flags);
}

void *kmalloc(size_t size)
{
    if (size > (1ull << 40)) {
        return NULL;
    }
    size_t total = size + sizeof(struct block_header);
    int c = heap_class(total);
    struct block_header *h;
    uint64_t flags = arch_irq_save();
    if (c == CLASS_COUNT) {
        size_t n = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
        h = pages_take(n);
        if (h) {
            h->npages = n;
            heap_used += n * PAGE_SIZE;
        }
    } else {
        if (!free_lists[c] && !refill(c)) {
            arch_irq_restore(flags);
            return NULL;
        }
        struct free_block *b = free_lists[c];
        free_lists[c] = b->next;
        free_counts[c]--;
        h = (struct block_header *)(void *)b;
        heap_used += 1u << (c + CLASS_MIN_SHIFT);
    }
    arch_irq_restore(flags);
    if (!h) {
        return NULL;
    }
    h->magic = HEAP_MAGIC;
    h->cls = (uint32_t)c;
    return h + 1;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p) {
        memset(p, 0, size);
    }
    return p;
}

void kfree(void *p)
{
    if (!p) {
        return;
    }
    struct block_header *h = (struct block_header *)p - 1;
    if (h->magic != HEAP_MAGIC || h->cls > CLASS_COUNT) {
        panic("kfree: %p was not allocated by kmalloc, was freed twice or was overrun", p);
    }
    h->magic = 0;
    uint32_t cls = h->cls; // read before the free-list link overwrites the header
    uint64_t flags = arch_irq_save();
    if (cls == CLASS_COUNT) {
        heap_used -= h->npages * PAGE_SIZE;
        page_free(h, h->npages);
    } else {
        struct free_block *b = (struct free_block *)(void *)h;
        b->next = free_lists[cls];
        free_lists[cls] = b;
        heap_used -= 1u << (cls + CLASS_MIN_SHIFT);
        if (++free_counts[cls] > sweep_at[cls]) {
            sweep((int)cls);
        }
    }
    arch_irq_restore(flags);
}
