// The `ftl` import module: the FTL call table for WASM apps. Arguments are wasm32
// values and linear-memory offsets; every range is checked here (FTL_ERR_BAD_ADDRESS)
// and every struct converted, so the ops see native layouts in host memory.
// The wasm-side layouts, little-endian (sdk/ftl_wasm.h declares the same):
//   struct ftl_msg      same as native: type@0 len@4 cookie@8 nhandles@16 handles@20
//                       reserved@36 data@40, 4136 bytes
//   struct ftl_msg_out  type@0 len@4 cookie@8 data@16 (u32 offset) handles@20 (u32
//                       offset) nhandles@24 reserved@28, 32 bytes
//   struct ftl_event    same as native: handle@0 events@4 ctx@8, 16 bytes
//   struct ftl_env      same as native (see ftl/calls.h)
#include "wasm_app_int.h"

#define A(i) (args[i].i32)
#define OPS(app) ((app)->ops)

#define WASM_MSG_OUT_SIZE 32
#define WASM_EVENT_SIZE 16

_Static_assert(offsetof(struct ftl_msg, data) == 40, "ftl_msg layout");
_Static_assert(sizeof(struct ftl_msg) == 40 + FTL_MSG_DATA_MAX, "ftl_msg layout");
_Static_assert(offsetof(struct ftl_event, ctx) == 8 && sizeof(struct ftl_event) == 16,
               "ftl_event layout");

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

// Runs an op that creates one handle and stores it at app address `out`.
static enum wasm_status new_handle(struct wasm_exec *ex, struct wasm_app *app, union wasm_val *args,
                                   uint32_t out, ftl_err_t (*op)(void *, ftl_handle_t *))
{
    if (!wasm_app_mem(app, out, 4)) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    ftl_handle_t h;
    ftl_err_t e = op(app->ctx, &h);
    if (e == FTL_OK) {
        wasm_app_put_u32(app, out, (uint32_t)h);
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status imp_handle_close(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    return wasm_app_ret(app, ex, args, OPS(app)->handle_close(app->ctx, (ftl_handle_t)A(0)));
}

static enum wasm_status imp_channel_create(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    if (!wasm_app_mem(app, A(0), 4) || !wasm_app_mem(app, A(1), 4)) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    ftl_handle_t a;
    ftl_handle_t b;
    ftl_err_t e = OPS(app)->channel_create(app->ctx, &a, &b);
    if (e == FTL_OK) {
        wasm_app_put_u32(app, A(0), (uint32_t)a);
        wasm_app_put_u32(app, A(1), (uint32_t)b);
    }
    return wasm_app_ret(app, ex, args, e);
}

// Reads the app's struct ftl_msg_out at `addr` into `mo` (its handles into `hs`),
// checking every range.
static ftl_err_t read_msg_out(struct wasm_app *app, uint32_t addr, struct ftl_msg_out *mo,
                              ftl_handle_t hs[FTL_MSG_HANDLES_MAX])
{
    const uint8_t *w = wasm_app_mem(app, addr, WASM_MSG_OUT_SIZE);
    if (!w) {
        return FTL_ERR_BAD_ADDRESS;
    }
    *mo = (struct ftl_msg_out){.type = le32(w),
                               .len = le32(w + 4),
                               .cookie = le64(w + 8),
                               .handles = hs,
                               .nhandles = le32(w + 24),
                               .reserved = le32(w + 28)};
    if (mo->len > FTL_MSG_DATA_MAX || mo->nhandles > FTL_MSG_HANDLES_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    mo->data = mo->len ? wasm_app_mem(app, le32(w + 16), mo->len) : NULL;
    const uint8_t *wh = mo->nhandles ? wasm_app_mem(app, le32(w + 20), 4ull * mo->nhandles) : NULL;
    if ((mo->len && !mo->data) || (mo->nhandles && !wh)) {
        return FTL_ERR_BAD_ADDRESS;
    }
    for (uint32_t i = 0; i < mo->nhandles; i++) {
        hs[i] = (ftl_handle_t)le32(wh + 4 * i);
    }
    return FTL_OK;
}

// Writes a received message in the app's layout at `w` (a checked struct ftl_msg).
static void put_msg(uint8_t *w, const struct ftl_msg *m)
{
    uint32_t len = m->len <= FTL_MSG_DATA_MAX ? m->len : FTL_MSG_DATA_MAX;
    put32(w, m->type);
    put32(w + 4, len);
    put64(w + 8, m->cookie);
    put32(w + 16, m->nhandles);
    for (uint32_t i = 0; i < FTL_MSG_HANDLES_MAX; i++) {
        put32(w + 20 + 4 * i, i < m->nhandles ? (uint32_t)m->handles[i] : 0);
    }
    put32(w + 36, 0);
    memcpy(w + 40, m->data, len);
}

static enum wasm_status imp_channel_send(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    ftl_handle_t hs[FTL_MSG_HANDLES_MAX];
    struct ftl_msg_out mo;
    ftl_err_t e = read_msg_out(app, A(1), &mo, hs);
    if (e == FTL_OK) {
        e = OPS(app)->channel_send(app->ctx, (ftl_handle_t)A(0), &mo);
    }
    return wasm_app_ret(app, ex, args, e);
}

// The whole struct ftl_msg must be app memory: the message length is unknown until
// it is dequeued, and a dequeued message must not be lost on a bad address.
static enum wasm_status imp_channel_recv(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint8_t *w = wasm_app_mem(app, A(1), sizeof(struct ftl_msg));
    if (!w) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    ftl_err_t e = OPS(app)->channel_recv(app->ctx, (ftl_handle_t)A(0), &app->msg);
    if (e == FTL_OK) {
        put_msg(w, &app->msg);
    }
    return wasm_app_ret(app, ex, args, e);
}

// (ch, msg_out, timeout, reply) -> err. The reply arrives in the runtime's struct
// ftl_msg (a sender may hand it straight there) and is then copied to the app's.
static enum wasm_status imp_channel_call(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    if (!OPS(app)->channel_call) {
        return wasm_app_ret(app, ex, args, FTL_ERR_UNSUPPORTED);
    }
    ftl_handle_t hs[FTL_MSG_HANDLES_MAX];
    struct ftl_msg_out mo;
    ftl_err_t e = read_msg_out(app, A(1), &mo, hs);
    uint8_t *w = wasm_app_mem(app, A(3), sizeof(struct ftl_msg));
    if (e == FTL_OK && !w) {
        e = FTL_ERR_BAD_ADDRESS; // checked before anything is sent
    }
    if (e == FTL_OK) {
        // The op may block: linear memory cannot move meanwhile (only the module grows
        // it), so `w` is still valid.
        e = OPS(app)->channel_call(app->ctx, (ftl_handle_t)A(0), &mo, (int64_t)args[2].i64,
                                   &app->msg);
        if (e == FTL_OK) {
            put_msg(w, &app->msg);
        }
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status imp_poll_create(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    return new_handle(ex, app, args, A(0), OPS(app)->poll_create);
}

static enum wasm_status imp_poll_add(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    ftl_err_t e =
        OPS(app)->poll_add(app->ctx, (ftl_handle_t)A(0), (ftl_handle_t)A(1), A(2), args[3].i64);
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status imp_poll_modify(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    ftl_err_t e =
        OPS(app)->poll_modify(app->ctx, (ftl_handle_t)A(0), (ftl_handle_t)A(1), A(2), args[3].i64);
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status imp_poll_remove(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    ftl_err_t e = OPS(app)->poll_remove(app->ctx, (ftl_handle_t)A(0), (ftl_handle_t)A(1));
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status imp_poll_wait(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint8_t *w = wasm_app_mem(app, A(2), WASM_EVENT_SIZE);
    if (!w) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    struct ftl_event ev = {0};
    ftl_err_t e = OPS(app)->poll_wait(app->ctx, (ftl_handle_t)A(0), (int64_t)args[1].i64, &ev);
    // The op may block: memory cannot move meanwhile (only the module grows it), so
    // `w` is still valid.
    if (e == FTL_OK) {
        put32(w, (uint32_t)ev.handle);
        put32(w + 4, ev.events);
        put64(w + 8, ev.ctx);
    }
    return wasm_app_ret(app, ex, args, e);
}

// (poll, timeout, event, msg) -> err: poll_wait that also receives (FTL_RECEIVE).
static enum wasm_status imp_poll_wait_msg(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    if (!OPS(app)->poll_wait_msg) {
        return wasm_app_ret(app, ex, args, FTL_ERR_UNSUPPORTED);
    }
    uint8_t *w = wasm_app_mem(app, A(2), WASM_EVENT_SIZE);
    uint8_t *wm = wasm_app_mem(app, A(3), sizeof(struct ftl_msg));
    if (!w || !wm) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    struct ftl_event ev = {0};
    ftl_err_t e = OPS(app)->poll_wait_msg(app->ctx, (ftl_handle_t)A(0), (int64_t)args[1].i64, &ev,
                                          &app->msg);
    if (e == FTL_OK) {
        put32(w, (uint32_t)ev.handle);
        put32(w + 4, ev.events);
        put64(w + 8, ev.ctx);
        if (ev.events & FTL_RECEIVE) {
            put_msg(wm, &app->msg);
        }
    }
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status imp_timer_create(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    return new_handle(ex, app, args, A(0), OPS(app)->timer_create);
}

static enum wasm_status imp_timer_set(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    ftl_err_t e = OPS(app)->timer_set(app->ctx, (ftl_handle_t)A(0), (int64_t)args[1].i64);
    return wasm_app_ret(app, ex, args, e);
}

static enum wasm_status imp_time_now(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    args[0].i64 = (uint64_t)OPS(app)->time_now(app->ctx);
    return app->stop ? wasm_app_exit_now(app, ex, app->exit_code) : WASM_OK;
}

static enum wasm_status imp_log_write(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    int level = (int)A(0);
    if (level < FTL_LOG_DEBUG || level > FTL_LOG_ERROR) {
        return wasm_app_ret(app, ex, args, FTL_ERR_INVALID_ARG);
    }
    if (A(2) > WASM_APP_LINE_MAX) {
        return wasm_app_ret(app, ex, args, FTL_ERR_TOO_LARGE);
    }
    const char *p = wasm_app_mem(app, A(1), A(2));
    if (!p && A(2)) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    return wasm_app_ret(app, ex, args, OPS(app)->log_write(app->ctx, level, p ? p : "", A(2)));
}

// Ends the current slice: wasm_app_run() returns WASM_APP_RUNNING at the next yield
// point, and the caller lets other threads run.
static enum wasm_status imp_yield(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    wasm_exec_set_fuel(ex, 0);
    return wasm_app_ret(wasm_app_of(ctx), ex, args, FTL_OK);
}

static enum wasm_status imp_exit(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    return wasm_app_exit_now(wasm_app_of(ctx), ex, (int)A(0));
}

// Copies the whole environ (struct ftl_env and its items) to [buf, buf + cap) and
// its size to *out_len; FTL_ERR_BUFFER_TOO_SMALL (size still written) if it does not fit.
static enum wasm_status imp_env_get(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    if (!wasm_app_mem(app, A(2), 4)) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    wasm_app_put_u32(app, A(2), (uint32_t)app->env_size);
    if (A(1) < app->env_size) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BUFFER_TOO_SMALL);
    }
    bool ok = wasm_app_write(app, A(0), app->env, app->env_size);
    return wasm_app_ret(app, ex, args, ok ? FTL_OK : FTL_ERR_BAD_ADDRESS);
}

// Copies the environ item named [name, name + name_len) to `out_item`
// (struct ftl_env_item); FTL_ERR_NOT_FOUND if there is none.
static enum wasm_status imp_env_lookup(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    const char *name = wasm_app_mem(app, A(0), A(1));
    if ((!name && A(1)) || !wasm_app_mem(app, A(2), sizeof(struct ftl_env_item))) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    const struct ftl_env_item *it = wasm_app_env_find(app, name ? name : "", A(1));
    if (!it) {
        return wasm_app_ret(app, ex, args, FTL_ERR_NOT_FOUND);
    }
    wasm_app_write(app, A(2), it, sizeof(*it));
    return wasm_app_ret(app, ex, args, FTL_OK);
}

// ---- calls that reach beyond the app: the ops check the app's grants ----

_Static_assert(sizeof(struct ftl_sys_stats) == 56, "ftl_sys_stats has the wasm32 layout");
_Static_assert(sizeof(struct ftl_ps_entry) == 96 && offsetof(struct ftl_ps_entry, memory) == 40,
               "ftl_ps_entry has the wasm32 layout");

// (name, name_len, out_process) -> err
static enum wasm_status imp_process_spawn(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    const char *name = wasm_app_mem(app, A(0), A(1));
    if ((!name && A(1)) || !wasm_app_mem(app, A(2), 4)) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    if (!OPS(app)->process_spawn) {
        return wasm_app_ret(app, ex, args, FTL_ERR_UNSUPPORTED);
    }
    ftl_handle_t h;
    ftl_err_t e = OPS(app)->process_spawn(app->ctx, name ? name : "", A(1), &h);
    if (e == FTL_OK) {
        wasm_app_put_u32(app, A(2), (uint32_t)h);
    }
    return wasm_app_ret(app, ex, args, e);
}

// (out) -> err
static enum wasm_status imp_sys_stats(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    void *out = wasm_app_mem(app, A(0), sizeof(struct ftl_sys_stats));
    if (!out) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    if (!OPS(app)->sys_stats) {
        return wasm_app_ret(app, ex, args, FTL_ERR_UNSUPPORTED);
    }
    return wasm_app_ret(app, ex, args, OPS(app)->sys_stats(app->ctx, out));
}

// (out, max, out_n) -> err; all `max` entries must be app memory.
static enum wasm_status imp_ps(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    uint64_t bytes = (uint64_t)A(1) * sizeof(struct ftl_ps_entry);
    void *out = wasm_app_mem(app, A(0), bytes);
    if ((!out && bytes) || !wasm_app_mem(app, A(2), 4)) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    if (!OPS(app)->ps) {
        return wasm_app_ret(app, ex, args, FTL_ERR_UNSUPPORTED);
    }
    size_t n = 0;
    ftl_err_t e = OPS(app)->ps(app->ctx, out, A(1), &n);
    if (e == FTL_OK) {
        wasm_app_put_u32(app, A(2), (uint32_t)n);
    }
    return wasm_app_ret(app, ex, args, e);
}

// (buf, len, out_len) -> err
static enum wasm_status imp_log_read(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    char *buf = wasm_app_mem(app, A(0), A(1));
    if ((!buf && A(1)) || !wasm_app_mem(app, A(2), 4)) {
        return wasm_app_ret(app, ex, args, FTL_ERR_BAD_ADDRESS);
    }
    if (!OPS(app)->log_read) {
        return wasm_app_ret(app, ex, args, FTL_ERR_UNSUPPORTED);
    }
    size_t n = 0;
    ftl_err_t e = OPS(app)->log_read(app->ctx, buf, A(1), &n);
    if (e == FTL_OK) {
        wasm_app_put_u32(app, A(2), (uint32_t)n);
    }
    return wasm_app_ret(app, ex, args, e);
}

// (irq) -> err
static enum wasm_status imp_irq_ack(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    ftl_err_t e = OPS(app)->irq_ack ? OPS(app)->irq_ack(app->ctx, (ftl_handle_t)A(0))
                                    : FTL_ERR_UNSUPPORTED;
    return wasm_app_ret(app, ex, args, e);
}

// (process) -> err
static enum wasm_status imp_process_kill(struct wasm_exec *ex, void *ctx, union wasm_val *args)
{
    struct wasm_app *app = wasm_app_of(ctx);
    ftl_err_t e = OPS(app)->process_kill ? OPS(app)->process_kill(app->ctx, (ftl_handle_t)A(0))
                                         : FTL_ERR_UNSUPPORTED;
    return wasm_app_ret(app, ex, args, e);
}

#define F "ftl"

const struct wasm_app_import wasm_app_ftl_imports[] = {
    {F, "handle_close", "i:i", imp_handle_close},
    {F, "channel_create", "ii:i", imp_channel_create},
    {F, "channel_send", "ii:i", imp_channel_send},
    {F, "channel_recv", "ii:i", imp_channel_recv},
    {F, "poll_create", "i:i", imp_poll_create},
    {F, "poll_add", "iiiI:i", imp_poll_add},
    {F, "poll_modify", "iiiI:i", imp_poll_modify},
    {F, "poll_remove", "ii:i", imp_poll_remove},
    {F, "poll_wait", "iIi:i", imp_poll_wait},
    {F, "channel_call", "iiIi:i", imp_channel_call},
    {F, "poll_wait_msg", "iIii:i", imp_poll_wait_msg},
    {F, "timer_create", "i:i", imp_timer_create},
    {F, "timer_set", "iI:i", imp_timer_set},
    {F, "time_now", ":I", imp_time_now},
    {F, "log_write", "iii:i", imp_log_write},
    {F, "yield", ":i", imp_yield},
    {F, "exit", "i:", imp_exit},
    {F, "env_get", "iii:i", imp_env_get},
    {F, "env_lookup", "iii:i", imp_env_lookup},
    {F, "process_spawn", "iii:i", imp_process_spawn},
    {F, "process_kill", "i:i", imp_process_kill},
    {F, "sys_stats", "i:i", imp_sys_stats},
    {F, "ps", "iii:i", imp_ps},
    {F, "log_read", "iii:i", imp_log_read},
    {F, "irq_ack", "i:i", imp_irq_ack},
};
const size_t wasm_app_ftl_nimports = sizeof(wasm_app_ftl_imports) / sizeof(wasm_app_ftl_imports[0]);
