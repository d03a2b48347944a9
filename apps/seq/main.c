// seq: numbers from FIRST to LAST by STEP, one a line (docs/pipes.md).
#include <ftl.h>
#include <ftl/stdio.h>
#include <stdlib.h>

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    char *argv[5];
    size_t argc;
    FTL_CHECK(ftl_args(env, argv, 5, &argc));
    long long first = 1, step = 1, last;
    if (argc == 2) {
        last = atoll(argv[1]);
    } else if (argc == 3) {
        first = atoll(argv[1]);
        last = atoll(argv[2]);
    } else if (argc == 4) {
        first = atoll(argv[1]);
        step = atoll(argv[2]);
        last = atoll(argv[3]);
    } else {
        FTL_ERROR("usage: seq [FIRST [STEP]] LAST");
        ftl_exit(2);
    }
    if (step == 0) {
        FTL_ERROR("seq: STEP must not be 0");
        ftl_exit(2);
    }
    for (long long i = first; step > 0 ? i <= last : i >= last; i += step) {
        FTL_CHECK(ftl_stdout_printf("%lld\n", i));
    }
}
