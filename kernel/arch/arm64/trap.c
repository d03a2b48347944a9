// Exception dispatch (at EL2 with VHE or at EL1): interrupts go to the GIC and the scheduler, faults in
// app code end that app, faults in kernel code panic with a full report.
#include "../../kernel.h"
#include "../../process.h"
#include "../../sched.h"
#include "../../syscall.h"
#include "../../trap.h"
#include "cpu.h"
#include "gic.h"

enum {
    KIND_SYNC_KERNEL = 4,        // from the kernel's own level (EL2 or EL1)
    KIND_IRQ_KERNEL = 5,
    KIND_SYNC_EL0 = 8,
    KIND_IRQ_EL0 = 9,
};

static const char *const kind_names[16] = {
    "sync (SP_EL0)", "irq (SP_EL0)", "fiq (SP_EL0)", "serror (SP_EL0)",
    "sync", "irq", "fiq", "serror",
    "sync from EL0", "irq from EL0", "fiq from EL0", "serror from EL0",
    "sync from AArch32", "irq from AArch32", "fiq from AArch32", "serror from AArch32",
};

// Exception classes (ESR_ELx.EC), Arm ARM D17.2.37.
static const char *ec_name(uint32_t ec)
{
    switch (ec) {
    case 0x00: return "unknown instruction";
    case 0x01: return "WFI/WFE trapped";
    case 0x07: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "system register access";
    case 0x20: return "instruction abort from lower EL";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from lower EL";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2c: return "floating-point exception";
    case 0x2f: return "SError";
    case 0x3c: return "BRK instruction";
    default: return "other exception";
    }
}

static uint64_t read_far(void)
{
    uint64_t v;
    if (arm64_el == 2) {
        __asm__ volatile("mrs %0, far_el2" : "=r"(v));
    } else {
        __asm__ volatile("mrs %0, far_el1" : "=r"(v));
    }
    return v;
}

// Kept out of line so exception_handler's frame, which every kernel call goes
// through, does not grow by what the GIC code needs.
static __attribute__((noinline)) void handle_irq(void)
{
    uint32_t intid = gic_ack();
    if (intid >= 1020) {
        return; // spurious
    }
    irq_dispatch(intid);
    gic_eoi(intid);
    // The interrupted code had interrupts unmasked (or we would not be here), so it
    // holds no kernel state: switching threads now is safe.
    sched_preempt_if_needed();
}

// Decodes the access of an abort (ISS of ESR_ELx, Arm ARM D17.2.37): what was
// tried and whether the page was there but forbids it (a permission fault).
static void decode_abort(uint32_t ec, uint64_t esr, struct trap_info *info)
{
    uint32_t fsc = (uint32_t)esr & 0x3f;
    if (ec == 0x20 || ec == 0x21) {
        info->access = TRAP_ACCESS_EXEC;
    } else if (ec == 0x24 || ec == 0x25) {
        info->access = (esr & (1u << 6)) ? TRAP_ACCESS_WRITE : TRAP_ACCESS_READ;
    } else {
        return;
    }
    info->permission = (fsc & 0x3c) == 0x0c;
}

static void handle_fault(struct arch_frame *frame, uint64_t kind, uint64_t esr)
{
    uint32_t ec = (uint32_t)(esr >> 26);
    struct trap_info info = {
        .kind = kind_names[kind & 15],
        .what = ec_name(ec),
        .from_user = kind >= KIND_SYNC_EL0,
        .esr = esr,
        .pc = frame->elr,
        .far = read_far(),
        .lr = frame->x[30],
        .fp = frame->x[29],
    };
    if (ec == 0x00 || ec == 0x18 || ec == 0x01) {
        info.what = "privileged or undefined instruction";
    }
    decode_abort(ec, esr, &info);
    trap_fault(&info);
}

// An app's call from vectors.S's short path: only x0-x5, x8, x30 and the return
// state of `frame` were saved.
void svc_handler(struct arch_frame *frame)
{
    struct process *p = process_current();
    frame->x[0] = (uint64_t)syscall_dispatch(p, frame->x[8], frame->x);
    process_kill_point(p);
}

// Called by vectors.S with the ESR of the level the exception was taken to.
void exception_handler(struct arch_frame *frame, uint64_t kind, uint64_t esr)
{
    switch (kind) {
    case KIND_IRQ_KERNEL:
    case KIND_IRQ_EL0:
        handle_irq();
        // Interrupted app code (user, or an inkernel app outside its kernel calls)
        // holds nothing: a killed app ends here.
        if (kind == KIND_IRQ_EL0 || (thread_current()->in_app && !in_kernel_image(frame->elr))) {
            process_kill_point(process_current());
        }
        return;
    case KIND_SYNC_EL0:
        handle_fault(frame, kind, esr); // an svc went to svc_handler
        return;
    default:
        handle_fault(frame, kind, esr);
        return;
    }
}
