// The guest agent (/init of FTL's Linux guest): shared state of its files.
//   agent.c    boot (mounts, modules, /dev/hvc0), the poll loop, host frames in
//   command.c  one command: spawn, stdin buffer, output under credit, reap, EXIT
//   io.c       byte rings, the queue of frames to the host, diagnostics
//   badring.c  a hostile program for FTL's tests (bad virtio descriptors)
// Built for Linux with Debian's aarch64 cross gcc (tools/linux.mk); never part of FTL.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../agent_proto.h"

// A byte ring of fixed capacity (a power of two).
struct ring {
    uint8_t *buf;
    size_t cap;
    size_t head; // next byte to take
    size_t len;  // bytes held
};

/// Bytes that can still be put into r.
size_t ring_space(const struct ring *r);
/// Appends len bytes (the caller checked ring_space).
void ring_put(struct ring *r, const void *data, size_t len);
/// The first contiguous run of held bytes: its start, and its length in *out_len.
const uint8_t *ring_peek(const struct ring *r, size_t *out_len);
/// Drops n held bytes from the front.
void ring_consume(struct ring *r, size_t n);

// The frames the agent sends wait in one bounded queue (its ring) until /dev/hvc0
// takes them. Nothing enqueues without checking tx_space first.
#define TX_CAP (64u << 10)
// Free queue space below which the agent stops taking host frames: enough for the
// largest answer to one host frame (an EXEC refusal: STDERR and EXIT).
#define TX_RESERVE 512u

/// Free bytes in the queue to the host.
size_t tx_space(void);
/// Queues one frame (header + len payload bytes); false when it does not fit.
bool tx_frame(uint8_t type, uint32_t id, const void *payload, size_t len);
/// Queues a frame whose payload is one little-endian u32 (WINDOW) or i32 (EXIT).
bool tx_u32(uint8_t type, uint32_t id, uint32_t value);
/// Reserves a frame of up to max_len payload bytes and returns where its payload
/// goes, or NULL; tx_commit(n) finishes it with n bytes (0 drops it).
uint8_t *tx_begin(uint8_t type, uint32_t id, size_t max_len);
void tx_commit(size_t len);
/// Writes queued frames to fd (non-blocking) until it would block; false on a
/// write error other than EAGAIN.
bool tx_flush(int fd);
/// True when frames wait to be written.
bool tx_pending(void);

/// A diagnostic line to /dev/kmsg (the kernel log, on ttyAMA0 at level <= 3), never
/// to /dev/hvc0. level is a syslog level: 3 error, 4 warning, 6 info, 7 debug.
void agent_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/// `/init virtio-bad-descriptors` (badring.c): gives the virtio console a descriptor
/// outside guest RAM through /dev/mem, once its driver was unbound; 0 if the device
/// answered DEVICE_NEEDS_RESET.
int bad_descriptors_main(void);

// One command, from EXEC until its EXIT is queued.
struct command {
    bool used;
    uint32_t id;
    pid_t pid;           // also its process group
    bool reaped;         // waitpid saw it end
    int status;          // the EXIT payload once reaped
    int stdin_fd;        // -1 once closed
    int out_fd[2];       // stdout, stderr pipes; -1 at EOF
    struct ring in;      // STDIN bytes not yet written to the pipe
    uint32_t in_credit;  // STDIN bytes the host may still send
    uint32_t in_grant;   // bytes written to the pipe, not yet granted back
    bool in_eof;         // STDIN_EOF came: close the pipe once `in` is empty
    bool in_broken;      // the pipe's reader left: STDIN is dropped and granted
    uint64_t out_credit; // STDOUT+STDERR bytes the agent may still send
};

extern struct command commands[AGENT_COMMANDS_MAX];

/// The command with this id, or NULL.
struct command *command_find(uint32_t id);
/// EXEC: starts `/bin/sh -c line` as command id, or refuses it (STDERR + EXIT 126
/// or 127) when the id is in use, every slot is taken, the line holds a NUL byte or
/// the spawn fails. The caller checked tx_space() >= TX_RESERVE.
void command_exec(uint32_t id, const uint8_t *line, size_t len);
/// STDIN: buffers the bytes for the command's pipe (bounded by its credit).
void command_stdin(struct command *c, const uint8_t *data, size_t len);
/// STDIN_EOF: closes the pipe once the buffered bytes are written.
void command_stdin_eof(struct command *c);
/// SIGNAL: sends sig to the command's process group.
void command_signal(struct command *c, uint32_t sig);
/// WINDOW from the host: more output credit.
void command_window(struct command *c, uint32_t bytes);
/// Reaps every ended child (commands and orphans alike).
void command_reap_all(void);

// The poll loop asks each command which fds it wants and hands back their events.
#define COMMAND_FDS 3
/// Fills fds/events (at most COMMAND_FDS) for c; returns how many.
int command_poll_fds(const struct command *c, int *fds, short *events);
/// Acts on the events of the fds command_poll_fds gave, then queues WINDOW and
/// EXIT frames as the queue allows.
void command_poll_events(struct command *c, const int *fds, const short *revents, int n);
/// Queues pending WINDOW and EXIT frames of every command while the queue allows.
void command_flush_all(void);
