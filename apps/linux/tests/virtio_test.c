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
    assert_int_equal(rd(0x010), 2); // multiport; no size, no emergency write
    wr(0x30, 0);
    assert_int_equal(rd(0x034), VIRTQ_NUM_MAX);
    wr(0x30, 5);
    assert_int_equal(rd(0x034), VIRTQ_NUM_MAX); // port 1's transmitq
    wr(0x30, 6);
    assert_int_equal(rd(0x034), 0);
    assert_int_equal(rd(0x100), 0); // no size: cols and rows 0
    assert_int_equal(rd(0x104), VCON_PORTS);
    assert_int_equal(rd(0x108), 0);
}

// ---- MULTIPORT, driven like Linux's virtio_console: queues at QBASE(q) ----
#define QBASE(q) (0x20000u + 0x3000u * (q))
#define MBUF(q, i) (0x40000u + 0x8000u * (q) + 0x100u * (i))

static void mp_post(uint32_t q, uint16_t i, uint32_t len)
{
    put_desc(QBASE(q), i, GPA(MBUF(q, i)), len, 2, 0); // WRITE
    uint32_t avail = QBASE(q) + 0x1000;
    uint16_t idx = get16(avail + 2);
    set16(avail + 4 + 2 * (idx % NUM), i);
    set16(avail + 2, (uint16_t)(idx + 1));
    wr(0x50, q);
}

static void mp_send(uint32_t q, uint16_t i, const void *data, uint32_t len)
{
    memcpy(g.base + MBUF(q, i), data, len);
    put_desc(QBASE(q), i, GPA(MBUF(q, i)), len, 0, 0);
    uint32_t avail = QBASE(q) + 0x1000;
    uint16_t idx = get16(avail + 2);
    set16(avail + 4 + 2 * (idx % NUM), i);
    set16(avail + 2, (uint16_t)(idx + 1));
    wr(0x50, q);
}

static void mp_control(uint16_t i, uint32_t id, uint16_t event, uint16_t value)
{
    uint8_t m[8];
    memcpy(m, &id, 4);
    memcpy(m + 4, &event, 2);
    memcpy(m + 6, &value, 2);
    mp_send(3, i, m, 8);
}

// The n-th used element of queue q: its length; the message is at MBUF(q, head).
static uint32_t mp_used(uint32_t q, uint16_t n, uint32_t *head)
{
    uint32_t used = QBASE(q) + 0x2000;
    assert_true(get16(used + 2) > n);
    uint32_t len;
    memcpy(head, g.base + used + 4 + 8 * n, 4);
    memcpy(&len, g.base + used + 8 + 8 * n, 4);
    return len;
}

static void expect_control(uint32_t n, uint16_t event, uint16_t value, const char *name)
{
    uint32_t head;
    uint32_t len = mp_used(2, (uint16_t)n, &head);
    const uint8_t *m = g.base + MBUF(2, head);
    uint32_t id;
    uint16_t ev, val;
    memcpy(&id, m, 4);
    memcpy(&ev, m + 4, 2);
    memcpy(&val, m + 6, 2);
    assert_int_equal(id, VCON_AGENT_PORT);
    assert_int_equal(ev, event);
    assert_int_equal(val, value);
    assert_int_equal(len, 8 + (name ? strlen(name) : 0));
    if (name) {
        assert_memory_equal(m + 8, name, strlen(name));
    }
}

static void mp_init(void)
{
    wr(0x70, 0);
    wr(0x70, 1 | 2);
    wr(0x24, 1);
    wr(0x20, 1);
    wr(0x24, 0);
    wr(0x20, 2); // MULTIPORT
    wr(0x70, 1 | 2 | 8);
    assert_int_equal(rd(0x70) & 8, 8);
    for (uint32_t q = 0; q < 6; q++) {
        setup_queue(q, NUM, GPA(QBASE(q)), GPA(QBASE(q) + 0x1000), GPA(QBASE(q) + 0x2000));
    }
    wr(0x70, 1 | 2 | 8 | 4);
    for (uint16_t i = 0; i < 4; i++) {
        mp_post(2, i, 64);
    }
    mp_control(0, 0xffffffffu, 0, 1); // DEVICE_READY
    expect_control(0, 1, 0, NULL);    // PORT_ADD 1
    for (uint16_t i = 0; i < 2; i++) {
        mp_post(4, i, 64); // the port's receive buffers (add_port fills the queue)
    }
    mp_control(1, 1, 3, 1);                  // PORT_READY
    expect_control(1, 7, 0, VCON_PORT_NAME); // PORT_NAME
    expect_control(2, 6, 1, NULL);           // PORT_OPEN: the host is connected
}

static void multiport_carries_the_agent_on_port_1(void **state)
{
    (void)state;
    mp_init();
    ring_put(&out, "frame", 5);
    vcon_fill_rx(&v);
    assert_int_equal(get16(QBASE(4) + 0x2000 + 2), 0); // the guest has not opened the port
    mp_control(2, 1, 6, 1);                            // PORT_OPEN 1: a program opened it
    uint32_t head;
    assert_int_equal(mp_used(4, 0, &head), 5);
    assert_memory_equal(g.base + MBUF(4, head), "frame", 5);
    assert_true(fake_irq_raises[LINUX_VIRTIO_SPI] > 0);
    mp_send(5, 0, "hello", 5); // the port's transmitq: consumed at the notify
    assert_int_equal(got_len, 5);
    assert_memory_equal(got, "hello", 5);
    assert_int_equal(get16(QBASE(5) + 0x2000 + 2), 1);
    mp_send(1, 0, "port0", 5); // port 0 was never added: its queue is not read
    assert_int_equal(got_len, 5);
    mp_control(3, 1, 6, 0); // the program closed the port
    assert_int_equal(v.counts.port_closes, 1);
    mp_control(4, 7, 42, 1); // an unknown event: ignored, counted
    mp_send(3, 5, "abc", 3); // a short control message
    assert_int_equal(v.counts.bad_control, 2);
    assert_int_equal(rd(0x70) & NEEDS_RESET, 0);
}

static void bad_control_queue_stops_the_device(void **state)
{
    (void)state;
    mp_init();
    put_desc(QBASE(3), 0, GPA(RAM_SIZE - 4), 8, 0, 0); // past the end of RAM
    uint32_t avail = QBASE(3) + 0x1000;
    uint16_t idx = get16(avail + 2);
    set16(avail + 4 + 2 * (idx % NUM), 0);
    set16(avail + 2, (uint16_t)(idx + 1));
    wr(0x50, 3);
    assert_true(rd(0x70) & NEEDS_RESET);
    memset(g.base + QBASE(0), 0, QBASE(6) - QBASE(0)); // fresh rings
    mp_init();                                         // a reset brings it back
    assert_int_equal(rd(0x70) & NEEDS_RESET, 0);
    mp_post(2, 4, 4); // a control receive buffer too small for a message
    mp_control(2, 1, 3, 1);
    assert_true(rd(0x70) & NEEDS_RESET);
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
    assert_int_equal(v.counts.ignored_writes, 2);
}

int devices_virtio_tests(void);

int devices_virtio_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(registers_identify_a_version_2_console, setup, teardown),
        cmocka_unit_test_setup_teardown(a_legacy_driver_gets_no_features_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(multiport_carries_the_agent_on_port_1, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_control_queue_stops_the_device, setup, teardown),
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
