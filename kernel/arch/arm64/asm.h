// Constants shared by the arm64 assembly files: system register values and the
// kernel's virtual address layout.
#pragma once

#define KERNEL_VBASE 0xffffff8000000000

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

// TCR (EL1 layout under E2H): 39-bit VA in both halves, 4 KiB granules,
// write-back inner-shareable walks, 40-bit IPS.
#define TCR_T0SZ 25
#define TCR_VALUE (TCR_T0SZ | (1 << 8) | (1 << 10) | (3 << 12) | (TCR_T0SZ << 16) | \
                   (1 << 24) | (1 << 26) | (3 << 28) | (2 << 30) | (2 << 32))

// SCTLR (EL1 layout under E2H): RES1 bits, MMU, caches, SP alignment,
// EL0 access to DC ZVA (picolibc's memset uses it) and CTR_EL0.
#define SCTLR_VALUE (0x30d00800 | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 12) | (1 << 14) | \
                     (1 << 15))
