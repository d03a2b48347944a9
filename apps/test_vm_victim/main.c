// test_vm_victim: a VM whose guest spins forever, for test_kill to kill.
#include "../test_vm/guest.h"
#include <ftl.h>
#include <string.h>

void app_main(const struct ftl_env *env)
{
    (void)env;
    ftl_handle_t vm;
    uint8_t *ram;
    FTL_CHECK(ftl_vm_create(4u << 20, &vm, (void **)&ram));
    memcpy(ram, guest_spin, (size_t)(guest_spin_end - guest_spin));
    FTL_CHECK(ftl_vm_boot(vm, FTL_VM_RAM_BASE, 0));
    FTL_INFO("guest spinning");
    struct ftl_vm_exit e;
    ftl_err_t err = ftl_vm_run(vm, FTL_VM_NO_POLL, &e);
    FTL_ERROR("not killed: ftl_vm_run returned %s, exit %u", ftl_err_str(err), e.kind);
}
