// The list of isolation modes, by the spec's word and by process mode.
#include "isolation.h"
#include "../spec.h"

static const struct isolation *const by_mode[] = {
    [PROCESS_INKERNEL] = &isolation_inkernel,
    [PROCESS_USER] = &isolation_user,
    [PROCESS_WASM] = &isolation_wasm,
    [PROCESS_JS] = &isolation_js,
    [PROCESS_VMM] = &isolation_vmm,
};

static const struct isolation *const by_spec[] = {
    [SPEC_ISO_INKERNEL] = &isolation_inkernel,
    [SPEC_ISO_USER] = &isolation_user,
    [SPEC_ISO_WASM] = &isolation_wasm,
    [SPEC_ISO_JS] = &isolation_js,
    [SPEC_ISO_VMM] = &isolation_vmm,
};

const struct isolation *isolation_for_spec(int spec_isolation)
{
    if (spec_isolation < 0 || (size_t)spec_isolation >= sizeof(by_spec) / sizeof(by_spec[0])) {
        return NULL;
    }
    return by_spec[spec_isolation];
}

const struct isolation *process_isolation(const struct process *p)
{
    return by_mode[p->mode];
}
