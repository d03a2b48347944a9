// tee: stdin to stdout and to files (docs/pipes.md); the shell's `>` and `>>`.
#include <ftl.h>
#include <ftl/file.h>
#include <ftl/stdio.h>
#include <stdio.h>
#include <string.h>

#define FILES_MAX 4

static char buf[FTL_MSG_DATA_MAX];
static struct ftl_file files[FILES_MAX];

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_stdio_init(env));
    char *argv[8];
    size_t argc, nfiles = 0;
    FTL_CHECK(ftl_args(env, argv, 8, &argc));
    bool append = false, quiet = false;
    ftl_handle_t fs = 0;
    for (size_t i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "-q") == 0) {
            append |= argv[i][1] == 'a';
            quiet |= argv[i][1] == 'q';
            continue;
        }
        if (nfiles == FILES_MAX) {
            FTL_ERROR("tee: at most %d files", FILES_MAX);
            ftl_exit(2);
        }
        if (!fs) {
            FTL_CHECK(ftl_env_channel(env, "fs", &fs));
        }
        char uri[160];
        snprintf(uri, sizeof(uri), "%s?%s", argv[i], append ? "wca" : "wct");
        ftl_err_t err = ftl_file_open(fs, uri, &files[nfiles], NULL);
        if (err != FTL_OK) {
            FTL_ERROR("tee: %s: %s", argv[i], ftl_err_str(err));
            ftl_exit(1);
        }
        nfiles++;
    }
    size_t n;
    do {
        FTL_CHECK(ftl_stdin_read(buf, sizeof(buf), &n));
        for (size_t i = 0; i < nfiles; i++) {
            FTL_CHECK(ftl_file_write(&files[i], buf, n));
        }
        if (!quiet) {
            FTL_CHECK(ftl_stdout_write(buf, n));
        }
    } while (n > 0);
    for (size_t i = 0; i < nfiles; i++) {
        FTL_CHECK(ftl_file_sync(&files[i]));
        FTL_CHECK(ftl_file_close(&files[i]));
    }
    FTL_CHECK(ftl_stdio_close());
}
