// The in-OS test suites of test_kernel.
#pragma once

#include <ftl/test.h>

void channel_tests(void);
void poll_tests(void);
void sched_tests(ftl_handle_t spinner);
