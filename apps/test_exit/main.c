// test_exit: does nothing; its whole life is the start-up and the exit.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    (void)env;
}
