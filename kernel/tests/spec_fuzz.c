// libFuzzer target for the spec parser and the system checks. The input is up to four
// spec files separated by NUL bytes (which no spec may contain): each is parsed, the
// results are checked for the parser's promises, and the good ones form a system.
#include "spec.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_SPECS_MAX 4

static struct spec specs[FUZZ_SPECS_MAX];

static void require(bool cond)
{
    if (!cond) {
        abort();
    }
}

static bool is_terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

static size_t count_lines(const char *text, size_t len)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) {
        lines += text[i] == '\n';
    }
    return lines;
}

static void check_spec(const struct spec *s)
{
    require(is_terminated(s->name, sizeof(s->name)) && s->name[0] >= 'a' && s->name[0] <= 'z');
    require(strlen(spec_isolation_name(s->isolation)) > 0);
    require(s->nenv <= SPEC_ENV_MAX && s->nexports <= SPEC_EXPORTS_MAX);
    for (size_t i = 0; i < s->nenv; i++) {
        const struct spec_env_item *item = &s->env[i];
        require(is_terminated(item->name, sizeof(item->name)) && item->name[0] != '\0');
        require(is_terminated(item->str, sizeof(item->str)));
        require(item->line >= 1);
        require(item->kind != SPEC_ENV_DEVICE || (item->number >= -1 && item->str[0] != '\0'));
    }
    for (size_t i = 0; i < s->nexports; i++) {
        require(is_terminated(s->exports[i].service, sizeof(s->exports[i].service)));
        require(s->exports[i].line >= 1);
    }
}

static void on_error(void *ctx, const struct spec_error *err)
{
    size_t *count = ctx;
    require(is_terminated(err->reason, sizeof(err->reason)) && err->reason[0] != '\0');
    require(is_terminated(err->file, sizeof(err->file)) && err->line >= 0);
    (*count)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t n = 0;
    size_t start = 0;
    while (start <= size && n < FUZZ_SPECS_MAX) {
        const char *nul = memchr(text + start, '\0', size - start);
        size_t len = nul ? (size_t)(nul - (text + start)) : size - start;
        struct spec_error err;
        ftl_err_t rc = spec_parse("apps/fuzz/spec.yaml", text + start, len, &specs[n], &err);
        if (rc == FTL_OK) {
            check_spec(&specs[n]);
            n++;
        } else {
            require(rc == FTL_ERR_PARSE);
            require(is_terminated(err.reason, sizeof(err.reason)) && err.reason[0] != '\0');
            require(err.line >= 0 && (size_t)err.line <= count_lines(text + start, len));
            require(strcmp(err.file, "apps/fuzz/spec.yaml") == 0);
        }
        if (!nul) {
            break;
        }
        start += len + 1;
    }
    bool ok[FUZZ_SPECS_MAX];
    size_t errors = 0;
    ftl_err_t rc = spec_check_system(specs, n, ok, on_error, &errors);
    require((rc == FTL_OK) == (errors == 0));
    for (size_t i = 0; i < n; i++) {
        require(rc != FTL_OK || ok[i]);
    }
    return 0;
}
