// Host unit tests of the device tree reader (kernel/fdt.c): board discovery on
// QEMU virt's real DTB (FTL_TEST_DTB) and on small blobs built here, and rejection
// of malformed blobs without reading outside them (ASan).
#include "test_util.h"

#include "fdt.h"

#define HDR_SIZE 40
#define RSVMAP_SIZE 16

static uint8_t *virt_dtb;
static size_t virt_dtb_len;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

// ---- a tiny flattened device tree writer ----

struct fdt_builder {
    uint8_t structs[4096];
    size_t nstructs;
    char strings[1024];
    size_t nstrings;
    size_t last_prop; // struct block offset of the last FDT_PROP written
};

static struct fdt_builder fb;

static void fb_word(uint32_t v)
{
    assert_true(fb.nstructs + 4 <= sizeof(fb.structs));
    put32(fb.structs + fb.nstructs, v);
    fb.nstructs += 4;
}

static void fb_bytes(const void *data, size_t len)
{
    assert_true(fb.nstructs + len + 3 <= sizeof(fb.structs));
    memcpy(fb.structs + fb.nstructs, data, len);
    fb.nstructs += len;
    while (fb.nstructs % 4) {
        fb.structs[fb.nstructs++] = 0;
    }
}

static void fb_begin(const char *name)
{
    fb_word(1); // FDT_BEGIN_NODE
    fb_bytes(name, strlen(name) + 1);
}

static void fb_end(void)
{
    fb_word(2); // FDT_END_NODE
}

static void fb_prop(const char *name, const void *value, size_t len)
{
    size_t name_len = strlen(name) + 1;
    assert_true(fb.nstrings + name_len <= sizeof(fb.strings));
    uint32_t name_off = (uint32_t)fb.nstrings;
    memcpy(fb.strings + fb.nstrings, name, name_len);
    fb.nstrings += name_len;
    fb.last_prop = fb.nstructs;
    fb_word(3); // FDT_PROP
    fb_word((uint32_t)len);
    fb_word(name_off);
    fb_bytes(value, len);
}

static void fb_prop_str(const char *name, const char *value)
{
    fb_prop(name, value, strlen(value) + 1);
}

// A property of big-endian cells.
static void fb_prop_cells(const char *name, const uint32_t *cells, size_t ncells)
{
    uint8_t buf[64];
    assert_true(ncells * 4 <= sizeof(buf));
    for (size_t i = 0; i < ncells; i++) {
        put32(buf + 4 * i, cells[i]);
    }
    fb_prop(name, buf, ncells * 4);
}

// Lays out header, empty reservation map, struct block, strings block into an
// exactly sized malloc'd blob (so ASan sees any read past its end).
static uint8_t *fb_finish(size_t *out_len)
{
    fb_word(9); // FDT_END
    size_t off_struct = HDR_SIZE + RSVMAP_SIZE;
    size_t off_strings = off_struct + fb.nstructs;
    size_t total = off_strings + fb.nstrings;
    uint8_t *blob = calloc(1, total);
    assert_non_null(blob);
    put32(blob + 0, 0xd00dfeed);
    put32(blob + 4, (uint32_t)total);
    put32(blob + 8, (uint32_t)off_struct);
    put32(blob + 12, (uint32_t)off_strings);
    put32(blob + 16, HDR_SIZE);
    put32(blob + 20, 17);
    put32(blob + 24, 16);
    put32(blob + 32, (uint32_t)fb.nstrings);
    put32(blob + 36, (uint32_t)fb.nstructs);
    memcpy(blob + off_struct, fb.structs, fb.nstructs);
    memcpy(blob + off_strings, fb.strings, fb.nstrings);
    *out_len = total;
    return blob;
}

// Which parts of a minimal board to leave out.
enum {
    NO_MEMORY = 1 << 0,
    NO_UART = 1 << 1,
    NO_GIC = 1 << 2,
    NO_TIMER = 1 << 3,
    GIC_ONE_REG = 1 << 4,
    GIC_V2 = 1 << 5,      // a GICv2 (arm,cortex-a15-gic) in place of the GICv3
};

// Starts a root node holding the board devices, minus those in `omit`; the
// caller may add more nodes, then calls fb_end() and fb_finish().
static void fb_board(unsigned omit)
{
    memset(&fb, 0, sizeof(fb));
    fb_begin("");
    fb_prop_str("compatible", "linux,dummy-virt");
    if (!(omit & NO_MEMORY)) {
        fb_begin("memory@80000000");
        fb_prop_str("device_type", "memory");
        fb_prop_cells("reg", (const uint32_t[]){0, 0x80000000, 0, 0x20000000}, 4);
        fb_end();
    }
    if (!(omit & NO_UART)) {
        fb_begin("serial@1000");
        fb_prop("compatible", "arm,pl011\0arm,primecell", 24);
        fb_prop_cells("reg", (const uint32_t[]){0, 0x1000, 0, 0x1000}, 4);
        fb_prop_cells("interrupts", (const uint32_t[]){0, 5, 4}, 3);
        fb_end();
    }
    if (omit & GIC_V2) {
        fb_begin("intc@2000");
        fb_prop_str("compatible", "arm,cortex-a15-gic");
        fb_prop("interrupt-controller", "", 0);
        fb_prop_cells("reg", (const uint32_t[]){0, 0x2000, 0, 0x1000, 0, 0x4000, 0, 0x2000}, 8);
        fb_end();
    } else if (!(omit & NO_GIC)) {
        fb_begin("intc@2000");
        fb_prop_str("compatible", "arm,gic-v3");
        fb_prop("interrupt-controller", "", 0);
        size_t nreg = omit & GIC_ONE_REG ? 4 : 8;
        fb_prop_cells("reg", (const uint32_t[]){0, 0x2000, 0, 0x1000, 0, 0x3000, 0, 0x1000},
                      nreg);
        fb_end();
    }
    if (!(omit & NO_TIMER)) {
        fb_begin("timer");
        fb_prop_str("compatible", "arm,armv8-timer");
        fb_prop_cells("interrupts",
                      (const uint32_t[]){1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4}, 12);
        fb_end();
    }
}

static uint8_t *board_blob(unsigned omit, size_t *out_len)
{
    fb_board(omit);
    fb_end();
    return fb_finish(out_len);
}

// Parses `blob`, expects failure, and checks the reason mentions `part`.
static void expect_board_error(const uint8_t *blob, const char *part)
{
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_ERR_PARSE);
    assert_non_null(why);
    if (!strstr(why, part)) {
        fail_msg("reason '%s' does not mention '%s'", why, part);
    }
}

// A copy of the real DTB with header field `field` (a 32-bit word index) set to `v`.
static uint8_t *virt_with_header(int field, uint32_t v)
{
    uint8_t *copy = malloc(virt_dtb_len);
    assert_non_null(copy);
    memcpy(copy, virt_dtb, virt_dtb_len);
    put32(copy + 4 * field, v);
    return copy;
}

static void expect_virt_header_rejected(int field, uint32_t v)
{
    uint8_t *blob = virt_with_header(field, v);
    size_t size = 0;
    assert_int_equal(fdt_check(blob, &size), FTL_ERR_PARSE);
    expect_board_error(blob, "device tree");
    free(blob);
}

static int load_virt_dtb(void **state)
{
    (void)state;
    host_set_panic_hook(test_panic_hook);
    virt_dtb = test_read_file("FTL_TEST_DTB", "build/host/virt.dtb", &virt_dtb_len);
    return 0;
}

static int free_virt_dtb(void **state)
{
    (void)state;
    free(virt_dtb);
    return 0;
}

static struct board virt_board(void)
{
    struct board b;
    const char *why = NULL;
    ftl_err_t err = board_from_fdt(virt_dtb, &b, &why);
    if (err != FTL_OK) {
        fail_msg("board_from_fdt: %s (%s)", ftl_err_name(err), why ? why : "no reason");
    }
    return b;
}

// ---- QEMU virt's real device tree ----

static void virt_dtb_passes_check_with_its_total_size(void **state)
{
    (void)state;
    size_t size = 0;
    assert_int_equal(fdt_check(virt_dtb, &size), FTL_OK);
    assert_int_equal(size, get32(virt_dtb + 4));
    assert_true(size <= virt_dtb_len);
}

static void virt_ram_is_256_mib_at_0x40000000(void **state)
{
    (void)state;
    struct board b = virt_board();
    assert_int_equal(b.ram_base, 0x40000000);
    assert_int_equal(b.ram_size, 256u << 20);
}

static void virt_uart_is_pl011_at_0x9000000_irq_33(void **state)
{
    (void)state;
    struct board b = virt_board();
    assert_int_equal(b.uart_base, 0x9000000);
    assert_int_equal(b.uart_irq, 33);
}

static void virt_gicv3_distributor_and_redistributors_are_found(void **state)
{
    (void)state;
    struct board b = virt_board();
    assert_int_equal(b.gicd_base, 0x8000000);
    assert_int_equal(b.gicr_base, 0x80a0000);
}

static void virt_hypervisor_timer_is_intid_26(void **state)
{
    (void)state;
    struct board b = virt_board();
    assert_int_equal(b.timer_irq, 26);
}

static void virt_has_32_virtio_mmio_slots_in_address_order(void **state)
{
    (void)state;
    struct board b = virt_board();
    assert_int_equal(b.nvirtio, 32);
    for (size_t i = 0; i < b.nvirtio; i++) {
        assert_int_equal(b.virtio[i].base, 0xa000000 + 0x200 * i);
        assert_int_equal(b.virtio[i].size, 0x200);
        assert_int_equal(b.virtio[i].irq, 48 + i);
    }
}

static void virt_with_el2_uses_smc_for_psci(void **state)
{
    (void)state;
    struct board b = virt_board();
    assert_true(b.psci_smc);
}

static void virt_without_bootargs_has_empty_bootargs(void **state)
{
    (void)state;
    struct board b = virt_board();
    assert_non_null(b.bootargs);
    assert_string_equal(b.bootargs, "");
}

static void root_node_has_empty_name_and_depth_one(void **state)
{
    (void)state;
    int depth = 0;
    int root = fdt_next_node(virt_dtb, -1, &depth);
    assert_true(root >= 0);
    assert_int_equal(depth, 1);
    assert_string_equal(fdt_node_name(virt_dtb, root), "");
    assert_true(fdt_is_compatible(virt_dtb, root, "linux,dummy-virt"));
}

static void walk_visits_nested_nodes_and_returns_to_depth_one(void **state)
{
    (void)state;
    int depth = 0;
    int max_depth = 0, nodes = 0, last_depth = 0;
    bool saw_its = false;
    for (int off = fdt_next_node(virt_dtb, -1, &depth); off >= 0;
         off = fdt_next_node(virt_dtb, off, &depth)) {
        nodes++;
        max_depth = depth > max_depth ? depth : max_depth;
        last_depth = depth;
        saw_its |= strcmp(fdt_node_name(virt_dtb, off), "its@8080000") == 0;
    }
    assert_true(nodes > 40);
    assert_true(max_depth >= 4); // /cpus/cpu-map/socket0/cluster0/core0
    assert_int_equal(last_depth, 2); // /chosen comes last, right under the root
    assert_true(saw_its);
}

static void prop_returns_value_and_length(void **state)
{
    (void)state;
    int depth = 0;
    int root = fdt_next_node(virt_dtb, -1, &depth);
    uint32_t len = 0;
    const uint8_t *cells = fdt_prop(virt_dtb, root, "#address-cells", &len);
    assert_non_null(cells);
    assert_int_equal(len, 4);
    assert_int_equal(fdt_read_cells(cells, 1), 2);
}

static void missing_prop_is_null_and_not_compatible(void **state)
{
    (void)state;
    int depth = 0;
    int root = fdt_next_node(virt_dtb, -1, &depth);
    assert_null(fdt_prop(virt_dtb, root, "no-such-property", NULL));
    assert_false(fdt_is_compatible(virt_dtb, root, "linux,dummy"));
}

static void read_cells_is_big_endian(void **state)
{
    (void)state;
    const uint8_t two[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
    assert_int_equal(fdt_read_cells(two, 1), 0x12345678u);
    assert_int_equal(fdt_read_cells(two, 2), 0x123456789abcdef0u);
    assert_int_equal(fdt_read_cells(two, 0), 0);
}

// ---- small blobs built here ----

static void minimal_built_board_is_accepted(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(0, &len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.ram_base, 0x80000000);
    assert_int_equal(b.ram_size, 0x20000000);
    assert_int_equal(b.uart_base, 0x1000);
    assert_int_equal(b.uart_irq, 37);
    assert_int_equal(b.gicd_base, 0x2000);
    assert_int_equal(b.gicr_base, 0x3000);
    assert_int_equal(b.timer_irq, 26);
    assert_int_equal(b.nvirtio, 0);
    free(blob);
}

static void board_without_memory_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(NO_MEMORY, &len);
    expect_board_error(blob, "memory");
    free(blob);
}

static void board_without_pl011_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(NO_UART, &len);
    expect_board_error(blob, "pl011");
    free(blob);
}

static void board_without_gicv3_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(NO_GIC, &len);
    expect_board_error(blob, "gic-v3");
    free(blob);
}

static void gicv3_without_redistributor_reg_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(GIC_ONE_REG, &len);
    expect_board_error(blob, "gic-v3");
    free(blob);
}

static void board_without_timer_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(NO_TIMER, &len);
    expect_board_error(blob, "timer");
    free(blob);
}

static void gicv2_board_gets_distributor_and_cpu_interface(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(GIC_V2, &len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.gic_version, 2);
    assert_int_equal(b.gicd_base, 0x2000);
    assert_int_equal(b.gicc_base, 0x4000);
    assert_int_equal(b.gicr_base, 0);
    free(blob);
}

static void gicv3_board_says_version_3(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(0, &len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.gic_version, 3);
    assert_int_equal(b.gicc_base, 0);
    free(blob);
}

static void gic400_is_a_gicv2(void **state)
{
    (void)state;
    fb_board(NO_GIC);
    fb_begin("interrupt-controller@2c001000");
    fb_prop("compatible", "arm,gic-400\0arm,cortex-a15-gic", 31);
    fb_prop("interrupt-controller", "", 0);
    fb_prop_cells("reg", (const uint32_t[]){0, 0x2c001000, 0, 0x1000, 0, 0x2c002000, 0, 0x2000},
                  8);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.gic_version, 2);
    assert_int_equal(b.gicc_base, 0x2c002000);
    free(blob);
}

static void unknown_interrupt_controller_is_named(void **state)
{
    (void)state;
    fb_board(NO_GIC);
    fb_begin("interrupt-controller@1000000");
    fb_prop_str("compatible", "arm,gic-v5");
    fb_prop("interrupt-controller", "", 0);
    fb_prop_cells("reg", (const uint32_t[]){0, 0x1000000, 0, 0x10000}, 4);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_ERR_PARSE);
    assert_non_null(strstr(why, "no interrupt controller FTL knows"));
    assert_string_equal(b.unknown_irqchip, "arm,gic-v5");
    assert_int_equal(b.gic_version, 0);
    assert_int_equal(b.uart_base, 0x1000); // still known: the failure is said there
    free(blob);
}

static void other_interrupt_controller_before_the_gic_is_passed_over(void **state)
{
    (void)state;
    fb_board(NO_GIC);
    fb_begin("gpio@3000");
    fb_prop_str("compatible", "vendor,gpio");
    fb_prop("interrupt-controller", "", 0);
    fb_end();
    fb_begin("intc@8000000");
    fb_prop_str("compatible", "arm,gic-v3");
    fb_prop("interrupt-controller", "", 0);
    fb_prop_cells("reg", (const uint32_t[]){0, 0x8000000, 0, 0x10000, 0, 0x80a0000, 0, 0xf60000},
                  8);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.gic_version, 3);
    assert_int_equal(b.gicr_base, 0x80a0000);
    free(blob);
}

static void timer_gives_virtual_and_hypervisor_intids(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(0, &len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.timer_virt_irq, 27); // PPI 11
    assert_int_equal(b.timer_irq, 26);      // PPI 10
    free(blob);
}

static void psci_method_hvc_is_not_smc(void **state)
{
    (void)state;
    static const char *const methods[] = {"hvc", "smc"};
    for (int i = 0; i < 2; i++) {
        fb_board(0);
        fb_begin("psci");
        fb_prop_str("compatible", "arm,psci-1.0");
        fb_prop_str("method", methods[i]);
        fb_end();
        fb_end();
        size_t len;
        uint8_t *blob = fb_finish(&len);
        struct board b;
        const char *why = NULL;
        assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
        assert_int_equal(b.psci_smc, i == 1);
        free(blob);
    }
}

static void failed_board_keeps_the_uart_to_report_on(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(NO_MEMORY, &len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_ERR_PARSE);
    assert_non_null(strstr(why, "memory"));
    assert_int_equal(b.uart_base, 0x1000);
    free(blob);
}

static void ns16550_console_is_found_with_its_register_shift(void **state)
{
    (void)state;
    fb_board(NO_UART);
    fb_begin("uart@40002000");
    fb_prop_str("compatible", "ns16550a");
    fb_prop_cells("reg", (const uint32_t[]){0, 0x40002000, 0, 0x1000}, 4);
    fb_prop_cells("interrupts", (const uint32_t[]){0, 4, 1}, 3);
    fb_prop_cells("reg-shift", (const uint32_t[]){2}, 1);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.uart_base, 0x40002000);
    assert_true(b.uart_is_16550);
    assert_int_equal(b.uart_reg_shift, 2);
    assert_int_equal(b.uart_irq, 36);
    free(blob);
}

static void first_uart_wins_over_a_later_16550(void **state)
{
    (void)state;
    fb_board(0);
    fb_begin("uart@40002000");
    fb_prop_str("compatible", "ns16550a");
    fb_prop_cells("reg", (const uint32_t[]){0, 0x40002000, 0, 0x1000}, 4);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.uart_base, 0x1000);
    assert_false(b.uart_is_16550);
    free(blob);
}

static void bootargs_come_from_chosen(void **state)
{
    (void)state;
    fb_board(0);
    fb_begin("chosen");
    fb_prop_str("bootargs", "loglevel=debug");
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_string_equal(b.bootargs, "loglevel=debug");
    free(blob);
}

static void unterminated_bootargs_are_ignored(void **state)
{
    (void)state;
    fb_board(0);
    fb_begin("chosen");
    fb_prop("bootargs", "abcd", 4);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_string_equal(b.bootargs, "");
    free(blob);
}

static void virtio_node_with_short_reg_is_skipped(void **state)
{
    (void)state;
    fb_board(0);
    fb_begin("virtio_mmio@a000000");
    fb_prop_str("compatible", "virtio,mmio");
    fb_prop_cells("reg", (const uint32_t[]){0, 0xa000000}, 2);
    fb_end();
    fb_begin("virtio_mmio@a000200");
    fb_prop_str("compatible", "virtio,mmio");
    fb_prop_cells("reg", (const uint32_t[]){0, 0xa000200, 0, 0x200}, 4);
    fb_prop_cells("interrupts", (const uint32_t[]){0, 17, 1}, 3);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.nvirtio, 1);
    assert_int_equal(b.virtio[0].base, 0xa000200);
    assert_int_equal(b.virtio[0].irq, 49);
    free(blob);
}

static void more_virtio_nodes_than_slots_are_capped(void **state)
{
    (void)state;
    fb_board(0);
    for (int i = 0; i < BOARD_VIRTIO_MAX + 3; i++) {
        fb_begin("virtio_mmio");
        fb_prop_str("compatible", "virtio,mmio");
        fb_prop_cells("reg", (const uint32_t[]){0, 0x1000u * (uint32_t)i, 0, 0x200}, 4);
        fb_end();
    }
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_OK);
    assert_int_equal(b.nvirtio, BOARD_VIRTIO_MAX);
    free(blob);
}

// ---- malformed blobs ----

static void null_blob_is_rejected(void **state)
{
    (void)state;
    size_t size = 0;
    assert_int_equal(fdt_check(NULL, &size), FTL_ERR_PARSE);
    expect_board_error(NULL, "device tree");
}

static void bad_magic_is_rejected(void **state)
{
    (void)state;
    expect_virt_header_rejected(0, 0xfeedd00d);
}

static void version_before_16_is_rejected(void **state)
{
    (void)state;
    expect_virt_header_rejected(5, 15);
}

static void struct_offset_past_total_size_is_rejected(void **state)
{
    (void)state;
    expect_virt_header_rejected(2, (uint32_t)virt_dtb_len + 4);
}

static void struct_block_past_total_size_is_rejected(void **state)
{
    (void)state;
    expect_virt_header_rejected(9, (uint32_t)virt_dtb_len);
}

static void strings_offset_past_total_size_is_rejected(void **state)
{
    (void)state;
    expect_virt_header_rejected(3, 0xfffffff0u);
}

static void strings_block_past_total_size_is_rejected(void **state)
{
    (void)state;
    expect_virt_header_rejected(8, 0xffffffffu);
}

static void unaligned_struct_offset_is_rejected(void **state)
{
    (void)state;
    expect_virt_header_rejected(2, get32(virt_dtb + 8) + 2);
}

static void truncated_blob_is_rejected(void **state)
{
    (void)state;
    // A blob cut short: totalsize says where it ends, the blocks run past it.
    uint32_t strings_end = get32(virt_dtb + 12) + get32(virt_dtb + 32);
    expect_virt_header_rejected(1, strings_end / 2);
}

static void empty_struct_block_has_no_board(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(0, &len);
    put32(blob + 36, 0); // size_dt_struct
    expect_board_error(blob, "memory");
    free(blob);
}

static void struct_block_not_starting_with_a_node_has_no_board(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(0, &len);
    put32(blob + HDR_SIZE + RSVMAP_SIZE, 2); // FDT_END_NODE where the root should begin
    expect_board_error(blob, "memory");
    free(blob);
}

static void unknown_token_stops_the_walk(void **state)
{
    (void)state;
    fb_board(NO_MEMORY);
    fb_word(0x77); // garbage before the memory node
    fb_begin("memory@0");
    fb_prop_cells("reg", (const uint32_t[]){0, 0, 0, 0x1000}, 4);
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    expect_board_error(blob, "memory");
    free(blob);
}

// ---- malformed blobs that once made the reader read out of bounds ----

static void property_longer_than_struct_block_is_not_read(void **state)
{
    (void)state;
    fb_board(0);
    fb_begin("serial@5000");
    fb_prop_str("compatible", "arm,pl011");
    fb_end();
    fb_end();
    size_t len;
    uint8_t *blob = fb_finish(&len);
    // Make the "compatible" of serial@5000 (the last property) claim 64 KiB.
    size_t off = HDR_SIZE + RSVMAP_SIZE + fb.last_prop;
    assert_int_equal(get32(blob + off), 3);
    put32(blob + off + 4, 0x10000);
    struct board b;
    const char *why = NULL;
    (void)board_from_fdt(blob, &b, &why); // any result, but no read past the blob
    free(blob);
}

static void property_name_offset_past_strings_is_not_read(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(0, &len);
    // The root's first property is "compatible"; point its name far past the blob.
    size_t off = HDR_SIZE + RSVMAP_SIZE + 8;
    assert_int_equal(get32(blob + off), 3);
    put32(blob + off + 8, 0x100000);
    struct board b;
    const char *why = NULL;
    (void)board_from_fdt(blob, &b, &why);
    free(blob);
}

static void huge_property_length_does_not_loop_or_overflow(void **state)
{
    (void)state;
    size_t len;
    uint8_t *blob = board_blob(0, &len);
    size_t off = HDR_SIZE + RSVMAP_SIZE + 8;
    put32(blob + off + 4, 0xfffffff0u); // 8 + len wraps to a negative int offset
    struct board b;
    const char *why = NULL;
    (void)board_from_fdt(blob, &b, &why);
    free(blob);
}

static void unterminated_node_name_at_end_of_blob_is_not_read(void **state)
{
    (void)state;
    // Struct block last in the blob: a root whose name runs to the very end.
    uint8_t *blob = calloc(1, HDR_SIZE + 8);
    assert_non_null(blob);
    put32(blob + 0, 0xd00dfeed);
    put32(blob + 4, HDR_SIZE + 8);
    put32(blob + 8, HDR_SIZE);
    put32(blob + 12, HDR_SIZE);
    put32(blob + 20, 17);
    put32(blob + 36, 8);
    put32(blob + HDR_SIZE, 1);
    memcpy(blob + HDR_SIZE + 4, "memo", 4); // a prefix of "memory": compared past its end
    struct board b;
    const char *why = NULL;
    (void)board_from_fdt(blob, &b, &why);
    free(blob);
}

static void struct_block_of_two_bytes_at_end_of_blob_is_not_read(void **state)
{
    (void)state;
    // A struct block shorter than one token, last in the blob: the walk must not read
    // a whole word there (the kernel once did, looking for FDT_NOP).
    for (uint32_t size = 2; size <= 6; size += 4) {
        uint8_t *blob = calloc(1, HDR_SIZE + size);
        assert_non_null(blob);
        put32(blob + 0, 0xd00dfeed);
        put32(blob + 4, HDR_SIZE + size);
        put32(blob + 8, HDR_SIZE);
        put32(blob + 12, HDR_SIZE);
        put32(blob + 20, 17);
        put32(blob + 36, size);
        if (size > 4) {
            put32(blob + HDR_SIZE, 4); // one FDT_NOP, then two bytes
        }
        expect_board_error(blob, "memory");
        free(blob);
    }
}

static void unterminated_psci_method_at_end_of_blob_is_not_read(void **state)
{
    (void)state;
    // Strings first, then a struct block ending in method = "smc" without its NUL.
    static const char strings[20] = "compatible\0method";
    uint32_t off_struct = HDR_SIZE + sizeof(strings);
    uint32_t size = 8 + 12 + 16 + 12 + 3;
    uint8_t *blob = calloc(1, off_struct + size);
    assert_non_null(blob);
    put32(blob + 0, 0xd00dfeed);
    put32(blob + 4, off_struct + size);
    put32(blob + 8, off_struct);
    put32(blob + 12, HDR_SIZE);
    put32(blob + 20, 17);
    put32(blob + 32, sizeof(strings));
    put32(blob + 36, size);
    memcpy(blob + HDR_SIZE, strings, sizeof(strings));
    uint8_t *s = blob + off_struct;
    put32(s, 1); // FDT_BEGIN_NODE "" (the root)
    put32(s + 8, 3); // FDT_PROP compatible
    put32(s + 12, 13);
    put32(s + 16, 0);
    memcpy(s + 20, "arm,psci-1.0", 13);
    put32(s + 36, 3); // FDT_PROP method, 3 bytes, the blob's last
    put32(s + 40, 3);
    put32(s + 44, 11);
    memcpy(s + 48, "smc", 3);
    struct board b;
    const char *why = NULL;
    assert_int_equal(board_from_fdt(blob, &b, &why), FTL_ERR_PARSE);
    assert_false(b.psci_smc); // not "smc" with its NUL: not a method we know
    free(blob);
}

static void total_size_smaller_than_header_is_rejected(void **state)
{
    (void)state;
    uint8_t *blob = calloc(1, HDR_SIZE);
    assert_non_null(blob);
    put32(blob + 0, 0xd00dfeed);
    put32(blob + 4, 8); // totalsize: smaller than the header itself
    put32(blob + 20, 17);
    size_t size = 0;
    assert_int_equal(fdt_check(blob, &size), FTL_ERR_PARSE);
    free(blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(virt_dtb_passes_check_with_its_total_size),
        cmocka_unit_test(virt_ram_is_256_mib_at_0x40000000),
        cmocka_unit_test(virt_uart_is_pl011_at_0x9000000_irq_33),
        cmocka_unit_test(virt_gicv3_distributor_and_redistributors_are_found),
        cmocka_unit_test(virt_hypervisor_timer_is_intid_26),
        cmocka_unit_test(virt_has_32_virtio_mmio_slots_in_address_order),
        cmocka_unit_test(virt_with_el2_uses_smc_for_psci),
        cmocka_unit_test(virt_without_bootargs_has_empty_bootargs),
        cmocka_unit_test(root_node_has_empty_name_and_depth_one),
        cmocka_unit_test(walk_visits_nested_nodes_and_returns_to_depth_one),
        cmocka_unit_test(prop_returns_value_and_length),
        cmocka_unit_test(missing_prop_is_null_and_not_compatible),
        cmocka_unit_test(read_cells_is_big_endian),
        cmocka_unit_test(minimal_built_board_is_accepted),
        cmocka_unit_test(board_without_memory_is_rejected),
        cmocka_unit_test(board_without_pl011_is_rejected),
        cmocka_unit_test(board_without_gicv3_is_rejected),
        cmocka_unit_test(gicv3_without_redistributor_reg_is_rejected),
        cmocka_unit_test(board_without_timer_is_rejected),
        cmocka_unit_test(gicv2_board_gets_distributor_and_cpu_interface),
        cmocka_unit_test(gicv3_board_says_version_3),
        cmocka_unit_test(gic400_is_a_gicv2),
        cmocka_unit_test(unknown_interrupt_controller_is_named),
        cmocka_unit_test(other_interrupt_controller_before_the_gic_is_passed_over),
        cmocka_unit_test(timer_gives_virtual_and_hypervisor_intids),
        cmocka_unit_test(psci_method_hvc_is_not_smc),
        cmocka_unit_test(failed_board_keeps_the_uart_to_report_on),
        cmocka_unit_test(ns16550_console_is_found_with_its_register_shift),
        cmocka_unit_test(first_uart_wins_over_a_later_16550),
        cmocka_unit_test(bootargs_come_from_chosen),
        cmocka_unit_test(unterminated_bootargs_are_ignored),
        cmocka_unit_test(virtio_node_with_short_reg_is_skipped),
        cmocka_unit_test(more_virtio_nodes_than_slots_are_capped),
        cmocka_unit_test(null_blob_is_rejected),
        cmocka_unit_test(bad_magic_is_rejected),
        cmocka_unit_test(version_before_16_is_rejected),
        cmocka_unit_test(struct_offset_past_total_size_is_rejected),
        cmocka_unit_test(struct_block_past_total_size_is_rejected),
        cmocka_unit_test(strings_offset_past_total_size_is_rejected),
        cmocka_unit_test(strings_block_past_total_size_is_rejected),
        cmocka_unit_test(unaligned_struct_offset_is_rejected),
        cmocka_unit_test(truncated_blob_is_rejected),
        cmocka_unit_test(empty_struct_block_has_no_board),
        cmocka_unit_test(struct_block_not_starting_with_a_node_has_no_board),
        cmocka_unit_test(unknown_token_stops_the_walk),
        cmocka_unit_test(property_longer_than_struct_block_is_not_read),
        cmocka_unit_test(property_name_offset_past_strings_is_not_read),
        cmocka_unit_test(huge_property_length_does_not_loop_or_overflow),
        cmocka_unit_test(unterminated_node_name_at_end_of_blob_is_not_read),
        cmocka_unit_test(total_size_smaller_than_header_is_rejected),
        cmocka_unit_test(struct_block_of_two_bytes_at_end_of_blob_is_not_read),
        cmocka_unit_test(unterminated_psci_method_at_end_of_blob_is_not_read),
    };
    return cmocka_run_group_tests_name("fdt", tests, load_virt_dtb, free_virt_dtb);
}
