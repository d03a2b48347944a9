// The in-OS tests of the event loop, in two files.
#pragma once

#include <ftl/test.h>

#define MS 1000000ll

/// Closing inside callbacks, timers, watched handles and the loop's limits.
void lifecycle_tests(void);
