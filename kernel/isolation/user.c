// isolation: user. The app's ELF runs at EL0 in an address space of its own (one
// page table and ASID, the app's regions at USER_BASE); its calls are `svc` stubs
// that enter the same syscall dispatch as every mode (kernel/arch/arm64/vectors.S's
// short path, then svc_handler).
#include "isolation.h"

static ftl_err_t user_create(const char *name, const void *elf, size_t len,
                             const struct process_limits *lim, struct process **out,
                             const char **why)
{
    return process_create_native(&isolation_user, name, elf, len, lim, out, why);
}

// Drops to EL0 at the entry point; the thread comes back only through exceptions.
static void user_thread(void *arg)
{
    struct process *p = arg;
    arch_user_enter(p->entry, p->stack_top, process_start_arg(p));
}

const struct isolation isolation_user = {
    .mode = PROCESS_USER,
    .name = "user",
    .binary = "app.elf",
    .native = true,
    .own_space = true,
    .kstack = PROCESS_KSTACK_SIZE,
    .create = user_create,
    .stubs = arch_user_stubs,
    .space_create = arch_aspace_create,
    .thread = user_thread,
};
