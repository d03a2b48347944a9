// echo_client: sends a greeting and N numbered messages to echo, logs every reply,
// then closes its channel.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

// Waits for the next reply on `ch` and logs it.
static void receive_reply(ftl_handle_t poll, ftl_handle_t ch)
{
    static struct ftl_msg msg;
    for (;;) {
        ftl_err_t err = ftl_channel_recv(ch, &msg);
        if (err == FTL_OK) {
            FTL_INFO("received \"%.*s\"", (int)msg.len, (const char *)msg.data);
            return;
        }
        if (err != FTL_ERR_EMPTY) {
            FTL_CHECK(err);
        }
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    }
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo;
    const char *greeting;
    int64_t rounds;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_env_string(env, "greeting", &greeting));
    FTL_CHECK(ftl_env_number(env, "rounds", &rounds));

    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, echo, FTL_READABLE, NULL));

    FTL_CHECK(ftl_channel_send_data(echo, greeting, strlen(greeting)));
    receive_reply(poll, echo);
    for (int64_t i = 1; i <= rounds; i++) {
        char text[32];
        int n = snprintf(text, sizeof(text), "message %lld", (long long)i);
        FTL_CHECK(ftl_channel_send_data(echo, text, (size_t)n));
        receive_reply(poll, echo);
    }
    FTL_CHECK(ftl_handle_close(echo));
    FTL_INFO("done: %lld replies, channel closed", (long long)rounds + 1);
}
