// test_idle: waits `idle_ms` milliseconds, then exits. Spawned in bulk by the spawn
// attack of test_hostile, so its children end on their own after it.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    int64_t ms;
    FTL_CHECK(ftl_env_number(env, "idle_ms", &ms));
    ftl_sleep_ns(ms * 1000000);
}
