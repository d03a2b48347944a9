// libFuzzer target for the spec parser and the system checks. The input is up to four
// spec files separated by NUL bytes (which no spec may contain): each is parsed, the
// results are checked for the parser's promises, and the good ones form a system.
// Each file is also read as plain YAML events, as the schema stops at its first error.
#include "spec.h"
#include "yaml.h"

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

// Reads every YAML event of `text`, checking that they nest and that maps alternate
// scalar keys and values.
static void drain_yaml(const char *text, size_t len)
{
    static struct yaml_parser p;
    bool in_map[YAML_DEPTH_MAX + 1] = {false};
    bool want_key[YAML_DEPTH_MAX + 1] = {false};
    size_t depth = 0;
    size_t lines = count_lines(text, len);
    yaml_init(&p, text, len);
    for (;;) {
        struct yaml_event ev;
        if (yaml_next(&p, &ev) != FTL_OK) {
            require(p.err_line >= 1 && (size_t)p.err_line <= lines && p.reason[0] != '\0');
            require(yaml_next(&p, &ev) == FTL_ERR_PARSE);
            return;
        }
        require(ev.line >= 1 && (size_t)ev.line <= lines);
        if (ev.type == YAML_EVENT_END) {
            require(depth == 0);
            require(yaml_next(&p, &ev) == FTL_OK && ev.type == YAML_EVENT_END);
            return;
        }
        bool is_end = ev.type == YAML_EVENT_MAP_END || ev.type == YAML_EVENT_SEQ_END;
        if (is_end) {
            require(depth > 0 && in_map[depth] == (ev.type == YAML_EVENT_MAP_END));
            require(!in_map[depth] || want_key[depth]);
            depth--;
        } else if (depth > 0 && in_map[depth]) {
            require(!want_key[depth] || ev.type == YAML_EVENT_SCALAR);
        }
        if (depth > 0 && in_map[depth] && !is_end) {
            want_key[depth] = !want_key[depth];
        }
        if (ev.type == YAML_EVENT_SCALAR) {
            char buf[64];
            size_t n;
            ftl_err_t rc = yaml_scalar_copy(&ev, buf, sizeof(buf), &n);
            require(strlen(buf) == (n < sizeof(buf) ? n : sizeof(buf) - 1));
            require((rc == FTL_OK) == (n < sizeof(buf)));
        }
        if (ev.type == YAML_EVENT_MAP_START || ev.type == YAML_EVENT_SEQ_START) {
            require(depth < YAML_DEPTH_MAX);
            depth++;
            in_map[depth] = ev.type == YAML_EVENT_MAP_START;
            want_key[depth] = true;
        }
    }
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
        drain_yaml(text + start, len);
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
