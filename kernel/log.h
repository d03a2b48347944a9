// The kernel log: formatted lines on the console and a ring of recent output.
#pragma once

#include "klib.h"

#define LOG_RING_SIZE 16384

/// Turns ANSI colors on the console on or off (bootargs `color=1`).
void log_set_color(bool on);
/// Prints one log line `[name        ] LEVEL  msg` (a trailing newline is dropped).
void log_line(const char *name, int level, const char *msg, size_t len);
/// Copies up to `size` of the most recent log bytes into `buf`; returns the count.
size_t log_ring_read(char *buf, size_t size);
/// Copies up to `size` log bytes from position *pos (bytes ever logged; the oldest kept
/// byte if *pos is older, nothing and the current position if it is in the future)
/// and moves *pos past them. Returns how many.
size_t log_ring_read_since(uint64_t *pos, char *buf, size_t size);
/// Formats a code address as "function+0x1c" if the kernel knows its symbols,
/// else as a hex address. The result lives in a static buffer.
const char *ksym_format(uintptr_t pc);

#define LOG_BURST_LINES 1000 // lines an app may log at once ...
#define LOG_LINES_PER_S 500  // ... and per second after that (more are dropped, counted)
