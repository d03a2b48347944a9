// A small in-process FTL for the Linux runner: one app's handle table with channels,
// polls and timers, implementing struct wasm_app_ops. The runner holds the far ends
// of the app's channels (system, stdin, test clients) and acts on them when the app
// waits with nothing ready.
#pragma once

#include "../wasm_app.h"

struct host_chan;

/// The ops table; its ctx is the struct host_ftl.
extern const struct wasm_app_ops host_ftl_ops;

/// What the runner does when the app waits with nothing ready: returns true if it did
/// something that may wake the app. Called from poll_wait.
typedef bool (*host_idle_fn)(void *arg);

struct host_ftl {
    struct wasm_app *app; // set once created: poll_wait stops it when nothing can happen
    host_idle_fn idle;
    void *idle_arg;
    const char *name; // for messages
};

/// Creates a connected channel pair: `*out_app` gets a handle in the app's table (its
/// number in *out_h), `*out_far` stays with the runner. FTL_ERR_TOO_MANY / NO_MEMORY.
ftl_err_t host_ftl_channel_pair(struct host_ftl *hf, ftl_handle_t *out_h,
                                struct host_chan **out_far);

/// Makes the app end of `far`'s pair read its DATA from the process's stdin: whenever
/// the app waits on it with nothing queued, up to FTL_MSG_DATA_MAX bytes are read
/// (blocking); at EOF `far` closes.
void host_ftl_feed_stdin(struct host_chan *far);

/// Runner side: sends a message on `far` (with at most one new channel: if `pass` is
/// not NULL, a fresh pair is made, one end goes along, the other to *pass).
ftl_err_t host_chan_send(struct host_chan *far, uint32_t type, const void *data, size_t len,
                         struct host_chan **pass);
/// Runner side: receives the next DATA message's bytes into buf (len in *out_len);
/// FTL_ERR_EMPTY or FTL_ERR_PEER_CLOSED when there is none.
ftl_err_t host_chan_recv(struct host_chan *far, void *buf, size_t cap, size_t *out_len);
/// Runner side: like host_chan_send, with a cookie (a reply to a request).
ftl_err_t host_chan_reply(struct host_chan *far, uint32_t type, uint64_t cookie, const void *data,
                          size_t len, struct host_chan **pass);
/// Runner side: receives the next message of any type (its handles are closed).
ftl_err_t host_chan_recv_msg(struct host_chan *far, uint32_t *out_type, uint64_t *out_cookie,
                             void *buf, size_t cap, size_t *out_len);
/// Runner side: closes `far` (the app sees FTL_PEER_CLOSED).
void host_chan_close(struct host_chan *far);

/// Frees every object.
void host_ftl_cleanup(void);
