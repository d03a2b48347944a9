// The event loop of ftl/loop.h: one poll, a fixed table of watched handles, a fixed
// table of timers served by the wait's timeout, and the dispatch of each event to the
// app's callbacks. Nothing is allocated.
#include <ftl/loop.h>
#include <string.h>

// A watch's poll context: its slot and the slot's generation, so that an event for a
// slot freed (and maybe reused) inside a callback is recognized as stale.
static uint64_t watch_key(size_t slot, uint16_t gen)
{
    return ((uint64_t)gen << 16) | slot;
}

static void *watch_ctx(size_t slot, uint16_t gen)
{
    return (void *)(uintptr_t)watch_key(slot, gen);
}

static struct ftl_loop_watch_ *watch_find(struct ftl_loop *loop, ftl_handle_t h)
{
    if (h == 0) {
        return NULL; // 0 marks free slots; no handle is 0
    }
    for (size_t i = 0; i < FTL_LOOP_WATCHES_MAX; i++) {
        if (loop->watches[i].handle == h) {
            return &loop->watches[i];
        }
    }
    return NULL;
}

static void watch_free(struct ftl_loop *loop, struct ftl_loop_watch_ *w)
{
    w->handle = 0;
    w->gen++;
    w->fn = NULL;
    w->ctx = NULL;
    loop->nwatches--;
}

ftl_err_t ftl_loop_init(struct ftl_loop *loop, const struct ftl_loop_ops *ops)
{
    memset(loop, 0, offsetof(struct ftl_loop, msg));
    loop->ops = *ops;
    return ftl_poll_create(&loop->poll);
}

void ftl_loop_destroy(struct ftl_loop *loop)
{
    for (size_t i = 0; i < FTL_LOOP_WATCHES_MAX; i++) {
        if (loop->watches[i].handle != 0) {
            (void)ftl_handle_close(loop->watches[i].handle);
        }
    }
    (void)ftl_handle_close(loop->poll);
    memset(loop, 0, offsetof(struct ftl_loop, msg));
}

void ftl_loop_stop(struct ftl_loop *loop)
{
    loop->stopping = true;
}

// What a watch waits for, apart from FTL_WRITABLE.
static uint32_t watch_events(const struct ftl_loop_watch_ *w)
{
    return FTL_READABLE | (w->receive ? FTL_RECEIVE : 0);
}

static ftl_err_t watch_add(struct ftl_loop *loop, ftl_handle_t h, bool is_channel,
                           ftl_loop_fn fn, void *ctx)
{
    if (watch_find(loop, h)) {
        return FTL_ERR_ALREADY_EXISTS;
    }
    struct ftl_loop_watch_ *w = NULL;
    for (size_t i = 0; !w && i < FTL_LOOP_WATCHES_MAX; i++) {
        if (loop->watches[i].handle == 0) {
            w = &loop->watches[i];
        }
    }
    if (!w) {
        return FTL_ERR_TOO_MANY;
    }
    // A channel's messages come with the wait (one kernel call per message, not two);
    // without the right to read it, the watch is made without (ftl_channel_recv then
    // reports why the loop cannot receive).
    void *key = watch_ctx((size_t)(w - loop->watches), w->gen);
    ftl_err_t err = FTL_ERR_INVALID_ARG;
    w->receive = 0;
    if (is_channel) {
        err = ftl_poll_add(loop->poll, h, FTL_READABLE | FTL_RECEIVE, key);
        w->receive = err == FTL_OK;
    }
    if (err != FTL_OK) {
        err = ftl_poll_add(loop->poll, h, FTL_READABLE, key);
    }
    if (err != FTL_OK) {
        return err;
    }
    w->handle = h;
    w->is_channel = is_channel;
    w->want_writable = 0;
    w->fn = fn;
    w->ctx = ctx;
    loop->nwatches++;
    return FTL_OK;
}

ftl_err_t ftl_loop_watch_channel(struct ftl_loop *loop, ftl_handle_t ch, void *ctx)
{
    return watch_add(loop, ch, true, NULL, ctx);
}

ftl_err_t ftl_loop_watch(struct ftl_loop *loop, ftl_handle_t h, ftl_loop_fn fn, void *ctx)
{
    if (!fn) {
        return FTL_ERR_INVALID_ARG;
    }
    return watch_add(loop, h, false, fn, ctx);
}

ftl_err_t ftl_loop_set_ctx(struct ftl_loop *loop, ftl_handle_t h, void *ctx)
{
    struct ftl_loop_watch_ *w = watch_find(loop, h);
    if (!w) {
        return FTL_ERR_NOT_FOUND;
    }
    w->ctx = ctx;
    return FTL_OK;
}

ftl_err_t ftl_loop_unwatch(struct ftl_loop *loop, ftl_handle_t h)
{
    struct ftl_loop_watch_ *w = watch_find(loop, h);
    if (!w) {
        return FTL_ERR_NOT_FOUND;
    }
    ftl_err_t err = ftl_poll_remove(loop->poll, h);
    watch_free(loop, w);
    return err;
}

ftl_err_t ftl_loop_close(struct ftl_loop *loop, ftl_handle_t h)
{
    struct ftl_loop_watch_ *w = watch_find(loop, h);
    if (!w) {
        return FTL_ERR_NOT_FOUND;
    }
    watch_free(loop, w);
    return ftl_handle_close(h); // closing removes the poll's watch too
}

ftl_err_t ftl_loop_want_writable(struct ftl_loop *loop, ftl_handle_t ch)
{
    struct ftl_loop_watch_ *w = watch_find(loop, ch);
    if (!w) {
        return FTL_ERR_NOT_FOUND;
    }
    if (w->want_writable) {
        return FTL_OK;
    }
    // Without FTL_RECEIVE meanwhile: a message never comes with a "writable again"
    // event, so on_writable (which may close or unwatch the channel) runs before
    // anything is taken from the channel, as when the loop received itself.
    size_t slot = (size_t)(w - loop->watches);
    ftl_err_t err = ftl_poll_modify(loop->poll, ch, FTL_READABLE | FTL_WRITABLE,
                                    watch_ctx(slot, w->gen));
    if (err == FTL_OK) {
        w->want_writable = 1;
    }
    return err;
}

ftl_err_t ftl_loop_send(struct ftl_loop *loop, ftl_handle_t ch, const void *data, size_t len)
{
    if (!watch_find(loop, ch)) {
        return FTL_ERR_NOT_FOUND;
    }
    ftl_err_t err = ftl_channel_send_data(ch, data, len);
    if (err == FTL_ERR_FULL) {
        ftl_err_t arm = ftl_loop_want_writable(loop, ch);
        return arm == FTL_OK ? FTL_ERR_FULL : arm;
    }
    return err;
}

ftl_err_t ftl_loop_timer_start(struct ftl_loop *loop, int64_t delay_ns, int64_t period_ns,
                               ftl_loop_fn fn, void *ctx, uint32_t *out_timer)
{
    if (delay_ns < 0 || period_ns < 0 || !fn) {
        return FTL_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < FTL_LOOP_TIMERS_MAX; i++) {
        struct ftl_loop_timer_ *t = &loop->timers[i];
        if (t->fn) {
            continue;
        }
        t->deadline_ns = ftl_time_now() + delay_ns;
        t->period_ns = period_ns;
        t->fn = fn;
        t->ctx = ctx;
        loop->ntimers++;
        *out_timer = (t->gen << 8) | (uint32_t)i;
        return FTL_OK;
    }
    return FTL_ERR_TOO_MANY;
}

ftl_err_t ftl_loop_timer_stop(struct ftl_loop *loop, uint32_t timer)
{
    size_t slot = timer & 0xff;
    if (slot >= FTL_LOOP_TIMERS_MAX) {
        return FTL_ERR_NOT_FOUND;
    }
    struct ftl_loop_timer_ *t = &loop->timers[slot];
    if (!t->fn || t->gen != timer >> 8) {
        return FTL_ERR_NOT_FOUND;
    }
    t->fn = NULL;
    t->gen = (t->gen + 1) & 0xffffff; // the id keeps 24 bits of it
    loop->ntimers--;
    return FTL_OK;
}

// The wait's timeout: until the earliest timer, or forever.
static int64_t next_timeout(const struct ftl_loop *loop)
{
    if (loop->ntimers == 0) {
        return FTL_NO_TIMEOUT;
    }
    int64_t first = INT64_MAX;
    for (size_t i = 0; i < FTL_LOOP_TIMERS_MAX; i++) {
        if (loop->timers[i].fn && loop->timers[i].deadline_ns < first) {
            first = loop->timers[i].deadline_ns;
        }
    }
    int64_t now = ftl_time_now();
    return first > now ? first - now : 0;
}

// Calls every timer whose deadline has passed. A callback may stop or start timers;
// the slot is updated before the call so that nothing touches it afterwards.
static void run_timers(struct ftl_loop *loop)
{
    if (loop->ntimers == 0) {
        return; // the common case of a busy server: no clock read
    }
    int64_t now = ftl_time_now();
    for (size_t i = 0; i < FTL_LOOP_TIMERS_MAX && !loop->stopping; i++) {
        struct ftl_loop_timer_ *t = &loop->timers[i];
        if (!t->fn || t->deadline_ns > now) {
            continue;
        }
        struct ftl_loop_event ev = {
            .loop = loop,
            .ctx = t->ctx,
            .timer = (t->gen << 8) | (uint32_t)i,
        };
        ftl_loop_fn fn = t->fn;
        if (t->period_ns == 0) {
            ftl_err_t err = ftl_loop_timer_stop(loop, ev.timer);
            (void)err; // the timer is running: it cannot fail
        } else {
            t->deadline_ns += t->period_ns;
            if (t->deadline_ns <= now) {
                t->deadline_ns = now + t->period_ns; // fell behind: skip missed runs
            }
        }
        fn(&ev);
        now = ftl_time_now();
    }
}

// Closes the handles a message carried that no callback took.
static void drop_message(const struct ftl_msg *msg, const char *why)
{
    FTL_WARN("%s message type %u", why, (unsigned)msg->type);
    for (uint32_t i = 0; i < msg->nhandles; i++) {
        (void)ftl_handle_close(msg->handles[i]);
    }
}

// A CONNECT: the loop watches the new channel, then tells on_connect.
static void dispatch_connect(struct ftl_loop *loop, struct ftl_loop_event *ev)
{
    struct ftl_msg *msg = ev->msg;
    if (msg->nhandles == 0) {
        drop_message(msg, "no channel in");
        return;
    }
    for (uint32_t i = 1; i < msg->nhandles; i++) {
        (void)ftl_handle_close(msg->handles[i]);
    }
    ftl_handle_t ch = msg->handles[0];
    ftl_err_t err = ftl_loop_watch_channel(loop, ch, NULL);
    if (err != FTL_OK) {
        FTL_WARN("cannot take a new client (%s); closing its channel", ftl_err_str(err));
        (void)ftl_handle_close(ch);
        return;
    }
    if (loop->ops.on_connect) {
        ev->ch = ch;
        ev->ctx = NULL;
        loop->ops.on_connect(ev);
    }
}

static void dispatch_message(struct ftl_loop *loop, struct ftl_loop_event *ev)
{
    uint32_t type = ev->msg->type;
    if (type == FTL_MSG_CONNECT) {
        dispatch_connect(loop, ev);
    } else if (type == FTL_MSG_DATA && loop->ops.on_data) {
        loop->ops.on_data(ev);
    } else if (loop->ops.on_message) {
        loop->ops.on_message(ev);
    } else {
        drop_message(ev->msg, "unexpected");
    }
}

// Tells the app the channel goes away, then closes it unless a callback did.
static void close_channel(struct ftl_loop *loop, struct ftl_loop_event *ev, size_t slot,
                          uint16_t gen, ftl_err_t why)
{
    ev->err = why;
    if (loop->ops.on_peer_closed) {
        loop->ops.on_peer_closed(ev);
    }
    struct ftl_loop_watch_ *w = &loop->watches[slot];
    if (w->gen == gen) {
        ftl_err_t err = ftl_loop_close(loop, ev->ch);
        (void)err; // watched, so it is open: the close cannot fail
    }
}

// One event of a channel the loop receives from: first "writable again", then one
// message (polls are level-triggered: the next message comes with the next wait).
static void dispatch_channel(struct ftl_loop *loop, size_t slot, uint32_t events)
{
    struct ftl_loop_watch_ *w = &loop->watches[slot];
    uint16_t gen = w->gen;
    struct ftl_loop_event ev = {.loop = loop, .ch = w->handle, .ctx = w->ctx};
    if ((events & FTL_WRITABLE) && w->want_writable) {
        w->want_writable = 0;
        ftl_err_t err = ftl_poll_modify(loop->poll, w->handle, watch_events(w),
                                        watch_ctx(slot, gen));
        if (err != FTL_OK) {
            close_channel(loop, &ev, slot, gen, err);
            return;
        }
        if (loop->ops.on_writable) {
            loop->ops.on_writable(&ev);
        }
        if (w->gen != gen) {
            return; // the callback closed or unwatched the channel
        }
    }
    if (!(events & (FTL_READABLE | FTL_PEER_CLOSED))) {
        return;
    }
    // The message came with the wait (FTL_RECEIVE), or is received now.
    ftl_err_t err = events & FTL_RECEIVE ? FTL_OK : ftl_channel_recv(ev.ch, &loop->msg);
    if (err == FTL_ERR_EMPTY) {
        return;
    }
    if (err != FTL_OK) {
        // FTL_ERR_PEER_CLOSED, or a message the loop cannot take (e.g. its handles do
        // not fit the handle table); it would stay queued and come back forever.
        if (err != FTL_ERR_PEER_CLOSED) {
            FTL_WARN("cannot receive from a channel (%s); closing it", ftl_err_str(err));
        }
        close_channel(loop, &ev, slot, gen, err);
        return;
    }
    ev.msg = &loop->msg;
    dispatch_message(loop, &ev);
}

static void dispatch(struct ftl_loop *loop, const struct ftl_event *pev)
{
    size_t slot = (size_t)(pev->ctx & 0xffff);
    if (slot >= FTL_LOOP_WATCHES_MAX) {
        if (pev->events & FTL_RECEIVE) {
            drop_message(&loop->msg, "stale"); // (not a watch of this loop)
        }
        return;
    }
    struct ftl_loop_watch_ *w = &loop->watches[slot];
    if (w->handle != pev->handle || pev->ctx != watch_key(slot, w->gen)) {
        if (pev->events & FTL_RECEIVE) {
            drop_message(&loop->msg, "stale"); // (the watch went without its poll entry)
        }
        return; // stale: the slot was freed after the event was reported
    }
    if (w->is_channel) {
        dispatch_channel(loop, slot, pev->events);
        return;
    }
    struct ftl_loop_event ev = {
        .loop = loop, .ch = w->handle, .ctx = w->ctx, .events = pev->events};
    w->fn(&ev);
}

ftl_err_t ftl_loop_run(struct ftl_loop *loop)
{
    if (!loop->started) {
        loop->started = true;
        if (loop->ops.on_start) {
            struct ftl_loop_event ev = {.loop = loop};
            loop->ops.on_start(&ev);
        }
    }
    while (!loop->stopping && (loop->nwatches > 0 || loop->ntimers > 0)) {
        struct ftl_event pev;
        ftl_err_t err = ftl_poll_wait_msg(loop->poll, next_timeout(loop), &pev, &loop->msg);
        if (err == FTL_OK) {
            dispatch(loop, &pev);
        } else if (err != FTL_ERR_TIMED_OUT) {
            return err;
        }
        run_timers(loop);
    }
    loop->stopping = false;
    return FTL_OK;
}

ftl_err_t ftl_loop_serve(const struct ftl_env *env, const struct ftl_loop_ops *ops)
{
    static struct ftl_loop loop;
    ftl_err_t err = ftl_loop_init(&loop, ops);
    if (err != FTL_OK) {
        return err;
    }
    err = ftl_loop_watch_channel(&loop, ftl_env_system(env), NULL);
    if (err != FTL_OK) {
        return err;
    }
    return ftl_loop_run(&loop);
}
