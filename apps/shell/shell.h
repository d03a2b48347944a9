// What the shell's files share: console output and the poll its loop waits on.
#pragma once

#include <ftl.h>

extern ftl_handle_t poll_h;

/// Writes `len` bytes to the console (in chunks the console call takes).
void put(const char *s, size_t len);
/// printf to the console (at most 511 bytes).
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/// True if the image holds an app called `name` (from ftl_apps).
bool app_exists(const char *name);

// Pipelines (pipe.c, docs/pipes.md): `a | b | c`, `< file:/x`, `> file:/x`, mode:app.

/// Parses and starts the pipeline in `line` (changed in place). Says what is wrong if
/// it cannot. Returns true if a pipeline is now running (the prompt waits for it).
bool pipe_start(char *line);
/// True while a pipeline runs.
bool pipe_running(void);
/// Handles a poll event whose ctx belongs to the pipeline; false if it is not one.
/// Returns with *out_done set when the pipeline has just ended.
bool pipe_event(const struct ftl_event *ev, bool *out_done);
/// Ctrl-C: kills every stage of the running pipeline and forgets it.
void pipe_interrupt(void);
