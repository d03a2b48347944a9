// Pipe stages (docs/pipes.md): an app spawned as a stage of a pipeline finds the
// channels `stdin` and `stdout` and the string `args` in its environ. These calls make
// a filter a short loop: read chunks or lines from stdin until EOF (the writer closed
// its end), write bytes to stdout honouring backpressure (a full queue waits for
// FTL_WRITABLE; nothing is dropped, nothing is buffered past 4 KiB), and close stdout
// to say EOF. One stdin and one stdout per app; not for use from several threads.
#pragma once

#include <ftl.h>

/// Finds `stdin` and `stdout` in the environ. Without `stdin`, reads see EOF at once;
/// without `stdout` (the app was started as a service, not as a stage), written lines go
/// to the log. Registers a flush of stdout at exit (returning from app_main or exit()).
/// FTL_ERR_NO_MEMORY if the exit hook cannot be registered.
FTL_MUST_CHECK ftl_err_t ftl_stdio_init(const struct ftl_env *env);

/// Splits the environ's `args` string at spaces into `argv[1..]`, with the app's name
/// as `argv[0]`; `*out_argc` is how many (at most `max`; words past it are ignored).
/// The strings point into a static copy. Always FTL_OK: no `args` gives argc 1.
FTL_MUST_CHECK ftl_err_t ftl_args(const struct ftl_env *env, char **argv, size_t max,
                                  size_t *out_argc);

/// Reads up to `cap` bytes of stdin into `buf`, waiting for some if none are queued
/// (stdout is flushed first, so a stage never sits on bytes its reader waits for).
/// `*out_n` is 0 at EOF. FTL_ERR_* from the kernel calls otherwise.
FTL_MUST_CHECK ftl_err_t ftl_stdin_read(void *buf, size_t cap, size_t *out_n);

/// Reads one line of stdin into `buf` (NUL-terminated), its '\n' included if it had
/// one; a line longer than `cap - 1` bytes comes in pieces. `*out_n` is its length, 0
/// at EOF. `cap` must be at least 2 (FTL_ERR_INVALID_ARG).
FTL_MUST_CHECK ftl_err_t ftl_stdin_line(char *buf, size_t cap, size_t *out_n);

/// Writes `len` bytes to stdout. Bytes are gathered into DATA messages of up to 4096;
/// when the reader's queue is full the call waits until it has room. If the reader is
/// gone (FTL_ERR_PEER_CLOSED), the app ends with code 0, as SIGPIPE ends a Unix filter:
/// nobody wants its output. Other FTL_ERR_* from the kernel calls.
FTL_MUST_CHECK ftl_err_t ftl_stdout_write(const void *buf, size_t len);

/// ftl_stdout_write of a printf-formatted string (at most 1023 bytes).
FTL_MUST_CHECK ftl_err_t ftl_stdout_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/// Sends what ftl_stdout_write gathered so far (see ftl_stdout_write for errors).
FTL_MUST_CHECK ftl_err_t ftl_stdout_flush(void);

/// Flushes and closes stdout (the reader sees EOF) and closes stdin (the writer sees
/// its reader gone). Later writes fail with FTL_ERR_BAD_HANDLE; reads see EOF.
FTL_MUST_CHECK ftl_err_t ftl_stdio_close(void);
