// The FTL app SDK. An app defines app_main(env) and talks to the world through
// channels, polls and timers; everything that can fail returns an ftl_err_t.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ftl/abi.h>
#include <ftl/calls.h>

/// The app's entry point, defined by every app. Returning ends the app (code 0).
void app_main(const struct ftl_env *env);

/// Names an error code ("FTL_ERR_FULL").
static inline const char *ftl_err_str(ftl_err_t err)
{
    return ftl_err_name(err);
}

// ---- handles and channels (docs/channels.md) ----

/// Closes a handle. A channel's peer then sees FTL_PEER_CLOSED.
/// FTL_ERR_BAD_HANDLE if `h` is not open.
FTL_MUST_CHECK ftl_err_t ftl_handle_close(ftl_handle_t h);

/// Creates a connected pair of channel ends, both owned by the caller.
/// FTL_ERR_TOO_MANY if the handle table cannot take two more, FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t ftl_channel_create(ftl_handle_t *out_a, ftl_handle_t *out_b);

/// Sends a message. Never blocks: FTL_ERR_FULL if the peer's queue is full (wait for
/// FTL_WRITABLE and retry), FTL_ERR_PEER_CLOSED, FTL_ERR_TOO_LARGE (len > FTL_MSG_DATA_MAX
/// or more than FTL_MSG_HANDLES_MAX handles), FTL_ERR_BAD_HANDLE / FTL_ERR_NO_RIGHTS for
/// `ch` or a handle to send. On success the handles are moved to the receiver; on any
/// error they stay with the caller.
FTL_MUST_CHECK ftl_err_t ftl_channel_send(ftl_handle_t ch, uint32_t type, uint64_t cookie,
                                          const void *data, size_t len,
                                          const ftl_handle_t *handles, size_t nhandles);

/// Sends a DATA message (see ftl_channel_send).
FTL_MUST_CHECK ftl_err_t ftl_channel_send_data(ftl_handle_t ch, const void *data, size_t len);

/// Receives the oldest message. FTL_ERR_EMPTY if none is queued (wait for
/// FTL_READABLE), FTL_ERR_PEER_CLOSED if none is queued and the peer is gone.
/// Handles in the message now belong to the caller.
FTL_MUST_CHECK ftl_err_t ftl_channel_recv(ftl_handle_t ch, struct ftl_msg *out_msg);

/// A request and its reply in one call: sends a message as ftl_channel_send does,
/// waits up to `timeout_ns` (FTL_NO_TIMEOUT: forever) for a message on `ch` and
/// receives it into `out_reply`. The reply is simply the next message on `ch`: use it
/// where requests and replies alternate. Needs READ and WRITE rights on `ch`.
/// Before anything is sent: ftl_channel_send's errors, FTL_ERR_BUSY (another thread
/// waits on `ch`), FTL_ERR_BAD_ADDRESS (`out_reply` not writable). After the send:
/// FTL_ERR_TIMED_OUT, FTL_ERR_PEER_CLOSED (no reply will come), and
/// ftl_channel_recv's errors (the reply then stays queued).
FTL_MUST_CHECK ftl_err_t ftl_channel_call(ftl_handle_t ch, uint32_t type, uint64_t cookie,
                                          const void *data, size_t len,
                                          const ftl_handle_t *handles, size_t nhandles,
                                          int64_t timeout_ns, struct ftl_msg *out_reply);

/// ftl_channel_call with a DATA message, no handles and no timeout.
FTL_MUST_CHECK ftl_err_t ftl_channel_call_data(ftl_handle_t ch, const void *data, size_t len,
                                               struct ftl_msg *out_reply);

// ---- poll: the event loop ----

/// Creates a poll object. FTL_ERR_NO_MEMORY, FTL_ERR_TOO_MANY.
FTL_MUST_CHECK ftl_err_t ftl_poll_create(ftl_handle_t *out_poll);
/// Watches `h` for `events` (FTL_READABLE / FTL_WRITABLE; FTL_PEER_CLOSED is always
/// reported). `ctx` comes back with each event. FTL_ERR_ALREADY_EXISTS if watched.
FTL_MUST_CHECK ftl_err_t ftl_poll_add(ftl_handle_t poll, ftl_handle_t h, uint32_t events,
                                      void *ctx);
/// Changes what `h` is watched for. FTL_ERR_NOT_FOUND if not watched.
FTL_MUST_CHECK ftl_err_t ftl_poll_modify(ftl_handle_t poll, ftl_handle_t h, uint32_t events,
                                         void *ctx);
/// Stops watching `h` (closing `h` does this too). FTL_ERR_NOT_FOUND if not watched.
FTL_MUST_CHECK ftl_err_t ftl_poll_remove(ftl_handle_t poll, ftl_handle_t h);
/// Waits up to `timeout_ns` (FTL_NO_TIMEOUT: forever) for one event.
/// FTL_ERR_TIMED_OUT if none came. Level-triggered: a condition is reported again
/// until it is handled (the message received, the watch modified).
FTL_MUST_CHECK ftl_err_t ftl_poll_wait(ftl_handle_t poll, int64_t timeout_ns,
                                       struct ftl_event *out_ev);
/// ftl_poll_wait that also receives: if the event is for a channel watched with
/// FTL_RECEIVE (which needs the READ right) and a message is queued, the oldest one is
/// received into `out_msg` and the event has FTL_RECEIVE set. Without FTL_RECEIVE in
/// the event, nothing was received (ftl_channel_recv then says why, if anything is
/// queued). One kernel call instead of two per message.
FTL_MUST_CHECK ftl_err_t ftl_poll_wait_msg(ftl_handle_t poll, int64_t timeout_ns,
                                           struct ftl_event *out_ev, struct ftl_msg *out_msg);

// ---- time ----

/// Nanoseconds since boot (monotonic, the generic timer).
int64_t ftl_time_now(void);
/// Creates a timer: readable once its deadline has passed.
FTL_MUST_CHECK ftl_err_t ftl_timer_create(ftl_handle_t *out_timer);
/// Arms `timer` for absolute time `deadline_ns` (INT64_MAX: disarm); clears "fired".
FTL_MUST_CHECK ftl_err_t ftl_timer_set(ftl_handle_t timer, int64_t deadline_ns);
/// Sleeps for `ns` nanoseconds.
void ftl_sleep_ns(int64_t ns);
/// Lets other threads run.
void ftl_yield(void);

// ---- the environ (the `env` items of the app's spec) ----

/// The environ item called `name`, or NULL if there is none. Unlike the calls below it
/// logs nothing: for items that may be absent (a pipe stage's `stdin`, docs/pipes.md).
const struct ftl_env_item *ftl_env_find(const struct ftl_env *env, const char *name);

/// The channel on which the startup process delivers CONNECTs for exported services.
ftl_handle_t ftl_env_system(const struct ftl_env *env);
/// The app's name from its spec.
const char *ftl_env_app_name(const struct ftl_env *env);
/// Looks up a string item. FTL_ERR_NOT_FOUND if absent, FTL_ERR_WRONG_TYPE if not a string.
FTL_MUST_CHECK ftl_err_t ftl_env_string(const struct ftl_env *env, const char *name,
                                        const char **out);
/// Looks up a number item. FTL_ERR_NOT_FOUND / FTL_ERR_WRONG_TYPE as above.
FTL_MUST_CHECK ftl_err_t ftl_env_number(const struct ftl_env *env, const char *name,
                                        int64_t *out);
/// Looks up a service channel item. FTL_ERR_NOT_FOUND / FTL_ERR_WRONG_TYPE as above.
FTL_MUST_CHECK ftl_err_t ftl_env_channel(const struct ftl_env *env, const char *name,
                                         ftl_handle_t *out);

// ---- devices (docs/writing-drivers.md) ----

// The transport of a virtio device item. "virtio,mmio": `mmio` is the register block;
// "virtio,pci": `mmio` is the BAR with the virtio 1.x structures, at the offsets in `pci`.
#define FTL_DEVICE_VIRTIO_MMIO 1
#define FTL_DEVICE_VIRTIO_PCI 2

// A device from an env item `{ device: { compatible: "...", virtio_id: N } }`.
struct ftl_device {
    volatile void *mmio;      // its registers, mapped for this app (device memory)
    size_t mmio_size;
    ftl_handle_t irq;         // READABLE once the interrupt fired; then ftl_irq_ack
    uint32_t transport;       // FTL_DEVICE_VIRTIO_*, 0 for anything else
    struct {                  // FTL_DEVICE_VIRTIO_PCI: byte offsets in mmio (spec 4.1.4)
        uint32_t common, isr, device, notify;
        uint32_t notify_mult; // notify_off_multiplier
    } pci;
};

/// Looks up a device item. FTL_ERR_NOT_FOUND / FTL_ERR_WRONG_TYPE as for other items.
FTL_MUST_CHECK ftl_err_t ftl_env_device(const struct ftl_env *env, const char *name,
                                        struct ftl_device *out);
/// Allocates physically contiguous, zeroed, page-aligned memory a device can reach:
/// `*out_va` for the app, `*out_bus` for the device. Freed when the app exits.
/// FTL_ERR_NO_MEMORY, FTL_ERR_INVALID_ARG for size 0 or over 4 MiB, FTL_ERR_DENIED
/// without `grants: { dma: true }` in the app's spec.
FTL_MUST_CHECK ftl_err_t ftl_dma_alloc(size_t size, void **out_va, uint64_t *out_bus);
/// Re-enables the interrupt after the app handled it (poll reported FTL_READABLE).
/// FTL_ERR_DENIED without `grants: { device: true }`.
FTL_MUST_CHECK ftl_err_t ftl_irq_ack(ftl_handle_t irq);

static inline uint8_t ftl_mmio_read8(volatile void *base, size_t off)
{
    return *(volatile uint8_t *)((volatile uint8_t *)base + off);
}
static inline uint16_t ftl_mmio_read16(volatile void *base, size_t off)
{
    return *(volatile uint16_t *)(void *)((volatile uint8_t *)base + off);
}
static inline uint32_t ftl_mmio_read32(volatile void *base, size_t off)
{
    return *(volatile uint32_t *)(void *)((volatile uint8_t *)base + off);
}
static inline uint64_t ftl_mmio_read64(volatile void *base, size_t off)
{
    return *(volatile uint64_t *)(void *)((volatile uint8_t *)base + off);
}
static inline void ftl_mmio_write8(volatile void *base, size_t off, uint8_t v)
{
    *(volatile uint8_t *)((volatile uint8_t *)base + off) = v;
}
static inline void ftl_mmio_write16(volatile void *base, size_t off, uint16_t v)
{
    *(volatile uint16_t *)(void *)((volatile uint8_t *)base + off) = v;
}
static inline void ftl_mmio_write32(volatile void *base, size_t off, uint32_t v)
{
    *(volatile uint32_t *)(void *)((volatile uint8_t *)base + off) = v;
}
static inline void ftl_mmio_write64(volatile void *base, size_t off, uint64_t v)
{
    *(volatile uint64_t *)(void *)((volatile uint8_t *)base + off) = v;
}
/// Orders memory accesses: DMA buffer writes before a device register write.
static inline void ftl_mmio_barrier(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}

// ---- processes ----

/// Starts a new instance of app `app` from the boot image, with the environ of its
/// spec (its services connect to the apps exporting them). `*out_process` becomes
/// readable when the new process has exited; closing it does not stop the process.
/// FTL_ERR_DENIED unless the app's spec lists `app` in `grants: { spawn: [...] }`
/// (checked before the name is looked up), FTL_ERR_NOT_FOUND if the image has no such
/// app (or its spec is bad), FTL_ERR_TOO_LARGE for a name of 32 bytes or more,
/// FTL_ERR_NO_MEMORY.
FTL_MUST_CHECK ftl_err_t ftl_process_spawn(const char *app, ftl_handle_t *out_process);
/// ftl_process_spawn with `opts` (docs/pipes.md): the app runs in `opts->isolation`
/// (FTL_SPAWN_SPEC_MODE: its spec's) and its environ gets `opts->items` after its spec's
/// items. CHANNEL items move: on success their handles leave this app's table, on any
/// failure they stay. Beyond ftl_process_spawn's errors: FTL_ERR_INVALID_ARG for an
/// item with a bad or repeated name, a name the app's spec uses, an unknown kind, an
/// unterminated string, a repeated handle, or a mode that is not one (or inkernel for
/// an app whose spec says otherwise); FTL_ERR_UNSUPPORTED if the image has no binary of
/// the app for that mode or this CPU cannot run it; FTL_ERR_TOO_LARGE for more than
/// FTL_SPAWN_ITEMS_MAX items; FTL_ERR_BAD_HANDLE, FTL_ERR_WRONG_TYPE or
/// FTL_ERR_NO_RIGHTS for a handle that is not a channel end with every right;
/// FTL_ERR_BAD_ADDRESS if `opts` is not the app's memory.
FTL_MUST_CHECK ftl_err_t ftl_process_spawn_ex(const char *app, const struct ftl_spawn_opts *opts,
                                              ftl_handle_t *out_process);
/// How a process this app spawned ended: `*out_code` is the code it passed to exit (0
/// when app_main returned, 1 after a failed FTL_CHECK), or -1 if it crashed or was
/// killed. FTL_ERR_EMPTY while it still runs; FTL_ERR_BAD_HANDLE / FTL_ERR_WRONG_TYPE if
/// `process` is not a process handle.
FTL_MUST_CHECK ftl_err_t ftl_process_status(ftl_handle_t process, int32_t *out_code);
/// Ends a process this app spawned (`process` is the handle ftl_process_spawn gave):
/// whatever it is doing, in any isolation mode, it ends at once with the log line
/// `killed: by <this app>` and everything it held is freed; the handle turns READABLE.
/// FTL_OK also when it has already exited.
FTL_MUST_CHECK ftl_err_t ftl_process_kill(ftl_handle_t process);

/// Reads kernel-wide figures: free pages, kernel heap in use, live processes, uptime.
/// FTL_ERR_DENIED without `grants: { stats: true }`.
FTL_MUST_CHECK ftl_err_t ftl_sys_stats(struct ftl_sys_stats *out);
/// Lists up to `max` live processes into `out`; `*out_n` is how many were written.
/// FTL_ERR_DENIED without `grants: { ps: true }`.
FTL_MUST_CHECK ftl_err_t ftl_ps(struct ftl_ps_entry *out, size_t max, size_t *out_n);
/// Copies up to `len` bytes of the most recent kernel log into `buf` (not NUL-terminated).
/// FTL_ERR_DENIED without `grants: { log_read: true }`.
FTL_MUST_CHECK ftl_err_t ftl_log_read(char *buf, size_t len, size_t *out_len);

/// Writes `len` (<= FTL_MSG_DATA_MAX) bytes to the serial console as they are: no log
/// prefix. FTL_ERR_DENIED without `grants: { console: true }` (docs/shell.md).
ftl_err_t ftl_console_write(const void *buf, size_t len);

/// Follows the log: copies up to `len` bytes logged from position *pos (a count of
/// bytes ever logged) and moves *pos past them; `*out_len` is how many (0: nothing new).
/// Start with *pos = FTL_LOG_NOW to follow from now; a position older than the kernel
/// keeps (16 KiB) continues at the oldest kept byte. FTL_ERR_DENIED without
/// `grants: { log_read: true }`.
#define FTL_LOG_NOW UINT64_MAX
FTL_MUST_CHECK ftl_err_t ftl_log_since(uint64_t *pos, char *buf, size_t len, size_t *out_len);
/// Stops (true) or restarts (false) the kernel writing log lines to the console, for an
/// app that shows them itself (the shell's `log -f`); the console shows the log again
/// when the app ends. FTL_ERR_DENIED without `grants: { console: true }`.
FTL_MUST_CHECK ftl_err_t ftl_console_mute(bool on);

/// Fills `out` with up to `max` of the apps the image holds, with their isolation modes
/// and whether they started at boot. FTL_ERR_DENIED without `grants: { ps: true }`.
FTL_MUST_CHECK ftl_err_t ftl_apps(struct ftl_app_entry *out, size_t max, size_t *out_n);

// ---- logging and exit ----

/// Logs one line at `level` (FTL_LOG_*), printf-style. Lines longer than 1000
/// bytes are cut.
void ftl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define FTL_DEBUG(...) ftl_log(FTL_LOG_DEBUG, __VA_ARGS__)
#define FTL_INFO(...) ftl_log(FTL_LOG_INFO, __VA_ARGS__)
#define FTL_WARN(...) ftl_log(FTL_LOG_WARN, __VA_ARGS__)
#define FTL_ERROR(...) ftl_log(FTL_LOG_ERROR, __VA_ARGS__)

/// Ends the app. Its handles close; its peers see FTL_PEER_CLOSED.
_Noreturn void ftl_exit(int code);

_Noreturn void ftl_check_failed(const char *expr, ftl_err_t err, const char *file, int line);

/// Stops the app loudly (expression, error name, file, line) if `expr` is not FTL_OK.
#define FTL_CHECK(expr)                                                 \
    do {                                                                \
        ftl_err_t ftl_check_err_ = (expr);                              \
        if (ftl_check_err_ != FTL_OK) {                                 \
            ftl_check_failed(#expr, ftl_check_err_, __FILE__, __LINE__); \
        }                                                               \
    } while (0)

// ---- the event loop: callbacks instead of a poll loop (ftl/loop.h) ----
#include <ftl/loop.h>
