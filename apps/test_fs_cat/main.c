// test_fs_cat: logs "cat: <line>" for each line of the file its env item `path` names.
#include <ftl.h>
#include <ftl/file.h>
#include <string.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t fs;
    const char *uri;
    FTL_CHECK(ftl_env_channel(env, "fs", &fs));
    FTL_CHECK(ftl_env_string(env, "path", &uri));
    struct ftl_file f;
    ftl_err_t err = ftl_file_open(fs, uri, &f, NULL);
    if (err != FTL_OK) {
        FTL_INFO("cat: %s: %s", uri, ftl_err_str(err));
        return;
    }
    static char text[4096];
    size_t got;
    FTL_CHECK(ftl_file_read(&f, text, sizeof(text) - 1, &got));
    FTL_CHECK(ftl_file_close(&f));
    text[got] = '\0';
    for (char *line = text, *end; *line; line = end) {
        end = strchr(line, '\n');
        end = end ? (*end = '\0', end + 1) : line + strlen(line);
        FTL_INFO("cat: %s", line);
    }
}
