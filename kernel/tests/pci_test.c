// Host unit tests of the PCI host bridge code (kernel/pci.c): QEMU virt's real device
// tree (FTL_TEST_DTB) for the windows and interrupt-map, and a simulated ECAM bus for
// BAR sizing and assignment and for virtio capability walks, hostile ones included.
#include "test_util.h"

#include "fdt.h"
#include "pci.h"

static uint8_t *virt_dtb;
static size_t virt_dtb_len;

// ---- a simulated bus 0: up to 4 devices, function 0 each ----

struct sim_fn {
    bool present;
    uint32_t cfg[1024];               // 4 KiB config space
    uint64_t bar_size[PCI_BAR_COUNT]; // 0: unimplemented; the upper half of a 64-bit BAR
    bool bar64[PCI_BAR_COUNT];        //   is marked by bar64 on the lower one
    bool bar_io[PCI_BAR_COUNT];
};

static struct sim_fn sim[4];

static uint32_t sim_read32(void *ctx, uint32_t off)
{
    (void)ctx;
    uint32_t dev = off >> 15, fn = (off >> 12) & 7;
    assert_true((off & 3) == 0 && off < (1u << 20));
    if (dev >= 4 || fn != 0 || !sim[dev].present) {
        return 0xffffffffu;
    }
    return sim[dev].cfg[(off & 0xfff) / 4];
}

static void sim_write32(void *ctx, uint32_t off, uint32_t v)
{
    (void)ctx;
    uint32_t dev = off >> 15, reg = off & 0xfff;
    assert_true(dev < 4 && sim[dev].present && (off & 3) == 0);
    struct sim_fn *f = &sim[dev];
    if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_BAR_COUNT) {
        uint32_t i = (reg - PCI_BAR0) / 4;
        if (i > 0 && f->bar64[i - 1]) { // the upper half of a 64-bit BAR
            uint64_t mask = ~(f->bar_size[i - 1] - 1);
            f->cfg[reg / 4] = v & (uint32_t)(mask >> 32);
            return;
        }
        if (f->bar_size[i] == 0) {
            return; // read-only 0
        }
        uint32_t flags = f->bar_io[i] ? 1 : (f->bar64[i] ? 4 : 0);
        f->cfg[reg / 4] = (v & (uint32_t) ~(f->bar_size[i] - 1) & ~0xfu) | flags;
        return;
    }
    if (reg == PCI_COMMAND) { // the status half is read-only (or write-1-to-clear)
        v = (f->cfg[reg / 4] & 0xffff0000u) | (v & 0xffff);
    }
    f->cfg[reg / 4] = v;
}

static const struct pci_cfg sim_cfg = {sim_read32, sim_write32, NULL};

static struct sim_fn *sim_add(int dev, uint16_t vendor, uint16_t device, uint8_t pin)
{
    struct sim_fn *f = &sim[dev];
    memset(f, 0, sizeof(*f));
    f->present = true;
    f->cfg[0] = (uint32_t)device << 16 | vendor;
    f->cfg[PCI_INTERRUPT_PIN / 4] = (uint32_t)pin << 8;
    return f;
}

static void sim_bar(struct sim_fn *f, int i, uint64_t size, bool is64)
{
    f->bar_size[i] = size;
    f->bar64[i] = is64;
    f->cfg[(PCI_BAR0 + 4 * i) / 4] = is64 ? 4 : 0;
}

// A vendor capability at `at` (virtio_pci_cap), linked after the previous one.
static void sim_cap(struct sim_fn *f, uint32_t at, uint32_t next, uint32_t type, uint32_t bar,
                    uint32_t off, uint32_t len, uint32_t cap_len)
{
    f->cfg[at / 4] = type << 24 | cap_len << 16 | next << 8 | 0x09;
    f->cfg[at / 4 + 1] = bar;
    f->cfg[at / 4 + 2] = off;
    f->cfg[at / 4 + 3] = len;
    f->cfg[at / 4 + 4] = 4; // notify_off_multiplier, read for the notify type only
}

// A modern virtio-net at `dev` as QEMU makes it: everything in the 16 KiB BAR 4.
static struct sim_fn *sim_virtio(int dev)
{
    struct sim_fn *f = sim_add(dev, 0x1af4, 0x1041, 1);
    sim_bar(f, 1, 0x1000, false); // the MSI-X table
    sim_bar(f, 4, 0x4000, true);
    f->cfg[PCI_COMMAND / 4] = (uint32_t)PCI_STATUS_CAP_LIST << 16;
    f->cfg[PCI_CAP_PTR / 4] = 0x40;
    sim_cap(f, 0x40, 0x54, 1, 4, 0x0000, 0x38, 16);
    sim_cap(f, 0x54, 0x68, 3, 4, 0x1000, 0x4, 16);
    sim_cap(f, 0x68, 0x7c, 4, 4, 0x2000, 0x100, 16);
    sim_cap(f, 0x7c, 0x00, 2, 4, 0x3000, 0x1000, 20);
    return f;
}

static struct board_pci sim_bridge(uint64_t window)
{
    struct board_pci pci;
    memset(&pci, 0, sizeof(pci));
    pci.ecam_size = 1u << 20;
    pci.mem32 = (struct pci_window){
        .cpu = 0x10000000, .pci = 0x10000000, .size = window, .next = 0x10000000};
    pci.intx_mask_hi = 0x1800;
    pci.intx_mask_pin = 7;
    for (uint32_t d = 0; d < 4; d++) {
        for (uint32_t pin = 1; pin <= 4; pin++) {
            pci.intx[pci.nintx++] = (struct pci_intx){d << 11, pin, 35 + (d + pin - 1) % 4};
        }
    }
    memset(sim, 0, sizeof(sim));
    return pci;
}

// ---- QEMU virt's device tree ----

static void virt_has_an_ecam_bridge_with_its_windows(void **state)
{
    (void)state;
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(virt_dtb, &b, &why), FTL_OK);
    assert_true(b.has_pci);
    assert_int_equal(b.pci.ecam_base, 0x4010000000ull);
    assert_int_equal(b.pci.ecam_size, 0x10000000ull);
    assert_int_equal(b.pci.bus_start, 0);
    assert_int_equal(b.pci.mem32.cpu, 0x10000000);
    assert_int_equal(b.pci.mem32.pci, 0x10000000);
    assert_int_equal(b.pci.mem32.size, 0x2eff0000);
    assert_int_equal(b.pci.mem64_cpu, 0x8000000000ull);
    assert_int_equal(b.pci.mem64_size, 0x8000000000ull);
}

static void virt_interrupt_map_rotates_the_four_spis_by_slot(void **state)
{
    (void)state;
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(virt_dtb, &b, &why), FTL_OK);
    assert_int_equal(b.pci.nintx, 16);
    // SPIs 3..6 (INTIDs 35..38); device d's INTA is SPI 3 + d mod 4 (QEMU's swizzle).
    assert_int_equal(pci_intx_lookup(&b.pci, 0 << 3, 1), 35);
    assert_int_equal(pci_intx_lookup(&b.pci, 1 << 3, 1), 36);
    assert_int_equal(pci_intx_lookup(&b.pci, 2 << 3, 1), 37);
    assert_int_equal(pci_intx_lookup(&b.pci, 3 << 3, 4), 37);
    assert_int_equal(pci_intx_lookup(&b.pci, 4 << 3, 1), 35); // the mask keeps 2 bits
    assert_int_equal(pci_intx_lookup(&b.pci, 1 << 3, 0), 0);  // no pin
}

// ---- the window allocator ----

static void window_alloc_aligns_naturally_and_to_pages(void **state)
{
    (void)state;
    struct pci_window w = {
        .cpu = 0x10000000, .pci = 0x10000000, .size = 0x100000, .next = 0x10000000};
    uint64_t a, b, c;
    assert_int_equal(pci_window_alloc(&w, 0x100, &a), FTL_OK); // tiny: a page of its own
    assert_int_equal(pci_window_alloc(&w, 0x4000, &b), FTL_OK);
    assert_int_equal(pci_window_alloc(&w, 0x1000, &c), FTL_OK);
    assert_int_equal(a, 0x10000000);
    assert_int_equal(b, 0x10004000); // 16 KiB-aligned, after a's page
    assert_int_equal(c, 0x10008000);
    assert_int_equal(pci_window_alloc(&w, 0x3000, &a), FTL_ERR_INVALID_ARG); // not 2^n
    assert_int_equal(pci_window_alloc(&w, 0, &a), FTL_ERR_INVALID_ARG);
    assert_int_equal(pci_window_alloc(&w, 0x100000, &a), FTL_ERR_NO_MEMORY); // too big now
    assert_int_equal(pci_window_alloc(&w, 1ull << 63, &a), FTL_ERR_NO_MEMORY);
    assert_int_equal(pci_window_alloc(&w, 0x80000, &a), FTL_OK);
    assert_int_equal(a, 0x10080000);
    assert_int_equal(pci_window_alloc(&w, 0x1000, &a), FTL_ERR_NO_MEMORY); // full
}

static void window_alloc_does_not_wrap_at_the_top(void **state)
{
    (void)state;
    uint64_t top = 0xfffffffffffff000ull;
    struct pci_window w = {.cpu = top, .pci = top, .size = 0x1000, .next = top + 0x800};
    uint64_t a;
    assert_int_equal(pci_window_alloc(&w, 0x1000, &a), FTL_ERR_NO_MEMORY);
}

// ---- enumeration on the simulated bus ----

static void enumerate_assigns_bars_and_enables_the_device(void **state)
{
    (void)state;
    struct board_pci pci = sim_bridge(0x1000000);
    sim_add(0, 0x1b36, 0x0008, 0); // the host bridge itself: no BARs
    struct sim_fn *f = sim_virtio(1);
    f->bar_io[0] = true; // an I/O BAR (transitional devices): left alone
    f->bar_size[0] = 0x20;
    f->cfg[PCI_BAR0 / 4] = 1;
    assert_int_equal(pci_enumerate(&pci, &sim_cfg), 2);
    const struct pci_fn *fn = &pci.fn[1];
    assert_int_equal(fn->bdf, 1 << 3);
    assert_int_equal(pci_virtio_id(fn), 1);
    assert_true(fn->enabled);
    assert_int_equal(fn->intid, 36);
    assert_int_equal(fn->bar_size[0], 0); // I/O
    assert_int_equal(fn->bar_size[1], 0x1000);
    assert_int_equal(fn->bar_size[4], 0x4000);
    assert_int_equal(fn->bar_cpu[4] % 0x4000, 0);
    assert_true(fn->bar_cpu[1] + 0x1000 <= fn->bar_cpu[4] ||
                fn->bar_cpu[4] + 0x4000 <= fn->bar_cpu[1]);
    // What the device decodes is what was recorded; memory decoding is on, bus
    // mastering waits for a driver to claim the function.
    assert_int_equal(f->cfg[(PCI_BAR0 + 16) / 4] & ~0xfu, (uint32_t)fn->bar_cpu[4]);
    assert_int_equal(f->cfg[(PCI_BAR0 + 20) / 4], 0);
    uint32_t cmd = f->cfg[PCI_COMMAND / 4] & 0xffff;
    assert_int_equal(cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), PCI_COMMAND_MEMORY);
    assert_int_equal(cmd & 1, 0); // I/O decoding stays off
    assert_true(fn->virtio.ok);
    assert_int_equal(fn->virtio.bar, 4);
    assert_int_equal(fn->virtio.common, 0);
    assert_int_equal(fn->virtio.isr, 0x1000);
    assert_int_equal(fn->virtio.device, 0x2000);
    assert_int_equal(fn->virtio.notify, 0x3000);
    assert_int_equal(fn->virtio.notify_mult, 4);
}

static void a_device_whose_bars_do_not_fit_stays_disabled(void **state)
{
    (void)state;
    struct board_pci pci = sim_bridge(0x2000); // 8 KiB: BAR 1 fits, the 16 KiB BAR 4 not
    struct sim_fn *f = sim_virtio(0);
    assert_int_equal(pci_enumerate(&pci, &sim_cfg), 1);
    assert_false(pci.fn[0].enabled);
    assert_false(pci.fn[0].virtio.ok);
    assert_int_equal(f->cfg[PCI_COMMAND / 4] & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), 0);
}

static void bridges_are_not_walked_and_transitional_ids_use_the_subsystem(void **state)
{
    (void)state;
    struct board_pci pci = sim_bridge(0x1000000);
    struct sim_fn *br = sim_add(0, 0x1b36, 0x000c, 0);
    br->cfg[PCI_HEADER_TYPE / 4] = 1u << 16; // type 1: a PCI-PCI bridge
    struct sim_fn *f = sim_virtio(2);
    f->cfg[0] = 0x10011af4; // transitional block device: ID from the subsystem
    f->cfg[PCI_SUBSYSTEM_ID / 4] = 2u << 16;
    assert_int_equal(pci_enumerate(&pci, &sim_cfg), 1);
    assert_int_equal(pci.fn[0].bdf, 2 << 3);
    assert_int_equal(pci_virtio_id(&pci.fn[0]), 2);
    assert_int_equal(pci.fn[0].intid, 37);
}

// ---- hostile capability lists ----

static const struct pci_fn *enumerate_one(struct board_pci *pci)
{
    assert_int_equal(pci_enumerate(pci, &sim_cfg), 1);
    return &pci->fn[0];
}

static void a_capability_loop_ends(void **state)
{
    (void)state;
    struct board_pci pci = sim_bridge(0x1000000);
    struct sim_fn *f = sim_virtio(0);
    sim_cap(f, 0x68, 0x54, 4, 4, 0x2000, 0x100, 16); // device cfg points back: a loop
    assert_false(enumerate_one(&pci)->virtio.ok);    // no notify structure is reached
}

static void structures_outside_their_bar_are_refused(void **state)
{
    (void)state;
    struct board_pci pci = sim_bridge(0x1000000);
    struct sim_fn *f = sim_virtio(0);
    sim_cap(f, 0x7c, 0x00, 2, 4, 0x3000, 0x2000, 20); // notify runs 4 KiB past the BAR
    assert_false(enumerate_one(&pci)->virtio.ok);

    pci = sim_bridge(0x1000000);
    f = sim_virtio(0);
    sim_cap(f, 0x54, 0x68, 3, 4, 0xffffffffu, 0x4, 16); // offset past the end, len wraps
    assert_false(enumerate_one(&pci)->virtio.ok);

    pci = sim_bridge(0x1000000);
    f = sim_virtio(0);
    sim_cap(f, 0x54, 0x68, 3, 7, 0x1000, 0x4, 16); // BAR 7 does not exist
    assert_false(enumerate_one(&pci)->virtio.ok);
}

static void structures_in_two_bars_or_short_caps_are_refused(void **state)
{
    (void)state;
    struct board_pci pci = sim_bridge(0x1000000);
    struct sim_fn *f = sim_virtio(0);
    sim_cap(f, 0x54, 0x68, 3, 1, 0x0, 0x4, 16); // ISR in BAR 1: FTL maps one BAR
    assert_false(enumerate_one(&pci)->virtio.ok);

    pci = sim_bridge(0x1000000);
    f = sim_virtio(0);
    sim_cap(f, 0x7c, 0x00, 2, 4, 0x3000, 0x1000, 16); // notify without its multiplier
    assert_false(enumerate_one(&pci)->virtio.ok);

    pci = sim_bridge(0x1000000);
    f = sim_virtio(0);
    f->cfg[PCI_CAP_PTR / 4] = 0xfc; // the list starts where a capability cannot fit
    assert_false(enumerate_one(&pci)->virtio.ok);
}

int main(void)
{
    virt_dtb = test_read_file("FTL_TEST_DTB", "build/host/virt.dtb", &virt_dtb_len);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(virt_has_an_ecam_bridge_with_its_windows),
        cmocka_unit_test(virt_interrupt_map_rotates_the_four_spis_by_slot),
        cmocka_unit_test(window_alloc_aligns_naturally_and_to_pages),
        cmocka_unit_test(window_alloc_does_not_wrap_at_the_top),
        cmocka_unit_test(enumerate_assigns_bars_and_enables_the_device),
        cmocka_unit_test(a_device_whose_bars_do_not_fit_stays_disabled),
        cmocka_unit_test(bridges_are_not_walked_and_transitional_ids_use_the_subsystem),
        cmocka_unit_test(a_capability_loop_ends),
        cmocka_unit_test(structures_outside_their_bar_are_refused),
        cmocka_unit_test(structures_in_two_bars_or_short_caps_are_refused),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(virt_dtb);
    return failed;
}
