// QuickJS on Linux for the Octane comparison of `make bench` (tools/bench_octane.py):
// the same engine source as the kernel's (build/quickjs, Debian's quickjs 2025-04-26),
// built static for aarch64 with the kernel's optimization flags, and a shell of the
// least it needs: console.log to stdout, the script named by argv[1] evaluated as a
// global script, then its promise jobs. Runs as /init of the baseline's initramfs
// (tools/linux-baseline), which it powers off at the end.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "quickjs.h"

static JSValue log_line(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    for (int i = 0; i < argc; i++) {
        const char *s = JS_ToCString(ctx, argv[i]);
        if (!s) {
            return JS_EXCEPTION;
        }
        fputs(i ? " " : "", stdout);
        fputs(s, stdout);
        JS_FreeCString(ctx, s);
    }
    fputc('\n', stdout);
    fflush(stdout);
    return JS_UNDEFINED;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(*len + 1);
    if (buf && fread(buf, 1, *len, f) != *len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[*len] = '\0';
    }
    return buf;
}

static int run(const char *path)
{
    size_t len;
    char *src = read_file(path, &len);
    if (!src) {
        printf("OCTANE error: cannot read %s\n", path);
        return 1;
    }
    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx = JS_NewContext(rt);
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue console = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, console, "log", JS_NewCFunction(ctx, log_line, "log", 1));
    JS_SetPropertyStr(ctx, global, "console", console);
    JS_FreeValue(ctx, global);
    int rc = 0;
    JSValue r = JS_Eval(ctx, src, len, path, JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(r)) {
        JSValue e = JS_GetException(ctx);
        const char *s = JS_ToCString(ctx, e);
        printf("OCTANE error: %s\n", s ? s : "(exception)");
        rc = 1;
    }
    JSContext *c;
    while (JS_ExecutePendingJob(rt, &c) > 0) {
    }
    free(src);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = run(argc > 1 ? argv[1] : "/octane.js");
    if (getpid() == 1) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return rc;
}
