// upper_client: sends one line to upper and logs what comes back.
#include <ftl.h>
#include <string.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t upper;
    const char *text;
    FTL_CHECK(ftl_env_channel(env, "upper", &upper));
    FTL_CHECK(ftl_env_string(env, "text", &text));

    FTL_CHECK(ftl_channel_send_data(upper, text, strlen(text)));

    // Wait until the reply is there, then read it.
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, upper, FTL_READABLE, NULL));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));

    static struct ftl_msg reply;
    FTL_CHECK(ftl_channel_recv(upper, &reply));
    FTL_INFO("upper replied \"%.*s\"", (int)reply.len, (const char *)reply.data);
}
