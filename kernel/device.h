// Device access for driver apps: devices named in specs are claimed and mapped,
// their interrupts become handles, and apps allocate DMA memory.
#pragma once

#include "process.h"
#include "spec.h"

struct board;

#define USER_DEVICE_BASE 0x40000000ull    // where user apps see device registers
#define USER_DMA_BASE 0x80000000ull       // where user apps see their DMA memory
#define DMA_ALLOC_MAX (4u << 20)          // per call
#define DMA_PROCESS_MAX (32u << 20)       // per process

// DMA memory an app holds; freed with the process.
struct dma_block {
    struct list link;                     // in process->dma
    void *va;                             // kernel view
    size_t npages;
};

/// Claims the board device matching `it` (compatible "virtio,mmio", "virtio,pci" or
/// "virtio": either, virtio-mmio first; `virtio_id` the device ID) for `p`: maps its registers, makes its interrupt a handle, and adds the
/// environ item. FTL_ERR_NOT_FOUND if no unclaimed device matches, FTL_ERR_DENIED if
/// `p`'s spec lacks the `device` grant.
FTL_MUST_CHECK ftl_err_t device_attach(struct process *p, const struct spec_env_item *it);

/// Releases what `p` holds: DMA memory and device claims.
void device_release(struct process *p);

/// The board facts from the device tree (set once at boot).
void device_set_board(const struct board *b);

/// Enumerates the board's PCI bus 0 (kernel/pci.c): BARs assigned, devices enabled,
/// one log line per virtio function. Once at boot, after the kernel's map is made.
void device_pci_init(struct board *b);
