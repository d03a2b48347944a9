// arm64 CPU hooks: interrupt masking, the generic timer (EL2 physical timer),
// PL011 console output, PSCI power-off, caches and frame-pointer backtraces.
#include "../../kernel.h"
#include "../../fdt.h"
#include "asm.h"
#include "gic.h"

#define read_sysreg(r)                                   \
    ({                                                   \
        uint64_t _v;                                     \
        __asm__ volatile("mrs %0, " #r : "=r"(_v));      \
        _v;                                              \
    })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)))

static volatile uint32_t *uart;
static bool psci_smc;
static uint64_t counter_hz;
static uint64_t ns_per_tick_q32; // ns per counter tick, 32.32 fixed point

void arm64_cpu_init(const struct board *b)
{
    uart = arch_phys_to_virt(b->uart_base);
    psci_smc = b->psci_smc;
    counter_hz = read_sysreg(cntfrq_el0);
    ns_per_tick_q32 = (uint64_t)(((unsigned __int128)1000000000u << 32) / counter_hz);
}

void arch_irq_enable(void)
{
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

void arch_wait_for_interrupt(void)
{
    __asm__ volatile("dsb sy; wfi" ::: "memory");
}

// Converts counter ticks to ns: a multiply, no division (the clock is read on every
// thread switch). Exact for QEMU's 62.5 MHz counter; elsewhere off by under 1 ns per
// 2^32 ticks. Does not overflow for ~290 years of uptime.
static int64_t ticks_to_ns(uint64_t t)
{
    return (int64_t)(((unsigned __int128)t * ns_per_tick_q32) >> 32);
}

int64_t arch_time_ns(void)
{
    __asm__ volatile("isb");
    return ticks_to_ns(read_sysreg(cntpct_el0));
}

void arch_timer_set_deadline(int64_t deadline_ns)
{
    if (deadline_ns == INT64_MAX) {
        write_sysreg(cnthp_ctl_el2, 2); // IMASK: off
        return;
    }
    if (deadline_ns < 0) {
        deadline_ns = 0;
    }
    uint64_t ns = (uint64_t)deadline_ns;
    uint64_t ticks = (ns / 1000000000ull) * counter_hz + (ns % 1000000000ull) * counter_hz / 1000000000ull;
    write_sysreg(cnthp_cval_el2, ticks + 1);
    write_sysreg(cnthp_ctl_el2, 1); // ENABLE, unmasked
    __asm__ volatile("isb");
}

void arch_console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (uart[0x18 / 4] & (1 << 5)) { // FR.TXFF: transmit FIFO full
        }
        uart[0] = (uint8_t)s[i];
    }
}

void arch_sync_icache(void *addr, size_t len)
{
    uintptr_t start = (uintptr_t)addr & ~63ul, end = (uintptr_t)addr + len;
    for (uintptr_t p = start; p < end; p += 64) {
        __asm__ volatile("dc cvau, %0" ::"r"(p) : "memory");
    }
    __asm__ volatile("dsb ish" ::: "memory");
    for (uintptr_t p = start; p < end; p += 64) {
        __asm__ volatile("ic ivau, %0" ::"r"(p) : "memory");
    }
    __asm__ volatile("dsb ish; isb" ::: "memory");
}

_Noreturn void arch_poweroff(void)
{
    register uint64_t x0 __asm__("x0") = 0x84000008; // PSCI SYSTEM_OFF
    if (psci_smc) {
        __asm__ volatile("smc #0" : "+r"(x0)::"memory");
    } else {
        __asm__ volatile("hvc #0" : "+r"(x0)::"memory");
    }
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void arch_zero_pages(void *p, size_t len)
{
    // DC ZVA zeroes one block of 4 << DCZID_EL0.BS bytes (64 on QEMU's max CPU).
    uint64_t dczid = read_sysreg(dczid_el0);
    if (dczid & (1u << 4)) { // DZP: prohibited
        memset(p, 0, len);
        return;
    }
    size_t block = 4u << (dczid & 15);
    for (uintptr_t a = (uintptr_t)p; a < (uintptr_t)p + len; a += block) {
        __asm__ volatile("dc zva, %0" ::"r"(a) : "memory");
    }
}

void *arch_phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)(pa + KERNEL_VBASE);
}

uint64_t arch_virt_to_phys(const void *va)
{
    return (uint64_t)(uintptr_t)va - KERNEL_VBASE;
}

void arch_context_init(struct arch_context *ctx, void *stack_top, void (*entry)(void *),
                       void *arg)
{
    extern char arch_thread_trampoline[];
    memset(ctx, 0, sizeof(*ctx));
    ctx->x19_x30[0] = (uint64_t)(uintptr_t)entry;
    ctx->x19_x30[1] = (uint64_t)(uintptr_t)arg;
    ctx->x19_x30[11] = (uint64_t)(uintptr_t)arch_thread_trampoline;
    ctx->sp = (uint64_t)(uintptr_t)stack_top & ~15ull;
}

void arch_irq_unmask(uint32_t intid)
{
    gic_enable(intid);
}

void arch_irq_mask(uint32_t intid)
{
    gic_disable(intid);
}

void arch_backtrace(uintptr_t start_fp, void (*fn)(void *ctx, uintptr_t pc), void *ctx)
{
    const uint64_t *fp = start_fp ? (const uint64_t *)start_fp : __builtin_frame_address(0);
    for (int depth = 0; fp && depth < 32; depth++) {
        uintptr_t addr = (uintptr_t)fp;
        if ((addr & 7) || addr < KERNEL_VBASE || addr >= KERNEL_VBASE + (4ull << 30)) {
            break;
        }
        if (fp[1] == 0) {
            break;
        }
        fn(ctx, (uintptr_t)fp[1] - 4);
        fp = (const uint64_t *)(uintptr_t)fp[0];
    }
}

void arch_init(const struct board *b)
{
    arm64_cpu_init(b);
    gic_init(b);
}
