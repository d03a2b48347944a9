// The byte protocol between the `linux` VMM app and the agent (/init) inside the
// guest, carried over the guest's virtio console (/dev/hvc0 in raw mode). Shared by
// the app (built for FTL) and the agent (built for Linux with Debian's cross gcc), so
// it uses only fixed-size little-endian fields. docs/linux.md describes it.
//
// A frame is a 12-byte header and `len` bytes of payload (len <= AGENT_PAYLOAD_MAX):
//
//   host -> guest                          guest -> host
//   EXEC    id, command line (/bin/sh -c)  HELLO   id 0, "ftl-agent <version>"
//   STDIN   id, bytes                      STDOUT  id, bytes
//   STDIN_EOF id                           STDERR  id, bytes
//   SIGNAL  id, u32 signal number          EXIT    id, i32 status (exit code 0..255,
//   WINDOW  id, u32 more output bytes              or -N if signal N ended it)
//                                          WINDOW  id, u32 more stdin bytes
//
// Flow control is by credit, per command and per direction: each side may send a
// command AGENT_WINDOW_INITIAL bytes of STDIN (host) or STDOUT+STDERR (guest) payload,
// and more only as the other side grants it with WINDOW frames (after the bytes were
// consumed: written to the command's stdin pipe, or delivered to the FTL client). So
// neither side ever buffers more than a window per command, and a reader that stops
// reading stops the command (its pipe fills), never the VM or the other commands.
//
// EXIT comes after the last STDOUT/STDERR frame of its id; after it the id is free.
// The agent runs at most AGENT_COMMANDS_MAX commands at once: an EXEC beyond that (or
// one whose id is in use) gets STDERR "agent: ..." and EXIT 126 at once.
#pragma once

#include <stdint.h>

#define AGENT_VERSION "1"
#define AGENT_PAYLOAD_MAX 4096u
#define AGENT_WINDOW_INITIAL (64u << 10)
#define AGENT_COMMANDS_MAX 16u

enum agent_frame_type {
    AGENT_HELLO = 1,     // guest -> host, once, when the agent is ready
    AGENT_EXEC = 2,      // host -> guest
    AGENT_STDIN = 3,     // host -> guest
    AGENT_STDIN_EOF = 4, // host -> guest: close the command's stdin
    AGENT_SIGNAL = 5,    // host -> guest: kill(pid, sig) (SIGKILL when the client left)
    AGENT_WINDOW = 6,    // both ways: payload u32, credit for more bytes of this id
    AGENT_STDOUT = 7,    // guest -> host
    AGENT_STDERR = 8,    // guest -> host
    AGENT_EXIT = 9,      // guest -> host: payload i32
};

struct agent_hdr {
    uint32_t len;   // payload bytes that follow
    uint8_t type;   // enum agent_frame_type
    uint8_t pad[3]; // 0
    uint32_t id;    // command id, chosen by the host; 0 for HELLO
};

#define AGENT_HDR_SIZE 12u
_Static_assert(sizeof(struct agent_hdr) == AGENT_HDR_SIZE, "agent frame header");
