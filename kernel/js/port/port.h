// Included before every QuickJS source file built for the kernel (-include). The
// engine gets picolibc's headers (-isystem), the kernel's string and printf
// functions (kernel/lib), picolibc's double-precision math, and the few functions
// below from kernel/js/port.c. Nothing here allocates: the engine's memory comes
// from the app's arena through JS_NewRuntime2 (kernel/js/arena.c).
#pragma once

#include <stddef.h>
#include <stdint.h>

// picolibc's struct tm has no tm_gmtoff; the kernel's clock is UTC, so the offset
// getTimezoneOffset reads (through this alias) is always 0.
#define tm_gmtoff tm_isdst

size_t malloc_usable_size(void *ptr);
