// The guest's device tree: QEMU virt's layout cut down to what the VM has (one CPU,
// PSCI over hvc, the arch timer, a GICv3, a PL011 and one virtio-mmio console), so
// Debian's kernel finds every device where it would on `qemu -M virt`.
#include "fdt.h"
#include "vmm.h"

#define PHANDLE_GIC 1u
#define PHANDLE_CLK 2u
#define GIC_SPI 0u
#define GIC_PPI 1u
#define IRQ_EDGE_RISING 1u
#define IRQ_LEVEL_HIGH 4u

static void reg_prop(struct fdt_writer *w, uint64_t base, uint64_t size)
{
    uint32_t cells[4] = {(uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
                         (uint32_t)size};
    fdt_prop_cells(w, "reg", cells, 4);
}

static void add_cpus(struct fdt_writer *w)
{
    fdt_begin_node(w, "cpus");
    fdt_prop_u32(w, "#address-cells", 1);
    fdt_prop_u32(w, "#size-cells", 0);
    fdt_begin_node(w, "cpu@0");
    fdt_prop_str(w, "device_type", "cpu");
    fdt_prop_str(w, "compatible", "arm,armv8");
    fdt_prop_u32(w, "reg", 0);
    fdt_prop_str(w, "enable-method", "psci");
    fdt_end_node(w);
    fdt_end_node(w);

    static const char psci[] = "arm,psci-1.0\0arm,psci-0.2";
    fdt_begin_node(w, "psci");
    fdt_prop_strs(w, "compatible", psci, sizeof(psci));
    fdt_prop_str(w, "method", "hvc");
    fdt_end_node(w);

    // The secure, non-secure, virtual and hypervisor timer PPIs, as QEMU's virt with
    // a GICv3 lists them (level-high). Only the virtual one (PPI 11) fires.
    static const char timer[] = "arm,armv8-timer\0arm,armv7-timer";
    uint32_t irqs[12] = {GIC_PPI, 13, IRQ_LEVEL_HIGH, GIC_PPI, 14, IRQ_LEVEL_HIGH,
                         GIC_PPI, 11, IRQ_LEVEL_HIGH, GIC_PPI, 10, IRQ_LEVEL_HIGH};
    fdt_begin_node(w, "timer");
    fdt_prop_strs(w, "compatible", timer, sizeof(timer));
    fdt_prop_cells(w, "interrupts", irqs, 12);
    fdt_prop_empty(w, "always-on");
    fdt_end_node(w);
}

static void add_gic(struct fdt_writer *w)
{
    uint32_t reg[8] = {0, (uint32_t)FTL_VM_GICD_BASE, 0, (uint32_t)FTL_VM_GICD_SIZE,
                       0, (uint32_t)FTL_VM_GICR_BASE, 0, (uint32_t)FTL_VM_GICR_SIZE};
    fdt_begin_node(w, "intc@8000000");
    fdt_prop_str(w, "compatible", "arm,gic-v3");
    fdt_prop_u32(w, "#interrupt-cells", 3);
    fdt_prop_empty(w, "interrupt-controller");
    fdt_prop_cells(w, "reg", reg, 8);
    fdt_prop_u32(w, "#redistributor-regions", 1);
    fdt_prop_u32(w, "phandle", PHANDLE_GIC);
    fdt_end_node(w);
}

static void add_devices(struct fdt_writer *w)
{
    fdt_begin_node(w, "apb-pclk");
    fdt_prop_str(w, "compatible", "fixed-clock");
    fdt_prop_u32(w, "#clock-cells", 0);
    fdt_prop_u32(w, "clock-frequency", 24000000);
    fdt_prop_str(w, "clock-output-names", "clk24mhz");
    fdt_prop_u32(w, "phandle", PHANDLE_CLK);
    fdt_end_node(w);

    static const char pl011[] = "arm,pl011\0arm,primecell";
    static const char clock_names[] = "uartclk\0apb_pclk";
    uint32_t uart_irq[3] = {GIC_SPI, LINUX_PL011_SPI, IRQ_LEVEL_HIGH};
    uint32_t clocks[2] = {PHANDLE_CLK, PHANDLE_CLK};
    fdt_begin_node(w, "pl011@9000000");
    fdt_prop_strs(w, "compatible", pl011, sizeof(pl011));
    reg_prop(w, LINUX_PL011_BASE, LINUX_PL011_SIZE);
    fdt_prop_cells(w, "interrupts", uart_irq, 3);
    fdt_prop_cells(w, "clocks", clocks, 2);
    fdt_prop_strs(w, "clock-names", clock_names, sizeof(clock_names));
    fdt_end_node(w);

    uint32_t virtio_irq[3] = {GIC_SPI, LINUX_VIRTIO_SPI, IRQ_EDGE_RISING};
    fdt_begin_node(w, "virtio_mmio@a000000");
    fdt_prop_str(w, "compatible", "virtio,mmio");
    reg_prop(w, LINUX_VIRTIO_BASE, LINUX_VIRTIO_SIZE);
    fdt_prop_cells(w, "interrupts", virtio_irq, 3);
    fdt_prop_empty(w, "dma-coherent");
    fdt_end_node(w);
}

ftl_err_t dtb_build(const struct dtb_params *p, void *buf, size_t cap, size_t *out_len)
{
    static struct fdt_writer w; // 1 KiB of strings: not on the stack
    fdt_begin(&w, buf, cap);
    fdt_begin_node(&w, "");
    fdt_prop_u32(&w, "#address-cells", 2);
    fdt_prop_u32(&w, "#size-cells", 2);
    fdt_prop_str(&w, "compatible", "linux,dummy-virt");
    fdt_prop_str(&w, "model", "ftl-linux-vm");
    fdt_prop_u32(&w, "interrupt-parent", PHANDLE_GIC);

    fdt_begin_node(&w, "chosen");
    fdt_prop_str(&w, "bootargs", p->bootargs);
    fdt_prop_str(&w, "stdout-path", "/pl011@9000000");
    if (p->initrd_end > p->initrd_start) {
        fdt_prop_u64(&w, "linux,initrd-start", p->initrd_start);
        fdt_prop_u64(&w, "linux,initrd-end", p->initrd_end);
    }
    fdt_end_node(&w);

    fdt_begin_node(&w, "memory@40000000");
    fdt_prop_str(&w, "device_type", "memory");
    reg_prop(&w, FTL_VM_RAM_BASE, p->ram_bytes);
    fdt_end_node(&w);

    add_cpus(&w);
    add_gic(&w);
    add_devices(&w);
    fdt_end_node(&w);
    return fdt_finish(&w, out_len);
}
