// Virtual machines for VMM apps: the VM object, its calls and the vCPU run loop
// (docs/vm.md). The kernel keeps what must be fast or privileged: stage-2 memory,
// the vCPU, the virtual GIC (vgic.c), the virtual timer, PSCI and system-register
// traps, WFI blocking. Every other exit (MMIO) returns to the owning app, which
// emulates its devices: the split KVM draws between the kernel and a VMM.
#include "vm.h"
#include "../initfs.h"
#include "../isolation/isolation.h"
#include "../log.h"
#include "../mm.h"
#include "../poll.h"
#include "../sched.h"
#include "../trap.h"

#define USER_VM_BASE 0x100000000ull // where a user-mode app sees its guest's RAM
#define VM_NAME_MAX 48u


struct vm *timer_vm;
static bool vtimer_registered;

static void vm_destroy(struct object *obj)
{
    struct vm *vm = (struct vm *)obj;
    if (timer_vm == vm) {
        timer_vm = NULL;
    }
    if (vm->s2) {
        arch_aspace_destroy(vm->s2); // flushes the VMID before the RAM goes back
    }
    for (size_t i = 0; i < vm->ram_bytes / VM_CHUNK; i++) {
        if (vm->chunk[i]) {
            page_free(vm->chunk[i], VM_CHUNK / PAGE_SIZE);
        }
    }
    struct kmem *k = vm->obj.kmem;
    kmem_uncharge(k, vm->charged);
    kmem_free(k, vm, sizeof(*vm));
}

static uint32_t vm_poll_state(struct object *obj)
{
    (void)obj;
    return 0;
}

static const struct object_ops vm_ops = {.destroy = vm_destroy, .poll_state = vm_poll_state};

// The physical virtual-timer interrupt (PPI 27) fired: the guest's timer condition
// holds. It stays masked until the guest's interrupt is handled (vm_enter unmasks it),
// and wakes the VM's thread if it waits in WFI.
static void vtimer_irq(void *ctx)
{
    (void)ctx;
    arch_irq_mask(FTL_VM_VTIMER_PPI);
    if (timer_vm && timer_vm->waiter) {
        sched_wake(timer_vm->waiter);
    }
}

void vm_process_gone(struct process *p)
{
    if (p->vm) {
        p->vm->owner = NULL;
        object_unref(&p->vm->obj);
        p->vm = NULL;
    }
}

static ftl_err_t get_vm(struct process *p, ftl_handle_t h, struct vm **out)
{
    struct handle_entry *e;
    ftl_err_t err = handle_table_get(&p->handles, h, OBJ_VM, FTL_RIGHT_WRITE, &e);
    if (err == FTL_OK) {
        *out = (struct vm *)e->obj;
    }
    return err;
}

ftl_err_t sys_vm_create(struct process *p, size_t ram_bytes, uaddr_t out_vm, uaddr_t out_ram)
{
    if (!process_has_grant(p, SPEC_GRANT_VM)) {
        return FTL_ERR_DENIED;
    }
    if (!arch_has_el2() || p->mode != PROCESS_USER) {
        return FTL_ERR_UNSUPPORTED;
    }
    if (ram_bytes == 0 || ram_bytes % VM_CHUNK || ram_bytes > FTL_VM_RAM_MAX) {
        return FTL_ERR_INVALID_ARG;
    }
    if (p->vm) {
        return FTL_ERR_BUSY;
    }
    if (!process_range(p, out_vm, sizeof(ftl_handle_t), ARCH_PROT_WRITE) ||
        !process_range(p, out_ram, sizeof(uint64_t), ARCH_PROT_WRITE)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (!vtimer_registered) {
        if (irq_register(FTL_VM_VTIMER_PPI, vtimer_irq, NULL) != FTL_OK) {
            return FTL_ERR_UNSUPPORTED;
        }
        vtimer_registered = true;
    }
    if (kmem_charge(p->kmem, ram_bytes) != FTL_OK) {
        return FTL_ERR_NO_MEMORY;
    }
    struct vm *vm = kmem_zalloc(p->kmem, sizeof(*vm));
    if (!vm) {
        kmem_uncharge(p->kmem, ram_bytes);
        return FTL_ERR_NO_MEMORY;
    }
    object_init(&vm->obj, OBJ_VM, &vm_ops);
    vm->obj.kmem = p->kmem;
    vm->charged = ram_bytes;
    vm->ram_bytes = ram_bytes;
    vm->owner = p;
    vgic_reset(&vm->gic);
    ftl_err_t err = FTL_ERR_NO_MEMORY;
    int made = arch_vm_create_os(&vm->s2);
    if (made != 0) {
        err = made == ARCH_VM_NO_ID ? FTL_ERR_TOO_MANY : FTL_ERR_NO_MEMORY;
        goto fail;
    }
    // The app sees its guest's RAM at USER_VM_BASE, mapped for its whole life: the RAM
    // is freed only with the process (vm_process_gone).
    object_ref(&vm->obj);
    p->vm = vm;
    vm->app_ram = USER_VM_BASE;
    for (size_t i = 0; i < ram_bytes / VM_CHUNK; i++) {
        vm->chunk[i] = page_alloc(VM_CHUNK / PAGE_SIZE);
        if (!vm->chunk[i]) {
            goto fail;
        }
        uint64_t pa = arch_virt_to_phys(vm->chunk[i]);
        if (arch_aspace_map(vm->s2, FTL_VM_RAM_BASE + i * VM_CHUNK, pa, VM_CHUNK,
                            ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC) != 0) {
            goto fail;
        }
        err = process_map(p, USER_VM_BASE + i * VM_CHUNK, pa, VM_CHUNK,
                          ARCH_PROT_READ | ARCH_PROT_WRITE);
        if (err != FTL_OK) {
            goto fail;
        }
        err = FTL_ERR_NO_MEMORY;
        sched_preempt_point(); // 2 MiB zeroed: the other apps may need the CPU
    }
    size_t tables = arch_aspace_bytes(vm->s2);
    if (kmem_charge(p->kmem, tables) != FTL_OK) {
        goto fail;
    }
    vm->charged += tables;
    ftl_handle_t h;
    err = handle_table_add(&p->handles, &vm->obj, FTL_RIGHT_READ | FTL_RIGHT_WRITE | FTL_RIGHT_WAIT,
                           &h);
    if (err != FTL_OK) {
        goto fail;
    }
    (void)app_copy_out(p, out_vm, &h, sizeof(h));
    (void)app_copy_out(p, out_ram, &vm->app_ram, sizeof(vm->app_ram));
    return FTL_OK;

fail:
    // What was mapped into the app stays until it ends; the VM goes with it then.
    object_unref(&vm->obj);
    return err;
}

ftl_err_t sys_vm_load(struct process *p, ftl_handle_t h, uaddr_t name, size_t name_len,
                      uint64_t gpa, uaddr_t out_size)
{
    struct vm *vm;
    ftl_err_t err = get_vm(p, h, &vm);
    if (err != FTL_OK) {
        return err;
    }
    if (name_len == 0 || name_len > VM_NAME_MAX) {
        return FTL_ERR_INVALID_ARG;
    }
    char leaf[VM_NAME_MAX + 1];
    err = app_copy_in(p, leaf, name, name_len);
    if (err != FTL_OK) {
        return err;
    }
    leaf[name_len] = '\0';
    if (strlen(leaf) != name_len || leaf[0] == '/' || leaf[0] == '.') {
        return FTL_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i + 1 < name_len; i++) {
        if (leaf[i] == '/' && leaf[i + 1] == '.') {
            return FTL_ERR_INVALID_ARG; // no "..": only files of the app's own folder
        }
    }
    if (!process_range(p, out_size, sizeof(size_t), ARCH_PROT_WRITE)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    char path[INITFS_NAME_MAX + VM_NAME_MAX + 8];
    snprintf(path, sizeof(path), "apps/%s/%s", p->name, leaf);
    struct initfs_file f;
    err = initfs_find(path, &f);
    if (err != FTL_OK) {
        return err;
    }
    if (gpa < FTL_VM_RAM_BASE || gpa - FTL_VM_RAM_BASE > vm->ram_bytes ||
        f.size > vm->ram_bytes - (gpa - FTL_VM_RAM_BASE)) {
        return FTL_ERR_TOO_LARGE;
    }
    for (size_t done = 0; done < f.size;) {
        size_t off = gpa - FTL_VM_RAM_BASE + done;
        size_t n = VM_CHUNK - off % VM_CHUNK;
        n = n < f.size - done ? n : f.size - done;
        memcpy(vm->chunk[off / VM_CHUNK] + off % VM_CHUNK, f.data + done, n);
        done += n;
        sched_preempt_point();
    }
    size_t size = f.size;
    return app_copy_out(p, out_size, &size, sizeof(size));
}

ftl_err_t sys_vm_boot(struct process *p, ftl_handle_t h, uint64_t pc, uint64_t x0)
{
    struct vm *vm;
    ftl_err_t err = get_vm(p, h, &vm);
    if (err != FTL_OK) {
        return err;
    }
    arch_vm_boot(vm->s2, pc, x0);
    vgic_reset(&vm->gic);
    vm->booted = true;
    vm->timer_level = false;
    vm->load_pending = false;
    return FTL_OK;
}

ftl_err_t sys_vm_irq(struct process *p, ftl_handle_t h, uint32_t spi, uint32_t level)
{
    struct vm *vm;
    ftl_err_t err = get_vm(p, h, &vm);
    if (err != FTL_OK) {
        return err;
    }
    if (spi >= FTL_VM_SPI_COUNT || level > 1) {
        return FTL_ERR_INVALID_ARG;
    }
    vgic_set_line(&vm->gic, FTL_VM_SPI_BASE + spi, level);
    return FTL_OK;
}

ftl_err_t sys_vm_stats(struct process *p, ftl_handle_t h, uaddr_t out)
{
    struct vm *vm;
    ftl_err_t err = get_vm(p, h, &vm);
    if (err != FTL_OK) {
        return err;
    }
    vm->stats.injected = vm->gic.acked;
    return app_copy_out(p, out, &vm->stats, sizeof(vm->stats));
}

ftl_err_t sys_vm_run(struct process *p, ftl_handle_t h, ftl_handle_t poll_h, uaddr_t exit_ua)
{
    struct vm *vm;
    ftl_err_t err = get_vm(p, h, &vm);
    if (err != FTL_OK) {
        return err;
    }
    struct poll *poll = NULL;
    if (poll_h != FTL_VM_NO_POLL) {
        struct handle_entry *e;
        err = handle_table_get(&p->handles, poll_h, OBJ_POLL, FTL_RIGHT_WAIT, &e);
        if (err != FTL_OK) {
            return err;
        }
        poll = (struct poll *)e->obj;
    }
    struct ftl_vm_exit *exit = process_range(p, exit_ua, sizeof(*exit), ARCH_PROT_WRITE);
    if (!exit) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (!vm->booted) {
        return FTL_ERR_INVALID_ARG; // never booted, or stopped: ftl_vm_boot first
    }
    struct ftl_vm_exit out = {0};
    if (vm->load_pending) {
        vm_complete_load(vm, exit->data);
    }
    object_ref(&vm->obj);
    uint64_t flags = arch_irq_save();
    vm_run_loop(vm, p, poll, &out);
    arch_irq_restore(flags);
    object_unref(&vm->obj);
    *exit = out; // the app's memory: it cannot go away while its own call runs
    return FTL_OK;
}

void vm_ps_info(const struct vm *vm, struct ftl_ps_entry *e)
{
    const struct ftl_vm_stats *st = &vm->stats;
    e->vm = vm->booted ? FTL_PS_VM_RUNNING : FTL_PS_VM_STOPPED;
    e->vm_exits = st->mmio + st->gicd + st->gicr + st->icc + st->sysreg + st->wfi + st->hvc +
                  st->irq;
    e->vm_run_ns = st->run_ns;
}
