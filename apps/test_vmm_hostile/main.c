// test_vmm_hostile: misbehaves on purpose as an EL1 guest, in the way its environ's
// `kind` names, after opening a channel to echo (so the test can watch echo see it
// go); or, as kind "canary", checks that its VM starts clean and stays its own. In user mode every
// one of these is an undefined instruction at EL0; in vmm mode the guest is at EL1, where each must
// trap to the kernel and end the app.
#include <ftl.h>
#include <stdlib.h>
#include <string.h>

#define CANARY_BYTES (128u << 10)

// The EL1 registers a guest may read and write without trapping.
struct el1_regs {
    uint64_t tpidr, vbar, elr, spsr, cpacr, cntkctl, cntv_cval, par;
    uint64_t disr, tpidr2, tpidrro; // (RAS and SME: QEMU's max CPU has both)
};

static void read_el1(struct el1_regs *r)
{
    __asm__ volatile("mrs %0, tpidr_el1" : "=r"(r->tpidr));
    __asm__ volatile("mrs %0, vbar_el1" : "=r"(r->vbar));
    __asm__ volatile("mrs %0, elr_el1" : "=r"(r->elr));
    __asm__ volatile("mrs %0, spsr_el1" : "=r"(r->spsr));
    __asm__ volatile("mrs %0, cpacr_el1" : "=r"(r->cpacr));
    __asm__ volatile("mrs %0, cntkctl_el1" : "=r"(r->cntkctl));
    __asm__ volatile("mrs %0, cntv_cval_el0" : "=r"(r->cntv_cval));
    __asm__ volatile("mrs %0, par_el1" : "=r"(r->par));
    __asm__ volatile("mrs %0, s3_0_c12_c1_1" : "=r"(r->disr));   // DISR_EL1
    __asm__ volatile("mrs %0, s3_3_c13_c0_5" : "=r"(r->tpidr2)); // TPIDR2_EL0
    __asm__ volatile("mrs %0, tpidrro_el0" : "=r"(r->tpidrro));
}

static void write_el1(const struct el1_regs *r)
{
    __asm__ volatile("msr tpidr_el1, %0" ::"r"(r->tpidr));
    __asm__ volatile("msr elr_el1, %0" ::"r"(r->elr));
    __asm__ volatile("msr spsr_el1, %0" ::"r"(r->spsr));
    __asm__ volatile("msr cntkctl_el1, %0" ::"r"(r->cntkctl));
    __asm__ volatile("msr cntv_cval_el0, %0" ::"r"(r->cntv_cval));
    __asm__ volatile("msr par_el1, %0" ::"r"(r->par));
    __asm__ volatile("msr s3_0_c12_c1_1, %0" ::"r"(r->disr));
    __asm__ volatile("msr s3_3_c13_c0_5, %0" ::"r"(r->tpidr2));
    __asm__ volatile("msr tpidrro_el0, %0" ::"r"(r->tpidrro));
}

// kind "canary": a fresh VM must start with zeroed memory and reset EL1 registers;
// then this one dirties both and checks, across yields to other VMs, that they stay
// its own. Exits 0 if all held, else 1 with an ERROR line saying what leaked.
static int canary(void)
{
    const struct el1_regs fresh = {.vbar = 0x3ff000, .cpacr = 3u << 20};
    struct el1_regs r;
    read_el1(&r);
    if (memcmp(&r, &fresh, sizeof(r)) != 0) {
        FTL_ERROR(
            "canary: EL1 registers not fresh: tpidr 0x%llx vbar 0x%llx elr 0x%llx "
            "spsr 0x%llx cpacr 0x%llx cntkctl 0x%llx cval 0x%llx par 0x%llx disr 0x%llx "
            "tpidr2 0x%llx tpidrro 0x%llx",
            (unsigned long long)r.tpidr, (unsigned long long)r.vbar, (unsigned long long)r.elr,
            (unsigned long long)r.spsr, (unsigned long long)r.cpacr, (unsigned long long)r.cntkctl,
            (unsigned long long)r.cntv_cval, (unsigned long long)r.par, (unsigned long long)r.disr,
            (unsigned long long)r.tpidr2, (unsigned long long)r.tpidrro);
        return 1;
    }
    uint8_t *block = malloc(CANARY_BYTES);
    if (!block) {
        FTL_ERROR("canary: no memory");
        return 1;
    }
    // volatile: the compiler may assume fresh malloc memory holds anything at all.
    const volatile uint64_t *words = (const volatile uint64_t *)(void *)block;
    for (size_t i = 0; i < CANARY_BYTES / 8; i++) {
        if (words[i] != 0) {
            FTL_ERROR("canary: word %zu of a fresh heap is 0x%llx", i,
                      (unsigned long long)words[i]);
            return 1;
        }
    }
    memset(block, 0xa5, CANARY_BYTES);
    uint64_t mine = 0xc0de000000000000ull | ((uint64_t)(uintptr_t)&r ^ (uint64_t)ftl_time_now());
    struct el1_regs dirty = {.tpidr = mine,
                             .vbar = 0x3ff000,
                             .elr = mine + 1,
                             .spsr = 0x3c5,
                             .cpacr = 3u << 20,
                             .cntkctl = 3,
                             .cntv_cval = mine + 2,
                             .par = 0x800,
                             .disr = mine & 0xfff,
                             .tpidr2 = mine + 3,
                             .tpidrro = mine + 4};
    write_el1(&dirty);
    for (int i = 0; i < 20; i++) {
        ftl_yield();
        read_el1(&r);
        if (memcmp(&r, &dirty, sizeof(r)) != 0) {
            FTL_ERROR("canary: EL1 registers changed while away: tpidr 0x%llx",
                      (unsigned long long)r.tpidr);
            return 1;
        }
    }
    FTL_INFO("canary: memory and EL1 registers fresh, and kept while away");
    return 0;
}

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
                         "eret; 1: nop" ::
                             : "x9", "memory");
    } else if (strcmp(kind, "udf") == 0) {
        __asm__ volatile("udf #0"); // taken at the guest's EL1: its vector page exits
    } else if (strcmp(kind, "svc") == 0) {
        __asm__ volatile("svc #0");
    } else if (strcmp(kind, "brk") == 0) {
        __asm__ volatile("brk #1");
    } else if (strcmp(kind, "el0") == 0) {
        // Down to the guest's own EL0, where hvc is undefined: the guest's EL1 takes
        // that, and its vector page ends the run.
        __asm__ volatile("adr x9, 1f; msr elr_el1, x9; msr spsr_el1, xzr; eret;"
                         "1: mov x8, #0; hvc #0" ::
                             : "x8", "x9", "memory");
    } else if (strcmp(kind, "sve") == 0) {
        __asm__ volatile(".inst 0x04bf5020" ::: "x0"); // rdvl x0, #1: SVE stays off
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
    FTL_CHECK(ftl_env_string(env, "kind", &kind));
    if (strcmp(kind, "canary") == 0) {
        ftl_exit(canary());
    }
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_channel_send_data(echo, "hello", 5));
    FTL_INFO("about to misbehave: %s", kind);
    misbehave(kind);
    FTL_ERROR("still alive after '%s'", kind);
}
