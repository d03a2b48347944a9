// test_late: sleeps a while (so another app has crashed by then), then checks that
// echo still answers and that a newly started app runs to its end.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo, poll;
    int64_t delay_ms;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_env_number(env, "delay_ms", &delay_ms));
    ftl_sleep_ns(delay_ms * 1000000);
    FTL_CHECK(ftl_channel_send_data(echo, "late", 4));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, echo, FTL_READABLE, NULL));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    static struct ftl_msg msg;
    FTL_CHECK(ftl_channel_recv(echo, &msg));
    FTL_INFO("still running: echo answered \"%.*s\"", (int)msg.len, (const char *)msg.data);

    ftl_handle_t child;
    FTL_CHECK(ftl_process_spawn("hello", &child));
    FTL_CHECK(ftl_poll_add(poll, child, FTL_READABLE, NULL));
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    FTL_INFO("an app started after that ran to its end");
}
