// The in-OS test harness for test apps (linked into every app named test_*):
// CHECK_* macros record the first failure of the running test; run_test prints one
// `TEST PASS|FAIL <name>` line per test.
#pragma once

#include <ftl.h>

struct test_state {
    const char *failure_file;
    int failure_line;
    char failure[160];
    int passed;
    int failed;
};

extern struct test_state test_state;

void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void run_test(const char *name, void (*fn)(void));

// Each check records a failure and carries on; tests stay short and linear.
#define CHECK_ERR(expr, want)                                                          \
    do {                                                                               \
        ftl_err_t got_ = (expr);                                                       \
        if (got_ != (want)) {                                                          \
            test_fail(__FILE__, __LINE__, "%s: want %s got %s", #expr, ftl_err_str(want), \
                      ftl_err_str(got_));                                              \
        }                                                                              \
    } while (0)

#define CHECK_OK(expr) CHECK_ERR(expr, FTL_OK)

#define CHECK(cond)                                                   \
    do {                                                              \
        if (!(cond)) {                                                \
            test_fail(__FILE__, __LINE__, "%s is false", #cond);      \
        }                                                             \
    } while (0)
