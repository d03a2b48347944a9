// What a debugger needs to find apps in memory: a table of loaded apps and their
// load addresses, and a hook function gdb breaks on (tools/gdb_ftl.py reads both).
#pragma once

#include "kernel.h"

#define DEBUGGER_APPS_MAX 64

// One app as gdb sees it; the latest load of each name wins.
struct debugger_app {
    char name[32];
    uint64_t base;  // address of the app's ELF offset 0
    uint32_t user;  // 1: user mode (base is in the app's own address space)
    uint32_t loads; // how many times an app of this name was loaded
};

/// Turns a log line per loaded app ("hello: loaded at 0x...") on or off (bootargs
/// `debug=1`, which `make debug` passes).
void debugger_set_log(bool on);

/// Records that app `name` was loaded at `base` (in the kernel's address space, or in
/// its own when `user`), then calls the hook gdb breaks on. Never fails: past
/// DEBUGGER_APPS_MAX names, apps are not recorded.
void debugger_app_loaded(const char *name, bool user, uint64_t base);
