// Driver support: claiming devices (virtio-mmio slots from the device tree, virtio-pci
// functions from the PCI bus), interrupt handles and DMA memory. A device belongs to
// one process at a time; its claim ends with it.
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
static const struct process *claimed_pci[PCI_FN_MAX];

static ftl_err_t device_attach_pci(struct process *p, const struct spec_env_item *it);

void device_set_board(const struct board *b)
{
    board = b;
}

// ---- interrupt handles ----
//
// A device interrupt is a line, and a line may be shared: PCI's INTx lines are level
// triggered and several functions may raise the same one. Each owner holds a kirq;
// when the line fires it is masked and every owner is told; it is unmasked once every
// owner has acked (each driver silenced its own device, or found it was not its turn).

#define IRQ_LINES_MAX 16
#define IRQ_LINE_OWNERS 4

struct irq_line {
    uint32_t intid;
    struct kirq *owner[IRQ_LINE_OWNERS]; // a line with no owner is free
};

struct kirq {
    struct object obj;
    struct irq_line *line;
    bool fired; // until ftl_irq_ack; the line is masked meanwhile
};

static struct irq_line lines[IRQ_LINES_MAX];

static void line_fire(void *ctx)
{
    struct irq_line *l = ctx;
    arch_irq_mask(l->intid); // level-triggered: keep it quiet until the drivers ack
    for (size_t i = 0; i < IRQ_LINE_OWNERS; i++) {
        if (l->owner[i]) {
            l->owner[i]->fired = true;
            object_notify(&l->owner[i]->obj);
        }
    }
}

static bool line_is_quiet(const struct irq_line *l)
{
    for (size_t i = 0; i < IRQ_LINE_OWNERS; i++) {
        if (l->owner[i] && l->owner[i]->fired) {
            return false;
        }
    }
    return true;
}

// Makes `k` an owner of interrupt `intid`'s line. FTL_ERR_BUSY if the line has
// IRQ_LINE_OWNERS owners, or if the kernel itself uses the interrupt.
static ftl_err_t line_join(struct kirq *k, uint32_t intid)
{
    struct irq_line *l = NULL, *free_line = NULL;
    for (size_t i = 0; i < IRQ_LINES_MAX && !l; i++) {
        bool used = false;
        for (size_t j = 0; j < IRQ_LINE_OWNERS; j++) {
            used = used || lines[i].owner[j];
        }
        if (used && lines[i].intid == intid) {
            l = &lines[i];
        } else if (!used && !free_line) {
            free_line = &lines[i];
        }
    }
    if (l) {
        for (size_t j = 0; j < IRQ_LINE_OWNERS; j++) {
            if (!l->owner[j]) {
                l->owner[j] = k;
                k->line = l;
                return FTL_OK;
            }
        }
        return FTL_ERR_BUSY;
    }
    if (!free_line) {
        return FTL_ERR_BUSY;
    }
    // The owner first: the line may fire as soon as it is registered (unmasked).
    free_line->intid = intid;
    free_line->owner[0] = k;
    k->line = free_line;
    ftl_err_t err = irq_register(intid, line_fire, free_line);
    if (err != FTL_OK) {
        free_line->owner[0] = NULL;
        k->line = NULL;
    }
    return err;
}

static void line_leave(struct kirq *k)
{
    struct irq_line *l = k->line;
    bool empty = true;
    for (size_t j = 0; j < IRQ_LINE_OWNERS; j++) {
        if (l->owner[j] == k) {
            l->owner[j] = NULL;
        }
        empty = empty && !l->owner[j];
    }
    if (empty) {
        irq_unregister(l->intid);
    } else if (line_is_quiet(l)) {
        arch_irq_unmask(l->intid); // the one that left was the last to ack
    }
}

static uint32_t kirq_poll_state(struct object *obj)
{
    return ((struct kirq *)obj)->fired ? FTL_READABLE : 0;
}

static void kirq_destroy(struct object *obj)
{
    struct kirq *k = (struct kirq *)obj;
    if (k->line) {
        line_leave(k);
    }
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
    if (line_is_quiet(k->line)) {
        arch_irq_unmask(k->line->intid);
    }
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

// Maps `size` bytes of device registers at `pa` for `p`: at `user_va` in an app's own
// space, the kernel's view for inkernel apps. Returns the app's address in *out.
static ftl_err_t map_registers(struct process *p, uint64_t pa, uint64_t size, uint64_t user_va,
                               uint64_t *out)
{
    uint64_t off = pa & (PAGE_SIZE - 1);
    if (process_own_space(p)) {
        if (process_map(p, user_va, pa - off, ALIGN_UP(size + off, PAGE_SIZE),
                        ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_DEVICE) != FTL_OK) {
            return FTL_ERR_NO_MEMORY;
        }
        *out = user_va + off;
        return FTL_OK;
    }
    if (!process_isolation(p)->native) {
        return FTL_ERR_UNSUPPORTED;
    }
    *out = (uint64_t)(uintptr_t)arch_phys_to_virt(pa);
    return FTL_OK;
}

// The interrupt handle and the environ item; `compatible` names the transport.
static ftl_err_t add_device_item(struct process *p, const struct spec_env_item *it,
                                 const char *compatible, uint32_t intid, struct ftl_env_item **out)
{
    struct kirq *k = kmem_zalloc(p->kmem, sizeof(*k));
    if (!k) {
        return FTL_ERR_NO_MEMORY;
    }
    object_init(&k->obj, OBJ_IRQ, &kirq_ops);
    k->obj.kmem = p->kmem;
    ftl_err_t err = line_join(k, intid);
    if (err != FTL_OK) {
        kmem_free(p->kmem, k, sizeof(*k));
        return err;
    }
    err = process_env_add(p, it->name, FTL_ENV_DEVICE, compatible, 0, &k->obj);
    if (err != FTL_OK) {
        object_unref(&k->obj);
        return err;
    }
    *out = &p->env->items[p->env->nitems - 1];
    (*out)->irq = intid;
    return FTL_OK;
}

static ftl_err_t attach_mmio(struct process *p, const struct spec_env_item *it, bool *found)
{
    size_t slot = 0;
    while (slot < board->nvirtio &&
           (claimed[slot] || !virtio_matches(&board->virtio[slot], it->number))) {
        slot++;
    }
    if (slot == board->nvirtio) {
        return FTL_ERR_NOT_FOUND;
    }
    *found = true;
    const struct board_virtio *v = &board->virtio[slot];
    uint64_t mmio;
    ftl_err_t err = map_registers(p, v->base, v->size, USER_DEVICE_BASE + slot * PAGE_SIZE, &mmio);
    struct ftl_env_item *item;
    if (err == FTL_OK) {
        err = add_device_item(p, it, "virtio,mmio", v->irq, &item);
    }
    if (err != FTL_OK) {
        return err;
    }
    item->mmio = mmio;
    item->mmio_size = v->size;
    claimed[slot] = p;
    return FTL_OK;
}

ftl_err_t device_attach(struct process *p, const struct spec_env_item *it)
{
    if (!process_has_grant(p, SPEC_GRANT_DEVICE)) {
        return FTL_ERR_DENIED; // spec_parse already rejects such a spec
    }
    bool any = strcmp(it->str, "virtio") == 0;
    if (!board) {
        return FTL_ERR_NOT_FOUND;
    }
    bool found = false;
    ftl_err_t err = FTL_ERR_NOT_FOUND;
    if (any || strcmp(it->str, "virtio,mmio") == 0) {
        err = attach_mmio(p, it, &found);
    }
    if (!found && (any || strcmp(it->str, "virtio,pci") == 0)) {
        err = device_attach_pci(p, it);
    }
    return err;
}

// ---- PCI (kernel/pci.c enumerates; here the ECAM is reached and functions claimed) ----

#define USER_PCI_BASE (USER_DEVICE_BASE + 0x10000000ull) // PCI BARs, 16 MiB apart
#define USER_PCI_STRIDE (16ull << 20)
#define LINEAR_MAP_END (511ull << 30) // what kmap.c maps for the kernel (arm64)
#define VIRTIO_PCI_OFF_MAX 0x10000u   // structure offsets travel as 16 bits each

static uint8_t *ecam; // bus 0's config space, once enumerated

static uint32_t ecam_read32(void *ctx, uint32_t off)
{
    return *(volatile uint32_t *)((uint8_t *)ctx + off);
}

static void ecam_write32(void *ctx, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)((uint8_t *)ctx + off) = v;
}

void device_pci_init(struct board *b)
{
    struct board_pci *pci = &b->pci;
    if (!b->has_pci) {
        return;
    }
    if (pci->ecam_base + (1u << 20) > LINEAR_MAP_END ||
        pci->mem32.cpu + pci->mem32.size > LINEAR_MAP_END) {
        KWARN("pci: the ECAM or BAR window is outside the kernel's map; PCI devices unused");
        b->has_pci = false;
        return;
    }
    ecam = arch_phys_to_virt(pci->ecam_base);
    struct pci_cfg cfg = {ecam_read32, ecam_write32, ecam};
    size_t n = pci_enumerate(pci, &cfg);
    KINFO("pci: ECAM at 0x%lx, %zu functions on bus %u, BARs from 0x%lx (%lu MiB window)",
          (unsigned long)pci->ecam_base, n, (unsigned)pci->bus_start, (unsigned long)pci->mem32.cpu,
          (unsigned long)(pci->mem32.size >> 20));
    for (size_t i = 0; i < n; i++) {
        const struct pci_fn *fn = &pci->fn[i];
        uint32_t id = pci_virtio_id(fn);
        if (id == 0) {
            continue;
        }
        KINFO("pci: %02x:%02x.%u virtio device %u, INTx %u, %s", (unsigned)(fn->bdf >> 8),
              (unsigned)((fn->bdf >> 3) & 31), (unsigned)(fn->bdf & 7), (unsigned)id,
              (unsigned)fn->intid,
              !fn->enabled    ? "its BARs did not fit the window: unused"
              : fn->virtio.ok ? "modern transport"
                              : "no virtio 1.x structures in one BAR: unused");
    }
}

// Bus mastering on while an app drives the function, off once it is gone: a device
// its driver left running cannot write into pages the kernel gave back.
static void pci_set_master(const struct pci_fn *fn, bool on)
{
    uint32_t off = ((fn->bdf & 0xff) << 12) + PCI_COMMAND;
    uint32_t cmd = ecam_read32(ecam, off) & 0xffff;
    cmd = on ? cmd | PCI_COMMAND_MASTER : cmd & ~(uint32_t)PCI_COMMAND_MASTER;
    ecam_write32(ecam, off, cmd);
}

static bool pci_virtio_matches(const struct pci_fn *fn, int64_t virtio_id)
{
    uint32_t id = pci_virtio_id(fn);
    return id != 0 && fn->enabled && fn->virtio.ok && fn->intid != 0 &&
           (virtio_id < 0 || id == (uint32_t)virtio_id);
}

static ftl_err_t device_attach_pci(struct process *p, const struct spec_env_item *it)
{
    if (!board->has_pci) {
        return FTL_ERR_NOT_FOUND;
    }
    const struct board_pci *pci = &board->pci;
    size_t slot = 0;
    while (slot < pci->nfn &&
           (claimed_pci[slot] || !pci_virtio_matches(&pci->fn[slot], it->number))) {
        slot++;
    }
    if (slot == pci->nfn) {
        return FTL_ERR_NOT_FOUND;
    }
    const struct pci_fn *fn = &pci->fn[slot];
    const struct pci_virtio *v = &fn->virtio;
    uint64_t size = fn->bar_size[v->bar];
    if (size > USER_PCI_STRIDE || v->common >= VIRTIO_PCI_OFF_MAX || v->isr >= VIRTIO_PCI_OFF_MAX ||
        v->device >= VIRTIO_PCI_OFF_MAX || v->notify >= VIRTIO_PCI_OFF_MAX) {
        return FTL_ERR_UNSUPPORTED;
    }
    uint64_t mmio;
    ftl_err_t err =
        map_registers(p, fn->bar_cpu[v->bar], size, USER_PCI_BASE + slot * USER_PCI_STRIDE, &mmio);
    struct ftl_env_item *item;
    if (err == FTL_OK) {
        err = add_device_item(p, it, "virtio,pci", fn->intid, &item);
    }
    if (err != FTL_OK) {
        return err;
    }
    item->mmio = mmio;
    item->mmio_size = size;
    item->number = (int64_t)((uint64_t)v->common | (uint64_t)v->isr << 16 |
                             (uint64_t)v->device << 32 | (uint64_t)v->notify << 48);
    item->reserved = v->notify_mult;
    claimed_pci[slot] = p;
    pci_set_master(fn, true);
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
    // PCI devices stop reaching memory before their driver's DMA pages go back.
    for (size_t i = 0; i < PCI_FN_MAX; i++) {
        if (claimed_pci[i] == p) {
            pci_set_master(&board->pci.fn[i], false);
            claimed_pci[i] = NULL;
        }
    }
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
