// PCI Express through a generic ECAM host bridge (the DTB's pci-host-ecam-generic
// node): its windows and legacy interrupts from the device tree, and the enumeration
// of bus 0 that sizes and assigns memory BARs (nothing else does under -kernel boot).
// Portable: config space is reached through `struct pci_cfg`, so the host unit tests
// give it a simulated one. docs/booting.md#pci.
#pragma once

#include "klib.h"
#include <ftl/abi.h>

#define PCI_FN_MAX 32       // functions FTL keeps (bus 0)
#define PCI_INTX_MAP_MAX 32 // interrupt-map entries kept (QEMU virt has 16)
#define PCI_BAR_COUNT 6
#define PCI_BAR_ALIGN 4096u // every BAR gets pages of its own: apps map whole pages

// Config space registers (PCI Local Bus 3.0, type 0 header).
#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04 // 16 bits; STATUS at 0x06
#define PCI_CLASS 0x08   // revision in the low byte
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_OFF 0x400
#define PCI_STATUS_CAP_LIST 0x10

// An address window of the bridge: PCI bus addresses [pci, pci + size) appear to the
// CPU at [cpu, cpu + size). `next` is where the next BAR may go (bus address).
struct pci_window {
    uint64_t cpu, pci, size;
    uint64_t next;
};

// One interrupt-map entry: a (device, pin) after the mask, and the GIC INTID it raises.
struct pci_intx {
    uint32_t devfn_hi; // phys.hi of the child unit address (bus, device, function)
    uint32_t pin;      // 1..4: INTA..INTD
    uint32_t intid;
};

// Where a virtio device's modern (virtio 1.x, spec 4.1.4) structures are: all in one
// memory BAR, which is what QEMU, cloud-hypervisor and crosvm offer.
struct pci_virtio {
    bool ok; // the four structures were found in one assigned BAR
    uint32_t bar;
    uint32_t common, notify, isr, device; // offsets in that BAR
    uint32_t notify_mult;                 // notify_off_multiplier
};

struct pci_fn {
    uint32_t bdf; // bus << 8 | device << 3 | function
    uint16_t vendor, device, subsystem;
    uint32_t class_code;             // class << 16 | subclass << 8 | prog-if
    uint64_t bar_cpu[PCI_BAR_COUNT]; // CPU address of each assigned memory BAR, else 0
    uint64_t bar_size[PCI_BAR_COUNT];
    uint32_t intid; // from the pin and interrupt-map; 0 if none
    bool enabled;   // memory decoding on (every BAR assigned)
    struct pci_virtio virtio;
};

struct board_pci {
    uint64_t ecam_base, ecam_size;
    uint32_t bus_start;
    struct pci_window mem32;        // the non-prefetchable 32-bit window BARs go in
    uint64_t mem64_cpu, mem64_size; // the 64-bit window: found, left unused
    uint32_t intx_mask_hi, intx_mask_pin;
    struct pci_intx intx[PCI_INTX_MAP_MAX];
    size_t nintx;
    struct pci_fn fn[PCI_FN_MAX];
    size_t nfn;
};

// Config space of the bridge's bus 0, by offset into the ECAM window.
struct pci_cfg {
    uint32_t (*read32)(void *ctx, uint32_t off);
    void (*write32)(void *ctx, uint32_t off, uint32_t v);
    void *ctx;
};

/// Reads a pci-host-ecam-generic node (`off`): ECAM `reg`, `bus-range`, the memory
/// windows of `ranges` and `interrupt-map` (parents must be GICs with 3-cell
/// specifiers). FTL_ERR_PARSE if `reg` or a 32-bit memory window is missing or malformed.
FTL_MUST_CHECK ftl_err_t pci_from_fdt(const void *blob, int off, struct board_pci *pci);

/// Takes an `size`-byte (power of 2) BAR from `w`, naturally aligned, at least 4 KiB.
/// Returns the bus address, FTL_ERR_NO_MEMORY if the window is full.
FTL_MUST_CHECK ftl_err_t pci_window_alloc(struct pci_window *w, uint64_t size, uint64_t *out_pci);

/// The INTID of interrupt pin `pin` (1..4) of device `bdf` from interrupt-map, 0 if none.
uint32_t pci_intx_lookup(const struct board_pci *pci, uint32_t bdf, uint32_t pin);

/// Walks bus 0: each function's memory BARs are sized and assigned from the 32-bit
/// window, memory decoding switched on (bus mastering waits for a driver), its INTx
/// looked up, and a virtio device's capabilities found (bounded walk; a device's
/// config space is not trusted).
/// Fills pci->fn. Returns how many functions were found.
size_t pci_enumerate(struct board_pci *pci, const struct pci_cfg *cfg);

/// The virtio device ID of a function (1 network, 2 block), 0 if not virtio.
uint32_t pci_virtio_id(const struct pci_fn *fn);
