// arm64 CPU hooks: interrupt masking, the generic timer (the EL2 physical timer at
// EL2, the virtual timer at EL1), PL011 or 16550 console output, PSCI power-off, caches and
// frame-pointer backtraces.
#include "../../kernel.h"
#include "../../fdt.h"
#include "asm.h"
#include "cpu.h"
#include "gic.h"
#include "kstack.h"

#define read_sysreg(r)                                   \
    ({                                                   \
        uint64_t _v;                                     \
        __asm__ volatile("mrs %0, " #r : "=r"(_v));      \
        _v;                                              \
    })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)))

uint32_t arm64_el;
uint32_t arm64_entry_el;
uint64_t arm64_image_pa;

static volatile uint32_t *uart;
static volatile uint8_t *uart_16550;  // instead of the PL011 `uart` (Firecracker)
static uint32_t uart_16550_shift;
static bool psci_smc;
static uint64_t counter_hz;
static uint64_t ns_per_tick_q32; // ns per counter tick, 32.32 fixed point
static uint64_t ram_base, ram_end;  // physical, for arch_backtrace's bounds

// True if `va` is in the image or in RAM's linear map: where kernel stacks live.
static bool is_kernel_stack_address(uintptr_t va)
{
    extern char __kernel_start[], __kernel_end[];
    return (va >= (uintptr_t)__kernel_start && va < (uintptr_t)__kernel_end) ||
           va >= KSTACK_VBASE || // arch_kstack_map's stacks
           (va >= KERNEL_VBASE + ram_base && va < KERNEL_VBASE + ram_end);
}

void arch_early_init(const struct board *b, uint64_t dtb_pa)
{
    kmap_init(b, dtb_pa);
    uart = b->uart_base && !b->uart_is_16550 ? arch_phys_to_virt(b->uart_base) : NULL;
    uart_16550 = b->uart_base && b->uart_is_16550 ? arch_phys_to_virt(b->uart_base) : NULL;
    uart_16550_shift = b->uart_reg_shift;
    // At EL2 an hvc would trap to the kernel itself: only smc reaches the firmware.
    psci_smc = b->psci_smc || arm64_el == 2;
    ram_base = b->ram_base;
    ram_end = b->ram_base + b->ram_size;
    counter_hz = read_sysreg(cntfrq_el0);
    ns_per_tick_q32 = (uint64_t)(((unsigned __int128)1000000000u << 32) / counter_hz);
}

bool arch_has_el2(void)
{
    return arm64_el == 2;
}

const char *arch_boot_mode(void)
{
    if (arm64_el == 2) {
        return "EL2 (VHE)";
    }
    return arm64_entry_el == 2 ? "EL1 (entered at EL2 without VHE)" : "EL1";
}

uint32_t arch_timer_irq(const struct board *b)
{
    return arm64_el == 2 ? b->timer_irq : b->timer_virt_irq;
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

int64_t arch_ticks_to_ns(uint64_t ticks)
{
    return ticks_to_ns(ticks);
}

int64_t arch_time_ns(void)
{
    __asm__ volatile("isb");
    // The virtual count: the physical one at EL2 (CNTVOFF_EL2 is 0), and what a
    // hypervisor gives a VM at EL1 (its offset hides the host's uptime).
    return ticks_to_ns(read_sysreg(cntvct_el0));
}

void arch_timer_set_deadline(int64_t deadline_ns)
{
    if (deadline_ns == INT64_MAX) {
        if (arm64_el == 2) {
            write_sysreg(cnthp_ctl_el2, 2); // IMASK: off
        } else {
            write_sysreg(cntv_ctl_el0, 2);
        }
        return;
    }
    if (deadline_ns < 0) {
        deadline_ns = 0;
    }
    uint64_t ns = (uint64_t)deadline_ns;
    uint64_t ticks = (ns / 1000000000ull) * counter_hz + (ns % 1000000000ull) * counter_hz / 1000000000ull;
    if (arm64_el == 2) {
        write_sysreg(cnthp_cval_el2, ticks + 1);
        write_sysreg(cnthp_ctl_el2, 1); // ENABLE, unmasked
    } else {
        write_sysreg(cntv_cval_el0, ticks + 1);
        write_sysreg(cntv_ctl_el0, 1);
    }
    __asm__ volatile("isb");
}

// A 16550's transmit holding register (offset 0) takes a byte when the line status
// register (offset 5) has THRE (bit 5) set; no set-up is needed to send.
static void console_write_16550(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (!(uart_16550[5u << uart_16550_shift] & (1 << 5))) {
        }
        uart_16550[0] = (uint8_t)s[i];
    }
}

void arch_console_write(const char *s, size_t len)
{
    if (!uart) {
        if (uart_16550) {
            console_write_16550(s, len);
        }
        return; // else the device tree named no UART FTL can drive
    }
    for (size_t i = 0; i < len; i++) {
        while (uart[0x18 / 4] & (1 << 5)) { // FR.TXFF: transmit FIFO full
        }
        uart[0] = (uint8_t)s[i];
    }
}

// PL011 receive: FR.RXFE (bit 4) set means no byte; IMSC's RXIM (bit 4) and RTIM
// (bit 6) raise the interrupt on a byte or on a quiet FIFO; ICR clears them.
bool arch_console_rx_enable(void)
{
    if (!uart) {
        return false;
    }
    uart[0x44 / 4] = (1u << 4) | (1u << 6);
    uart[0x38 / 4] |= (1u << 4) | (1u << 6);
    return true;
}

size_t arch_console_read(char *buf, size_t max)
{
    size_t n = 0;
    while (uart && n < max && !(uart[0x18 / 4] & (1u << 4))) {
        buf[n++] = (char)(uart[0] & 0xff);
    }
    if (uart) {
        uart[0x44 / 4] = (1u << 4) | (1u << 6);
    }
    return n;
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

// PSCI SYSTEM_OFF over the DTB's conduit; x1 carries `code` for a debugger to read
// (SYSTEM_OFF takes no argument, so x1 reaches no one else).
static _Noreturn void psci_system_off(uint64_t code)
{
    register uint64_t x0 __asm__("x0") = 0x84000008;
    register uint64_t x1 __asm__("x1") = code;
    if (psci_smc) {
        __asm__ volatile("smc #0" : "+r"(x0) : "r"(x1) : "memory");
    } else {
        __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1) : "memory");
    }
    for (;;) {
        __asm__ volatile("wfi");
    }
}

_Noreturn void arch_poweroff(void)
{
    psci_system_off(0);
}

_Noreturn void arch_poweroff_failed(uint32_t code)
{
    psci_system_off(code);
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
    uint64_t v = (uint64_t)(uintptr_t)va;
    if (v >= KIMAGE_VBASE) { // the image: linked at KIMAGE_VBASE + TEXT_OFFSET
        return v - (KIMAGE_VBASE + TEXT_OFFSET) + arm64_image_pa;
    }
    return v - KERNEL_VBASE;
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
        if ((addr & 7) || !is_kernel_stack_address(addr)) {
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
    gic_init(b);
}
