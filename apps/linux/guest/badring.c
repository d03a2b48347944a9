// `/init virtio-bad-descriptors`: a hostile guest program for FTL's tests
// (apps/test_linux). Run as root after the virtio console's driver was unbound, it
// drives the console itself through /dev/mem: it resets the device, sets up the
// transmit queue in a page of its own (found with /proc/self/pagemap) and offers a
// descriptor that points below guest RAM. The VMM must answer DEVICE_NEEDS_RESET (its
// documented policy) and nothing worse. Prints the status it read back; exits 0 if
// NEEDS_RESET is set. It can do nothing that root in the guest could not do anyway.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent.h"

#define VIRTIO_BASE 0x0a000000ul // docs/linux.md: the console's registers
#define QUEUE_SIZE 8u

static volatile uint32_t *regs;

static void wr(unsigned off, uint32_t v)
{
    regs[off / 4] = v;
    __asm__ volatile("dsb sy" ::: "memory");
}

static uint32_t rd(unsigned off)
{
    return regs[off / 4];
}

// The guest-physical address of the page at `va` (locked in memory), or 0.
static uint64_t phys_of(void *va)
{
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    uint64_t entry = 0;
    off_t at = (off_t)((uintptr_t)va / 4096 * 8);
    ssize_t n = pread(fd, &entry, sizeof(entry), at);
    close(fd);
    if (n != (ssize_t)sizeof(entry) || !(entry >> 63)) {
        return 0; // not present, or no PFNs for us (not root)
    }
    return (entry & ((1ull << 55) - 1)) * 4096;
}

int bad_descriptors_main(void)
{
    int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
    if (fd < 0) {
        printf("/dev/mem: %s\n", strerror(errno));
        return 2;
    }
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, VIRTIO_BASE);
    if (m == MAP_FAILED) {
        printf("mmap of the console's registers: %s (is its driver unbound?)\n", strerror(errno));
        return 2;
    }
    regs = m;
    if (rd(0x000) != 0x74726976u || rd(0x008) != 3) {
        printf("no virtio console at %#lx\n", VIRTIO_BASE);
        return 2;
    }
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || mlock(page, 4096) < 0) {
        printf("a locked page: %s\n", strerror(errno));
        return 2;
    }
    memset(page, 0, 4096);
    uint64_t pa = phys_of(page);
    if (pa == 0) {
        printf("no physical address from /proc/self/pagemap\n");
        return 2;
    }
    // The device as a virtio 1 driver sets it up (virtio 1.1 §3.1.1), no features.
    wr(0x070, 0);
    wr(0x070, 1 | 2); // ACKNOWLEDGE, DRIVER
    wr(0x024, 1);
    wr(0x020, 1); // VIRTIO_F_VERSION_1
    wr(0x024, 0);
    wr(0x020, 0);
    wr(0x070, 1 | 2 | 8); // FEATURES_OK
    // Transmit queue 1 (port 0 without MULTIPORT): descriptors at +0, available ring
    // at +0x400, used ring at +0x800 of the page.
    wr(0x030, 1);
    wr(0x038, QUEUE_SIZE);
    wr(0x080, (uint32_t)pa);
    wr(0x084, (uint32_t)(pa >> 32));
    wr(0x090, (uint32_t)(pa + 0x400));
    wr(0x094, (uint32_t)((pa + 0x400) >> 32));
    wr(0x0a0, (uint32_t)(pa + 0x800));
    wr(0x0a4, (uint32_t)((pa + 0x800) >> 32));
    wr(0x044, 1);
    wr(0x070, 1 | 2 | 8 | 4); // DRIVER_OK
    // One descriptor of 64 bytes at guest-physical 0x1000: no RAM there.
    uint64_t bad_addr = 0x1000;
    uint32_t len = 64;
    memcpy(page, &bad_addr, 8);
    memcpy(page + 8, &len, 4);
    uint16_t one = 1;
    memcpy(page + 0x400 + 4, &(uint16_t){0}, 2); // ring[0] = descriptor 0
    __asm__ volatile("dsb sy" ::: "memory");
    memcpy(page + 0x400 + 2, &one, 2); // idx = 1
    __asm__ volatile("dsb sy" ::: "memory");
    wr(0x050, 1); // QueueNotify
    uint32_t status = rd(0x070);
    printf("virtio console status after a bad descriptor: %#x (%s)\n", status,
           status & 64 ? "DEVICE_NEEDS_RESET" : "running");
    agent_log(4, "virtio-bad-descriptors: status %#x", status);
    return status & 64 ? 0 : 1;
}
