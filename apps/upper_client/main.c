// upper_client: sends one line to upper and logs what comes back.
#include <ftl.h>
#include <string.h>

static void log_reply(const struct ftl_loop_event *ev)
{
    FTL_INFO("upper replied \"%.*s\"", (int)ev->msg->len, (const char *)ev->msg->data);
    // Nothing left to watch: ftl_loop_run returns, and so does app_main.
    FTL_CHECK(ftl_loop_close(ev->loop, ev->ch));
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t upper;
    const char *text;
    FTL_CHECK(ftl_env_channel(env, "upper", &upper));
    FTL_CHECK(ftl_env_string(env, "text", &text));

    static const struct ftl_loop_ops ops = {.on_data = log_reply};
    static struct ftl_loop loop;
    FTL_CHECK(ftl_loop_init(&loop, &ops));
    FTL_CHECK(ftl_loop_watch_channel(&loop, upper, NULL));
    FTL_CHECK(ftl_channel_send_data(upper, text, strlen(text)));
    FTL_CHECK(ftl_loop_run(&loop));
}
