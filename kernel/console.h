// The console's input: the UART's receive interrupt, delivered as DATA messages to the
// one app with `grants: { console: true }` (docs/shell.md), and that app's raw output.
#pragma once

#include "kernel.h"
#include "syscall.h"

struct board;
struct process;

/// Takes the UART's receive interrupt (a PL011 only; else input stays off).
void console_init(const struct board *b);

/// Gives `p` (its spec has the console grant) the console: a channel env item named
/// `console`. FTL_ERR_BUSY if a live app holds it already.
FTL_MUST_CHECK ftl_err_t console_attach(struct process *p);

/// ftl_console_write: `len` bytes of the console holder's to the UART, raw.
ftl_err_t sys_console_write(struct process *p, uaddr_t buf, size_t len);
/// ftl_console_mute: log lines stop going to the console (they still go to the log)
/// while `on` and the console's holder lives.
ftl_err_t sys_console_mute(struct process *p, uint32_t on);
/// True while the console's holder muted the log on it.
bool console_log_muted(void);

/// Called by log_line around a log line: before (`after` false) it erases the holder's
/// open line; after, it asks the holder to redraw it (an empty DATA message).
void console_log_hook(bool after);

/// Bytes typed while no app held the console (dropped), and bytes dropped because the
/// holder's queue was full.
uint64_t console_dropped(void);
