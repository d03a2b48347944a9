// Kernel-memory accounts: every allocation the kernel makes on an app's behalf
// (queued messages, channels, polls and their watches, timers, page tables, DMA
// memory, the processes it spawns) is charged to the app's account until it is freed.
// Accounts nest: a spawned app's account has its spawner's as parent, and a charge
// must fit under every limit up the chain. An account outlives its process while
// anything is still charged to it (a message it sent still queued elsewhere).
// Apps can never take the last `reserve` bytes of RAM: those stay for the kernel
// (logging, killing an app, starting one, the network).
#pragma once

#include "kernel.h"
#include "mm.h"

// Charges are taken from the limit in steps of KMEM_BATCH (or less near the limit)
// into `credit`, so a message costs the fast path a compare, an add and a store.
struct kmem {
    size_t credit;                   // of `used`, taken but not handed out yet
    size_t credit_max;               // past this, uncharges give credit back (0 once
                                     // the owner is gone: the slow path frees it)
    size_t used;                     // bytes taken from the limit here and below,
                                     // `credit` included
    size_t peak;                     // highest `used` seen
    size_t limit;                    // charges fail past this many bytes
    uint32_t refs;                   // the owning process + each child account
    struct kmem *parent;             // the spawner's account, or NULL
    struct list link;                // every account (kmem_charged_total)
};

#define KMEM_EXTRA_DEFAULT (8u << 20) // default limit: the app's own memory + 8 MiB
#define KMEM_BATCH (16u << 10)        // credit taken from the limit at a time

/// Creates an account with `limit` bytes under `parent` (NULL: a top-level app),
/// owned by the caller (one reference). Returns FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t kmem_create(struct kmem *parent, size_t limit, struct kmem **out);

/// Drops the owner's reference; the account goes once nothing is charged to it.
void kmem_release(struct kmem *k);

/// kmalloc(size) charged to `k` for the heap block it really takes; NULL if the
/// charge or the allocation fails. Free with kmem_free(k, p, size).
void *kmem_alloc(struct kmem *k, size_t size);
/// kmem_alloc, zeroed.
void *kmem_zalloc(struct kmem *k, size_t size);
/// Frees `p` from kmem_alloc(k, size) and uncharges it. NULL `p` is fine.
void kmem_free(struct kmem *k, void *p, size_t size);

/// Bytes of RAM apps may never take.
size_t kmem_reserve_bytes(void);
/// Bytes charged to all accounts and handed out now (those of exited apps included).
size_t kmem_charged_total(void);
/// Times a charge was refused (limit or reserve) since boot.
uint64_t kmem_refusals(void);

// The slow paths behind the inline functions below.
FTL_MUST_CHECK ftl_err_t kmem_charge_slow(struct kmem *k, size_t bytes);
void kmem_uncharge_slow(struct kmem *k);
extern size_t kmem_reserve_pages; // set by kmem_init

/// Sets the reserve from the RAM the page allocator manages (after mm_init).
void kmem_init(void);

#ifdef FTL_BENCH_NO_ACCOUNTING
// Only for `make bench`, which boots this variant beside the real kernel to measure
// what accounting costs a message: nothing is charged, nothing refused.
static inline ftl_err_t kmem_charge(struct kmem *k, size_t bytes)
{
    (void)k;
    (void)bytes;
    return FTL_OK;
}

static inline void kmem_uncharge(struct kmem *k, size_t bytes)
{
    (void)k;
    (void)bytes;
}
#else
/// Charges `bytes` to `k` and its ancestors. FTL_ERR_NO_MEMORY (nothing charged) if
/// that would pass a limit on the chain or eat into the kernel's reserve. A NULL
/// account is the kernel's own: never charged, never refused. Called with
/// interrupts masked (all kernel calls are). Inline: it is on every message's path.
FTL_MUST_CHECK static inline ftl_err_t kmem_charge(struct kmem *k, size_t bytes)
{
    if (!k) {
        return FTL_OK;
    }
    if (bytes > k->credit) {
        return kmem_charge_slow(k, bytes);
    }
    k->credit -= bytes;
    return FTL_OK;
}

/// Returns `bytes` charged earlier to `k` (NULL: nothing to do). Interrupts masked.
static inline void kmem_uncharge(struct kmem *k, size_t bytes)
{
    if (!k) {
        return;
    }
    k->credit += bytes;
    if (k->credit > k->credit_max) {
        kmem_uncharge_slow(k); // gives surplus credit back; may free a released account
    }
}

#endif
/// Bytes charged to `k` and handed out (its credit not counted).
static inline size_t kmem_in_use(const struct kmem *k)
{
    return k->used - k->credit;
}
