// yes: the same line forever (docs/pipes.md). Backpressure paces it: each write waits
// while the reader's queue is full, and the app ends when the reader is gone.
#include <ftl.h>
#include <ftl/stdio.h>
#include <string.h>

static char block[FTL_MSG_DATA_MAX];

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    const struct ftl_env_item *it = ftl_env_find(env, "args");
    const char *args = it && it->kind == FTL_ENV_STRING ? it->str : "y";
    // One line, repeated to fill a message: whole lines per write.
    size_t len = strlen(args);
    size_t n = 0;
    while (n + len + 1 <= sizeof(block)) {
        memcpy(block + n, args, len);
        block[n + len] = '\n';
        n += len + 1;
    }
    for (;;) {
        FTL_CHECK(ftl_stdout_write(block, n));
    }
}
