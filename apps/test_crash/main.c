// test_crash: starts, says so, and crashes (a store to an unmapped address) 50 ms later.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    (void)env;
    FTL_INFO("test_crash: up, crashing in 50 ms");
    ftl_sleep_ns(50 * 1000000LL);
    *(volatile int *)8 = 1;
}
