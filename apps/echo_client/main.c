// echo_client: sends a greeting and N numbered messages to echo, logs every reply,
// then closes its channel.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

static int64_t rounds;
static int64_t replies;

// Logs a reply, then sends the next message or, after the last, closes the channel.
static void on_reply(const struct ftl_loop_event *ev)
{
    FTL_INFO("received \"%.*s\"", (int)ev->msg->len, (const char *)ev->msg->data);
    if (++replies > rounds) {
        FTL_CHECK(ftl_loop_close(ev->loop, ev->ch)); // nothing left: ftl_loop_run returns
        FTL_INFO("done: %lld replies, channel closed", (long long)replies);
        return;
    }
    char text[32];
    int n = snprintf(text, sizeof(text), "message %lld", (long long)replies);
    FTL_CHECK(ftl_channel_send_data(ev->ch, text, (size_t)n));
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo;
    const char *greeting;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_env_string(env, "greeting", &greeting));
    FTL_CHECK(ftl_env_number(env, "rounds", &rounds));

    static const struct ftl_loop_ops ops = {.on_data = on_reply};
    static struct ftl_loop loop;
    FTL_CHECK(ftl_loop_init(&loop, &ops));
    FTL_CHECK(ftl_loop_watch_channel(&loop, echo, NULL));
    FTL_CHECK(ftl_channel_send_data(echo, greeting, strlen(greeting)));
    FTL_CHECK(ftl_loop_run(&loop));
    if (replies <= rounds) { // the loop closed the channel: echo went away
        FTL_WARN("echo closed the channel after %lld replies", (long long)replies);
    }
}
