// Host tests of the virtio console and its virtqueues, driven like Linux's
// virtio-mmio driver would, then abused like a hostile guest could.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../vmm.h"
#include "fake_ftl.h"

#define RAM_SIZE (1u << 20)
#define GPA(off) (FTL_VM_RAM_BASE + (off))
#define NUM 8u
#define TX_DESC 0x1000u
#define TX_AVAIL 0x2000u
#define TX_USED 0x3000u
#define RX_DESC 0x4000u
#define RX_AVAIL 0x5000u
#define RX_USED 0x6000u
#define BUF 0x10000u
#define NEEDS_RESET 64u

static struct guest_ram g;
static struct vcon v;
static struct byte_ring out;
static uint8_t got[1 << 16];
static size_t got_len;

static void sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    assert_true(got_len + len <= sizeof(got));
    memcpy(got + got_len, data, len);
    got_len += len;
}

static void wr(uint64_t off, uint32_t val)
{
    uint64_t d = val;
    vcon_access(&v, off, true, &d);
}

static uint32_t rd(uint64_t off)
{
    uint64_t d = 0xdeadbeef;
    vcon_access(&v, off, false, &d);
    return (uint32_t)d;
}

static void setup_queue(uint32_t q, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
    wr(0x30, q);
    wr(0x38, num);
    wr(0x80, (uint32_t)desc);
    wr(0x84, (uint32_t)(desc >> 32));
    wr(0x90, (uint32_t)avail);
    wr(0x94, (uint32_t)(avail >> 32));
    wr(0xa0, (uint32_t)used);
    wr(0xa4, (uint32_t)(used >> 32));
    wr(0x44, 1);
}

static void driver_init(void)
{
    wr(0x70, 0);
    wr(0x70, 1 | 2);
    wr(0x14, 1);
    assert_int_equal(rd(0x10), 1); // VIRTIO_F_VERSION_1
    wr(0x24, 1);
    wr(0x20, 1);
    wr(0x24, 0);
    wr(0x20, 0);
    wr(0x70, 1 | 2 | 8);
    assert_int_equal(rd(0x70) & 8, 8);
    setup_queue(0, NUM, GPA(RX_DESC), GPA(RX_AVAIL), GPA(RX_USED));
    setup_queue(1, NUM, GPA(TX_DESC), GPA(TX_AVAIL), GPA(TX_USED));
    wr(0x70, 1 | 2 | 8 | 4);
}

static void put_desc(uint32_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t *d = g.base + table + 16u * i;
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

static uint16_t get16(uint32_t off)
{
    uint16_t x;
    memcpy(&x, g.base + off, 2);
    return x;
}

static void set16(uint32_t off, uint16_t x)
{
    memcpy(g.base + off, &x, 2);
}

// Makes chain `head` available and notifies queue `q`.
static void offer(uint32_t q, uint16_t head)
{
    uint32_t avail = q ? TX_AVAIL : RX_AVAIL;
    uint16_t idx = get16(avail + 2);
    set16(avail + 4 + 2 * (idx % NUM), head);
    set16(avail + 2, (uint16_t)(idx + 1));
    wr(0x50, q);
}

static int setup(void **state)
{
    (void)state;
    fake_reset();
    g.base = aligned_alloc(4096, RAM_SIZE);
    memset(g.base, 0, RAM_SIZE);
    g.size = RAM_SIZE;
    g.vm = 1;
    memset(&out, 0, sizeof(out));
    got_len = 0;
    memset(&v, 0, sizeof(v));
    vcon_reset(&v, &g, sink, NULL, &out);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g.base);
    return 0;
}

static void registers_identify_a_version_2_console(void **state)
{
    (void)state;
    assert_int_equal(rd(0x000), 0x74726976);
    assert_int_equal(rd(0x004), 2);
    assert_int_equal(rd(0x008), 3);
    wr(0x14, 0);
    assert_int_equal(rd(0x010), 0); // no multiport, size, emergency write
    wr(0x30, 0);
    assert_int_equal(rd(0x034), VIRTQ_NUM_MAX);
    wr(0x30, 2);
    assert_int_equal(rd(0x034), 0); // no control queues
    assert_int_equal(rd(0x100), 0); // config space reads 0
}

static void a_legacy_driver_gets_no_features_ok(void **state)
{
    (void)state;
    wr(0x70, 1 | 2);
    wr(0x24, 0);
    wr(0x20, 0); // no VERSION_1
    wr(0x70, 1 | 2 | 8);
    assert_int_equal(rd(0x70) & 8, 0);
}

static void tx_is_consumed_at_the_notify_without_an_interrupt(void **state)
{
    (void)state;
    driver_init();
    memcpy(g.base + BUF, "hello ", 6);
    memcpy(g.base + BUF + 100, "world", 5);
    put_desc(TX_DESC, 0, GPA(BUF), 6, 1, 1); // NEXT
    put_desc(TX_DESC, 1, GPA(BUF + 100), 5, 0, 0);
    offer(1, 0);
    assert_int_equal(got_len, 11);
    assert_memory_equal(got, "hello world", 11);
    assert_int_equal(get16(TX_USED + 2), 1); // used idx
    assert_int_equal(get16(TX_USED + 4), 0); // used head
    // The guest's hvc driver polls the used ring: no interrupt (virtio_console.c).
    assert_int_equal(fake_irq_raises[LINUX_VIRTIO_SPI], 0);
    assert_int_equal(rd(0x60), 0);
}

static void rx_fills_posted_buffers_from_the_ring(void **state)
{
    (void)state;
    driver_init();
    ring_put(&out, "0123456789", 10);
    put_desc(RX_DESC, 0, GPA(BUF), 4, 2, 0); // WRITE
    offer(0, 0);
    assert_memory_equal(g.base + BUF, "0123", 4);
    uint32_t len;
    memcpy(&len, g.base + RX_USED + 8, 4);
    assert_int_equal(len, 4);
    assert_int_equal(out.len, 6);
    put_desc(RX_DESC, 1, GPA(BUF + 64), 64, 2, 0);
    offer(0, 1);
    assert_memory_equal(g.base + BUF + 64, "456789", 6);
    assert_int_equal(out.len, 0);
    put_desc(RX_DESC, 2, GPA(BUF + 128), 64, 2, 0);
    offer(0, 2); // nothing to give: the buffer stays posted
    assert_int_equal(get16(RX_USED + 2), 2);
    ring_put(&out, "x", 1);
    vcon_fill_rx(&v);
    assert_int_equal(get16(RX_USED + 2), 3);
}

static void expect_broken(void)
{
    assert_true(rd(0x70) & NEEDS_RESET);
    assert_true(rd(0x60) & 2); // config change
    // Stopped: more notifies do nothing, then a reset brings it back.
    size_t before = got_len;
    put_desc(TX_DESC, 0, GPA(BUF), 4, 0, 0);
    offer(1, 0);
    assert_int_equal(got_len, before);
    memset(g.base + TX_AVAIL, 0, 0x100);
    memset(g.base + TX_USED, 0, 0x100);
    memset(g.base + RX_AVAIL, 0, 0x100);
    memset(g.base + RX_USED, 0, 0x100);
    driver_init();
    assert_int_equal(rd(0x70) & NEEDS_RESET, 0);
    memcpy(g.base + BUF, "ok", 2);
    put_desc(TX_DESC, 0, GPA(BUF), 2, 0, 0);
    offer(1, 0);
    assert_int_equal(got_len, before + 2);
}

static void descriptor_outside_ram_stops_the_device(void **state)
{
    (void)state;
    driver_init();
    put_desc(TX_DESC, 0, GPA(RAM_SIZE - 2), 4, 0, 0); // runs past the end
    offer(1, 0);
    expect_broken();
    put_desc(TX_DESC, 0, 0x1000, 4, 0, 0); // below RAM
    offer(1, 0);
    assert_true(rd(0x70) & NEEDS_RESET);
}

static void length_overflow_stops_the_device(void **state)
{
    (void)state;
    driver_init();
    put_desc(TX_DESC, 0, UINT64_MAX - 2, 16, 0, 0);
    offer(1, 0);
    assert_true(rd(0x70) & NEEDS_RESET);
    driver_init();
    put_desc(TX_DESC, 0, GPA(BUF), UINT32_MAX, 0, 0);
    offer(1, 0);
    expect_broken();
}

static void descriptor_loop_ends_and_stops_the_device(void **state)
{
    (void)state;
    driver_init();
    put_desc(TX_DESC, 0, GPA(BUF), 1, 1, 1);
    put_desc(TX_DESC, 1, GPA(BUF), 1, 1, 0); // 0 -> 1 -> 0 -> ...
    offer(1, 0);
    assert_int_equal(got_len, 0); // nothing of a bad chain is consumed
    expect_broken();
    put_desc(TX_DESC, 0, GPA(BUF), 1, 1, 9); // next past the table
    offer(1, 0);
    assert_true(rd(0x70) & NEEDS_RESET);
}

static void wrong_direction_and_indirect_stop_the_device(void **state)
{
    (void)state;
    driver_init();
    put_desc(TX_DESC, 0, GPA(BUF), 4, 2, 0); // device-writable on the transmit queue
    offer(1, 0);
    expect_broken();
    put_desc(TX_DESC, 0, GPA(BUF), 16, 4, 0); // INDIRECT: not negotiated
    offer(1, 0);
    assert_true(rd(0x70) & NEEDS_RESET);
    driver_init();
    ring_put(&out, "abc", 3);
    put_desc(RX_DESC, 0, GPA(BUF), 4, 0, 0); // read-only on the receive queue
    offer(0, 0);
    assert_true(rd(0x70) & NEEDS_RESET);
}

static void bad_avail_index_and_head_stop_the_device(void **state)
{
    (void)state;
    driver_init();
    set16(TX_AVAIL + 2, NUM + 5); // claims more entries than the ring holds
    wr(0x50, 1);
    expect_broken();
    set16(TX_AVAIL + 4 + 2, 200); // a head past the table (expect_broken used entry 0)
    set16(TX_AVAIL + 2, 2);
    wr(0x50, 1);
    assert_true(rd(0x70) & NEEDS_RESET);
}

static void bad_queue_size_or_address_stops_the_device(void **state)
{
    (void)state;
    wr(0x70, 1 | 2 | 8);
    setup_queue(1, 6, GPA(TX_DESC), GPA(TX_AVAIL), GPA(TX_USED)); // not a power of 2
    assert_true(rd(0x70) & NEEDS_RESET);
    wr(0x70, 0);
    setup_queue(1, 256, GPA(TX_DESC), GPA(TX_AVAIL), GPA(TX_USED)); // above QueueNumMax
    assert_true(rd(0x70) & NEEDS_RESET);
    wr(0x70, 0);
    setup_queue(1, NUM, GPA(RAM_SIZE - 16), GPA(TX_AVAIL), GPA(TX_USED)); // past RAM
    assert_true(rd(0x70) & NEEDS_RESET);
    wr(0x70, 0);
    setup_queue(1, NUM, GPA(TX_DESC + 8), GPA(TX_AVAIL), GPA(TX_USED)); // misaligned
    assert_true(rd(0x70) & NEEDS_RESET);
    wr(0x70, 0);
    assert_int_equal(rd(0x70), 0);
}

static void queue_moved_while_running_is_ignored(void **state)
{
    (void)state;
    driver_init();
    wr(0x30, 1);
    wr(0x80, (uint32_t)GPA(RAM_SIZE - 16)); // ignored: the queue is ready
    wr(0x38, 3);
    memcpy(g.base + BUF, "still", 5);
    put_desc(TX_DESC, 0, GPA(BUF), 5, 0, 0);
    offer(1, 0);
    assert_int_equal(got_len, 5);
    assert_int_equal(rd(0x70) & NEEDS_RESET, 0);
    assert_int_equal(v.ignored_writes, 2);
}

int devices_virtio_tests(void);

int devices_virtio_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(registers_identify_a_version_2_console, setup, teardown),
        cmocka_unit_test_setup_teardown(a_legacy_driver_gets_no_features_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(tx_is_consumed_at_the_notify_without_an_interrupt, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rx_fills_posted_buffers_from_the_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(descriptor_outside_ram_stops_the_device, setup, teardown),
        cmocka_unit_test_setup_teardown(length_overflow_stops_the_device, setup, teardown),
        cmocka_unit_test_setup_teardown(descriptor_loop_ends_and_stops_the_device, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_direction_and_indirect_stop_the_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_avail_index_and_head_stop_the_device, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_queue_size_or_address_stops_the_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(queue_moved_while_running_is_ignored, setup, teardown),
    };
    return cmocka_run_group_tests_name("linux virtio console", tests, NULL, NULL);
}
