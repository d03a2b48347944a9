// The in-OS test harness: failure recording and result lines.
#include <ftl/test.h>

#include <stdarg.h>
#include <stdio.h>

struct test_state test_state;

void test_fail(const char *file, int line, const char *fmt, ...)
{
    if (test_state.failure_file) {
        return; // keep the first failure: later ones usually follow from it
    }
    test_state.failure_file = file;
    test_state.failure_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(test_state.failure, sizeof(test_state.failure), fmt, ap);
    va_end(ap);
}

void run_test(const char *name, void (*fn)(void))
{
    test_state.failure_file = NULL;
    fn();
    if (test_state.failure_file) {
        test_state.failed++;
        FTL_INFO("TEST FAIL %s: %s (%s:%d)", name, test_state.failure, test_state.failure_file,
                 test_state.failure_line);
    } else {
        test_state.passed++;
        FTL_INFO("TEST PASS %s", name);
    }
}
