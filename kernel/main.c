// kmain: from the device tree to running apps.
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

void arch_init(const struct board *b);

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

_Noreturn void kmain(uint64_t dtb_pa)
{
    const void *dtb = arch_phys_to_virt(dtb_pa);
    const char *why = "";
    if (dtb_pa == 0 || board_from_fdt(dtb, &board, &why) != FTL_OK) {
        // No console address without a device tree: nothing to print with.
        arch_poweroff();
    }
    arch_init(&board);
    device_set_board(&board);
    log_set_color(bootargs_have(board.bootargs, "color=1"));
    debugger_set_log(bootargs_have(board.bootargs, "debug=1"));
    KINFO("FTL booting: %lu MiB RAM at 0x%lx, %zu virtio-mmio slots",
          (unsigned long)(board.ram_size >> 20), (unsigned long)board.ram_base, board.nvirtio);

    size_t dtb_size = 0;
    (void)fdt_check(dtb, &dtb_size);
    const uint64_t reserved[][2] = {
        {board.ram_base, arch_virt_to_phys(__kernel_end)}, // firmware area + kernel image
        {dtb_pa, dtb_pa + dtb_size},
        {board.initrd_start, board.initrd_end},
    };
    mm_init(board.ram_base, board.ram_size, reserved, ARRAY_SIZE(reserved));
    kmem_init();
    KINFO("memory: %zu KiB free", page_free_count() * (PAGE_SIZE / 1024));

    sched_init();
    if (irq_register(board.timer_irq, timer_irq, NULL) != FTL_OK) {
        panic("timer interrupt %u already taken", board.timer_irq);
    }
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
        } else {
            startup_run();
        }
    }
    sched_start();
}
