// Flattened device tree reader (DTSpec v0.4, version 17 blobs) and board discovery.
#include "fdt.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static uint32_t hdr(const void *blob, int field)
{
    return be32((const uint8_t *)blob + 4 * field);
}

static const uint8_t *structs(const void *blob)
{
    return (const uint8_t *)blob + hdr(blob, 2);
}

static uint32_t structs_size(const void *blob)
{
    return hdr(blob, 9);
}

// Length of the string at `p` if a NUL ends it within `max` bytes, else `max`.
static size_t bounded_strlen(const char *p, size_t max)
{
    size_t n = 0;
    while (n < max && p[n]) {
        n++;
    }
    return n;
}

ftl_err_t fdt_check(const void *blob, size_t *out_size)
{
    if (!blob || hdr(blob, 0) != FDT_MAGIC || hdr(blob, 5) < 17) {
        return FTL_ERR_PARSE;
    }
    uint32_t total = hdr(blob, 1);
    uint32_t off_struct = hdr(blob, 2), off_strings = hdr(blob, 3);
    uint32_t size_strings = hdr(blob, 8), size_struct = hdr(blob, 9);
    if (total < 40 || total > INT32_MAX || off_struct < 40 || off_strings < 40 ||
        off_struct > total || size_struct > total - off_struct || off_strings > total ||
        size_strings > total - off_strings || (off_struct & 3)) {
        return FTL_ERR_PARSE;
    }
    *out_size = total;
    return FTL_OK;
}

uint64_t fdt_read_cells(const void *p, uint32_t ncells)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < ncells; i++) {
        v = (v << 32) | be32((const uint8_t *)p + 4 * i);
    }
    return v;
}

// Offset just past the token at `off` (a BEGIN_NODE name or a PROP), 4-byte aligned;
// the end of the struct block if the token runs past it. Needs off + 4 <= limit.
static int skip_token(const void *blob, int off)
{
    const uint8_t *s = structs(blob);
    uint32_t limit = structs_size(blob);
    uint32_t pos = (uint32_t)off;
    uint32_t tok = be32(s + pos);
    pos += 4;
    if (tok == FDT_BEGIN_NODE) {
        pos += (uint32_t)bounded_strlen((const char *)s + pos, limit - pos) + 1;
    } else if (tok == FDT_PROP) {
        if (limit - pos < 8 || be32(s + pos) > limit - pos - 8) {
            return (int)limit;
        }
        pos += 8 + be32(s + pos);
    }
    pos = (pos + 3) & ~3u;
    return (int)(pos < limit ? pos : limit);
}

// True if `off` starts a node whose name ends within the struct block.
static bool node_is_sound(const void *blob, int off)
{
    uint32_t limit = structs_size(blob);
    uint32_t name = (uint32_t)off + 4;
    return name <= limit &&
           bounded_strlen((const char *)structs(blob) + name, limit - name) < limit - name;
}

int fdt_next_node(const void *blob, int off, int *depth)
{
    const uint8_t *s = structs(blob);
    int limit = (int)structs_size(blob);
    if (off < 0) {
        off = 0;
        while (off + 4 <= limit && be32(s + off) == FDT_NOP) {
            off += 4;
        }
        *depth = 1;
        return off + 4 <= limit && be32(s + off) == FDT_BEGIN_NODE && node_is_sound(blob, off)
                   ? off
                   : -1;
    }
    off = skip_token(blob, off);
    while (off + 4 <= limit) {
        uint32_t tok = be32(s + off);
        if (tok == FDT_BEGIN_NODE) {
            (*depth)++;
            return node_is_sound(blob, off) ? off : -1;
        }
        if (tok == FDT_END_NODE) {
            (*depth)--;
            off += 4;
        } else if (tok == FDT_PROP || tok == FDT_NOP) {
            off = skip_token(blob, off);
        } else {
            return -1;
        }
    }
    return -1;
}

const char *fdt_node_name(const void *blob, int off)
{
    return (const char *)structs(blob) + off + 4;
}

const void *fdt_prop(const void *blob, int off, const char *name, uint32_t *out_len)
{
    const uint8_t *s = structs(blob);
    int limit = (int)structs_size(blob);
    const char *strings = (const char *)blob + hdr(blob, 3);
    uint32_t strings_size = hdr(blob, 8);
    off = skip_token(blob, off);
    while (off + 12 <= limit) {
        uint32_t tok = be32(s + off);
        if (tok == FDT_PROP) {
            uint32_t len = be32(s + off + 4);
            uint32_t name_off = be32(s + off + 8);
            if (len > (uint32_t)(limit - off - 12) || name_off >= strings_size ||
                bounded_strlen(strings + name_off, strings_size - name_off) ==
                    strings_size - name_off) {
                return NULL; // malformed: value or name outside its block
            }
            if (strcmp(strings + name_off, name) == 0) {
                if (out_len) {
                    *out_len = len;
                }
                return s + off + 12;
            }
        } else if (tok != FDT_NOP) {
            break; // properties come before child nodes
        }
        off = skip_token(blob, off);
    }
    return NULL;
}

bool fdt_is_compatible(const void *blob, int off, const char *compat)
{
    uint32_t len;
    const char *p = fdt_prop(blob, off, "compatible", &len);
    if (!p) {
        return false;
    }
    size_t want = strlen(compat);
    for (uint32_t i = 0; i < len;) {
        size_t n = bounded_strlen(p + i, len - i);
        if (n == len - i) {
            break; // the last entry is not NUL-terminated
        }
        if (n == want && memcmp(p + i, compat, n) == 0) {
            return true;
        }
        i += (uint32_t)n + 1;
    }
    return false;
}

static bool node_name_is(const void *blob, int off, const char *base)
{
    const char *n = fdt_node_name(blob, off);
    size_t len = strlen(base);
    return strncmp(n, base, len) == 0 && (n[len] == '@' || n[len] == '\0');
}

// Reads the first (address, size) pair of a node's "reg", root cell sizes.
static bool read_reg(const void *blob, int off, int index, uint64_t *base, uint64_t *size)
{
    uint32_t len;
    const uint8_t *reg = fdt_prop(blob, off, "reg", &len);
    uint32_t stride = 16; // #address-cells = #size-cells = 2 on QEMU virt
    if (!reg || len < stride * (uint32_t)(index + 1)) {
        return false;
    }
    *base = fdt_read_cells(reg + stride * index, 2);
    *size = fdt_read_cells(reg + stride * index + 8, 2);
    return true;
}

// GIC interrupt specifier (type, number, flags) to INTID: SPIs from 32, PPIs from 16.
static uint32_t read_irq(const void *blob, int off, int index)
{
    uint32_t len;
    const uint8_t *p = fdt_prop(blob, off, "interrupts", &len);
    if (!p || len < 12u * (uint32_t)(index + 1)) {
        return 0;
    }
    uint32_t type = be32(p + 12 * index), num = be32(p + 12 * index + 4);
    return num + (type == 0 ? 32 : 16);
}

static void read_chosen(const void *blob, int off, struct board *b)
{
    uint32_t len;
    const char *args = fdt_prop(blob, off, "bootargs", &len);
    if (args && len > 0 && args[len - 1] == '\0') {
        b->bootargs = args;
    }
    uint32_t slen, elen;
    const void *start = fdt_prop(blob, off, "linux,initrd-start", &slen);
    const void *end = fdt_prop(blob, off, "linux,initrd-end", &elen);
    if (start && end && (slen == 4 || slen == 8) && (elen == 4 || elen == 8)) {
        b->initrd_start = fdt_read_cells(start, slen / 4);
        b->initrd_end = fdt_read_cells(end, elen / 4);
        if (b->initrd_end < b->initrd_start) {
            b->initrd_start = b->initrd_end = 0;
        }
    }
}

static bool is_gicv2(const void *blob, int off)
{
    return fdt_is_compatible(blob, off, "arm,cortex-a15-gic") ||
           fdt_is_compatible(blob, off, "arm,gic-400") ||
           fdt_is_compatible(blob, off, "arm,cortex-a7-gic");
}

// The first node marked interrupt-controller is the root one on every machine FTL
// knows; a GIC's children (QEMU's v2m frame, the ITS) are MSI controllers, not marked.
static void read_irqchip(const void *blob, int off, struct board *b)
{
    uint64_t size;
    if (fdt_is_compatible(blob, off, "arm,gic-v3")) {
        if (read_reg(blob, off, 0, &b->gicd_base, &size) &&
            read_reg(blob, off, 1, &b->gicr_base, &size)) {
            b->gic_version = 3;
        }
    } else if (is_gicv2(blob, off)) {
        if (read_reg(blob, off, 0, &b->gicd_base, &size) &&
            read_reg(blob, off, 1, &b->gicc_base, &size)) {
            b->gic_version = 2;
        }
    } else if (!b->unknown_irqchip) {
        uint32_t len;
        const char *c = fdt_prop(blob, off, "compatible", &len);
        b->unknown_irqchip = c && len > 0 && c[len - 1] == '\0' ? c : "(no compatible)";
    }
}

// A 16550 console (Firecracker's): byte registers, `reg-shift` apart (0 if absent).
static void read_16550(const void *blob, int off, struct board *b)
{
    uint64_t size;
    if (!read_reg(blob, off, 0, &b->uart_base, &size)) {
        return;
    }
    b->uart_irq = read_irq(blob, off, 0);
    b->uart_is_16550 = true;
    uint32_t len;
    const void *shift = fdt_prop(blob, off, "reg-shift", &len);
    b->uart_reg_shift = shift && len == 4 && fdt_read_cells(shift, 1) <= 4
                            ? (uint32_t)fdt_read_cells(shift, 1)
                            : 0;
}

static void board_add_node(const void *blob, int off, struct board *b)
{
    uint64_t size;
    if (node_name_is(blob, off, "memory") && b->ram_size == 0) {
        read_reg(blob, off, 0, &b->ram_base, &b->ram_size);
    } else if (fdt_is_compatible(blob, off, "arm,pl011") && b->uart_base == 0) {
        read_reg(blob, off, 0, &b->uart_base, &size);
        b->uart_irq = read_irq(blob, off, 0);
    } else if (fdt_is_compatible(blob, off, "arm,armv8-timer")) {
        b->timer_virt_irq = read_irq(blob, off, 2); // secure, non-secure, virtual, hyp
        b->timer_irq = read_irq(blob, off, 3);
    } else if (fdt_is_compatible(blob, off, "arm,psci-1.0") ||
               fdt_is_compatible(blob, off, "arm,psci-0.2")) {
        uint32_t len;
        const char *m = fdt_prop(blob, off, "method", &len);
        b->psci_smc = m && len == sizeof("smc") && memcmp(m, "smc", sizeof("smc")) == 0;
    } else if (fdt_is_compatible(blob, off, "virtio,mmio") && b->nvirtio < BOARD_VIRTIO_MAX) {
        struct board_virtio *v = &b->virtio[b->nvirtio];
        if (read_reg(blob, off, 0, &v->base, &v->size)) {
            v->irq = read_irq(blob, off, 0);
            b->nvirtio++;
        }
    } else if (node_name_is(blob, off, "chosen")) {
        read_chosen(blob, off, b);
    } else if (b->uart_base == 0 && (fdt_is_compatible(blob, off, "ns16550a") ||
                                     fdt_is_compatible(blob, off, "ns16550"))) {
        read_16550(blob, off, b);
    } else if (b->gic_version == 0 && fdt_prop(blob, off, "interrupt-controller", NULL)) {
        // Last, and one property look per node until the GIC is found: every node of
        // the tree comes through here (QEMU virt's 32 virtio slots included).
        read_irqchip(blob, off, b);
    }
}

ftl_err_t board_from_fdt(const void *blob, struct board *b, const char **why)
{
    size_t size;
    memset(b, 0, sizeof(*b));
    b->bootargs = "";
    if (fdt_check(blob, &size) != FTL_OK) {
        *why = "no valid device tree";
        return FTL_ERR_PARSE;
    }
    int depth = 0, pci_off = -1;
    for (int off = fdt_next_node(blob, -1, &depth); off >= 0;
         off = fdt_next_node(blob, off, &depth)) {
        if (pci_off < 0 && fdt_is_compatible(blob, off, "pci-host-ecam-generic")) {
            pci_off = off; // read once the tree's interrupt controllers are known
        } else {
            board_add_node(blob, off, b);
        }
    }
    b->has_pci = pci_off >= 0 && pci_from_fdt(blob, pci_off, &b->pci) == FTL_OK;
    if (b->ram_size == 0) {
        *why = "the device tree has no memory node";
    } else if (b->uart_base == 0) {
        *why = "the device tree has no UART FTL drives (arm,pl011, ns16550a)";
    } else if (b->gic_version == 0) {
        *why = b->unknown_irqchip ? "no interrupt controller FTL knows (it drives arm,gic-v3, "
                                    "arm,cortex-a15-gic and arm,gic-400)"
                                  : "the device tree has no interrupt controller (FTL drives "
                                    "arm,gic-v3, arm,cortex-a15-gic and arm,gic-400)";
    } else if (b->timer_irq == 0 && b->timer_virt_irq == 0) {
        *why = "the device tree has no arm,armv8-timer";
    } else {
        return FTL_OK;
    }
    return FTL_ERR_PARSE;
}
