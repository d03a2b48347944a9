// test_vmm_hostile: misbehaves on purpose as an EL1 guest, in the way its environ's
// `kind` names, after opening a channel to echo (so the test can watch echo see it
// go). In user mode every one of these is an undefined instruction at EL0; in vmm
// mode the guest is at EL1, where each must trap to the kernel and end the app.
#include <ftl.h>
#include <string.h>

// A call with a number no kernel has: the same error code as in user mode.
static int64_t bad_call(void)
{
    register uint64_t x0 __asm__("x0") = 0;
    register uint64_t x8 __asm__("x8") = 0xffff;
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x8) : "memory");
    return (int64_t)x0;
}

static void misbehave(const char *kind)
{
    if (strcmp(kind, "smc") == 0) {
        // PSCI SYSTEM_OFF: QEMU's firmware would power the machine off if it got it.
        register uint64_t x0 __asm__("x0") = 0x84000008;
        __asm__ volatile("smc #0" : "+r"(x0)::"memory");
    } else if (strcmp(kind, "hvc") == 0) {
        FTL_INFO("call 0xffff: error %lld", (long long)bad_call());
        __asm__ volatile("hvc #1" ::: "memory");
    } else if (strcmp(kind, "wfi") == 0) {
        __asm__ volatile("wfi");
    } else if (strcmp(kind, "wfe") == 0) {
        __asm__ volatile("wfe");
    } else if (strcmp(kind, "sctlr") == 0) {
        __asm__ volatile("msr sctlr_el1, %0" ::"r"(0ull));
    } else if (strcmp(kind, "ttbr") == 0) {
        __asm__ volatile("msr ttbr0_el1, %0" ::"r"(0x40000000ull));
    } else if (strcmp(kind, "vbar") == 0) {
        // Not trapped (no fine-grained traps on this CPU): the guest's own vectors
        // move, and its next exception jumps to an address its VM does not map.
        __asm__ volatile("msr vbar_el1, xzr; isb; udf #0");
    } else if (strcmp(kind, "timer") == 0) {
        __asm__ volatile("msr cntp_ctl_el0, %0" ::"r"(1ull));
    } else if (strcmp(kind, "pmu") == 0) {
        uint64_t v;
        __asm__ volatile("mrs %0, pmcr_el0" : "=r"(v));
        FTL_INFO("pmcr 0x%llx", (unsigned long long)v);
    } else if (strcmp(kind, "debug") == 0) {
        __asm__ volatile("msr mdscr_el1, %0" ::"r"(1ull << 15));
    } else if (strcmp(kind, "gicreg") == 0) {
        uint64_t v;
        __asm__ volatile("mrs %0, s3_0_c12_c12_0" : "=r"(v)); // ICC_IAR1_EL1
        FTL_INFO("iar1 %llu", (unsigned long long)v);
    } else if (strcmp(kind, "gicsgi") == 0) {
        __asm__ volatile("msr s3_0_c12_c11_5, %0" ::"r"(1ull << 40)); // ICC_SGI1R_EL1, all
    } else if (strcmp(kind, "gicmmio") == 0) {
        *(volatile uint32_t *)0x08000000ull = 0; // GICD_CTLR
    } else if (strcmp(kind, "setway") == 0) {
        __asm__ volatile("dc isw, %0" ::"r"(0ull));
    } else if (strcmp(kind, "dcache") == 0) {
        uint64_t line = 0;
        __asm__ volatile("dc civac, %0" ::"r"(&line) : "memory");
    } else if (strcmp(kind, "icache") == 0) {
        __asm__ volatile("ic iallu");
    } else if (strcmp(kind, "tlbi") == 0) {
        __asm__ volatile("tlbi vmalle1; dsb sy");
    } else if (strcmp(kind, "idreg") == 0) {
        uint64_t v;
        __asm__ volatile("mrs %0, id_aa64pfr0_el1" : "=r"(v));
        FTL_INFO("pfr0 0x%llx", (unsigned long long)v);
    } else if (strcmp(kind, "eret") == 0) {
        // An exception return to EL2h from EL1 is illegal: PSTATE.IL, then a fault.
        __asm__ volatile("adr x9, 1f; msr elr_el1, x9; mov x9, #0x3c9; msr spsr_el1, x9;"
                         "eret; 1: nop" ::: "x9", "memory");
    } else if (strcmp(kind, "udf") == 0) {
        __asm__ volatile("udf #0"); // taken at the guest's EL1: its vector page exits
    } else if (strcmp(kind, "svc") == 0) {
        __asm__ volatile("svc #0");
    } else if (strcmp(kind, "brk") == 0) {
        __asm__ volatile("brk #1");
    } else if (strcmp(kind, "ram") == 0) {
        *(volatile uint64_t *)0x40000000ull = 0; // the host's RAM at its physical address
    } else if (strcmp(kind, "spin") == 0) {
        __asm__ volatile("msr daifset, #15; 1: b 1b");
    }
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo;
    const char *kind;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_env_string(env, "kind", &kind));
    FTL_CHECK(ftl_channel_send_data(echo, "hello", 5));
    FTL_INFO("about to misbehave: %s", kind);
    misbehave(kind);
    FTL_ERROR("still alive after '%s'", kind);
}
