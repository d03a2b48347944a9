// The test262 host of a JS app (ftl.test262): runs one test262 test in a fresh QuickJS
// runtime of its own, the way QuickJS's run-test262 runs it on the host (make test262),
// so that the suite can run inside `isolation: js` and be compared test by test with
// the host's results (tests/test_js262.py, docs/js.md).
#pragma once

#include "quickjs.h"

// Flag bits of ftl.test262's third argument (tools/test262_os.py sets them).
#define JS_T262_STRICT 1        // evaluated with "use strict" semantics (onlyStrict)
#define JS_T262_ASYNC 2         // flags: [async]: $DONE must print AsyncTestComplete once
#define JS_T262_MODULE 4        // flags: [module]: evaluated as a module
#define JS_T262_NEGATIVE 8      // negative: the test passes if it throws (that type)
#define JS_T262_CANNOT_BLOCK 16 // flags: [CanBlockIsFalse]

struct js_t262_limits {
    size_t stack_size;                             // C stack the test's runtime may use
    int (*interrupt)(JSRuntime *rt, void *opaque); // the app's interrupt hook, or NULL
    void *interrupt_opaque;
};

/// ftl.test262(file, source, flags, errorType, includes, modules): `includes` is an
/// array of [name, source] evaluated first as global scripts (assert.js, sta.js, ...),
/// `modules` an object {name: source} the module loader reads. Returns null if the
/// test passed, else a string saying why it failed. The test's runtime allocates from
/// the caller's (the app's arena) and is freed before it returns.
JSValue js_test262_run(JSContext *ctx, int argc, JSValueConst *argv,
                       const struct js_t262_limits *lim);
