// Helpers only the host build has: they let unit tests drive the fake clock and
// see what the core asked of the hardware timer.
#pragma once

#include <stdint.h>

/// Sets the value arch_time_ns() returns from now on.
void host_time_set_ns(int64_t ns);

/// The deadline most recently passed to arch_timer_set_deadline() (INT64_MAX: off).
int64_t host_timer_deadline(void);

/// Makes panic() call `hook(message)` first (NULL: just abort). Unit tests pass a
/// hook that fails the running cmocka test, or longjmps out of expect_assert_failure.
void host_set_panic_hook(void (*hook)(const char *msg));

/// Sets what page_free_count() reports (the kernel's reserve checks read it).
void host_set_free_pages(size_t n);
