// hello: logs a greeting and the string and number values from its environ.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    const char *greeting;
    int64_t answer;
    FTL_CHECK(ftl_env_string(env, "greeting", &greeting));
    FTL_CHECK(ftl_env_number(env, "answer", &answer));
    FTL_INFO("%s", greeting);
    FTL_INFO("the answer is %lld", (long long)answer);
}
