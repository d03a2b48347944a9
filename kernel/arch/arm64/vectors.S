// Exception vectors, one table per exception level the kernel can run at (EL2 with
// VHE, EL1): every exception saves a full struct arch_frame (general and FP/SIMD
// registers) on the current stack and calls exception_handler(frame, kind, esr).
// Except an app's `svc`: its stubs are called like functions, so only what a callee
// must keep is kept (svc_fast below).
#include "asm.h"

#define FRAME_SIZE 816
#define FRAME_ELR 248
#define FRAME_SPSR 256
#define FRAME_SP_EL0 264
#define FRAME_SWITCHES 280
#define FRAME_FP 288
#define FRAME_FPCR 800

.macro VENTRY kind, el
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       exception_common_el\el
.endm

// An exception taken on the kernel's own stack (SP_ELx): if the frame would land in
// the guard of a mapped kernel stack (kstack.c: bits 38-29 set, bit 18 clear), the
// thread ran off its stack. The check keeps every register: x0 rides in sp meanwhile
// (sp = frame + x0, x0 = frame), as Linux does for its overflow check.
.macro VENTRY_SPX kind, el
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    add     sp, sp, x0
    sub     x0, sp, x0
    tbz     x0, #38, 1f
    tbz     x0, #37, 1f
    tbz     x0, #36, 1f
    tbz     x0, #35, 1f
    tbz     x0, #34, 1f
    tbz     x0, #33, 1f
    tbz     x0, #32, 1f
    tbz     x0, #31, 1f
    tbz     x0, #30, 1f
    tbz     x0, #29, 1f
    tbz     x0, #18, kstack_overflow_el\el
1:  sub     x0, sp, x0
    sub     sp, sp, x0
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       exception_common_el\el
.endm

// Synchronous exception from EL0: an svc takes the short path.
.macro VENTRY_SYNC_EL0 el
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mrs     x1, esr_el\el
    lsr     x1, x1, #26
    cmp     x1, #0x15
    b.eq    svc_fast_el\el
    mov     x1, #8
    b       exception_common_el\el
.endm

// The vector table and the save/restore code for exceptions taken to EL`el`. Only
// the ELR, SPSR and ESR registers differ between the two.
.macro VECTORS el
    .section .text
    .balign 2048
    .global exception_vectors_el\el
exception_vectors_el\el:
    VENTRY 0, \el
    VENTRY 1, \el
    VENTRY 2, \el
    VENTRY 3, \el
    VENTRY_SPX 4, \el
    VENTRY_SPX 5, \el
    VENTRY_SPX 6, \el
    VENTRY_SPX 7, \el
    VENTRY_SYNC_EL0 \el
    VENTRY 9, \el
    VENTRY 10, \el
    VENTRY 11, \el
    VENTRY 12, \el
    VENTRY 13, \el
    VENTRY 14, \el
    VENTRY 15, \el

// The stack pointer went into a guard: nothing more can go on that stack. The thread
// goes on on the emergency stack, only to end (kstack_overflow never returns).
kstack_overflow_el\el:
    adrp    x0, kstack_emergency_top
    add     x0, x0, :lo12:kstack_emergency_top
    mov     sp, x0
    mrs     x0, far_el\el
    mrs     x1, elr_el\el
    mov     x2, x29
    bl      kstack_overflow

exception_common_el\el:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x2, elr_el\el
    stp     x30, x2, [sp, #240]
    mrs     x2, spsr_el\el
    mrs     x3, sp_el0
    stp     x2, x3, [sp, #FRAME_SPSR]
    mrs     x2, tpidr_el0
    str     x2, [sp, #272]
    add     x2, sp, #FRAME_FP
    stp     q0, q1, [x2, #0]
    stp     q2, q3, [x2, #32]
    stp     q4, q5, [x2, #64]
    stp     q6, q7, [x2, #96]
    stp     q8, q9, [x2, #128]
    stp     q10, q11, [x2, #160]
    stp     q12, q13, [x2, #192]
    stp     q14, q15, [x2, #224]
    stp     q16, q17, [x2, #256]
    stp     q18, q19, [x2, #288]
    stp     q20, q21, [x2, #320]
    stp     q22, q23, [x2, #352]
    stp     q24, q25, [x2, #384]
    stp     q26, q27, [x2, #416]
    stp     q28, q29, [x2, #448]
    stp     q30, q31, [x2, #480]
    mrs     x3, fpcr
    mrs     x4, fpsr
    str     x3, [sp, #FRAME_FPCR]
    str     x4, [sp, #(FRAME_FPCR + 8)]

    mov     x0, sp
    mrs     x2, esr_el\el
    bl      exception_handler

    add     x2, sp, #FRAME_FP
    ldp     q0, q1, [x2, #0]
    ldp     q2, q3, [x2, #32]
    ldp     q4, q5, [x2, #64]
    ldp     q6, q7, [x2, #96]
    ldp     q8, q9, [x2, #128]
    ldp     q10, q11, [x2, #160]
    ldp     q12, q13, [x2, #192]
    ldp     q14, q15, [x2, #224]
    ldp     q16, q17, [x2, #256]
    ldp     q18, q19, [x2, #288]
    ldp     q20, q21, [x2, #320]
    ldp     q22, q23, [x2, #352]
    ldp     q24, q25, [x2, #384]
    ldp     q26, q27, [x2, #416]
    ldp     q28, q29, [x2, #448]
    ldp     q30, q31, [x2, #480]
    ldr     x3, [sp, #FRAME_FPCR]
    ldr     x4, [sp, #(FRAME_FPCR + 8)]
    msr     fpcr, x3
    msr     fpsr, x4
    ldr     x2, [sp, #272]
    msr     tpidr_el0, x2
    ldp     x2, x3, [sp, #FRAME_SPSR]
    msr     spsr_el\el, x2
    msr     sp_el0, x3
    ldp     x30, x2, [sp, #240]
    msr     elr_el\el, x2
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #FRAME_SIZE
    eret

// An app's call (svc #0 in a stub of its call table: x8 = call, x0-x5 = arguments).
// The stub is a function to the app's compiler, so x0-x18, x30 and the FP/SIMD
// registers other than the low halves of d8-d15 need not survive it; the kernel's C
// code keeps x19-x29, and a thread switch keeps d8-d15, FPCR, FPSR and TPIDR_EL0.
// Saved here: the arguments, x30, ELR, SPSR and SP_EL0. On the way back every
// scratch register is cleared so no kernel value reaches the app, and if another
// thread ran meanwhile (sched_switches moved), the FP/SIMD registers it may have
// left are cleared too.
svc_fast_el\el:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    str     x8, [sp, #64]
    mrs     x2, elr_el\el
    stp     x30, x2, [sp, #240]
    mrs     x2, spsr_el\el
    mrs     x3, sp_el0
    stp     x2, x3, [sp, #FRAME_SPSR]
    adrp    x2, sched_switches
    ldr     x3, [x2, :lo12:sched_switches]
    str     x3, [sp, #FRAME_SWITCHES]
    mov     x0, sp
    bl      svc_handler
    adrp    x2, sched_switches
    ldr     x2, [x2, :lo12:sched_switches]
    ldr     x3, [sp, #FRAME_SWITCHES]
    cmp     x2, x3
    b.eq    1f
    movi    v0.16b, #0
    movi    v1.16b, #0
    movi    v2.16b, #0
    movi    v3.16b, #0
    movi    v4.16b, #0
    movi    v5.16b, #0
    movi    v6.16b, #0
    movi    v7.16b, #0
    fmov    d8, d8              // a scalar write clears the upper half
    fmov    d9, d9
    fmov    d10, d10
    fmov    d11, d11
    fmov    d12, d12
    fmov    d13, d13
    fmov    d14, d14
    fmov    d15, d15
    movi    v16.16b, #0
    movi    v17.16b, #0
    movi    v18.16b, #0
    movi    v19.16b, #0
    movi    v20.16b, #0
    movi    v21.16b, #0
    movi    v22.16b, #0
    movi    v23.16b, #0
    movi    v24.16b, #0
    movi    v25.16b, #0
    movi    v26.16b, #0
    movi    v27.16b, #0
    movi    v28.16b, #0
    movi    v29.16b, #0
    movi    v30.16b, #0
    movi    v31.16b, #0
1:  ldp     x2, x3, [sp, #FRAME_SPSR]
    msr     spsr_el\el, x2
    msr     sp_el0, x3
    ldp     x30, x2, [sp, #240]
    msr     elr_el\el, x2
    ldr     x0, [sp, #0]
    CLEAR_X1_TO_X18
    add     sp, sp, #FRAME_SIZE
    eret
.endm

VECTORS 2
VECTORS 1

    .section .bss
    .balign 16
kstack_emergency:
    .space  16384
kstack_emergency_top:
