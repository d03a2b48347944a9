// Kernel-memory accounts: charging, limits up the spawn chain, the kernel's reserve.
// The WebAssembly engine charges with interrupts unmasked, so updates mask them.
#include "kmem.h"
#include "mm.h"

static size_t charged_total;
static uint64_t refusals;

size_t kmem_reserve_bytes(void)
{
    // 1/32 of RAM, at least 2 MiB: room to log, kill, spawn and route packets.
    size_t r = page_total_count() * PAGE_SIZE / 32;
    return r < (2u << 20) ? (2u << 20) : r;
}

size_t kmem_charged_total(void)
{
    return charged_total;
}

uint64_t kmem_refusals(void)
{
    return refusals;
}

ftl_err_t kmem_create(struct kmem *parent, size_t limit, struct kmem **out)
{
    struct kmem *k = kzalloc(sizeof(*k));
    if (!k) {
        return FTL_ERR_NO_MEMORY;
    }
    k->limit = limit;
    k->refs = 1;
    k->parent = parent;
    if (parent) {
        parent->refs++;
    }
    *out = k;
    return FTL_OK;
}

// Frees `k` if nobody owns it and nothing is charged to it; the parent then loses
// a reference and may go too.
static void kmem_try_free(struct kmem *k)
{
    while (k && k->refs == 0 && k->used == 0) {
        struct kmem *parent = k->parent;
        kfree(k);
        if (parent) {
            parent->refs--;
        }
        k = parent;
    }
}

void kmem_release(struct kmem *k)
{
    if (!k) {
        return;
    }
    if (k->refs == 0) {
        panic("kmem_release: account %p released twice", (void *)k);
    }
    uint64_t flags = arch_irq_save();
    k->refs--;
    kmem_try_free(k);
    arch_irq_restore(flags);
}

ftl_err_t kmem_charge(struct kmem *k, size_t bytes)
{
    if (!k) {
        return FTL_OK;
    }
    size_t free_bytes = page_free_count() * PAGE_SIZE;
    if (free_bytes < kmem_reserve_bytes() || bytes > free_bytes - kmem_reserve_bytes()) {
        refusals++;
        return FTL_ERR_NO_MEMORY;
    }
    uint64_t flags = arch_irq_save();
    for (struct kmem *a = k; a; a = a->parent) {
        if (bytes > a->limit || a->used > a->limit - bytes) {
            refusals++;
            arch_irq_restore(flags);
            return FTL_ERR_NO_MEMORY;
        }
    }
    for (struct kmem *a = k; a; a = a->parent) {
        a->used += bytes;
        if (a->used > a->peak) {
            a->peak = a->used;
        }
    }
    charged_total += bytes;
    arch_irq_restore(flags);
    return FTL_OK;
}

void kmem_uncharge(struct kmem *k, size_t bytes)
{
    if (!k) {
        return;
    }
    uint64_t flags = arch_irq_save();
    for (struct kmem *a = k; a; a = a->parent) {
        if (a->used < bytes) {
            panic("kmem_uncharge: %zu bytes returned, %zu charged", bytes, a->used);
        }
        a->used -= bytes;
    }
    charged_total -= bytes;
    kmem_try_free(k);
    arch_irq_restore(flags);
}

void *kmem_alloc(struct kmem *k, size_t size)
{
    size_t bytes = heap_block_bytes(size);
    if (kmem_charge(k, bytes) != FTL_OK) {
        return NULL;
    }
    void *p = kmalloc(size);
    if (!p) {
        kmem_uncharge(k, bytes);
    }
    return p;
}

void *kmem_zalloc(struct kmem *k, size_t size)
{
    void *p = kmem_alloc(k, size);
    if (p) {
        memset(p, 0, size);
    }
    return p;
}

void kmem_free(struct kmem *k, void *p, size_t size)
{
    if (!p) {
        return;
    }
    kfree(p);
    kmem_uncharge(k, heap_block_bytes(size));
}
