// The desired state on disk: each applied spec is file:/etc/ftl/apps/NAME.yaml on the
// fs server, and an uploaded binary file:/etc/ftl/apps/NAME.elf. The controller applies
// them again at start, so applied apps survive a reboot. Without an fs server (no disk)
// nothing is kept, and the controller says so once.
#include "controller.h"

#include <ftl/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR "/etc/ftl/apps"

static ftl_handle_t fs; // 0: no storage
static bool loading;    // store_load applies what is on disk already: nothing to write

void store_init(void)
{
    if (ftl_service_connect("fs", 2, &fs) != FTL_OK) {
        fs = 0;
        FTL_WARN("no fs server: applied specs will not survive a reboot");
        return;
    }
}

// Makes DIR on the first save (a boot that applies nothing writes nothing to the disk).
static ftl_err_t make_dirs(void)
{
    static bool made;
    static const char *const dirs[] = {"/etc", "/etc/ftl", DIR};
    for (size_t i = 0; i < 3 && !made; i++) {
        ftl_err_t err = ftl_fs_mkdir(fs, dirs[i]);
        if (err != FTL_OK && err != FTL_ERR_ALREADY_EXISTS) {
            FTL_WARN("cannot make %s on the fs server (%s): applied specs will not survive a "
                     "reboot", dirs[i], ftl_err_str(err));
            return err;
        }
    }
    made = true;
    return FTL_OK;
}

static ftl_err_t write_file(const char *path, const void *data, size_t len)
{
    char uri[96];
    snprintf(uri, sizeof(uri), "file:%s?wct", path);
    struct ftl_file f;
    ftl_err_t err = ftl_file_open(fs, uri, &f, NULL);
    if (err != FTL_OK) {
        return err;
    }
    err = ftl_file_write(&f, data, len);
    if (err == FTL_OK) {
        err = ftl_file_sync(&f);
    }
    ftl_err_t cerr = ftl_file_close(&f);
    return err != FTL_OK ? err : cerr;
}

// Reads a whole file of at most `max` bytes into a new buffer.
static ftl_err_t read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
    char uri[96];
    snprintf(uri, sizeof(uri), "file:%s", path);
    struct ftl_file f;
    struct ftl_fs_stat st;
    ftl_err_t err = ftl_file_open(fs, uri, &f, &st);
    if (err != FTL_OK) {
        return err;
    }
    uint8_t *buf = st.size <= max ? malloc(st.size + 1) : NULL;
    size_t got = 0;
    err = buf ? ftl_file_read(&f, buf, st.size, &got) : FTL_ERR_TOO_LARGE;
    (void)ftl_file_close(&f);
    if (err != FTL_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    *out_len = got;
    return FTL_OK;
}

void store_save(const struct app *a)
{
    if (!fs || loading) {
        return;
    }
    char path[80];
    ftl_err_t err = a->spec ? make_dirs() : FTL_OK;
    if (err == FTL_OK && a->spec) {
        snprintf(path, sizeof(path), DIR "/%s.yaml", a->name);
        err = write_file(path, a->spec, a->spec_len);
    }
    if (err == FTL_OK && a->spec && a->bin) { // an image app's upgrade lasts until reboot
        snprintf(path, sizeof(path), DIR "/%s.elf", a->name);
        err = write_file(path, a->bin, a->bin_len);
    }
    if (err != FTL_OK) {
        FTL_WARN("%s: cannot keep it on the fs server: %s", a->name, ftl_err_str(err));
    }
}

void store_remove(const char *name)
{
    if (!fs) {
        return;
    }
    char path[80];
    snprintf(path, sizeof(path), DIR "/%s.yaml", name);
    (void)ftl_fs_unlink(fs, path);
    snprintf(path, sizeof(path), DIR "/%s.elf", name);
    (void)ftl_fs_unlink(fs, path);
    (void)ftl_fs_sync(fs);
}

// Applies DIR/<name> (a .yaml file) and its .elf, if any.
static void load_one(const char *file)
{
    char path[96], msg[160];
    uint8_t *spec = NULL, *bin = NULL;
    size_t spec_len = 0, bin_len = 0;
    snprintf(path, sizeof(path), DIR "/%s", file);
    if (read_file(path, FTL_SPEC_TEXT_MAX, &spec, &spec_len) != FTL_OK) {
        FTL_WARN("cannot read %s", path);
        return;
    }
    static struct ftl_spec_info info;
    if (ftl_app_check((const char *)spec, spec_len, &info) != FTL_OK) {
        info.reason[sizeof(info.reason) - 1] = '\0';
        FTL_WARN("%s:%d: %s", path, (int)info.line, info.reason);
        free(spec);
        return;
    }
    snprintf(path, sizeof(path), DIR "/%s.elf", info.name);
    if (read_file(path, FTL_APP_BINARY_MAX, &bin, &bin_len) != FTL_OK) {
        bin = NULL;
        bin_len = 0;
    }
    app_apply(&info, (const char *)spec, spec_len, bin, bin_len, msg, sizeof(msg));
    FTL_INFO("from file:%s/%s: %s", DIR, file, msg);
    free(spec);
}

void store_load(void)
{
    if (!fs) {
        return;
    }
    struct ftl_file d;
    if (ftl_file_open(fs, "file:" DIR "?d", &d, NULL) != FTL_OK) {
        return;
    }
    static uint8_t entries[FTL_FS_IO_MAX];
    static char names[APPS_MAX][FTL_ENV_NAME_MAX + 8];
    size_t n = 0;
    uint64_t pos = 0;
    for (;;) {
        size_t len = 0;
        if (ftl_file_readdir(&d, pos, entries, sizeof(entries), &len) != FTL_OK || len == 0) {
            break;
        }
        for (size_t off = 0; off + sizeof(struct ftl_fs_dirent) <= len;) {
            struct ftl_fs_dirent e;
            memcpy(&e, entries + off, sizeof(e));
            const char *name = (const char *)entries + off + sizeof(e);
            if (e.type == FTL_FS_DT_FILE && e.namelen > 5 && e.namelen < sizeof(names[0]) &&
                memcmp(name + e.namelen - 5, ".yaml", 5) == 0 && n < APPS_MAX) {
                memcpy(names[n], name, e.namelen);
                names[n++][e.namelen] = '\0';
            }
            pos = e.next;
            off += sizeof(e) + e.namelen;
        }
    }
    (void)ftl_file_close(&d);
    loading = true;
    for (size_t i = 0; i < n; i++) { // after the directory is closed: one file at a time
        load_one(names[i]);
    }
    loading = false;
}
