// Kernel entry: an arm64 Linux-style Image header; EL2 + VHE setup when entered at
// EL2 with VHE, EL1 otherwise (a VM without nested virtualization, or EL2 without
// VHE, which is left for EL1); the early page tables (the image in 4 KiB pages from
// wherever it was loaded, a linear map in 1 GiB blocks); MMU on, then kmain().
// Booting protocol: Linux Documentation/arch/arm64/booting.rst (docs/booting.md).
#include "asm.h"

    .section .text.boot, "ax"
    .global _start
_start:
    b       start                   // code0/code1
    .long   0
    .quad   TEXT_OFFSET             // text_offset: loaded at a 2 MiB-aligned base + this
    .quad   __image_size            // image_size: bytes from _start the kernel uses, bss too
    .quad   0xa                     // flags: little endian, 4K pages, anywhere in RAM
    .quad   0, 0, 0
    .ascii  "ARM\x64"               // magic
    .long   0

start:
    msr     daifset, #0xf           // booting.rst asks the loader for this; be sure
    msr     spsel, #1               // the level's own stack pointer (ELxh), not SP_EL0
    mov     x21, x0                 // DTB physical address, from the boot loader
    adr     x22, _start             // where the loader put the image (the MMU is off)
    mrs     x1, CurrentEL
    lsr     x23, x1, #2             // x23: the exception level the kernel runs at
    mov     x24, x23                // x24: the one it was entered at
    cmp     x23, #1
    b.eq    build_tables
    cmp     x23, #2
    b.ne    cannot_boot             // EL3: firmware's level, not a kernel's
    mrs     x1, id_aa64mmfr1_el1    // VH, bits 11:8: VHE implemented?
    ubfx    x1, x1, #8, #4
    cbz     x1, drop_to_el1

    // VHE: the kernel stays at EL2 and EL0 runs in the EL2&0 regime (docs/kernel.md).
    ldr     x1, =HCR_EL2_VALUE
    msr     hcr_el2, x1
    isb
    // With E2H=1 CPTR_EL2 has the CPACR layout: FPEN=0b11 lets EL2 and EL0 use FP/SIMD.
    mov     x1, #CPACR_FPEN
    msr     cptr_el2, x1
    // Counter access from EL0 (EL0PCTEN, EL0VCTEN) and no virtual offset.
    mov     x1, #CNTKCTL_EL0_COUNTERS
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    b       build_tables

drop_to_el1:
    // EL2 without VHE: the kernel would need a stub hypervisor to use it, so it runs at
    // EL1 as in a VM, with nothing trapped to EL2 (isolation: vmm is then refused).
    mov     x1, #(1 << 31)          // HCR_EL2.RW: EL1 is AArch64
    msr     hcr_el2, x1
    mov     x1, #3                  // CNTHCTL_EL2.{EL1PCTEN, EL1PCEN}: timers untrapped
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    ldr     x1, =0x33ff             // CPTR_EL2: RES1 bits, FP/SIMD untrapped
    msr     cptr_el2, x1
    msr     vttbr_el2, xzr
    mrs     x1, id_aa64pfr0_el1     // GIC, bits 27:24: a GICv3 system-register interface?
    ubfx    x1, x1, #24, #4
    cbz     x1, 1f
    mrs     x1, icc_sre_el2
    orr     x1, x1, #0xf            // SRE, DFB, DIB, Enable: EL1 may use ICC_*_EL1
    msr     icc_sre_el2, x1
    isb
1:  ldr     x1, =SCTLR_EL1_RES1     // MMU and caches off until build_tables is done
    msr     sctlr_el1, x1
    mov     x1, #0x3c5              // EL1h, DAIF masked
    msr     spsr_el2, x1
    adr     x1, build_tables
    msr     elr_el2, x1
    mov     x23, #1
    eret

build_tables:
    // Zero every early table (the loader need not clear the image's bss).
    adrp    x0, boot_tables
    adrp    x1, boot_tables_end
1:  stp     xzr, xzr, [x0], #16
    cmp     x0, x1
    b.lo    1b

    // Level 1, shared by TTBR0 (identity, dropped once we run high) and TTBR1 (the
    // linear map, VA = PA + KERNEL_VBASE, and at entry 511 the image). 0 - 1 GiB:
    // devices, 1 - 4 GiB: RAM on QEMU virt; C fixes this from the DTB (kmap.c).
    adrp    x0, boot_l1
    ldr     x1, =PTE_BLOCK_DEVICE
    str     x1, [x0]
    ldr     x1, =PTE_BLOCK_NORMAL
    mov     x2, #1
2:  orr     x3, x1, x2, lsl #30
    str     x3, [x0, x2, lsl #3]
    add     x2, x2, #1
    cmp     x2, #4
    b.ne    2b
    // The GiBs holding the image and the DTB are RAM, wherever they are.
    lsr     x2, x22, #30
    cmp     x2, #511
    b.hs    cannot_boot
    orr     x3, x1, x2, lsl #30
    str     x3, [x0, x2, lsl #3]
    lsr     x2, x21, #30
    cmp     x2, #511
    b.hs    cannot_boot
    orr     x3, x1, x2, lsl #30
    str     x3, [x0, x2, lsl #3]

    // Entry 511 -> boot_l2_image -> BOOT_L3_TABLES level-3 tables: the image, VA
    // KIMAGE_VBASE + TEXT_OFFSET + off -> PA x22 + off, page by page.
    tst     x22, #0xfff
    b.ne    cannot_boot
    adrp    x2, boot_l2_image
    orr     x3, x2, #PTE_TABLE_DESC
    str     x3, [x0, #(511 * 8)]
    adrp    x3, boot_l3_image
    mov     x4, #0
3:  orr     x5, x3, #PTE_TABLE_DESC
    str     x5, [x2, x4, lsl #3]
    add     x3, x3, #4096
    add     x4, x4, #1
    cmp     x4, #BOOT_L3_TABLES
    b.ne    3b
    adrp    x2, boot_l3_image
    ldr     x3, =PTE_PAGE_NORMAL
    orr     x3, x3, x22
    mov     x4, #(TEXT_OFFSET >> 12)
    ldr     x5, =__image_size
    add     x5, x4, x5, lsr #12
4:  str     x3, [x2, x4, lsl #3]
    add     x3, x3, #4096
    add     x4, x4, #1
    cmp     x4, x5
    b.lo    4b

    // The tables were written with the MMU and caches off; the walker reads them
    // cacheable. Drop any stale cached copy of their lines (a loader that ran with
    // caches on may have left some), as Linux does: booting.rst asks no more of it.
    mrs     x3, ctr_el0
    ubfx    x3, x3, #16, #4         // DminLine: log2 of the line size in words
    mov     x4, #4
    lsl     x4, x4, x3
    adrp    x1, boot_tables
    adrp    x2, boot_tables_end
    dmb     sy
7:  dc      ivac, x1
    add     x1, x1, x4
    cmp     x1, x2
    b.lo    7b
    dsb     sy

    ldr     x1, =MAIR_VALUE
    ldr     x2, =TCR_VALUE
    ldr     x3, =SCTLR_VALUE
    cmp     x23, #2
    b.ne    5f
    msr     mair_el2, x1
    msr     tcr_el2, x2
    msr     ttbr0_el2, x0
    msr     ttbr1_el2, x0
    dsb     sy
    tlbi    alle2
    dsb     sy
    isb
    msr     sctlr_el2, x3
    isb
    b       6f
5:  mov     x4, #CPACR_FPEN
    msr     cpacr_el1, x4
    mov     x4, #CNTKCTL_EL0_COUNTERS
    msr     cntkctl_el1, x4
    msr     mair_el1, x1
    msr     tcr_el1, x2
    msr     ttbr0_el1, x0
    msr     ttbr1_el1, x0
    dsb     sy
    tlbi    vmalle1
    dsb     sy
    isb
    msr     sctlr_el1, x3
    isb
6:  ldr     x1, =start_high
    br      x1

start_high:
    // Running high now: turn off TTBR0 walks (EPD0), so the low half, and NULL in
    // particular, faults until a process gives TTBR0 a table of its own.
    cmp     x23, #2
    b.ne    1f
    mrs     x1, tcr_el2
    orr     x1, x1, #(1 << 7)
    msr     tcr_el2, x1
    isb
    tlbi    alle2
    dsb     sy
    isb
    ldr     x1, =exception_vectors_el2
    msr     vbar_el2, x1
    b       2f
1:  mrs     x1, tcr_el1
    orr     x1, x1, #(1 << 7)
    msr     tcr_el1, x1
    isb
    tlbi    vmalle1
    dsb     sy
    isb
    ldr     x1, =exception_vectors_el1
    msr     vbar_el1, x1
2:  isb
    ldr     x1, =boot_stack_top
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
3:  cmp     x1, x2
    b.hs    4f
    str     xzr, [x1], #8
    b       3b
4:  adrp    x1, arm64_el
    str     w23, [x1, :lo12:arm64_el]
    adrp    x1, arm64_entry_el
    str     w24, [x1, :lo12:arm64_entry_el]
    adrp    x1, arm64_image_pa
    str     x22, [x1, :lo12:arm64_image_pa]
    mov     x0, x21
    bl      kmain
5:  wfi
    b       5b

cannot_boot:
    // Entered at EL3, or loaded where the early tables cannot map (not 4 KiB aligned,
    // or above 511 GiB): no console known yet, so power off (PSCI SYSTEM_OFF over smc
    // at EL3 and EL2, hvc at EL1). x1 = 0xf71b007 says "FTL could not boot" to a debugger.
    ldr     x1, =0xf71b007
    ldr     x0, =0x84000008
    cmp     x23, #1
    b.ne    1f
    hvc     #0
1:  smc     #0
2:  wfi
    b       2b

    .section .bss.boot, "aw", %nobits
    .balign 4096
boot_tables:
    .global boot_l1
boot_l1:
    .space  4096
boot_l2_image:
    .space  4096
boot_l3_image:
    .space  4096 * BOOT_L3_TABLES
boot_tables_end:
    .balign 16
    .space  16384
boot_stack_top:
