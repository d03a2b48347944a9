// Constants shared by the arm64 assembly files: system register values and the
// kernel's virtual address layout.
#pragma once

// The linear map: every physical address below 511 GiB at PA + KERNEL_VBASE.
#define KERNEL_VBASE 0xffffff8000000000
// The kernel image is linked at KIMAGE_VBASE + TEXT_OFFSET (the top GiB of the high
// half, outside the linear map) and mapped there in 4 KiB pages wherever the loader
// put it, so it runs from any 4 KiB-aligned physical address (docs/booting.md).
#define KIMAGE_VBASE 0xffffffffc0000000
#define TEXT_OFFSET 0x80000
// 4 KiB-page tables for the image: it fits in BOOT_L3_TABLES * 2 MiB, text offset included.
#define BOOT_L3_TABLES 4

// HCR_EL2: E2H (34) + TGE (27): VHE host; RW (31): lower ELs are AArch64.
#define HCR_EL2_VALUE ((1 << 34) | (1 << 31) | (1 << 27))

// MAIR: attr0 = Device-nGnRnE, attr1 = Normal write-back.
#define MAIR_VALUE 0xff00
#define PTE_AF (1 << 10)
#define PTE_SH_INNER (3 << 8)
#define PTE_ATTR_NORMAL (1 << 2)
#define PTE_PXN (1 << 53)
#define PTE_UXN (1 << 54)
#define PTE_BLOCK_DEVICE (0x1 | PTE_AF | PTE_PXN | PTE_UXN)
#define PTE_BLOCK_NORMAL (0x1 | PTE_AF | PTE_SH_INNER | PTE_ATTR_NORMAL | PTE_UXN)
#define PTE_PAGE_NORMAL (0x3 | PTE_AF | PTE_SH_INNER | PTE_ATTR_NORMAL | PTE_UXN)
#define PTE_TABLE_DESC 0x3

// CPACR_EL1 (and CPTR_EL2 under E2H): FPEN = 0b11, FP/SIMD usable at EL0 and the kernel.
#define CPACR_FPEN (3 << 20)
// CNTKCTL_EL1 (and CNTHCTL_EL2 under E2H): EL0PCTEN + EL0VCTEN, EL0 may read the counters.
#define CNTKCTL_EL0_COUNTERS 3

// TCR (EL1 layout under E2H): 39-bit VA in both halves, 4 KiB granules,
// write-back inner-shareable walks, 40-bit IPS.
#define TCR_T0SZ 25
#define TCR_VALUE (TCR_T0SZ | (1 << 8) | (1 << 10) | (3 << 12) | (TCR_T0SZ << 16) | \
                   (1 << 24) | (1 << 26) | (3 << 28) | (2 << 30) | (2 << 32))

// SCTLR (EL1 layout under E2H): RES1 bits, MMU, caches, SP alignment,
// EL0 access to DC ZVA (picolibc's memset uses it) and CTR_EL0.
#define SCTLR_EL1_RES1 0x30d00800
#define SCTLR_VALUE (SCTLR_EL1_RES1 | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 12) | (1 << 14) | \
                     (1 << 15))

#ifdef __ASSEMBLER__
// Zeroes x1-x18 (the scratch registers but the return value x0), so that no kernel
// value reaches an app on the way back to it.
.macro CLEAR_X1_TO_X18
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    mov     x4, xzr
    mov     x5, xzr
    mov     x6, xzr
    mov     x7, xzr
    mov     x8, xzr
    mov     x9, xzr
    mov     x10, xzr
    mov     x11, xzr
    mov     x12, xzr
    mov     x13, xzr
    mov     x14, xzr
    mov     x15, xzr
    mov     x16, xzr
    mov     x17, xzr
    mov     x18, xzr
.endm
#endif
