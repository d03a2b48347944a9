// The `linux` service's exec protocol (docs/linux.md): a client opens
// `exec:<command line>` and gets a channel for the command's stdin, stdout and exit
// status, plus a second channel for its stderr. The DATA message's cookie says what
// it carries.
#pragma once

#include <ftl/abi.h>

// DATA cookies on a command's channel (handles[0] of the OPEN_REPLY).
#define FTL_LINUX_STDIO                                                                            \
    0                      // client -> linux: bytes for stdin; linux -> client: stdout
                           // (and on the stderr channel, handles[1]: stderr)
#define FTL_LINUX_EOF 1    // client -> linux, no bytes: close the command's stdin
#define FTL_LINUX_SIGNAL 2 // client -> linux, u32 signal number: signal the command
#define FTL_LINUX_EXIT                                                                             \
    3 // linux -> client, i32: the exit status (0..255, or -N if
      // signal N ended it); the last message: both channels close

#define FTL_LINUX_COMMANDS_MAX 16 // commands at once (queued or running)
