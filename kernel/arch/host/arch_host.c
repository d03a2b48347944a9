// kernel/arch.h implemented for a Linux process, plus what the arm64-only files
// (mm.c, log.c) would provide, so the portable core links into cmocka unit tests.
// Anything that needs real threads or hardware stops the test loudly.
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "kernel.h"
#include "mm.h"
#include "sched.h"

static bool irqs_masked = true; // kernel code runs masked, as on arm64
static int64_t fake_now_ns;
static int64_t timer_deadline_ns = INT64_MAX;

_Noreturn static void host_die(const char *what)
{
    fprintf(stderr, "host arch: %s is not available in the host build (no real threads)\n",
            what);
    fflush(stderr);
    abort();
}

// kernel/sched.c defines sched_yield(), which interposes libc's POSIX sched_yield();
// LeakSanitizer calls that at exit. With the run queue prepared and only the idle
// thread "running", the kernel's version returns without switching, so it is harmless.
__attribute__((constructor)) static void host_init(void)
{
    sched_init();
}

void host_time_set_ns(int64_t ns)
{
    fake_now_ns = ns;
}

int64_t host_timer_deadline(void)
{
    return timer_deadline_ns;
}

uint64_t arch_irq_save(void)
{
    uint64_t old = irqs_masked;
    irqs_masked = true;
    return old;
}

void arch_irq_restore(uint64_t flags)
{
    irqs_masked = flags != 0;
}

void arch_irq_enable(void)
{
    irqs_masked = false;
}

void arch_wait_for_interrupt(void)
{
    // Nothing can interrupt a host test: waiting would never end.
    host_die("arch_wait_for_interrupt");
}

int64_t arch_time_ns(void)
{
    return fake_now_ns;
}

void arch_timer_set_deadline(int64_t deadline_ns)
{
    timer_deadline_ns = deadline_ns;
}

void arch_switch_to(struct arch_context *from, struct arch_context *to)
{
    (void)from;
    (void)to;
    host_die("arch_switch_to");
}

void arch_context_init(struct arch_context *ctx, void *stack_top, void (*entry)(void *),
                       void *arg)
{
    (void)ctx;
    (void)stack_top;
    (void)entry;
    (void)arg;
    host_die("arch_context_init");
}

void arch_console_write(const char *s, size_t len)
{
    fwrite(s, 1, len, stdout);
    fflush(stdout);
}

void arch_sync_icache(void *addr, size_t len)
{
    (void)addr;
    (void)len;
}

_Noreturn void arch_poweroff(void)
{
    fprintf(stderr, "host arch: arch_poweroff called\n");
    exit(1);
}

_Noreturn void arch_poweroff_failed(uint32_t code)
{
    fprintf(stderr, "host arch: arch_poweroff_failed(0x%x) called\n", code);
    exit(1);
}

bool arch_has_el2(void)
{
    return true;
}

const char *arch_boot_mode(void)
{
    return "host";
}

void *arch_phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)pa;
}

uint64_t arch_virt_to_phys(const void *va)
{
    return (uint64_t)(uintptr_t)va;
}

void arch_backtrace(uintptr_t fp, void (*fn)(void *ctx, uintptr_t pc), void *ctx)
{
    (void)fp;
    (void)fn;
    (void)ctx;
}

void arch_irq_unmask(uint32_t intid)
{
    (void)intid;
}

// ---- what kernel/mm.c provides on arm64: the heap over the host's malloc ----

void *kmalloc(size_t size)
{
    return malloc(size);
}

void *kzalloc(size_t size)
{
    return calloc(1, size);
}

void kfree(void *p)
{
    free(p);
}

// ---- pages: the host's memory, with a free-page count tests can set ----

static size_t host_free_pages = 65536;

void host_set_free_pages(size_t n)
{
    host_free_pages = n;
}

size_t page_free_count(void)
{
    return host_free_pages;
}

void heap_trim(void)
{
}

size_t page_total_count(void)
{
    return 65536;
}

void *page_alloc_raw(size_t npages)
{
    return aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
}

void *page_alloc(size_t npages)
{
    return calloc(npages, PAGE_SIZE);
}

void page_free(void *p, size_t npages)
{
    (void)npages;
    free(p);
}

// ---- what kernel/log.c provides on arm64: console output and panic ----

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

void klog(int level, const char *fmt, ...)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    const char *name = level >= FTL_LOG_DEBUG && level <= FTL_LOG_ERROR ? names[level] : "INFO";
    printf("[%-12s] %-6s ", "kernel", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static void (*panic_hook)(const char *msg);

void host_set_panic_hook(void (*hook)(const char *msg))
{
    panic_hook = hook;
}

_Noreturn void panic(const char *fmt, ...)
{
    static char msg[512]; // static: a hook that longjmps may keep pointing at it
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "kernel panic: %s\n", msg);
    fflush(stderr);
    if (panic_hook) {
        panic_hook(msg); // a test hook may longjmp out; if it returns, stop anyway
    }
    abort();
}

// ---- user address spaces: there is no EL0 on the host ----

void arch_aspace_activate(struct arch_aspace *as)
{
    if (as) {
        host_die("arch_aspace_activate");
    }
}

int arch_aspace_create(struct arch_aspace **out)
{
    (void)out;
    host_die("arch_aspace_create");
}

int arch_aspace_map(struct arch_aspace *as, uint64_t va, uint64_t pa, size_t len, uint32_t prot)
{
    (void)as, (void)va, (void)pa, (void)len, (void)prot;
    host_die("arch_aspace_map");
}

size_t arch_aspace_bytes(const struct arch_aspace *as)
{
    (void)as;
    host_die("arch_aspace_bytes");
}

void arch_aspace_destroy(struct arch_aspace *as)
{
    (void)as;
    host_die("arch_aspace_destroy");
}

_Noreturn void arch_user_enter(uint64_t entry, uint64_t sp, uint64_t arg)
{
    (void)entry, (void)sp, (void)arg;
    host_die("arch_user_enter");
}

size_t arch_user_stubs(uint8_t *code, size_t n)
{
    (void)code, (void)n;
    host_die("arch_user_stubs");
}

// ---- guest VMs: there is no EL1 guest on the host either ----

int arch_vm_create(struct arch_aspace **out)
{
    (void)out;
    host_die("arch_vm_create");
}

void arch_vm_reset(struct arch_aspace *vm, uint64_t entry, uint64_t sp, uint64_t arg)
{
    (void)vm, (void)entry, (void)sp, (void)arg;
    host_die("arch_vm_reset");
}

enum arch_vm_exit arch_vm_run(struct arch_aspace *vm, struct trap_info *fault)
{
    (void)vm, (void)fault;
    host_die("arch_vm_run");
}

uint64_t *arch_vm_regs(struct arch_aspace *vm)
{
    (void)vm;
    host_die("arch_vm_regs");
}

size_t arch_guest_stubs(uint8_t *code, size_t n)
{
    (void)code, (void)n;
    host_die("arch_guest_stubs");
}

void arch_zero_pages(void *p, size_t len)
{
    memset(p, 0, len);
}

void arch_irq_mask(uint32_t intid)
{
    (void)intid;
}
