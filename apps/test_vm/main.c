// test_vm: the VM calls (<ftl/vm.h>) with small guests (guest.c). Each test boots one
// guest in the app's one VM and checks the exits it makes; hostile guests must stop
// with a FAULT exit and leave the VM bootable again (tests/test_vm.py).
#include "guest.h"
#include <ftl.h>
#include <ftl/test.h>
#include <string.h>

#define RAM (2u << 20)
#define REPORT 0x0a000000ull

static ftl_handle_t vm, poll;
static uint8_t *ram;

static void boot(const char *start, const char *end)
{
    memset(ram, 0, 4096);
    memcpy(ram, start, (size_t)(end - start));
    CHECK_OK(ftl_vm_boot(vm, FTL_VM_RAM_BASE, 0));
}

// Runs until the next exit that is not a poll event.
static struct ftl_vm_exit run(void)
{
    struct ftl_vm_exit e = {0};
    CHECK_OK(ftl_vm_run(vm, FTL_VM_NO_POLL, &e));
    return e;
}

// Runs until the guest stores to report slot `slot`; returns the value.
static uint64_t report(unsigned slot)
{
    struct ftl_vm_exit e = run();
    CHECK(e.kind == FTL_VM_EXIT_MMIO && e.write && e.addr == REPORT + 8 * slot && e.size == 8);
    if (e.kind != FTL_VM_EXIT_MMIO) {
        FTL_INFO("unexpected exit %u at 0x%lx: %s", e.kind, (unsigned long)e.pc, e.detail);
    }
    return e.data;
}

static void create_checks_its_arguments(void)
{
    ftl_handle_t h;
    void *p;
    CHECK_ERR(ftl_vm_create(3u << 20, &h, &p), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_vm_create(0, &h, &p), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_vm_create(FTL_VM_RAM_MAX * 2, &h, &p), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_vm_create(RAM, (ftl_handle_t *)8, &p), FTL_ERR_BAD_ADDRESS);
    CHECK_OK(ftl_vm_create(RAM, &vm, (void **)&ram));
    CHECK_ERR(ftl_vm_create(RAM, &h, &p), FTL_ERR_BUSY); // one VM per app
    struct ftl_vm_exit e;
    CHECK_ERR(ftl_vm_run(vm, FTL_VM_NO_POLL, &e), FTL_ERR_INVALID_ARG); // not booted
    CHECK_ERR(ftl_vm_run(poll, FTL_VM_NO_POLL, &e), FTL_ERR_WRONG_TYPE);
    CHECK_ERR(ftl_vm_irq(vm, FTL_VM_SPI_COUNT, 1), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_vm_irq(vm, 0, 2), FTL_ERR_INVALID_ARG);
    for (size_t i = 0; ram && i < RAM; i += 4096) {
        CHECK(ram[i] == 0); // zeroed, and mapped into the app
    }
}

static void load_copies_the_apps_own_files(void)
{
    size_t size = 0;
    CHECK_OK(ftl_vm_load(vm, "spec.yaml", FTL_VM_RAM_BASE + 4096, &size));
    CHECK(size > 100 && memcmp(ram + 4096, "# In-OS test of the VM calls", 28) == 0);
    CHECK_ERR(ftl_vm_load(vm, "../hello/app.elf", FTL_VM_RAM_BASE, &size), FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_vm_load(vm, "/apps/hello/app.elf", FTL_VM_RAM_BASE, &size),
              FTL_ERR_INVALID_ARG);
    CHECK_ERR(ftl_vm_load(vm, "nothing", FTL_VM_RAM_BASE, &size), FTL_ERR_NOT_FOUND);
    CHECK_ERR(ftl_vm_load(vm, "spec.yaml", FTL_VM_RAM_BASE + RAM - 10, &size), FTL_ERR_TOO_LARGE);
    CHECK_ERR(ftl_vm_load(vm, "spec.yaml", 0x1000, &size), FTL_ERR_TOO_LARGE);
    CHECK_ERR(ftl_vm_load(vm, "spec.yaml", ~0ull, &size), FTL_ERR_TOO_LARGE);
}

static void a_guest_runs(void)
{
    boot(guest_basic, guest_basic_end);
    CHECK(report(0) == 0x10000); // PSCI 1.0, answered by the kernel
    struct ftl_vm_exit e = run();
    CHECK(e.kind == FTL_VM_EXIT_MMIO && !e.write && e.addr == REPORT + 8 && e.size == 4);
    e.data = 0x12345678;
    CHECK_OK(ftl_vm_run(vm, FTL_VM_NO_POLL, &e));
    CHECK(e.kind == FTL_VM_EXIT_MMIO && e.write && e.data == 0x12345678);
    e = run();
    CHECK(e.kind == FTL_VM_EXIT_MMIO && !e.write && e.size == 1);
    e.data = 0x80;
    CHECK_OK(ftl_vm_run(vm, FTL_VM_NO_POLL, &e));
    CHECK(e.kind == FTL_VM_EXIT_MMIO && e.data == 0xffffffffffffff80ull); // sign-extended
    uint64_t pfr0 = report(5);
    CHECK(((pfr0 >> 32) & 15) == 0 && ((pfr0 >> 8) & 15) == 0); // no SVE, no EL2
    CHECK(((pfr0 >> 24) & 15) == 1);                              // the GIC's registers
    uint64_t isar1 = report(6);
    CHECK((isar1 & 0xff000ff0ull) == 0); // no pointer authentication
    CHECK(report(7) == (2u | (9u << 19) | (1u << 25))); // GICD_TYPER: 96 INTIDs
    CHECK(report(8) == 0);                              // the PMU reads as zero
    int64_t t0 = ftl_time_now();
    uint64_t slept = report(9);
    CHECK(slept >= 125000);                  // WFI waited for the timer
    CHECK(ftl_time_now() - t0 >= 1900000);   // and the app's clock agrees
    CHECK(report(10) < 62500ull * 1000);     // its count started near 0 at its boot
    e = run();
    CHECK(e.kind == FTL_VM_EXIT_OFF && strstr(e.detail, "SYSTEM_OFF through smc"));
    CHECK_ERR(ftl_vm_run(vm, FTL_VM_NO_POLL, &e), FTL_ERR_INVALID_ARG); // it is off
    struct ftl_vm_stats st;
    CHECK_OK(ftl_vm_stats(vm, &st));
    CHECK(st.mmio == 11 && st.gicd == 1 && st.wfi == 1 && st.hvc == 2 && st.vtimer == 1);
}

static void a_spinning_guest_gives_way(void)
{
    boot(guest_spin, guest_spin_end);
    ftl_handle_t timer;
    CHECK_OK(ftl_timer_create(&timer));
    CHECK_OK(ftl_poll_add(poll, timer, FTL_READABLE, NULL));
    CHECK_OK(ftl_timer_set(timer, ftl_time_now() + 30 * 1000000));
    struct ftl_vm_exit e = {0};
    CHECK_OK(ftl_vm_run(vm, poll, &e)); // returns when the timer fires, guest or not
    CHECK(e.kind == FTL_VM_EXIT_POLL);
    struct ftl_event ev;
    CHECK_OK(ftl_poll_wait(poll, 0, &ev)); // the event is still there for the app
    CHECK(ev.handle == timer);
    CHECK_OK(ftl_handle_close(timer));
}

static void hostile_guests_stop_their_vm(void)
{
    boot(guest_ldp, guest_ldp_end);
    struct ftl_vm_exit e = run();
    CHECK(e.kind == FTL_VM_EXIT_FAULT && strstr(e.detail, "syndrome"));
    FTL_INFO("ldp: %s", e.detail);
    boot(guest_jump, guest_jump_end);
    e = run();
    CHECK(e.kind == FTL_VM_EXIT_FAULT);
    FTL_INFO("jump: %s", e.detail);
    boot(guest_gic, guest_gic_end);
    e = run();
    CHECK(e.kind == FTL_VM_EXIT_OFF && strstr(e.detail, "through hvc"));
    FTL_INFO("gic: %s", e.detail);
}

void app_main(const struct ftl_env *env)
{
    (void)env;
    FTL_CHECK(ftl_poll_create(&poll));
    run_test("vm.create_checks_its_arguments", create_checks_its_arguments);
    if (!ram) {
        FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
        return; // no VM (no grant): nothing else can run
    }
    run_test("vm.load_copies_the_apps_own_files", load_copies_the_apps_own_files);
    run_test("vm.a_guest_runs", a_guest_runs);
    run_test("vm.a_spinning_guest_gives_way", a_spinning_guest_gives_way);
    run_test("vm.hostile_guests_stop_their_vm", hostile_guests_stop_their_vm);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
