// The world switch of isolation: vmm (docs/isolation.md): enters an EL1 guest from
// its app's kernel thread and comes back to that thread at the guest's next exit.
// vmm.c sets HCR_EL2, VBAR_EL2 (guest_exit_vectors) and VTTBR_EL2 around it.

#define VCPU_SP_EL0 248
#define VCPU_ELR 256
#define VCPU_TPIDR 272
#define VCPU_FPCR 288
#define VCPU_Q 304
#define VCPU_HOST_SP 816
#define VCPU_ESR 824
#define VCPU_HPFAR 840
#define VCPU_HOST_TPIDR 848

    .section .text
    // uint64_t vcpu_enter(struct arch_vcpu *v): loads the guest's registers and erets
    // to it; returns the vector number (8-15) of the exception that ended the run.
    .global vcpu_enter
vcpu_enter:
    stp     x29, x30, [sp, #-176]!
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    // What the calling thread keeps across a call or a thread switch and the guest
    // may change: d8-d15, FPCR, FPSR, TPIDR_EL0 (a user-mode VMM app's own values).
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x1, fpcr
    mrs     x2, fpsr
    stp     x1, x2, [sp, #160]
    mrs     x1, tpidr_el0
    str     x1, [x0, #VCPU_HOST_TPIDR]
    mov     x1, sp
    str     x1, [x0, #VCPU_HOST_SP]
    msr     tpidr_el2, x0

    ldr     x1, [x0, #VCPU_SP_EL0]
    msr     sp_el0, x1
    ldp     x1, x2, [x0, #VCPU_ELR]
    msr     elr_el2, x1
    msr     spsr_el2, x2
    ldp     x1, x2, [x0, #VCPU_TPIDR]
    msr     tpidr_el0, x1
    msr     tpidrro_el0, x2
    ldp     x1, x2, [x0, #VCPU_FPCR]
    msr     fpcr, x1
    msr     fpsr, x2
    ldp     q0, q1, [x0, #(VCPU_Q + 0)]
    ldp     q2, q3, [x0, #(VCPU_Q + 32)]
    ldp     q4, q5, [x0, #(VCPU_Q + 64)]
    ldp     q6, q7, [x0, #(VCPU_Q + 96)]
    ldp     q8, q9, [x0, #(VCPU_Q + 128)]
    ldp     q10, q11, [x0, #(VCPU_Q + 160)]
    ldp     q12, q13, [x0, #(VCPU_Q + 192)]
    ldp     q14, q15, [x0, #(VCPU_Q + 224)]
    ldp     q16, q17, [x0, #(VCPU_Q + 256)]
    ldp     q18, q19, [x0, #(VCPU_Q + 288)]
    ldp     q20, q21, [x0, #(VCPU_Q + 320)]
    ldp     q22, q23, [x0, #(VCPU_Q + 352)]
    ldp     q24, q25, [x0, #(VCPU_Q + 384)]
    ldp     q26, q27, [x0, #(VCPU_Q + 416)]
    ldp     q28, q29, [x0, #(VCPU_Q + 448)]
    ldp     q30, q31, [x0, #(VCPU_Q + 480)]
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret

// Exceptions taken at EL2 itself while these vectors are installed (never expected:
// vmm.c masks interrupts around the run) go to the kernel's own vectors.
.macro HOST_ENTRY n
    .balign 0x80
    b       exception_vectors_el2 + (\n * 0x80)
.endm

// Exceptions from the guest: x0/x1 go to the host stack for a moment, x1 = vector.
.macro GUEST_ENTRY n
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x1, #\n
    b       guest_exit
.endm

    .balign 2048
    .global guest_exit_vectors
guest_exit_vectors:
    HOST_ENTRY 0
    HOST_ENTRY 1
    HOST_ENTRY 2
    HOST_ENTRY 3
    HOST_ENTRY 4
    HOST_ENTRY 5
    HOST_ENTRY 6
    HOST_ENTRY 7
    GUEST_ENTRY 8
    GUEST_ENTRY 9
    GUEST_ENTRY 10
    GUEST_ENTRY 11
    GUEST_ENTRY 12
    GUEST_ENTRY 13
    GUEST_ENTRY 14
    GUEST_ENTRY 15

guest_exit:
    mrs     x0, tpidr_el2
    stp     x2, x3, [x0, #16]
    stp     x4, x5, [x0, #32]
    stp     x6, x7, [x0, #48]
    stp     x8, x9, [x0, #64]
    stp     x10, x11, [x0, #80]
    stp     x12, x13, [x0, #96]
    stp     x14, x15, [x0, #112]
    stp     x16, x17, [x0, #128]
    stp     x18, x19, [x0, #144]
    stp     x20, x21, [x0, #160]
    stp     x22, x23, [x0, #176]
    stp     x24, x25, [x0, #192]
    stp     x26, x27, [x0, #208]
    stp     x28, x29, [x0, #224]
    str     x30, [x0, #240]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #0]
    mrs     x2, sp_el0
    str     x2, [x0, #VCPU_SP_EL0]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [x0, #VCPU_ELR]
    mrs     x2, tpidr_el0
    mrs     x3, tpidrro_el0
    stp     x2, x3, [x0, #VCPU_TPIDR]
    msr     tpidrro_el0, xzr        // EL0 of user apps can read it: keep the guest's to itself
    mrs     x2, fpcr
    mrs     x3, fpsr
    stp     x2, x3, [x0, #VCPU_FPCR]
    stp     q0, q1, [x0, #(VCPU_Q + 0)]
    stp     q2, q3, [x0, #(VCPU_Q + 32)]
    stp     q4, q5, [x0, #(VCPU_Q + 64)]
    stp     q6, q7, [x0, #(VCPU_Q + 96)]
    stp     q8, q9, [x0, #(VCPU_Q + 128)]
    stp     q10, q11, [x0, #(VCPU_Q + 160)]
    stp     q12, q13, [x0, #(VCPU_Q + 192)]
    stp     q14, q15, [x0, #(VCPU_Q + 224)]
    stp     q16, q17, [x0, #(VCPU_Q + 256)]
    stp     q18, q19, [x0, #(VCPU_Q + 288)]
    stp     q20, q21, [x0, #(VCPU_Q + 320)]
    stp     q22, q23, [x0, #(VCPU_Q + 352)]
    stp     q24, q25, [x0, #(VCPU_Q + 384)]
    stp     q26, q27, [x0, #(VCPU_Q + 416)]
    stp     q28, q29, [x0, #(VCPU_Q + 448)]
    stp     q30, q31, [x0, #(VCPU_Q + 480)]
    mrs     x2, esr_el2
    mrs     x3, far_el2
    add     x4, x0, #VCPU_ESR
    stp     x2, x3, [x4]
    mrs     x2, hpfar_el2
    str     x2, [x0, #VCPU_HPFAR]
    ldr     x2, [x0, #VCPU_HOST_SP]
    mov     sp, x2
    ldr     x2, [x0, #VCPU_HOST_TPIDR]
    msr     tpidr_el0, x2
    mov     x0, x1
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    ldp     x1, x2, [sp, #160]
    msr     fpcr, x1
    msr     fpsr, x2
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     x29, x30, [sp], #176
    ret
