// test_crash: holds a channel to echo and then reads through a NULL pointer. The
// kernel must stop only this app; echo sees the channel close.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_channel_send_data(echo, "about to crash", 14));
    FTL_INFO("reading through a NULL pointer");
    volatile int *null = NULL;
    FTL_INFO("read %d", *null);
}
