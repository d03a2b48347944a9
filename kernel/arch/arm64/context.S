// Thread context switch: saves the callee-saved state of `from` (AAPCS64: x19-x30,
// sp, d8-d15, plus tpidr_el0 and the FP control registers) and loads `to`'s.
#include "asm.h"

    .section .text
    // void arch_switch_to(struct arch_context *from, struct arch_context *to)
    .global arch_switch_to
arch_switch_to:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x2, sp
    mrs     x3, tpidr_el0
    stp     x2, x3, [x0, #96]
    stp     d8, d9, [x0, #112]
    stp     d10, d11, [x0, #128]
    stp     d12, d13, [x0, #144]
    stp     d14, d15, [x0, #160]
    mrs     x2, fpcr
    mrs     x3, fpsr
    stp     x2, x3, [x0, #176]

    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldp     x2, x3, [x1, #96]
    mov     sp, x2
    msr     tpidr_el0, x3
    ldp     d8, d9, [x1, #112]
    ldp     d10, d11, [x1, #128]
    ldp     d12, d13, [x1, #144]
    ldp     d14, d15, [x1, #160]
    ldp     x2, x3, [x1, #176]
    msr     fpcr, x2
    msr     fpsr, x3
    ret

    // First code of every new thread: x19 = entry, x20 = argument.
    .global arch_thread_trampoline
arch_thread_trampoline:
    mov     x0, x19
    mov     x1, x20
    bl      thread_start
1:  b       1b

    // void arch_user_enter(uint64_t entry, uint64_t sp, uint64_t arg): drops to EL0t
    // at `entry` with interrupts unmasked there, clearing every other register so no
    // kernel value reaches the app. The kernel stack pointer stays where it is: the
    // next exception from EL0 lands on it.
    .global arch_user_enter
arch_user_enter:
    msr     daifset, #2
    adrp    x9, arm64_el
    ldr     w9, [x9, :lo12:arm64_el]
    cmp     w9, #2
    b.ne    1f
    msr     elr_el2, x0
    msr     spsr_el2, xzr
    b       2f
1:  msr     elr_el1, x0
    msr     spsr_el1, xzr
2:  msr     sp_el0, x1
    msr     tpidr_el0, xzr
    mov     x0, x2
    CLEAR_X1_TO_X18
    mov     x19, xzr
    mov     x20, xzr
    mov     x21, xzr
    mov     x22, xzr
    mov     x23, xzr
    mov     x24, xzr
    mov     x25, xzr
    mov     x26, xzr
    mov     x27, xzr
    mov     x28, xzr
    mov     x29, xzr
    mov     x30, xzr
    movi    v0.2d, #0
    movi    v1.2d, #0
    movi    v2.2d, #0
    movi    v3.2d, #0
    movi    v4.2d, #0
    movi    v5.2d, #0
    movi    v6.2d, #0
    movi    v7.2d, #0
    movi    v8.2d, #0
    movi    v9.2d, #0
    movi    v10.2d, #0
    movi    v11.2d, #0
    movi    v12.2d, #0
    movi    v13.2d, #0
    movi    v14.2d, #0
    movi    v15.2d, #0
    movi    v16.2d, #0
    movi    v17.2d, #0
    movi    v18.2d, #0
    movi    v19.2d, #0
    movi    v20.2d, #0
    movi    v21.2d, #0
    movi    v22.2d, #0
    movi    v23.2d, #0
    movi    v24.2d, #0
    movi    v25.2d, #0
    movi    v26.2d, #0
    movi    v27.2d, #0
    movi    v28.2d, #0
    movi    v29.2d, #0
    movi    v30.2d, #0
    movi    v31.2d, #0
    msr     fpsr, xzr
    eret
