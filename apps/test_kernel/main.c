// test_kernel: the kernel's in-OS test suite.
#include "tests.h"

void app_main(const struct ftl_env *env)
{
    ftl_handle_t spinner;
    FTL_CHECK(ftl_env_channel(env, "spinner", &spinner));
    channel_tests();
    poll_tests();
    sched_tests(spinner);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
