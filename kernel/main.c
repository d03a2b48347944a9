// kmain: from the device tree to running apps.
#include "console.h"
#include "debugger.h"
#include "device.h"
#include "fdt.h"
#include "initfs.h"
#include "log.h"
#include "kmem.h"
#include "mm.h"
#include "sched.h"
#include "startup.h"
#include "trap.h"

extern char __kernel_start[], __kernel_end[];

// Arch hooks that take the board (so not in arch.h, which the host build shares).
/// Maps RAM and the devices the board names, and finds the console; before any log line.
void arch_early_init(const struct board *b, uint64_t dtb_pa);
/// Sets up the interrupt controller.
void arch_init(const struct board *b);
/// The INTID of the timer the kernel uses at the level it runs at.
uint32_t arch_timer_irq(const struct board *b);

static struct board board;

// True if the space-separated boot arguments contain `word` exactly.
static bool bootargs_have(const char *args, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = args; *p;) {
        if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0')) {
            return true;
        }
        const char *space = strchr(p, ' ');
        if (!space) {
            break;
        }
        p = space + 1;
    }
    return false;
}

static void timer_irq(void *ctx)
{
    (void)ctx;
    timeout_tick();
}

// A machine FTL cannot run on: says why on the UART if the device tree named one,
// then powers off (the code tells a debugger why when nothing could print).
static _Noreturn void boot_failed(const char *why, uint64_t dtb_pa)
{
    // The interrupt controller is checked after RAM and the UART: name the one found.
    const char *irqchip = board.ram_size && board.uart_base && board.gic_version == 0
                              ? board.unknown_irqchip
                              : NULL;
    KERROR("FTL at %s cannot boot: %s%s%s%s (device tree at 0x%lx)", arch_boot_mode(), why,
           irqchip ? "; it has '" : "", irqchip ? irqchip : "", irqchip ? "'" : "",
           (unsigned long)dtb_pa);
    arch_poweroff_failed(board.uart_base ? BOOT_FAILED_REPORTED : BOOT_FAILED_NO_CONSOLE);
}

// Decompresses the initfs's packed files (the apps and their specs) into pages they
// keep for the kernel's life. False, having said why, if they cannot be had.
static bool initfs_unpack_packed(void)
{
    size_t size = initfs_unpacked_size();
    if (size == 0) {
        return true;
    }
    size_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    void *buf = page_alloc_raw(npages);
    if (buf == NULL) {
        KERROR("initfs: no %zu KiB of memory to unpack its files into: no apps to start",
               size / 1024);
        return false;
    }
    int64_t start = arch_time_ns();
    const char *why = "";
    if (initfs_unpack(buf, size, &why) != FTL_OK) {
        KERROR("initfs: cannot unpack its files: %s: no apps to start", why);
        page_free(buf, npages);
        return false;
    }
    KINFO("initfs: %zu KiB of files unpacked in %ld us", size / 1024,
          (long)((arch_time_ns() - start) / 1000));
    return true;
}

_Noreturn void kmain(uint64_t dtb_pa)
{
    const void *dtb = arch_phys_to_virt(dtb_pa);
    const char *why = "no device tree (x0 was 0)";
    ftl_err_t err = dtb_pa == 0 ? FTL_ERR_PARSE : board_from_fdt(dtb, &board, &why);
    arch_early_init(&board, dtb_pa);
    log_set_color(bootargs_have(board.bootargs, "color=1"));
    if (err != FTL_OK) {
        boot_failed(why, dtb_pa);
    }
    arch_init(&board);
    device_set_board(&board);
    debugger_set_log(bootargs_have(board.bootargs, "debug=1"));
    KINFO("FTL booting at %s, GICv%u: %lu MiB RAM at 0x%lx, kernel at 0x%lx, %zu virtio-mmio "
          "slots",
          arch_boot_mode(), board.gic_version, (unsigned long)(board.ram_size >> 20),
          (unsigned long)board.ram_base, (unsigned long)arch_virt_to_phys(__kernel_start),
          board.nvirtio);
    device_pci_init(&board);

    size_t dtb_size = 0;
    (void)fdt_check(dtb, &dtb_size);
    const uint64_t reserved[][2] = {
        {arch_virt_to_phys(__kernel_start), arch_virt_to_phys(__kernel_end)}, // the image
        {dtb_pa, dtb_pa + dtb_size},
        {board.initrd_start, board.initrd_end},
    };
    mm_init(board.ram_base, board.ram_size, reserved, ARRAY_SIZE(reserved));
    kmem_init();
    KINFO("memory: %zu KiB free", page_free_count() * (PAGE_SIZE / 1024));

    sched_init();
    uint32_t timer = arch_timer_irq(&board);
    if (irq_register(timer, timer_irq, NULL) != FTL_OK) {
        panic("timer interrupt %u already taken", timer);
    }
    console_init(&board);
    // The apps come in an initfs that QEMU loads with -initrd (tools/run.sh): the
    // kernel binary holds no app, so changing an app never relinks the kernel.
    if (board.initrd_end <= board.initrd_start) {
        KERROR("no initfs: boot with QEMU -initrd FILE (make run passes "
               "build/images/default/initfs.bin): no apps to start");
    } else {
        const void *initfs = arch_phys_to_virt(board.initrd_start);
        size_t initfs_len = board.initrd_end - board.initrd_start;
        KINFO("initfs: %zu KiB from -initrd", initfs_len / 1024);
        if (initfs_init(initfs, initfs_len) != FTL_OK) {
            KERROR("the initfs is malformed (not made by tools/mkinitfs.py?): no apps to start");
        } else if (initfs_unpack_packed()) {
            startup_run();
        }
    }
    sched_start();
}
