// Kernel-memory accounts: charging, limits up the spawn chain, the kernel's reserve.
// Called with interrupts masked, like all kernel code (the WebAssembly engine,
// which runs unmasked, masks them around its charges).
#include "kmem.h"

size_t kmem_reserve_pages;
static struct list accounts = {&accounts, &accounts};
static uint64_t refusals;

void kmem_init(void)
{
    // 1/32 of RAM, at least 2 MiB: room to log, kill, spawn and route packets.
    size_t pages = page_total_count() / 32;
    kmem_reserve_pages = pages < 512 ? 512 : pages;
}

size_t kmem_reserve_bytes(void)
{
    return kmem_reserve_pages * PAGE_SIZE;
}

size_t kmem_charged_total(void)
{
    // Top-level accounts hold every charge below them; credit is not handed out.
    size_t total = 0;
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &accounts) {
        struct kmem *k = container_of(pos, struct kmem, link);
        total += (k->parent ? 0 : k->used) - k->credit;
    }
    return total;
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
    k->credit_max = 2 * KMEM_BATCH;
    k->refs = 1;
    k->parent = parent;
    list_push_back(&accounts, &k->link);
    if (parent) {
        parent->refs++;
    }
    *out = k;
    return FTL_OK;
}

// Takes `bytes` from the limits and the reserve all the way up the chain, or
// nothing. The reserve is checked here only: credit is at most 2 batches.
static ftl_err_t take(struct kmem *k, size_t bytes)
{
    size_t free_bytes = page_free_count() * PAGE_SIZE;
    if (free_bytes < kmem_reserve_bytes() || bytes > free_bytes - kmem_reserve_bytes()) {
        return FTL_ERR_NO_MEMORY;
    }
    for (struct kmem *a = k; a; a = a->parent) {
        if (bytes > a->limit || a->used > a->limit - bytes) {
            return FTL_ERR_NO_MEMORY;
        }
    }
    for (struct kmem *a = k; a; a = a->parent) {
        a->used += bytes;
        if (a->used > a->peak) {
            a->peak = a->used;
        }
    }
    return FTL_OK;
}

static void give_back(struct kmem *k, size_t bytes)
{
    for (struct kmem *a = k; a; a = a->parent) {
        if (a->used < bytes) {
            panic("kmem: %zu bytes returned, %zu taken", bytes, a->used);
        }
        a->used -= bytes;
    }
}

// Frees `k` if nobody owns it and nothing is charged to it; the parent then loses
// a reference and may go too.
static void kmem_try_free(struct kmem *k)
{
    while (k && k->refs == 0 && k->used == 0) {
        struct kmem *parent = k->parent;
        list_remove(&k->link);
        kfree(k);
        k = parent;
        if (k && --k->refs == 0) {
            k->credit_max = 0;
            if (k->credit) {
                give_back(k, k->credit); // nobody will spend it now
                k->credit = 0;
            }
        }
    }
}

ftl_err_t kmem_charge_slow(struct kmem *k, size_t bytes)
{
    // A batch of credit beyond this charge when it fits, else exactly the charge.
    if (take(k, bytes + KMEM_BATCH) == FTL_OK) {
        k->credit += KMEM_BATCH;
    } else if (take(k, bytes) != FTL_OK) {
        refusals++;
        return FTL_ERR_NO_MEMORY;
    }
    return FTL_OK;
}

void kmem_uncharge_slow(struct kmem *k)
{
    size_t keep = k->refs == 0 ? 0 : KMEM_BATCH; // a released account keeps nothing
    if (k->credit > keep) {
        give_back(k, k->credit - keep);
        k->credit = keep;
    }
    kmem_try_free(k);
}

void kmem_release(struct kmem *k)
{
    if (!k) {
        return;
    }
    if (k->refs == 0) {
        panic("kmem_release: account %p released twice", (void *)k);
    }
    k->refs--;
    if (k->refs == 0) {
        k->credit_max = 0;
        kmem_uncharge_slow(k);
    }
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
