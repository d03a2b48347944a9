// Thread context switch: saves the callee-saved state of `from` (AAPCS64: x19-x30,
// sp, d8-d15, plus tpidr_el0 and the FP control registers) and loads `to`'s.

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
