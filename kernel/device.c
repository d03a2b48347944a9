// Driver support: claiming devices from the device tree, interrupt handles and DMA
// memory. A device belongs to one process at a time; its claim ends with it.
#include "device.h"
#include "fdt.h"
#include "isolation/isolation.h"
#include "log.h"
#include "mm.h"
#include "syscall.h"
#include "trap.h"

#define VIRTIO_MAGIC 0x74726976u          // "virt", virtio-mmio register 0x000

static const struct board *board;
static const struct process *claimed[BOARD_VIRTIO_MAX];

void device_set_board(const struct board *b)
{
    board = b;
}

// ---- interrupt handles ----

struct kirq {
    struct object obj;
    uint32_t intid;
    bool fired;                           // until ftl_irq_ack; the line is masked meanwhile
};

static void kirq_fire(void *ctx)
{
    struct kirq *k = ctx;
    arch_irq_mask(k->intid); // level-triggered: keep it quiet until the driver acks
    k->fired = true;
    object_notify(&k->obj);
}

static uint32_t kirq_poll_state(struct object *obj)
{
    return ((struct kirq *)obj)->fired ? FTL_READABLE : 0;
}

static void kirq_destroy(struct object *obj)
{
    struct kirq *k = (struct kirq *)obj;
    irq_unregister(k->intid);
    kmem_free(k->obj.kmem, k, sizeof(*k));
}

static const struct object_ops kirq_ops = {
    .destroy = kirq_destroy,
    .poll_state = kirq_poll_state,
};

ftl_err_t sys_irq_ack(struct process *p, ftl_handle_t h)
{
    if (!process_has_grant(p, SPEC_GRANT_DEVICE)) {
        return FTL_ERR_DENIED; // also for an IRQ handle another app passed on
    }
    struct handle_entry *e;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_IRQ, FTL_RIGHT_WRITE, &e);
    if (err != FTL_OK) {
        return err;
    }
    struct kirq *k = (struct kirq *)e->obj;
    k->fired = false;
    arch_irq_unmask(k->intid);
    return FTL_OK;
}

// ---- claiming ----

static bool virtio_matches(const struct board_virtio *v, int64_t virtio_id)
{
    volatile uint32_t *regs = arch_phys_to_virt(v->base);
    if (regs[0] != VIRTIO_MAGIC) {
        return false;
    }
    uint32_t id = regs[2]; // DeviceID; 0 means an empty slot
    return id != 0 && (virtio_id < 0 || id == (uint32_t)virtio_id);
}

ftl_err_t device_attach(struct process *p, const struct spec_env_item *it)
{
    if (!process_has_grant(p, SPEC_GRANT_DEVICE)) {
        return FTL_ERR_DENIED; // spec_parse already rejects such a spec
    }
    if (strcmp(it->str, "virtio,mmio") != 0 || !board) {
        return FTL_ERR_NOT_FOUND;
    }
    size_t slot = 0;
    while (slot < board->nvirtio &&
           (claimed[slot] || !virtio_matches(&board->virtio[slot], it->number))) {
        slot++;
    }
    if (slot == board->nvirtio) {
        return FTL_ERR_NOT_FOUND;
    }
    const struct board_virtio *v = &board->virtio[slot];
    uint64_t mmio = (uint64_t)(uintptr_t)arch_phys_to_virt(v->base);
    size_t size = ALIGN_UP(v->size, PAGE_SIZE);
    if (process_own_space(p)) {
        mmio = USER_DEVICE_BASE + slot * PAGE_SIZE + (v->base & (PAGE_SIZE - 1));
        if (process_map(p, mmio & ~(uint64_t)(PAGE_SIZE - 1),
                        v->base & ~(uint64_t)(PAGE_SIZE - 1), size,
                        ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_DEVICE) != FTL_OK) {
            return FTL_ERR_NO_MEMORY;
        }
    } else if (!process_isolation(p)->native) {
        return FTL_ERR_UNSUPPORTED;
    }
    struct kirq *k = kmem_zalloc(p->kmem, sizeof(*k));
    if (!k) {
        return FTL_ERR_NO_MEMORY;
    }
    object_init(&k->obj, OBJ_IRQ, &kirq_ops);
    k->obj.kmem = p->kmem;
    k->intid = v->irq;
    ftl_err_t err = irq_register(v->irq, kirq_fire, k);
    if (err != FTL_OK) {
        kmem_free(p->kmem, k, sizeof(*k));
        return err;
    }
    err = process_env_add(p, it->name, FTL_ENV_DEVICE, it->str, 0, &k->obj);
    if (err != FTL_OK) {
        object_unref(&k->obj);
        return err;
    }
    struct ftl_env_item *item = &p->env->items[p->env->nitems - 1];
    item->mmio = mmio;
    item->mmio_size = v->size;
    item->irq = v->irq;
    claimed[slot] = p;
    return FTL_OK;
}

// ---- DMA ----

ftl_err_t sys_dma_alloc(struct process *p, size_t size, uaddr_t out_va, uaddr_t out_bus)
{
    if (!process_has_grant(p, SPEC_GRANT_DMA)) {
        return FTL_ERR_DENIED;
    }
    if (size == 0 || size > DMA_ALLOC_MAX) {
        return FTL_ERR_INVALID_ARG;
    }
    if (p->dma_bytes + size > DMA_PROCESS_MAX) {
        return FTL_ERR_NO_MEMORY; // this app's share is used up; others are unaffected
    }
    if (!process_isolation(p)->native) {
        return FTL_ERR_UNSUPPORTED;
    }
    uint64_t *to_va = process_range(p, out_va, sizeof(uint64_t), ARCH_PROT_WRITE);
    uint64_t *to_bus = process_range(p, out_bus, sizeof(uint64_t), ARCH_PROT_WRITE);
    if (!to_va || !to_bus) {
        return FTL_ERR_BAD_ADDRESS;
    }
    size_t npages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
    if (kmem_charge(p->kmem, npages * PAGE_SIZE) != FTL_OK) {
        return FTL_ERR_NO_MEMORY; // over this app's kernel-memory limit, or the reserve
    }
    struct dma_block *b = kmem_zalloc(p->kmem, sizeof(*b));
    void *va = b ? page_alloc(npages) : NULL;
    if (!va) {
        kmem_free(p->kmem, b, sizeof(*b));
        kmem_uncharge(p->kmem, npages * PAGE_SIZE);
        return FTL_ERR_NO_MEMORY;
    }
    uint64_t bus = arch_virt_to_phys(va);
    uint64_t app_va = (uint64_t)(uintptr_t)va;
    if (process_own_space(p)) {
        app_va = USER_DMA_BASE + p->dma_bytes;
    }
    b->va = va;
    b->npages = npages;
    list_push_back(&p->dma, &b->link);
    p->dma_bytes += npages * PAGE_SIZE;
    if (process_own_space(p) &&
        process_map(p, app_va, bus, npages * PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_WRITE) !=
            FTL_OK) {
        // Part of the block may be mapped already: it stays the app's (and charged)
        // until the address space goes, so no page is ever reachable after its free.
        return FTL_ERR_NO_MEMORY;
    }
    memcpy(to_va, &app_va, sizeof(app_va)); // the app's memory cannot change meanwhile
    memcpy(to_bus, &bus, sizeof(bus));
    return FTL_OK;
}

void device_release(struct process *p)
{
    while (!list_is_empty(&p->dma)) {
        struct dma_block *b = container_of(list_pop_front(&p->dma), struct dma_block, link);
        page_free(b->va, b->npages);
        kmem_uncharge(p->kmem, b->npages * PAGE_SIZE);
        kmem_free(p->kmem, b, sizeof(*b));
    }
    for (size_t i = 0; i < BOARD_VIRTIO_MAX; i++) {
        if (claimed[i] == p) {
            claimed[i] = NULL;
        }
    }
}
