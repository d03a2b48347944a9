// tail: the last lines of stdin (docs/pipes.md), kept in a ring of at most 1000 lines.
#include <ftl.h>
#include <ftl/stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINES_MAX 1000

static char line[FTL_MSG_DATA_MAX];
static char *ring[LINES_MAX];

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    char *argv[3];
    size_t argc;
    FTL_CHECK(ftl_args(env, argv, 3, &argc));
    long keep = 10;
    if (argc == 3 && strcmp(argv[1], "-n") == 0) {
        keep = atol(argv[2]);
    }
    if (keep < 0 || keep > LINES_MAX) {
        FTL_ERROR("tail: -n takes 0 to %d lines", LINES_MAX);
        ftl_exit(2);
    }
    size_t n, next = 0, held = 0;
    for (;;) {
        FTL_CHECK(ftl_stdin_line(line, sizeof(line), &n));
        if (n == 0 || keep == 0) {
            break;
        }
        free(ring[next]);
        ring[next] = malloc(n + 1);
        if (!ring[next]) {
            FTL_ERROR("tail: out of memory");
            ftl_exit(1);
        }
        memcpy(ring[next], line, n + 1);
        next = (next + 1) % (size_t)keep;
        held += held < (size_t)keep;
    }
    for (size_t i = 0; i < held; i++) {
        const char *l = ring[(next + (size_t)keep - held + i) % (size_t)keep];
        FTL_CHECK(ftl_stdout_write(l, strlen(l)));
    }
    FTL_CHECK(ftl_stdio_close());
}
