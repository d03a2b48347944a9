// motd: logs the message of the day, file:/motd on the disk image (disk/motd in the
// tree), read through the fs server with the SDK's file client (<ftl/file.h>).
#include <ftl.h>
#include <ftl/file.h>
#include <string.h>

void app_main(const struct ftl_env *env)
{
    ftl_handle_t fs;
    FTL_CHECK(ftl_env_channel(env, "fs", &fs));
    struct ftl_file f;
    struct ftl_fs_stat st;
    ftl_err_t err = ftl_file_open(fs, "file:/motd", &f, &st);
    if (err != FTL_OK) {
        FTL_WARN("motd: cannot open file:/motd: %s", ftl_err_str(err));
        return;
    }
    static char text[1024];
    size_t got;
    FTL_CHECK(ftl_file_read(&f, text, sizeof(text) - 1, &got));
    FTL_CHECK(ftl_file_close(&f));
    text[got] = '\0';
    for (char *line = text, *end; *line; line = end) {
        end = strchr(line, '\n');
        end = end ? (*end = '\0', end + 1) : line + strlen(line);
        FTL_INFO("motd: %s", line);
    }
}
