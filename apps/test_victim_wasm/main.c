// test_victim_wasm: spins for `spin_ms` (reading the clock, no other call), then
// blocks in a wait nothing ends. test_kill kills it in each phase.
#include <ftl_wasm.h>

int main(void)
{
    const struct ftl_env *env = ftl_env_load();
    if (!env) {
        FTL_ERROR("cannot load the environ");
        return 1;
    }
    int64_t ms;
    FTL_CHECK(ftl_env_number(env, "spin_ms", &ms));
    FTL_INFO("spinning");
    int64_t end = ftl_time_now() + ms * 1000000;
    while (ftl_time_now() < end) {
    }
    FTL_INFO("waiting");
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    struct ftl_event ev;
    (void)ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev); // an empty poll: never an event
    FTL_INFO("still here after the wait: not killed");
    return 0;
}
