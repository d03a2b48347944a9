// cat: copies file: URIs (args) or stdin to stdout (docs/pipes.md).
#include <ftl.h>
#include <ftl/file.h>
#include <ftl/stdio.h>
#include <string.h>

static char buf[FTL_MSG_DATA_MAX];

static void cat_stdin(void)
{
    size_t n;
    do {
        FTL_CHECK(ftl_stdin_read(buf, sizeof(buf), &n));
        FTL_CHECK(ftl_stdout_write(buf, n));
    } while (n > 0);
}

// Returns 0, or 1 if the file cannot be read (said on the log, as cat says on stderr).
static int cat_file(ftl_handle_t fs, const char *uri)
{
    struct ftl_file f;
    ftl_err_t err = ftl_file_open(fs, uri, &f, NULL);
    if (err != FTL_OK) {
        FTL_ERROR("%s: %s", uri, ftl_err_str(err));
        return 1;
    }
    size_t n;
    do {
        err = ftl_file_read(&f, buf, sizeof(buf), &n);
        if (err != FTL_OK) {
            FTL_ERROR("%s: %s", uri, ftl_err_str(err));
            break;
        }
        FTL_CHECK(ftl_stdout_write(buf, n));
    } while (n == sizeof(buf));
    (void)ftl_file_close(&f);
    return err == FTL_OK ? 0 : 1;
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    char *argv[16];
    size_t argc;
    FTL_CHECK(ftl_args(env, argv, 16, &argc));
    ftl_handle_t fs = 0;
    int failed = 0;
    for (size_t i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            cat_stdin();
            continue;
        }
        if (!fs) {
            FTL_CHECK(ftl_env_channel(env, "fs", &fs));
        }
        failed |= cat_file(fs, argv[i]);
    }
    if (argc == 1) {
        cat_stdin();
    }
    FTL_CHECK(ftl_stdio_close());
    ftl_exit(failed);
}
