// PCI Express ECAM host bridge: device tree parsing, bus 0 enumeration and BAR
// assignment, virtio capability discovery. Everything read from config space comes
// from devices and is checked before use: bounded capability walks, offsets inside
// their BAR, BAR sizes powers of two that fit the window.
#include "pci.h"
#include "fdt.h"

#define PCI_VENDOR_VIRTIO 0x1af4
#define PCI_CAP_VENDOR 0x09
#define PCI_CAPS_MAX 48 // (256 - 64) / 4: more hops than that is a loop
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR 3
#define VIRTIO_PCI_CAP_DEVICE 4
#define VIRTIO_PCI_COMMON_LEN 0x38         // struct virtio_pci_common_cfg, virtio 1.1
#define RANGE_SPACE(hi) (((hi) >> 24) & 3) // 1 I/O, 2 32-bit memory, 3 64-bit memory
#define RANGE_PREFETCH(hi) (((hi) >> 30) & 1)

static uint32_t prop_u32(const void *blob, int off, const char *name, uint32_t dflt)
{
    uint32_t len;
    const void *p = fdt_prop(blob, off, name, &len);
    return p && len == 4 ? (uint32_t)fdt_read_cells(p, 1) : dflt;
}

// The node whose `phandle` is `ph`, or -1.
static int node_by_phandle(const void *blob, uint32_t ph)
{
    int depth = 0;
    for (int off = fdt_next_node(blob, -1, &depth); off >= 0;
         off = fdt_next_node(blob, off, &depth)) {
        if (prop_u32(blob, off, "phandle", 0) == ph && ph != 0) {
            return off;
        }
    }
    return -1;
}

// `ranges`: (3-cell PCI address, 2-cell CPU address, 2-cell size) entries.
static void read_ranges(const void *blob, int off, struct board_pci *pci)
{
    uint32_t len;
    const uint8_t *p = fdt_prop(blob, off, "ranges", &len);
    const uint32_t stride = 7 * 4;
    for (uint32_t i = 0; p && i + stride <= len; i += stride) {
        uint32_t hi = (uint32_t)fdt_read_cells(p + i, 1);
        uint64_t pci_addr = fdt_read_cells(p + i + 4, 2);
        uint64_t cpu = fdt_read_cells(p + i + 12, 2);
        uint64_t size = fdt_read_cells(p + i + 20, 2);
        if (size == 0 || cpu + size < cpu || pci_addr + size < pci_addr) {
            continue;
        }
        if (RANGE_SPACE(hi) == 2 && !RANGE_PREFETCH(hi) && pci->mem32.size == 0 &&
            pci_addr + size <= (1ull << 32)) {
            pci->mem32 =
                (struct pci_window){.cpu = cpu, .pci = pci_addr, .size = size, .next = pci_addr};
        } else if (RANGE_SPACE(hi) == 3 && pci->mem64_size == 0) {
            pci->mem64_cpu = cpu;
            pci->mem64_size = size;
        }
    }
}

// `interrupt-map`: (child address, child pin, parent phandle, parent address, parent
// specifier) entries; the parent's cell counts come from the parent node.
static void read_interrupt_map(const void *blob, int off, struct board_pci *pci)
{
    uint32_t len, mlen;
    const uint8_t *p = fdt_prop(blob, off, "interrupt-map", &len);
    const uint8_t *mask = fdt_prop(blob, off, "interrupt-map-mask", &mlen);
    if (!p || !mask || mlen != 16 || prop_u32(blob, off, "#interrupt-cells", 0) != 1) {
        return;
    }
    pci->intx_mask_hi = (uint32_t)fdt_read_cells(mask, 1);
    pci->intx_mask_pin = (uint32_t)fdt_read_cells(mask + 12, 1);
    uint32_t last_ph = 0, parent_addr = 0, parent_irq = 0;
    uint32_t i = 0;
    while (i + 5 * 4 <= len && pci->nintx < PCI_INTX_MAP_MAX) {
        uint32_t hi = (uint32_t)fdt_read_cells(p + i, 1);
        uint32_t pin = (uint32_t)fdt_read_cells(p + i + 12, 1);
        uint32_t ph = (uint32_t)fdt_read_cells(p + i + 16, 1);
        if (ph != last_ph) {
            int parent = node_by_phandle(blob, ph);
            if (parent < 0) {
                return; // the entry's length is unknown: stop here
            }
            parent_addr = prop_u32(blob, parent, "#address-cells", 0);
            parent_irq = prop_u32(blob, parent, "#interrupt-cells", 0);
            last_ph = ph;
        }
        i += 5 * 4;
        if (parent_addr > 3 || parent_irq != 3 || i + 4 * (parent_addr + 3) > len) {
            return; // not a GIC (type, number, flags), or truncated
        }
        const uint8_t *spec = p + i + 4 * parent_addr;
        uint32_t type = (uint32_t)fdt_read_cells(spec, 1);
        uint32_t num = (uint32_t)fdt_read_cells(spec + 4, 1);
        i += 4 * (parent_addr + 3);
        if (num < 1020) {
            pci->intx[pci->nintx++] =
                (struct pci_intx){.devfn_hi = hi, .pin = pin, .intid = num + (type == 0 ? 32 : 16)};
        }
    }
}

ftl_err_t pci_from_fdt(const void *blob, int off, struct board_pci *pci)
{
    memset(pci, 0, sizeof(*pci));
    uint32_t len;
    const uint8_t *reg = fdt_prop(blob, off, "reg", &len);
    if (!reg || len < 16 || prop_u32(blob, off, "#address-cells", 0) != 3 ||
        prop_u32(blob, off, "#size-cells", 0) != 2) {
        return FTL_ERR_PARSE;
    }
    pci->ecam_base = fdt_read_cells(reg, 2);
    pci->ecam_size = fdt_read_cells(reg + 8, 2);
    const uint8_t *bus = fdt_prop(blob, off, "bus-range", &len);
    pci->bus_start = bus && len == 8 ? (uint32_t)fdt_read_cells(bus, 1) : 0;
    read_ranges(blob, off, pci);
    read_interrupt_map(blob, off, pci);
    if (pci->ecam_size < (1u << 20) || pci->ecam_base + pci->ecam_size < pci->ecam_base ||
        pci->bus_start > 255 || pci->mem32.size == 0) {
        return FTL_ERR_PARSE; // not even bus 0's 1 MiB, or nowhere to put BARs
    }
    return FTL_OK;
}

ftl_err_t pci_window_alloc(struct pci_window *w, uint64_t size, uint64_t *out_pci)
{
    if (size == 0 || (size & (size - 1)) != 0) {
        return FTL_ERR_INVALID_ARG;
    }
    if (size < PCI_BAR_ALIGN) {
        size = PCI_BAR_ALIGN;
    }
    uint64_t at = (w->next + size - 1) & ~(size - 1);
    uint64_t end = w->pci + w->size;
    if (at < w->next || at > end || size > end - at) {
        return FTL_ERR_NO_MEMORY;
    }
    w->next = at + size;
    *out_pci = at;
    return FTL_OK;
}

uint32_t pci_intx_lookup(const struct board_pci *pci, uint32_t bdf, uint32_t pin)
{
    uint32_t hi = (bdf << 8) & pci->intx_mask_hi;
    uint32_t p = pin & pci->intx_mask_pin;
    for (size_t i = 0; i < pci->nintx; i++) {
        if (pci->intx[i].devfn_hi == hi && pci->intx[i].pin == p) {
            return pci->intx[i].intid;
        }
    }
    return 0;
}

static uint32_t cfg_read(const struct pci_cfg *cfg, uint32_t base, uint32_t reg)
{
    return cfg->read32(cfg->ctx, base + reg);
}

static void cfg_write(const struct pci_cfg *cfg, uint32_t base, uint32_t reg, uint32_t v)
{
    cfg->write32(cfg->ctx, base + reg, v);
}

// Sizes and assigns the memory BARs; false if one could not be placed. I/O BARs are
// left alone (I/O decoding stays off).
static bool assign_bars(struct board_pci *pci, const struct pci_cfg *cfg, uint32_t base,
                        struct pci_fn *fn)
{
    bool ok = true;
    for (uint32_t i = 0; i < PCI_BAR_COUNT; i++) {
        uint32_t reg = PCI_BAR0 + 4 * i;
        uint32_t orig = cfg_read(cfg, base, reg);
        if (orig & 1) {
            continue;
        }
        bool is64 = ((orig >> 1) & 3) == 2;
        if (is64 && i == PCI_BAR_COUNT - 1) {
            return false; // a 64-bit BAR needs the next register too
        }
        cfg_write(cfg, base, reg, 0xffffffffu);
        uint64_t mask = cfg_read(cfg, base, reg) & ~0xfull;
        if (is64) {
            cfg_write(cfg, base, reg + 4, 0xffffffffu);
            mask |= (uint64_t)cfg_read(cfg, base, reg + 4) << 32;
        } else {
            mask |= 0xffffffff00000000ull;
        }
        uint64_t size = ~mask + 1;
        uint64_t at = 0;
        if ((uint32_t)mask == 0 && (!is64 || (mask >> 32) == 0)) {
            cfg_write(cfg, base, reg, orig); // not implemented
        } else if (pci_window_alloc(&pci->mem32, size, &at) != FTL_OK) {
            ok = false;
            cfg_write(cfg, base, reg, orig & 0xf);
        } else {
            cfg_write(cfg, base, reg, (uint32_t)at | (orig & 0xf));
            fn->bar_cpu[i] = at - pci->mem32.pci + pci->mem32.cpu;
            fn->bar_size[i] = size;
        }
        if (is64) {
            cfg_write(cfg, base, reg + 4, (uint32_t)(at >> 32));
            i++;
        }
    }
    return ok;
}

// Records the first virtio structure of one type (spec 4.1.4: the driver uses the first
// it understands) if it lies inside an assigned BAR.
static void virtio_cap(struct pci_fn *fn, uint32_t type, uint32_t bar, uint32_t off, uint32_t len,
                       uint32_t *seen_bar, uint32_t *seen)
{
    if (type < VIRTIO_PCI_CAP_COMMON || type > VIRTIO_PCI_CAP_DEVICE || (*seen & (1u << type)) ||
        bar >= PCI_BAR_COUNT || fn->bar_size[bar] == 0 || off > fn->bar_size[bar] ||
        len > fn->bar_size[bar] - off ||
        (type == VIRTIO_PCI_CAP_COMMON && len < VIRTIO_PCI_COMMON_LEN)) {
        return;
    }
    uint32_t *slot[] = {NULL, &fn->virtio.common, &fn->virtio.notify, &fn->virtio.isr,
                        &fn->virtio.device};
    *slot[type] = off;
    seen_bar[type] = bar;
    *seen |= 1u << type;
}

static void find_virtio_caps(const struct pci_cfg *cfg, uint32_t base, struct pci_fn *fn)
{
    if (!((cfg_read(cfg, base, PCI_COMMAND) >> 16) & PCI_STATUS_CAP_LIST)) {
        return;
    }
    uint32_t seen = 0, seen_bar[5] = {0};
    uint32_t ptr = cfg_read(cfg, base, PCI_CAP_PTR) & 0xfc;
    for (int n = 0; n < PCI_CAPS_MAX && ptr >= 0x40 && ptr <= 0x100 - 16; n++) {
        uint32_t w0 = cfg_read(cfg, base, ptr);
        uint32_t next = (w0 >> 8) & 0xfc;
        uint32_t cap_len = (w0 >> 16) & 0xff;
        uint32_t type = w0 >> 24;
        if ((w0 & 0xff) == PCI_CAP_VENDOR && cap_len >= 16) {
            uint32_t bar = cfg_read(cfg, base, ptr + 4) & 0xff;
            uint32_t off = cfg_read(cfg, base, ptr + 8);
            uint32_t len = cfg_read(cfg, base, ptr + 12);
            if (type == VIRTIO_PCI_CAP_NOTIFY) {
                if (cap_len < 20 || ptr > 0x100 - 20 || (seen & (1u << type))) {
                    ptr = next;
                    continue;
                }
                fn->virtio.notify_mult = cfg_read(cfg, base, ptr + 16);
            }
            virtio_cap(fn, type, bar, off, len, seen_bar, &seen);
        }
        ptr = next;
    }
    uint32_t all = 0x1e; // types 1..4
    fn->virtio.bar = seen_bar[VIRTIO_PCI_CAP_COMMON];
    fn->virtio.ok = seen == all;
    for (uint32_t t = VIRTIO_PCI_CAP_COMMON; t <= VIRTIO_PCI_CAP_DEVICE; t++) {
        if (seen_bar[t] != fn->virtio.bar) {
            fn->virtio.ok = false; // FTL maps one BAR per device for its driver
        }
    }
}

uint32_t pci_virtio_id(const struct pci_fn *fn)
{
    if (fn->vendor != PCI_VENDOR_VIRTIO) {
        return 0;
    }
    if (fn->device >= 0x1040 && fn->device <= 0x107f) {
        return fn->device - 0x1040u; // modern-only device
    }
    return fn->device >= 0x1000 && fn->device <= 0x103f ? fn->subsystem : 0; // transitional
}

static void add_function(struct board_pci *pci, const struct pci_cfg *cfg, uint32_t base,
                         uint32_t bdf, uint32_t id)
{
    struct pci_fn *fn = &pci->fn[pci->nfn++];
    memset(fn, 0, sizeof(*fn));
    fn->bdf = bdf;
    fn->vendor = (uint16_t)id;
    fn->device = (uint16_t)(id >> 16);
    fn->class_code = cfg_read(cfg, base, PCI_CLASS) >> 8;
    fn->subsystem = (uint16_t)(cfg_read(cfg, base, PCI_SUBSYSTEM_ID & ~3u) >> 16);
    uint32_t cmd = cfg_read(cfg, base, PCI_COMMAND) & 0xffff;
    cfg_write(cfg, base, PCI_COMMAND,
              cmd & ~(uint32_t)(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | 1));
    if (assign_bars(pci, cfg, base, fn)) {
        // Bus mastering waits for a driver (device.c): nobody's device cannot DMA.
        cmd = (cmd | PCI_COMMAND_MEMORY) & ~(uint32_t)(PCI_COMMAND_INTX_OFF | 1);
        cfg_write(cfg, base, PCI_COMMAND, cmd);
        fn->enabled = true;
    }
    uint32_t pin = (cfg_read(cfg, base, PCI_INTERRUPT_PIN & ~3u) >> 8) & 0xff;
    if (pin >= 1 && pin <= 4) {
        fn->intid = pci_intx_lookup(pci, bdf, pin);
    }
    if (fn->enabled && pci_virtio_id(fn) != 0) {
        find_virtio_caps(cfg, base, fn);
    }
}

size_t pci_enumerate(struct board_pci *pci, const struct pci_cfg *cfg)
{
    pci->nfn = 0;
    for (uint32_t dev = 0; dev < 32; dev++) {
        for (uint32_t f = 0; f < 8 && pci->nfn < PCI_FN_MAX; f++) {
            uint32_t base = dev << 15 | f << 12; // bus_start's config space comes first
            uint32_t id = cfg_read(cfg, base, PCI_VENDOR_ID);
            if ((id & 0xffff) == 0xffff) {
                if (f == 0) {
                    break; // no device in this slot
                }
                continue;
            }
            uint32_t hdr = (cfg_read(cfg, base, PCI_HEADER_TYPE & ~3u) >> 16) & 0xff;
            if ((hdr & 0x7f) == 0) { // bridges (type 1) and others are not walked
                add_function(pci, cfg, base, pci->bus_start << 8 | dev << 3 | f, id);
            }
            if (f == 0 && !(hdr & 0x80)) {
                break; // single-function device
            }
        }
    }
    return pci->nfn;
}
