// sort: the lines of stdin, sorted (docs/pipes.md). Everything is held in the heap.
#include <ftl.h>
#include <ftl/stdio.h>
#include <stdlib.h>
#include <string.h>

static char line[FTL_MSG_DATA_MAX];
static bool reverse, numeric;

static int compare(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int c;
    if (numeric) {
        long long u = atoll(x), v = atoll(y);
        c = u < v ? -1 : u > v;
        if (c == 0) {
            c = strcmp(x, y);
        }
    } else {
        c = strcmp(x, y);
    }
    return reverse ? -c : c;
}

static void *grow(void *p, size_t bytes)
{
    void *q = realloc(p, bytes);
    if (!q) {
        FTL_ERROR("sort: out of memory (limits.heap_kib)");
        ftl_exit(1);
    }
    return q;
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    char *argv[4];
    size_t argc;
    FTL_CHECK(ftl_args(env, argv, 4, &argc));
    for (size_t i = 1; i < argc; i++) {
        reverse |= strcmp(argv[i], "-r") == 0;
        numeric |= strcmp(argv[i], "-n") == 0;
    }
    char **lines = NULL;
    size_t count = 0, cap = 0, n;
    for (;;) {
        FTL_CHECK(ftl_stdin_line(line, sizeof(line), &n));
        if (n == 0) {
            break;
        }
        if (line[n - 1] != '\n') { // the last line without its newline
            line[n++] = '\n';
            line[n] = '\0';
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 256;
            lines = grow(lines, cap * sizeof(*lines));
        }
        lines[count] = grow(NULL, n + 1);
        memcpy(lines[count++], line, n + 1);
    }
    qsort(lines, count, sizeof(*lines), compare);
    for (size_t i = 0; i < count; i++) {
        FTL_CHECK(ftl_stdout_write(lines[i], strlen(lines[i])));
    }
    FTL_CHECK(ftl_stdio_close());
}
