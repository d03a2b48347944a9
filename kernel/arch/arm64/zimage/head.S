// The boot image's entry: a self-extracting kernel (docs/booting.md). QEMU's -kernel
// (or any loader of arm64 Linux Images) puts this file at a 2 MiB-aligned base +
// TEXT_OFFSET and enters it with the MMU and data cache off, the DTB in x0. It holds
// an LZ4 frame of the kernel (build/kernel-raw.bin); zimage.c decompresses it to the
// next 2 MiB-aligned base + TEXT_OFFSET past this file (never over this file), then
// the kernel's own boot.S runs from there as if a loader had put it there.
// tools/mkzimage.py appends the frame and fills image_size and zimage_info.
#include "../asm.h"

// Identity map in 1 GiB blocks (level 1, 4 KiB granule, 39-bit addresses).
#define ZBLOCK_DEVICE 0x0040000000000401 // block, attr 0, AF, execute-never
#define ZBLOCK_NORMAL 0x0000000000000705 // block, attr 1, inner shareable, AF
#define ZMAIR 0xff00                     // attr 0: Device-nGnRnE, 1: Normal write-back
// T0SZ 25, walks write-back cacheable and inner shareable; EL1's: no TTBR1 (EPD1),
// 40-bit physical addresses; EL2's (E2H=0): the same, with its RES1 bits.
#define ZTCR_EL1 0x0000000200803519
#define ZTCR_EL2 0x0000000080823519
#define ZSCTLR_M (1 << 0)
#define ZSCTLR_C (1 << 2)
#define ZSCTLR_SET (ZSCTLR_M | ZSCTLR_C | (1 << 12))  // MMU, data and instruction caches
#define ZSCTLR_CLEAR ((1 << 1) | (1 << 19))           // no alignment check, no WXN

    .section .text.head, "ax"
    .global _start
_start:
    b       start                   // code0/code1
    .long   0
    .quad   TEXT_OFFSET             // text_offset
    .quad   0                       // image_size: up to the end of the kernel's bss
    .quad   0xa                     // flags: little endian, 4K pages, anywhere in RAM
    .quad   0, 0, 0
    .ascii  "ARM\x64"               // magic
    .long   0

    // Offset 64 (struct zimage_info in zimage.c), written by tools/mkzimage.py.
    .global zimage_info
zimage_info:
    .quad   0                       // the LZ4 frame: offset from _start
    .quad   0                       //   and bytes
    .quad   0                       // where the kernel goes: offset from _start
    .quad   0                       // the kernel's bytes
    .quad   0                       // the kernel's image_size (bss included)

start:
    msr     daifset, #0xf
    mov     x19, x0                 // DTB physical address, for the kernel
    adr     x20, _start             // where the loader put us (the MMU is off)
    adr     x1, zimage_info
    ldr     x2, [x1, #16]
    add     x21, x20, x2            // x21: where the kernel goes
    ldr     x3, [x1, #24]
    add     x22, x21, x3
    add     x22, x22, #0xfff
    and     x22, x22, #~0xfff       // x22: a page table, in the kernel's bss (unused yet)
    ldr     x3, [x1, #32]
    add     x25, x21, x3            // x25: the end of the kernel's bss
    and     x4, x25, #~15
    mov     sp, x4                  // the stack: the top of the kernel's bss
    mrs     x1, CurrentEL
    lsr     x23, x1, #2             // x23: our exception level

    // The MMU on, with an identity map: with it off, memory is Device memory, where
    // unaligned accesses fault and nothing is cached (the decoder would be slow).
    lsr     x1, x25, #39
    cbnz    x1, too_high            // the map covers the low 512 GiB only
    mov     x1, x22                 // zero the table
    add     x2, x22, #4096
1:  stp     xzr, xzr, [x1], #16
    cmp     x1, x2
    b.lo    1b
    ldr     x1, =ZBLOCK_DEVICE      // GiB 0: devices (QEMU virt's UART, zimage.c's say())
    str     x1, [x22]
    ldr     x1, =ZBLOCK_NORMAL      // the GiBs we and the kernel are in: RAM, cached
    mov     x6, #0                  // x6: TCR's layout is TCR_EL1's (else TCR_EL2's, E2H=0)
    cmp     x23, #2
    b.ne    2f
    mrs     x2, hcr_el2
    ubfx    x6, x2, #34, #1         // HCR_EL2.E2H: the EL2&0 regime, TCR_EL1's layout
    cbnz    x6, 3f
    orr     x1, x1, #(1 << 6)       // EL2 alone: AP[1] is RES1
    b       3f
2:  mov     x6, #1
3:  lsr     x2, x20, #30
    orr     x3, x1, x2, lsl #30
    str     x3, [x22, x2, lsl #3]
    lsr     x2, x21, #30
    orr     x3, x1, x2, lsl #30
    str     x3, [x22, x2, lsl #3]
    sub     x2, x25, #1
    lsr     x2, x2, #30
    orr     x3, x1, x2, lsl #30
    str     x3, [x22, x2, lsl #3]
    // The table was written uncached; drop any stale cached copy of its lines.
    mrs     x3, ctr_el0
    ubfx    x3, x3, #16, #4
    mov     x26, #4
    lsl     x26, x26, x3            // x26: the data cache line size
    mov     x1, x22
    add     x2, x22, #4096
    dmb     sy
4:  dc      ivac, x1
    add     x1, x1, x26
    cmp     x1, x2
    b.lo    4b
    dsb     sy
    ldr     x1, =ZMAIR
    ldr     x2, =ZTCR_EL1
    cbnz    x6, 5f
    ldr     x2, =ZTCR_EL2
5:  cmp     x23, #2
    b.ne    6f
    msr     mair_el2, x1
    msr     tcr_el2, x2
    msr     ttbr0_el2, x22
    dsb     sy
    tlbi    alle2
    dsb     sy
    isb
    mrs     x1, sctlr_el2
    ldr     x2, =ZSCTLR_SET
    orr     x1, x1, x2
    ldr     x2, =ZSCTLR_CLEAR
    bic     x1, x1, x2
    msr     sctlr_el2, x1
    isb
    b       7f
6:  msr     mair_el1, x1
    msr     tcr_el1, x2
    msr     ttbr0_el1, x22
    dsb     sy
    tlbi    vmalle1
    dsb     sy
    isb
    mrs     x1, sctlr_el1
    ldr     x2, =ZSCTLR_SET
    orr     x1, x1, x2
    ldr     x2, =ZSCTLR_CLEAR
    bic     x1, x1, x2
    msr     sctlr_el1, x1
    isb

7:  mov     x0, x20
    bl      zimage_unpack           // returns only if the kernel is in place

    // Back to what booting.rst promises the kernel: its image, bss included (our table
    // and stack), cleaned to the point of coherency and out of the cache; MMU and data
    // cache off.
    mov     x1, x21
8:  dc      civac, x1
    add     x1, x1, x26
    cmp     x1, x25
    b.lo    8b
    dsb     sy
    ldr     x2, =(ZSCTLR_M | ZSCTLR_C)
    cmp     x23, #2
    b.ne    9f
    mrs     x1, sctlr_el2
    bic     x1, x1, x2
    msr     sctlr_el2, x1
    isb
    tlbi    alle2
    b       10f
9:  mrs     x1, sctlr_el1
    bic     x1, x1, x2
    msr     sctlr_el1, x1
    isb
    tlbi    vmalle1
10: dsb     sy
    ic      iallu                   // no stale instruction where the kernel now is
    dsb     sy
    isb
    mov     x0, x19
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    br      x21

too_high:
    bl      zimage_too_high         // says why, never returns
