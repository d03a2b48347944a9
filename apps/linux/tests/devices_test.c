// Host tests of the linux app's guest-facing parts: the device tree (checked by dtc
// when it is installed), the Image header, the PL011 and the virtio console with its
// virtqueues, fed descriptors a hostile guest could write.
#define _POSIX_C_SOURCE 200809L // mkstemp, fdopen, popen
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fdt.h"
#include "../vmm.h"
#include "fake_ftl.h"

#define RAM_SIZE (1u << 20)
#define GPA(off) (FTL_VM_RAM_BASE + (off))

static struct guest_ram g;

static int setup(void **state)
{
    (void)state;
    fake_reset();
    g.base = aligned_alloc(4096, RAM_SIZE);
    memset(g.base, 0, RAM_SIZE);
    g.size = RAM_SIZE;
    g.vm = 1;
    fake_ram = g.base;
    fake_ram_size = RAM_SIZE;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g.base);
    return 0;
}

// ---- device tree ----

static char *dtc_output(const void *blob, size_t len)
{
    if (system("command -v dtc >/dev/null 2>&1") != 0) {
        return NULL;
    }
    char path[] = "/tmp/linux_dtb_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_int_equal(fwrite(blob, 1, len, f), len);
    fclose(f);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    static char out[16384];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    remove(path);
    return out;
}

static void device_tree_has_every_node_linux_needs(void **state)
{
    (void)state;
    static uint8_t blob[8192] __attribute__((aligned(8)));
    struct dtb_params p = {.ram_bytes = 128u << 20,
                           .initrd_start = 0x42000000,
                           .initrd_end = 0x42345678,
                           .bootargs = "console=ttyAMA0 quiet"};
    size_t len;
    assert_int_equal(dtb_build(&p, blob, sizeof(blob), &len), FTL_OK);
    assert_int_equal(blob[0], 0xd0); // magic, big endian
    assert_int_equal(blob[3], 0xed);
    char *dts = dtc_output(blob, len);
    if (!dts) {
        skip(); // no dtc on this host: the structure was checked above
    }
    static const char *want[] = {
        "compatible = \"linux,dummy-virt\"",
        "#address-cells = <0x02>",
        "bootargs = \"console=ttyAMA0 quiet\"",
        "linux,initrd-start = <0x00 0x42000000>",
        "linux,initrd-end = <0x00 0x42345678>",
        "stdout-path = \"/pl011@9000000\"",
        "reg = <0x00 0x40000000 0x00 0x8000000>",
        "enable-method = \"psci\"",
        "compatible = \"arm,psci-1.0\\0arm,psci-0.2\"",
        "method = \"hvc\"",
        "interrupts = <0x01 0x0d 0x04 0x01 0x0e 0x04 0x01 0x0b 0x04 0x01 0x0a 0x04>",
        "compatible = \"arm,gic-v3\"",
        "reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x20000>",
        "interrupt-controller;",
        "compatible = \"arm,pl011\\0arm,primecell\"",
        "interrupts = <0x00 0x01 0x04>",
        "clock-names = \"uartclk\\0apb_pclk\"",
        "clock-frequency = <0x16e3600>",
        "compatible = \"virtio,mmio\"",
        "reg = <0x00 0xa000000 0x00 0x200>",
        "interrupts = <0x00 0x10 0x01>",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(dts, want[i])) {
            fail_msg("dtc output lacks '%s':\n%s", want[i], dts);
        }
    }
}

static void device_tree_too_big_or_unbalanced_fails(void **state)
{
    (void)state;
    static uint8_t blob[256] __attribute__((aligned(8)));
    struct dtb_params p = {.ram_bytes = 128u << 20, .bootargs = ""};
    size_t len;
    assert_int_equal(dtb_build(&p, blob, sizeof(blob), &len), FTL_ERR_BUFFER_TOO_SMALL);
    static struct fdt_writer w;
    fdt_begin(&w, blob, sizeof(blob));
    fdt_begin_node(&w, "");
    assert_int_equal(fdt_finish(&w, &len), FTL_ERR_INVALID_ARG);
    fdt_begin(&w, blob, sizeof(blob));
    fdt_end_node(&w);
    assert_int_equal(fdt_finish(&w, &len), FTL_ERR_INVALID_ARG);
}

// ---- Image header ----

static void make_header(uint8_t *h, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
    memset(h, 0, 64);
    for (int i = 0; i < 8; i++) {
        h[0x08 + i] = (uint8_t)(text_offset >> (8 * i));
        h[0x10 + i] = (uint8_t)(image_size >> (8 * i));
        h[0x18 + i] = (uint8_t)(flags >> (8 * i));
    }
    memcpy(h + 0x38, "ARM\x64", 4);
}

static void image_header_is_checked(void **state)
{
    (void)state;
    uint8_t h[64];
    struct image_info info;
    make_header(h, 0, 0x1a00000, 0xa);
    assert_int_equal(image_parse(h, sizeof(h), &info), FTL_OK);
    assert_int_equal(info.image_size, 0x1a00000);
    assert_int_equal(info.text_offset, 0);
    assert_int_equal(image_parse(h, 63, &info), FTL_ERR_PARSE);
    make_header(h, 0, 0x1000, 1); // big endian
    assert_int_equal(image_parse(h, sizeof(h), &info), FTL_ERR_PARSE);
    make_header(h, 0x123, 0x1000, 0); // misaligned text_offset
    assert_int_equal(image_parse(h, sizeof(h), &info), FTL_ERR_PARSE);
    make_header(h, 0, 0, 0); // before 3.17: text_offset means 0x80000
    assert_int_equal(image_parse(h, sizeof(h), &info), FTL_OK);
    assert_int_equal(info.text_offset, 0x80000);
    memcpy(h + 0x38, "MZ\0\0", 4);
    assert_int_equal(image_parse(h, sizeof(h), &info), FTL_ERR_PARSE);
}

static void boot_loads_image_initrd_and_device_tree(void **state)
{
    (void)state;
    // A 256 KiB RAM is too small for the real layout: use a 32 MiB one here.
    struct guest_ram big = {.base = aligned_alloc(4096, 32u << 20), .size = 32u << 20, .vm = 1};
    fake_ram = big.base;
    fake_ram_size = big.size;
    static uint8_t image[8192];
    make_header(image, 0, 0x300000, 0xa);
    static const char initrd[] = "070701 cpio";
    fake_set_file("Image", image, sizeof(image));
    fake_set_file("initramfs.cpio", initrd, sizeof(initrd));
    assert_int_equal(linux_boot(&big, "rdinit=/init"), FTL_OK);
    assert_int_equal(fake_boot_pc, FTL_VM_RAM_BASE + (2u << 20));
    assert_int_equal(fake_boot_x0, FTL_VM_RAM_BASE + (30u << 20));      // the last 2 MiB
    assert_memory_equal(big.base + (6u << 20), initrd, sizeof(initrd)); // after 2+3 MiB, aligned
    assert_int_equal(big.base[30u << 20], 0xd0);
    memcpy(image + 0x38, "XXXX", 4); // not an Image: refused with a log line
    assert_int_equal(linux_boot(&big, ""), FTL_ERR_PARSE);
    assert_non_null(strstr(fake_log_last, "not an arm64 Linux Image"));
    free(big.base);
    fake_ram = g.base;
    fake_ram_size = g.size;
}

// ---- PL011 ----

static uint64_t uart_read(struct pl011 *u, uint64_t off)
{
    uint64_t v = 0;
    pl011_access(u, off, false, &v);
    return v;
}

static void uart_write(struct pl011 *u, uint64_t off, uint64_t v)
{
    pl011_access(u, off, true, &v);
}

static void uart_puts(struct pl011 *u, const char *s)
{
    while (*s) {
        uart_write(u, 0, (uint8_t)*s++);
    }
}

static void pl011_has_its_ids_and_never_is_busy(void **state)
{
    (void)state;
    static struct pl011 u;
    pl011_reset(&u, &g);
    uint32_t periph = 0, cell = 0;
    for (int i = 0; i < 4; i++) {
        periph |= (uint32_t)uart_read(&u, 0xfe0 + 4 * i) << (8 * i);
        cell |= (uint32_t)uart_read(&u, 0xff0 + 4 * i) << (8 * i);
    }
    assert_int_equal(periph, 0x00241011);
    assert_int_equal(cell, 0xb105f00d);
    assert_int_equal(uart_read(&u, 0x18), 0x90); // TXFE | RXFE
    uart_write(&u, 0x24, 13);
    uart_write(&u, 0x2c, 0x70);
    assert_int_equal(uart_read(&u, 0x24), 13);
    assert_int_equal(uart_read(&u, 0x2c), 0x70);
}

static void pl011_logs_lines_and_raises_its_tx_interrupt(void **state)
{
    (void)state;
    static struct pl011 u;
    pl011_reset(&u, &g);
    uart_puts(&u, "Booting Linux\r\n");
    assert_string_equal(fake_log_last, "guest: Booting Linux");
    assert_int_equal(fake_irq_level[LINUX_PL011_SPI], 0); // masked
    uart_write(&u, 0x38, 1u << 5);                        // IMSC: TX
    assert_int_equal(fake_irq_level[LINUX_PL011_SPI], 1);
    assert_int_equal(uart_read(&u, 0x40), 1u << 5); // MIS
    uart_write(&u, 0x44, 1u << 5);                  // ICR
    assert_int_equal(fake_irq_level[LINUX_PL011_SPI], 0);
    uart_write(&u, 0, 'x');
    assert_int_equal(fake_irq_level[LINUX_PL011_SPI], 1);
    uart_puts(&u, "\x1b[0m\n"); // control bytes show as '.'
    assert_string_equal(fake_log_last, "guest: x.[0m");
}

static void pl011_flood_is_rate_limited(void **state)
{
    (void)state;
    static struct pl011 u;
    pl011_reset(&u, &g);
    unsigned before = fake_log_lines;
    for (int i = 0; i < 1000; i++) {
        uart_puts(&u, "spam\n");
    }
    // The burst, plus one warning that lines are being dropped.
    assert_int_equal(fake_log_lines - before, PL011_BURST + 1);
    assert_int_equal(u.dropped, 1000 - PL011_BURST);
    fake_now_ns += 1000000000; // a second later: the count of dropped lines, then the line
    uart_puts(&u, "after\n");
    assert_string_equal(fake_log_last, "guest: after");
    // A line longer than the buffer is split, never overflows.
    char longline[3 * PL011_LINE_MAX];
    memset(longline, 'a', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    uart_puts(&u, longline);
    assert_int_equal(strlen(fake_log_last), strlen("guest: ") + PL011_LINE_MAX);
}

int devices_virtio_tests(void);

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(device_tree_has_every_node_linux_needs, setup, teardown),
        cmocka_unit_test_setup_teardown(device_tree_too_big_or_unbalanced_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(image_header_is_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(boot_loads_image_initrd_and_device_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(pl011_has_its_ids_and_never_is_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(pl011_logs_lines_and_raises_its_tx_interrupt, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pl011_flood_is_rate_limited, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("linux devices", tests, NULL, NULL);
    return failed | devices_virtio_tests();
}
