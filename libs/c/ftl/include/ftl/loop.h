// The event loop: an app fills in a few callbacks (a client connected, data arrived,
// a peer closed, a channel is writable again, a timer fired) and the loop owns the
// poll, the receive and the dispatch. The raw calls of ftl.h stay available, also
// from inside callbacks. See docs/writing-apps.md.
//
// Memory: a loop is one fixed-size struct (about 8 KiB, the receive buffer
// included); it never allocates. It watches at most FTL_LOOP_WATCHES_MAX handles and
// runs at most FTL_LOOP_TIMERS_MAX timers at once. It never copies or queues outgoing
// data: a send that meets a full queue returns FTL_ERR_FULL and on_writable says when
// to try again. Timers need no kernel object: the loop waits with a timeout.
// Channels are watched with FTL_RECEIVE and the loop waits with ftl_poll_wait_msg: a
// message comes with its event, one kernel call per message (and a sender's message
// may be handed straight into the loop's buffer: docs/channels.md).
#pragma once

#include <ftl.h>

#define FTL_LOOP_WATCHES_MAX 128 // handles one loop watches (a process has 256)
#define FTL_LOOP_TIMERS_MAX 16   // timers running at once in one loop

struct ftl_loop;

// What a callback gets. Valid only during the callback.
struct ftl_loop_event {
    struct ftl_loop *loop;
    ftl_handle_t ch;       // the channel (for ftl_loop_watch: the handle) it is about;
                           // on_connect: the new client's channel; 0 for timers, on_start
    void *ctx;             // the context of `ch` (ftl_loop_watch_channel, ftl_loop_set_ctx)
                           // or of the timer
    struct ftl_msg *msg;   // on_connect, on_data, on_message: the message (the loop's
                           // buffer: the app may change it in place); NULL otherwise
    uint32_t events;       // ftl_loop_watch callbacks: FTL_READABLE | FTL_PEER_CLOSED
    uint32_t timer;        // timer callbacks: the timer's id
    ftl_err_t err;         // on_peer_closed: FTL_ERR_PEER_CLOSED, or the error that made
                           // the loop give up on the channel (e.g. FTL_ERR_TOO_MANY)
};

typedef void (*ftl_loop_fn)(const struct ftl_loop_event *ev);

// The app's callbacks; any may be NULL. Each channel watched by the loop is received
// from one message per event: CONNECT -> on_connect, DATA -> on_data, every other type
// (OPEN, OPEN_REPLY, ERROR_REPLY, ...) and DATA without on_data -> on_message. With no
// callback for a message, the loop logs a warning and closes the handles it carried.
struct ftl_loop_ops {
    ftl_loop_fn on_start;       // once, when ftl_loop_run first starts
    ftl_loop_fn on_connect;     // a CONNECT came; its channel is watched already (ctx NULL)
    ftl_loop_fn on_data;        // a DATA message; handles in it now belong to the app
    ftl_loop_fn on_message;     // other messages; handles in them belong to the app
    ftl_loop_fn on_peer_closed; // the channel goes away; the loop closes it on return
    ftl_loop_fn on_writable;    // the peer has room again after FTL_ERR_FULL (once)
};

// One watched handle. Private to loop.c.
struct ftl_loop_watch_ {
    ftl_handle_t handle;       // 0: the slot is free
    uint16_t gen;              // bumped when the slot is freed: stale events are ignored
    uint8_t is_channel;        // received from by the loop (else `fn` is called)
    uint8_t want_writable;     // armed by ftl_loop_send / ftl_loop_want_writable
    uint8_t receive;           // watched with FTL_RECEIVE: messages come with the wait
    ftl_loop_fn fn;            // ftl_loop_watch's callback
    void *ctx;
};

// One timer. Private to loop.c.
struct ftl_loop_timer_ {
    int64_t deadline_ns;       // absolute (ftl_time_now)
    int64_t period_ns;         // 0: one-shot
    uint32_t gen;              // part of the id: a stale id stops nothing
    ftl_loop_fn fn;            // NULL: the slot is free
    void *ctx;
};

// A loop. Declare it static (it holds a 4 KiB message buffer); its fields are private.
struct ftl_loop {
    struct ftl_loop_ops ops;
    ftl_handle_t poll;
    bool started;
    bool stopping;
    size_t nwatches;
    size_t ntimers;
    struct ftl_loop_watch_ watches[FTL_LOOP_WATCHES_MAX];
    struct ftl_loop_timer_ timers[FTL_LOOP_TIMERS_MAX];
    struct ftl_msg msg;
};

/// Prepares `loop` with a copy of `ops`: creates its poll. FTL_ERR_NO_MEMORY,
/// FTL_ERR_TOO_MANY (handle table full).
FTL_MUST_CHECK ftl_err_t ftl_loop_init(struct ftl_loop *loop, const struct ftl_loop_ops *ops);

/// Closes the loop's poll and every handle it watches, and stops its timers. No
/// callback runs. Not for use inside a callback of this loop (stop it, then destroy
/// it after ftl_loop_run returned). `loop` may then be initialized again.
void ftl_loop_destroy(struct ftl_loop *loop);

/// Runs the loop: calls on_start the first time, then waits and dispatches until
/// ftl_loop_stop, or until nothing is watched and no timer runs. FTL_OK then;
/// otherwise the error of a failed wait (the loop can be run again).
FTL_MUST_CHECK ftl_err_t ftl_loop_run(struct ftl_loop *loop);

/// Makes ftl_loop_run return after the current callback. Timers and watches stay.
void ftl_loop_stop(struct ftl_loop *loop);

/// A whole service in one call: a loop kept by the SDK, watching the system channel of
/// `env` (where CONNECTs arrive), run until stopped. Returns what ftl_loop_run returns,
/// or an error of ftl_loop_init / ftl_loop_watch_channel.
FTL_MUST_CHECK ftl_err_t ftl_loop_serve(const struct ftl_env *env,
                                        const struct ftl_loop_ops *ops);

/// Watches channel `ch`: the loop receives from it and calls the ops. The loop owns
/// `ch` until ftl_loop_unwatch or ftl_loop_close. FTL_ERR_TOO_MANY if the loop (or the
/// poll) is full, FTL_ERR_ALREADY_EXISTS if watched, FTL_ERR_BAD_HANDLE,
/// FTL_ERR_NO_RIGHTS (no FTL_RIGHT_WAIT).
FTL_MUST_CHECK ftl_err_t ftl_loop_watch_channel(struct ftl_loop *loop, ftl_handle_t ch,
                                                void *ctx);

/// Watches any handle (an IRQ, a process, a timer, a channel the app receives from
/// itself) for FTL_READABLE: `fn` gets ev->ch = `h`, ev->events and `ctx`. The loop
/// does not receive or acknowledge: polls are level-triggered, so `fn` must clear the
/// condition (ftl_irq_ack, ftl_channel_recv) or unwatch `h`, else it is called again.
/// Errors as for ftl_loop_watch_channel; FTL_ERR_INVALID_ARG if `fn` is NULL.
FTL_MUST_CHECK ftl_err_t ftl_loop_watch(struct ftl_loop *loop, ftl_handle_t h,
                                        ftl_loop_fn fn, void *ctx);

/// Sets the context passed with events of `h` (e.g. a client struct, in on_connect).
/// FTL_ERR_NOT_FOUND if the loop does not watch `h`.
FTL_MUST_CHECK ftl_err_t ftl_loop_set_ctx(struct ftl_loop *loop, ftl_handle_t h, void *ctx);

/// Stops watching `h` without closing it: the handle is the app's again. Safe inside
/// any callback, also for the handle being dispatched. FTL_ERR_NOT_FOUND if not watched.
FTL_MUST_CHECK ftl_err_t ftl_loop_unwatch(struct ftl_loop *loop, ftl_handle_t h);

/// Stops watching `h` and closes it (a channel's peer then sees FTL_PEER_CLOSED). No
/// callback runs for `h` afterwards. Safe inside any callback, also for the handle
/// being dispatched. FTL_ERR_NOT_FOUND if not watched (nothing is closed).
FTL_MUST_CHECK ftl_err_t ftl_loop_close(struct ftl_loop *loop, ftl_handle_t h);

/// Sends a DATA message on watched channel `ch`. If the peer's queue is full:
/// FTL_ERR_FULL, nothing is sent or kept, and on_writable is called once the peer has
/// room (send again then). FTL_ERR_PEER_CLOSED: the peer is gone, on_peer_closed
/// follows once the queued messages are received. FTL_ERR_NOT_FOUND if the loop does
/// not watch `ch`; other errors as for ftl_channel_send.
FTL_MUST_CHECK ftl_err_t ftl_loop_send(struct ftl_loop *loop, ftl_handle_t ch,
                                       const void *data, size_t len);

/// Asks for on_writable once the peer of watched channel `ch` has room (after a raw
/// ftl_channel_send returned FTL_ERR_FULL). FTL_ERR_NOT_FOUND if not watched.
FTL_MUST_CHECK ftl_err_t ftl_loop_want_writable(struct ftl_loop *loop, ftl_handle_t ch);

/// Starts a timer: `fn` runs `delay_ns` from now, then every `period_ns` (0: once). A
/// periodic timer that falls behind skips the missed runs. `*out_timer` names it for
/// ftl_loop_timer_stop. FTL_ERR_TOO_MANY if FTL_LOOP_TIMERS_MAX run already,
/// FTL_ERR_INVALID_ARG for a negative time or a NULL `fn`.
FTL_MUST_CHECK ftl_err_t ftl_loop_timer_start(struct ftl_loop *loop, int64_t delay_ns,
                                              int64_t period_ns, ftl_loop_fn fn, void *ctx,
                                              uint32_t *out_timer);

/// Stops a timer; safe inside its own callback. FTL_ERR_NOT_FOUND if it is not running
/// (a one-shot timer that fired, or stopped already).
FTL_MUST_CHECK ftl_err_t ftl_loop_timer_stop(struct ftl_loop *loop, uint32_t timer);
