// The self-extracting kernel's C half (head.S): decompresses the kernel's LZ4 frame
// to its place, or says on QEMU virt's UART why it cannot and stops. Runs on head.S's
// identity map and stack, position-independent (adrp, no pointers in data), from
// wherever the loader put it.
#include <stddef.h>
#include <stdint.h>

#include "unlz4.h"

struct zimage_info {
    uint64_t payload_offset; // the kernel's LZ4 frame, from the image's start
    uint64_t payload_bytes;
    uint64_t dest_offset;    // where the kernel is decompressed, from the image's start
    uint64_t kernel_bytes;
    uint64_t kernel_image_size;
};

extern const struct zimage_info zimage_info;

void zimage_unpack(uint8_t *base);
_Noreturn void zimage_too_high(void);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

// The PL011 UART of QEMU's virt board: the only console before the kernel runs.
#define VIRT_UART_BASE 0x09000000ul
#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)

static void say(const char *s)
{
    volatile uint32_t *uart = (volatile uint32_t *)VIRT_UART_BASE;
    for (; *s; s++) {
        while (uart[PL011_FR / 4] & PL011_FR_TXFF) {
        }
        uart[PL011_DR / 4] = (uint8_t)*s;
    }
}

static _Noreturn void stop(void)
{
    for (;;) {
        __asm__ volatile("wfi");
    }
}

// With the MMU on (head.S), unaligned 8-byte accesses are fine: LZ4 copies literal
// runs with memcpy, so it goes 16 bytes at a time.
static void copy_forward(uint8_t *d, const uint8_t *s, size_t n)
{
    for (; n >= 16; n -= 16, d += 16, s += 16) {
        uint64_t a, b;
        __builtin_memcpy(&a, s, 8);
        __builtin_memcpy(&b, s + 8, 8);
        __builtin_memcpy(d, &a, 8);
        __builtin_memcpy(d + 8, &b, 8);
    }
    for (; n > 0; n--) {
        *d++ = *s++;
    }
}

void *memcpy(void *dst, const void *src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) {
        copy_forward(d, s, n); // each chunk is read before a write can reach it
    } else {
        for (size_t i = n; i > 0; i--) {
            d[i - 1] = s[i - 1];
        }
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++) {
        d[i] = (uint8_t)c;
    }
    return dst;
}

_Noreturn void zimage_too_high(void)
{
    say("FTL: cannot boot: the boot image was loaded above 512 GiB, past the identity "
        "map of its decompressor\r\n");
    stop();
}

void zimage_unpack(uint8_t *base)
{
    const struct zimage_info *z = &zimage_info;
    const char *why = "no kernel in the image";
    if (z->payload_bytes == 0 ||
        unlz4(base + z->payload_offset, z->payload_bytes, base + z->dest_offset, z->kernel_bytes,
              &why) != FTL_OK) {
        say("FTL: cannot boot: the compressed kernel in the boot image is corrupt: ");
        say(why);
        say("\r\n");
        stop();
    }
}
