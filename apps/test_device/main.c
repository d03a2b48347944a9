// test_device: checks the driver SDK against a real virtio network device, on
// virtio-mmio or virtio-pci.
#include <ftl/test.h>

#include <string.h>

static const struct ftl_env *env;

// virtio-pci (tests/test_virtio_pci.py): the BAR with the four virtio structures.
static void pci_registers_are_mapped(const struct ftl_device *dev)
{
    CHECK(dev->pci.common + 0x38 <= dev->mmio_size && dev->pci.isr < dev->mmio_size);
    CHECK(dev->pci.device + 6 <= dev->mmio_size && dev->pci.notify < dev->mmio_size);
    volatile uint8_t *common = (volatile uint8_t *)dev->mmio + dev->pci.common;
    CHECK(ftl_mmio_read16(common, 0x12) >= 2); // num_queues: RX and TX at least
    ftl_mmio_write32(common, 0x00, 1);         // device_feature_select: bits 32-63
    CHECK(ftl_mmio_read32(common, 0x04) & 1);  // VIRTIO_F_VERSION_1
    volatile uint8_t *mac = (volatile uint8_t *)dev->mmio + dev->pci.device;
    CHECK(mac[0] == 0x52 && mac[1] == 0x54 && mac[2] == 0x00); // QEMU's MAC prefix
}

static void device_registers_are_mapped(void)
{
    struct ftl_device dev;
    CHECK_OK(ftl_env_device(env, "nic", &dev));
    CHECK(dev.irq > 0);
    if (dev.transport == FTL_DEVICE_VIRTIO_PCI) {
        pci_registers_are_mapped(&dev);
        return;
    }
    CHECK(dev.transport == FTL_DEVICE_VIRTIO_MMIO);
    CHECK(ftl_mmio_read32(dev.mmio, 0x000) == 0x74726976); // "virt"
    CHECK(ftl_mmio_read32(dev.mmio, 0x008) == 1);          // a network device
    uint32_t version = ftl_mmio_read32(dev.mmio, 0x004);
    CHECK(version == 1 || version == 2);
    CHECK(dev.mmio_size >= 0x100);
    struct ftl_device other;
    CHECK_ERR(ftl_env_device(env, "missing", &other), FTL_ERR_NOT_FOUND);
}

static void dma_memory_is_zeroed_and_has_a_bus_address(void)
{
    void *va;
    uint64_t bus;
    CHECK_OK(ftl_dma_alloc(8192, &va, &bus));
    CHECK(((uintptr_t)va & 4095) == 0 && (bus & 4095) == 0 && bus >= 0x40000000);
    const uint8_t *b = va;
    bool zero = true;
    for (size_t i = 0; i < 8192; i++) {
        zero = zero && b[i] == 0;
    }
    CHECK(zero);
    memset(va, 0xab, 8192);
    CHECK_ERR(ftl_dma_alloc(0, &va, &bus), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_dma_alloc(64u << 20, &va, &bus), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_dma_alloc(4096, (void **)0x10, &bus), FTL_ERR_BAD_ADDRESS);
}

static void ps_lists_this_process(void)
{
    static struct ftl_ps_entry list[16];
    size_t n = 0;
    CHECK_OK(ftl_ps(list, 16, &n));
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].name, "test_device") == 0) {
            found = (list[i].isolation <= 2 || list[i].isolation == 4) && list[i].handles >= 2 &&
                    list[i].memory > 0;
        }
    }
    CHECK(n >= 1 && found);
}

static void log_read_returns_recent_lines(void)
{
    static char buf[4096];
    size_t n = 0;
    CHECK_OK(ftl_log_read(buf, sizeof(buf), &n));
    CHECK(n > 0 && n <= sizeof(buf));
    bool found = false;
    for (size_t i = 0; i + 9 <= n && !found; i++) {
        found = memcmp(buf + i, "TEST PASS", 9) == 0;
    }
    CHECK(found);
}

static void irq_ack_checks_its_handle(void)
{
    struct ftl_device dev;
    CHECK_OK(ftl_env_device(env, "nic", &dev));
    CHECK_OK(ftl_irq_ack(dev.irq));
    CHECK_ERR(ftl_irq_ack(ftl_env_system(env)), FTL_ERR_WRONG_TYPE);
    CHECK_ERR(ftl_irq_ack(999), FTL_ERR_BAD_HANDLE);
}

void app_main(const struct ftl_env *e)
{
    env = e;
    run_test("device.registers_are_mapped", device_registers_are_mapped);
    run_test("device.dma_memory_is_zeroed_and_has_a_bus_address",
             dma_memory_is_zeroed_and_has_a_bus_address);
    run_test("device.ps_lists_this_process", ps_lists_this_process);
    run_test("device.log_read_returns_recent_lines", log_read_returns_recent_lines);
    run_test("device.irq_ack_checks_its_handle", irq_ack_checks_its_handle);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
