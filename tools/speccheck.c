// speccheck: checks app spec files at build time, with the kernel's own parser.
//   speccheck apps/*/spec.yaml
// Parses each file, checks that its `name` is its folder's (apps/<name>/spec.yaml),
// then, if every file parsed, checks them together as one system. Errors go to stderr
// as `file:line: error: reason`; the exit status is 1 if there was any, else 0.
#define _XOPEN_SOURCE 700  // realpath

#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_TEXT_MAX (1 << 20)  // bytes; a spec file is a few hundred

static void print_error(const struct spec_error *err)
{
    if (err->line > 0) {
        fprintf(stderr, "%s:%d: error: %s\n", err->file, err->line, err->reason);
    } else {
        fprintf(stderr, "%s: error: %s\n", err->file, err->reason);
    }
}

// What the system check reported, to add a note only about apps it did not name.
struct reported {
    const struct spec *specs;
    size_t n;
    bool *named;
};

static void on_system_error(void *ctx, const struct spec_error *err)
{
    struct reported *r = ctx;
    print_error(err);
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->specs[i].file, err->file) == 0) {
            r->named[i] = true;
        }
    }
}

// Reads all of `path` into a new buffer; returns NULL (and says why) on failure.
static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: error: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(SPEC_TEXT_MAX + 1);
    if (!buf) {
        fprintf(stderr, "%s: error: out of memory\n", path);
        goto out_close;
    }
    size_t len = fread(buf, 1, SPEC_TEXT_MAX + 1, f);
    if (ferror(f)) {
        fprintf(stderr, "%s: error: cannot read: %s\n", path, strerror(errno));
        goto out_free;
    }
    if (len > SPEC_TEXT_MAX) {
        fprintf(stderr, "%s: error: larger than %d bytes\n", path, SPEC_TEXT_MAX);
        goto out_free;
    }
    fclose(f);
    *out_len = len;
    return buf;

out_free:
    free(buf);
out_close:
    fclose(f);
    return NULL;
}

// Writes into `buf` the name of the folder holding `path` (the foo of apps/foo/x.yaml).
static bool folder_name(const char *path, char *buf, size_t size)
{
    char abs[PATH_MAX];
    if (!realpath(path, abs)) {
        return false;
    }
    char *slash = strrchr(abs, '/');
    if (!slash || slash == abs) {
        return false;
    }
    *slash = '\0';
    const char *dir = strrchr(abs, '/') + 1;
    snprintf(buf, size, "%s", dir);
    return true;
}

// Parses `path` into `out`; returns false after printing the error.
static bool check_file(const char *path, struct spec *out)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        return false;
    }
    struct spec_error err;
    ftl_err_t rc = spec_parse(path, text, len, out, &err);
    free(text);
    if (rc != FTL_OK) {
        print_error(&err);
        return false;
    }
    char folder[PATH_MAX];
    if (folder_name(path, folder, sizeof(folder)) && strcmp(folder, out->name) != 0) {
        fprintf(stderr, "%s: error: app name '%s' differs from its folder '%s'; "
                        "an app lives in apps/<name>/\n", path, out->name, folder);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s apps/*/spec.yaml\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)argc - 1;
    struct spec *specs = calloc(n, sizeof(*specs));
    bool *ok = calloc(n, sizeof(*ok));
    bool *named = calloc(n, sizeof(*named));
    if (!specs || !ok || !named) {
        fprintf(stderr, "speccheck: out of memory\n");
        return 1;
    }
    bool all_parsed = true;
    for (size_t i = 0; i < n; i++) {
        all_parsed &= check_file(argv[i + 1], &specs[i]);
    }
    // With a file missing, its exports would look missing too: fix the files first.
    int status = all_parsed ? 0 : 1;
    struct reported r = {.specs = specs, .n = n, .named = named};
    if (all_parsed && spec_check_system(specs, n, ok, on_system_error, &r) != FTL_OK) {
        for (size_t i = 0; i < n; i++) {
            if (!ok[i] && !named[i]) {
                fprintf(stderr, "%s: note: app '%s' cannot start: an app it needs cannot\n",
                        specs[i].file, specs[i].name);
            }
        }
        status = 1;
    }
    free(named);
    free(ok);
    free(specs);
    return status;
}
