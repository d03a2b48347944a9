// js-bytecode: compiles kernel/js/prelude.js (the JS half of the `ftl` API) to
// QuickJS bytecode at build time and writes it as a C array, so that an app's start
// reads 7 KiB of bytecode instead of parsing 12 KiB of source (20 us instead of
// 580 us on the host). Bytecode of one QuickJS version is the same on every
// 64-bit little-endian machine; it is never taken from anywhere but this build.
// usage: js-bytecode prelude.js out.h
#include "quickjs.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: js-bytecode prelude.js out.h\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    static char src[1 << 20];
    size_t len = f ? fread(src, 1, sizeof(src) - 1, f) : 0;
    if (!f || len == 0 || len == sizeof(src) - 1) {
        fprintf(stderr, "js-bytecode: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    src[len] = '\0';
    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx = JS_NewContext(rt);
    JS_SetStripInfo(rt, JS_STRIP_DEBUG); // no source or line tables: half the memory
    JSValue fn = JS_Eval(ctx, src, len, "<ftl>", JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY);
    if (JS_IsException(fn)) {
        JSValue e = JS_GetException(ctx);
        const char *s = JS_ToCString(ctx, e);
        fprintf(stderr, "js-bytecode: %s: %s\n", argv[1], s ? s : "?");
        return 1;
    }
    size_t n;
    uint8_t *bc = JS_WriteObject(ctx, &n, fn, JS_WRITE_OBJ_BYTECODE);
    FILE *out = fopen(argv[2], "w");
    if (!bc || !out) {
        fprintf(stderr, "js-bytecode: cannot write %s\n", argv[2]);
        return 1;
    }
    fprintf(out, "// Generated from kernel/js/prelude.js by js-bytecode (kernel/js/js.mk).\n");
    fprintf(out, "static const unsigned char js_prelude_bc[%zu] = {", n);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s%u,", i % 20 ? "" : "\n   ", bc[i]);
    }
    fprintf(out, "\n};\n");
    fclose(out);
    js_free(ctx, bc);
    JS_FreeValue(ctx, fn);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    return 0;
}
