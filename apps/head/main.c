// head: the first lines (or bytes) of stdin (docs/pipes.md). It closes stdin as soon as
// it has them: the stage before it then ends, however much it still had to write.
#include <ftl.h>
#include <ftl/stdio.h>
#include <stdlib.h>
#include <string.h>

static char line[FTL_MSG_DATA_MAX];

// "64M", "4k", "100": a count with an optional binary suffix.
static long long count(const char *s)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    switch (*end) {
    case 'k':
    case 'K':
        return n << 10;
    case 'm':
    case 'M':
        return n << 20;
    case 'g':
    case 'G':
        return n << 30;
    default:
        return n;
    }
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    char *argv[4];
    size_t argc;
    FTL_CHECK(ftl_args(env, argv, 4, &argc));
    long long lines = 10, bytes = -1;
    for (size_t i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-n") == 0) {
            lines = count(argv[i + 1]);
        } else if (strcmp(argv[i], "-c") == 0) {
            bytes = count(argv[i + 1]);
        }
    }
    size_t n = 1;
    if (bytes >= 0) {
        while (bytes > 0 && n > 0) {
            size_t want = bytes < (long long)sizeof(line) ? (size_t)bytes : sizeof(line);
            FTL_CHECK(ftl_stdin_read(line, want, &n));
            FTL_CHECK(ftl_stdout_write(line, n));
            bytes -= (long long)n;
        }
    }
    while (bytes < 0 && lines > 0 && n > 0) {
        FTL_CHECK(ftl_stdin_line(line, sizeof(line), &n));
        FTL_CHECK(ftl_stdout_write(line, n));
        lines -= n > 0 && line[n - 1] == '\n';
    }
    FTL_CHECK(ftl_stdio_close());
}
