// Kernel entry: an arm64 Linux-style Image header, EL2 + VHE setup, the early
// page tables (1 GiB blocks, identity and high half), MMU on, then kmain().
#include "asm.h"

    .section .text.boot, "ax"
    .global _start
_start:
    b       start_el2               // code0/code1
    .long   0
    .quad   0x80000                 // text_offset: loaded at RAM base + 0x80000
    .quad   __image_size            // image_size
    .quad   0xa                     // flags: little endian, 4K pages, anywhere in RAM
    .quad   0, 0, 0
    .ascii  "ARM\x64"               // magic
    .long   0

start_el2:
    mov     x21, x0                 // DTB physical address, from the boot loader
    mrs     x1, CurrentEL
    cmp     x1, #(2 << 2)
    b.ne    wrong_el

    // VHE: the kernel stays at EL2 and EL0 runs in the EL2&0 regime (docs/kernel.md).
    ldr     x1, =HCR_EL2_VALUE
    msr     hcr_el2, x1
    isb
    // With E2H=1 CPTR_EL2 has the CPACR layout: FPEN=0b11 lets EL2 and EL0 use FP/SIMD.
    mov     x1, #(3 << 20)
    msr     cptr_el2, x1
    // Counter access from EL0 (EL0PCTEN, EL0VCTEN) and no virtual offset.
    mov     x1, #3
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr

    // Early page table: one level-1 table of 1 GiB blocks, shared by TTBR0 (identity,
    // dropped once we run high) and TTBR1 (kernel VA = PA + KERNEL_VBASE).
    adrp    x0, boot_l1
    mov     x1, #0
1:  str     xzr, [x0, x1, lsl #3]
    add     x1, x1, #1
    cmp     x1, #512
    b.ne    1b
    ldr     x1, =PTE_BLOCK_DEVICE           // 0 - 1 GiB: GIC, UART, virtio-mmio
    str     x1, [x0]
    ldr     x1, =PTE_BLOCK_NORMAL           // 1 - 4 GiB: RAM
    mov     x2, #1
2:  orr     x3, x1, x2, lsl #30
    str     x3, [x0, x2, lsl #3]
    add     x2, x2, #1
    cmp     x2, #4
    b.ne    2b

    ldr     x1, =MAIR_VALUE
    msr     mair_el2, x1
    ldr     x1, =TCR_VALUE
    msr     tcr_el2, x1
    msr     ttbr0_el2, x0
    msr     ttbr1_el2, x0
    dsb     sy
    tlbi    alle2
    dsb     sy
    isb
    ldr     x1, =SCTLR_VALUE
    msr     sctlr_el2, x1
    isb

    ldr     x1, =start_high
    br      x1

start_high:
    // Running high now: turn off TTBR0 walks (EPD0), so the low half, and NULL in
    // particular, faults until a process gives TTBR0 a table of its own.
    mrs     x1, tcr_el2
    orr     x1, x1, #(1 << 7)
    msr     tcr_el2, x1
    isb
    tlbi    alle2
    dsb     sy
    isb
    ldr     x1, =boot_stack_top
    mov     sp, x1
    ldr     x1, =exception_vectors
    msr     vbar_el2, x1
    isb
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
3:  cmp     x1, x2
    b.hs    4f
    str     xzr, [x1], #8
    b       3b
4:  mov     x0, x21
    bl      kmain
5:  wfi
    b       5b

wrong_el:
    // Not at EL2: QEMU needs -M virt,virtualization=on. Nothing to print with yet.
    wfi
    b       wrong_el

    .section .bss.boot, "aw", %nobits
    .balign 4096
    .global boot_l1
boot_l1:
    .space  4096
    .balign 16
    .space  16384
boot_stack_top:
