// A small reader for flattened device trees (the DTB QEMU hands the kernel), and
// the board facts FTL takes from it. Portable: unit-tested on the host.
#pragma once

#include "klib.h"
#include <ftl/abi.h>
#include "pci.h"

#define BOARD_VIRTIO_MAX 32

struct board_virtio {
    uint64_t base;
    uint64_t size;
    uint32_t irq;           // GIC INTID
};

// What the kernel needs to know about the machine. Filled by board_from_fdt().
struct board {
    uint64_t ram_base, ram_size;
    uint64_t uart_base;     // the first UART the tree names, a PL011 or a 16550
    uint32_t uart_irq;      // GIC INTID
    bool uart_is_16550;     // ns16550a (Firecracker's console); else arm,pl011
    uint32_t uart_reg_shift; // 16550: registers are 1 << reg_shift bytes apart
    uint32_t gic_version;   // 3 (arm,gic-v3) or 2 (arm,cortex-a15-gic, arm,gic-400)
    uint64_t gicd_base;     // distributor
    uint64_t gicr_base;     // GICv3: redistributors
    uint64_t gicc_base;     // GICv2: CPU interface
    const char *unknown_irqchip; // compatible of an interrupt controller FTL cannot drive
    uint32_t timer_irq;     // INTID of the EL2 (hypervisor) physical timer
    uint32_t timer_virt_irq; // INTID of the EL1 virtual timer (the kernel's at EL1)
    bool psci_smc;          // PSCI conduit: smc (true) or hvc (false)
    const char *bootargs;   // /chosen/bootargs, "" if absent
    uint64_t initrd_start, initrd_end; // /chosen/linux,initrd-*: QEMU -initrd (0 if none)
    struct board_virtio virtio[BOARD_VIRTIO_MAX];
    size_t nvirtio;
    bool has_pci;           // a pci-host-ecam-generic bridge FTL can use (`pci`)
    struct board_pci pci;   // its windows and interrupts; functions once enumerated
};

/// Checks the FDT header at `blob`. Returns FTL_OK and the total size, or
/// FTL_ERR_PARSE if it is not a valid version-17 device tree.
FTL_MUST_CHECK ftl_err_t fdt_check(const void *blob, size_t *out_size);

/// Returns the offset of the node after `off` in document order (off < 0: the
/// root), updating *depth (root is 1), or -1 at the end.
int fdt_next_node(const void *blob, int off, int *depth);
/// Returns the node's name ("pl011@9000000"; "" for the root).
const char *fdt_node_name(const void *blob, int off);
/// Returns property `name` of node `off` and its length, or NULL if absent.
const void *fdt_prop(const void *blob, int off, const char *name, uint32_t *out_len);
/// True if the node's "compatible" list contains `compat`.
bool fdt_is_compatible(const void *blob, int off, const char *compat);
/// Reads a big-endian number of `ncells` 32-bit cells.
uint64_t fdt_read_cells(const void *p, uint32_t ncells);

/// Fills `b` from the device tree. Returns FTL_ERR_PARSE (and says why in `why`)
/// if memory, the UART, a GICv3 or GICv2 or the timer cannot be found; `b` then
/// still holds what was found (the UART, to say so on).
FTL_MUST_CHECK ftl_err_t board_from_fdt(const void *blob, struct board *b, const char **why);
