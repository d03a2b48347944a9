// upper as a pipe stage (docs/pipes.md): stdin to stdout, uppercased. The same app
// serves the `upper` service when started from its spec (main.c).
#include <ftl.h>
#include <ftl/stdio.h>

static char buf[FTL_MSG_DATA_MAX];

void upper_stage(const struct ftl_env *env);

void upper_stage(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    size_t n;
    do {
        FTL_CHECK(ftl_stdin_read(buf, sizeof(buf), &n));
        for (size_t i = 0; i < n; i++) {
            if (buf[i] >= 'a' && buf[i] <= 'z') {
                buf[i] -= 'a' - 'A';
            }
        }
        FTL_CHECK(ftl_stdout_write(buf, n));
    } while (n > 0);
    FTL_CHECK(ftl_stdio_close());
}
