// Guest programs for test_vm, assembled into the app and copied into guest RAM at
// FTL_VM_RAM_BASE. They report values by storing to the "report" MMIO window at
// 0x0a000000 (slot k at +8k): each store is an MMIO exit the test checks.
#include "guest.h"

__asm__(".section .rodata.guest, \"a\"\n"
        ".balign 4\n"
        ".global guest_basic\n"
        "guest_basic:\n"
        "    movz x1, #0x0a00, lsl #16\n"      // the report window
        "    movz x0, #0x8400, lsl #16\n"      // PSCI_VERSION
        "    hvc  #0\n"
        "    str  x0, [x1, #0]\n"              // report 0: 0x10000
        "    ldr  w2, [x1, #8]\n"              // a load the app answers
        "    str  x2, [x1, #16]\n"             // report 2: what it loaded
        "    ldrsb x2, [x1, #24]\n"            // a sign-extending byte load
        "    str  x2, [x1, #32]\n"             // report 4
        "    mrs  x3, id_aa64pfr0_el1\n"
        "    str  x3, [x1, #40]\n"             // report 5: no SVE, no EL2
        "    mrs  x3, id_aa64isar1_el1\n"
        "    str  x3, [x1, #48]\n"             // report 6: no PAuth
        "    movz x4, #0x0800, lsl #16\n"      // the GIC distributor (the kernel's)
        "    ldr  w5, [x4, #4]\n"              // GICD_TYPER
        "    str  x5, [x1, #56]\n"             // report 7
        "    mrs  x0, pmcr_el0\n"              // PMU: hidden, reads as zero
        "    str  x0, [x1, #64]\n"             // report 8
        "    mrs  x6, cntvct_el0\n"
        "    movz x7, #0xe848\n"               // 125000 ticks: 2 ms at 62.5 MHz
        "    movk x7, #0x1, lsl #16\n"
        "    add  x7, x6, x7\n"
        "    msr  cntv_cval_el0, x7\n"
        "    mov  x8, #1\n"
        "    msr  cntv_ctl_el0, x8\n"
        "    wfi\n"                            // interrupts masked: wakes when it fires
        "    mrs  x9, cntvct_el0\n"
        "    sub  x9, x9, x6\n"
        "    str  x9, [x1, #72]\n"             // report 9: ticks slept
        "    str  x6, [x1, #80]\n"             // report 10: the count at the start
        "    movz x0, #0x8400, lsl #16\n"
        "    movk x0, #0x8\n"                  // PSCI_SYSTEM_OFF, through smc
        "    smc  #0\n"
        "    b    .\n"
        ".global guest_basic_end\n"
        "guest_basic_end:\n"
        // Spins with interrupts masked: only the kernel's preemption gets the CPU back.
        ".global guest_spin\n"
        "guest_spin:\n"
        "    b    .\n"
        ".global guest_spin_end\n"
        "guest_spin_end:\n"
        // A load pair from MMIO: the syndrome cannot describe it.
        ".global guest_ldp\n"
        "guest_ldp:\n"
        "    movz x1, #0x0a00, lsl #16\n"
        "    ldp  x2, x3, [x1]\n"
        "    b    .\n"
        ".global guest_ldp_end\n"
        "guest_ldp_end:\n"
        // Jumps to an address no RAM backs.
        ".global guest_jump\n"
        "guest_jump:\n"
        "    movz x1, #0x8000, lsl #16\n"
        "    br   x1\n"
        ".global guest_jump_end\n"
        "guest_jump_end:\n"
        // Hammers the GIC: every distributor word, then SGIs to itself, then off.
        ".global guest_gic\n"
        "guest_gic:\n"
        "    movz x1, #0x0800, lsl #16\n"
        "    mov  x2, #0\n"
        "    mvn  x3, xzr\n"
        "1:  str  w3, [x1, x2]\n"
        "    ldr  w4, [x1, x2]\n"
        "    add  x2, x2, #4\n"
        "    cmp  x2, #0x10000\n"
        "    b.lo 1b\n"
        "    mov  x5, #10000\n"
        "2:  movz x6, #0x0f00, lsl #16\n"      // SGI 15 to itself
        "    orr  x6, x6, #1\n"
        "    msr  icc_sgi1r_el1, x6\n"
        "    mrs  x7, icc_iar1_el1\n"
        "    subs x5, x5, #1\n"
        "    b.ne 2b\n"
        "    movz x0, #0x8400, lsl #16\n"
        "    movk x0, #0x8\n"                  // PSCI_SYSTEM_OFF, through hvc
        "    hvc  #0\n"
        "    b    .\n"
        ".global guest_gic_end\n"
        "guest_gic_end:\n"
        ".text\n");
