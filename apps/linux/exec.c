// The exec: service (docs/linux.md): each OPEN exec:<command line> becomes a command of
// the agent, with a channel for stdin/stdout/exit status and one for stderr. Every
// buffer is bounded: stdin is read from the client only as far as the agent's credit
// and the link's ring allow (the client's full queue is its backpressure), and output
// is granted back to the agent (WINDOW) only once the client took it.
#include "agent_proto.h"
#include "vmm.h"

#include <ftl/linux.h>
#include <string.h>

#define STREAM_OUT 0u
#define STREAM_ERR 1u
#define NOT_REGISTERED UINT32_MAX
// WINDOW frames grant at least this much: a quarter of the window keeps the agent
// streaming and never deadlocks (output the client has not taken is never owed, and
// with nothing queued the agent still has more than 3/4 of its window).
#define GRANT_MIN (AGENT_WINDOW_INITIAL / 4)

void exec_init(struct exec_mux *m, struct agent_link *l, ftl_handle_t poll)
{
    memset(m, 0, sizeof(*m));
    m->link = l;
    m->poll = poll;
    m->next_id = 1;
}

// Registers `h` for `events` (0 still reports FTL_PEER_CLOSED, which is the point).
static void watch(struct cmd *c, ftl_handle_t h, uint32_t *cur, uint32_t events, uint64_t ctx,
                  ftl_handle_t poll)
{
    if (h == 0 || *cur == events) {
        return;
    }
    ftl_err_t err = *cur == NOT_REGISTERED
                        ? ftl_poll_add(poll, h, events, (void *)(uintptr_t)ctx)
                        : ftl_poll_modify(poll, h, events, (void *)(uintptr_t)ctx);
    if (err == FTL_OK) {
        *cur = events;
    } else {
        FTL_WARN("linux: cannot watch the channel of command %u: %s", (unsigned)c->id,
                 ftl_err_str(err));
    }
}

static bool can_read_stdin(const struct exec_mux *m, const struct cmd *c)
{
    return c->state == CMD_RUNNING && c->exec_sent && !c->exited && !c->client_gone && c->ch &&
           !c->eof_pending && !c->eof_sent && c->stash_len == 0 && c->stdin_credit > 0 &&
           link_has_room(m->link, AGENT_PAYLOAD_MAX);
}

static uint8_t outq_peek_stream(const struct cmd *c)
{
    return c->q.buf[c->q.head];
}

static void update_watch(struct exec_mux *m, struct cmd *c)
{
    uint32_t idx = (uint32_t)(c - m->cmds);
    bool pending = c->q.len > 0;
    bool out_blocked = pending && outq_peek_stream(c) == STREAM_OUT;
    uint32_t ev = (can_read_stdin(m, c) ? FTL_READABLE : 0) |
                  (out_blocked || (!pending && c->exited) ? FTL_WRITABLE : 0);
    watch(c, c->ch, &c->ch_events, ev, CTX_MAKE(CTX_CMD_OUT, idx), m->poll);
    uint32_t eev = pending && outq_peek_stream(c) == STREAM_ERR ? FTL_WRITABLE : 0;
    watch(c, c->err_ch, &c->err_events, eev, CTX_MAKE(CTX_CMD_ERR, idx), m->poll);
}

static void close_handle(ftl_handle_t *h)
{
    if (*h) {
        ftl_err_t err = ftl_handle_close(*h); // also leaves the poll
        (void)err;
        *h = 0;
    }
}

static void cmd_free(struct cmd *c)
{
    close_handle(&c->ch);
    close_handle(&c->err_ch);
    c->state = CMD_FREE;
}

// The command is lost (the VM stopped): the client gets ERROR_REPLY `why`, then EOF.
static void cmd_fail(struct cmd *c, ftl_err_t why)
{
    if (c->ch && !c->client_gone) {
        ftl_err_t err = ftl_channel_send(c->ch, FTL_MSG_ERROR_REPLY, 0, &why, sizeof(why), NULL, 0);
        (void)err; // a full or closed client queue: the close says it as well
    }
    cmd_free(c);
}

void exec_open(struct exec_mux *m, ftl_handle_t ch, uint64_t cookie, const void *uri, size_t len)
{
    ftl_err_t err = FTL_OK;
    struct cmd *c = NULL;
    if (len <= 5 || memcmp(uri, "exec:", 5) != 0 || len - 5 >= sizeof(c->cmdline)) {
        err = len > 5 && memcmp(uri, "exec:", 5) == 0 ? FTL_ERR_TOO_LARGE : FTL_ERR_PARSE;
    } else if (m->down_err != FTL_OK) {
        err = m->down_err;
    }
    for (size_t i = 0; err == FTL_OK && !c && i < EXEC_CMDS; i++) {
        c = m->cmds[i].state == CMD_FREE ? &m->cmds[i] : NULL;
    }
    if (err == FTL_OK && !c) {
        err = FTL_ERR_TOO_MANY;
    }
    ftl_handle_t mine = 0, theirs = 0, mine_err = 0, theirs_err = 0;
    if (err == FTL_OK) {
        err = ftl_channel_create(&mine, &theirs);
    }
    if (err == FTL_OK) {
        err = ftl_channel_create(&mine_err, &theirs_err);
        if (err != FTL_OK) {
            close_handle(&mine);
            close_handle(&theirs);
        }
    }
    if (err != FTL_OK) {
        m->refused++;
        ftl_err_t e = ftl_channel_send(ch, FTL_MSG_ERROR_REPLY, cookie, &err, sizeof(err), NULL, 0);
        (void)e; // a client that does not read its replies loses them
        return;
    }
    ftl_handle_t hs[2] = {theirs, theirs_err};
    err = ftl_channel_send(ch, FTL_MSG_OPEN_REPLY, cookie, NULL, 0, hs, 2);
    if (err != FTL_OK) {
        close_handle(&mine);
        close_handle(&theirs);
        close_handle(&mine_err);
        close_handle(&theirs_err);
        return;
    }
    memset(c, 0, offsetof(struct cmd, cmdline));
    c->q.head = c->q.len = 0;
    c->stdin_credit = AGENT_WINDOW_INITIAL;
    c->out_credit = AGENT_WINDOW_INITIAL;
    c->state = CMD_QUEUED;
    c->ch = mine;
    c->err_ch = mine_err;
    c->ch_events = c->err_events = NOT_REGISTERED;
    c->cmdline_len = len - 5;
    memcpy(c->cmdline, (const char *)uri + 5, c->cmdline_len);
    m->opened++;
    update_watch(m, c);
    exec_pump(m);
}

// ---- output: guest -> client ----

static void grant(struct exec_mux *m, struct cmd *c, uint32_t n)
{
    (void)m;
    c->window_owed += n;
}

// Sends output on the client's channel of `stream`: FTL_OK also when it is gone (the
// bytes are dropped), FTL_ERR_FULL when the client has not made room.
static ftl_err_t send_output(struct cmd *c, uint8_t stream, const uint8_t *data, size_t len)
{
    ftl_handle_t *h = stream == STREAM_OUT ? &c->ch : &c->err_ch;
    if (*h == 0 || c->client_gone) {
        return FTL_OK;
    }
    ftl_err_t err = ftl_channel_send(*h, FTL_MSG_DATA, FTL_LINUX_STDIO, data, len, NULL, 0);
    if (err == FTL_ERR_FULL) {
        return err;
    }
    if (err != FTL_OK) {
        // Gone (PEER_CLOSED): stdout's channel closing means the client left.
        if (stream == STREAM_OUT) {
            c->client_gone = true;
        }
        close_handle(h);
    }
    return FTL_OK;
}

// The client closed its channel (or a send found it gone): its channels close, its
// queued output is dropped (and granted back, so the command can run to its end), and
// a started command gets EOF and SIGKILL; the slot is free once the agent's EXIT came.
static void client_left(struct exec_mux *m, struct cmd *c)
{
    c->client_gone = true;
    if (c->left) {
        return;
    }
    c->left = true;
    close_handle(&c->ch);
    close_handle(&c->err_ch);
    static uint8_t buf[AGENT_PAYLOAD_MAX];
    while (c->q.len > 0) {
        uint8_t stream;
        size_t len = outq_peek(&c->q, &stream, buf);
        outq_drop(&c->q, len);
        grant(m, c, (uint32_t)len);
    }
    c->stash_len = 0;
    if (!c->exec_sent || c->exited) {
        cmd_free(c);
        return;
    }
    c->eof_pending = !c->eof_sent;
    c->signal_pending = 9; // SIGKILL
}

// Delivers queued output, then the exit status; frees the command when all is out.
static void deliver(struct exec_mux *m, struct cmd *c)
{
    static uint8_t buf[AGENT_PAYLOAD_MAX];
    while (c->q.len > 0) {
        uint8_t stream;
        size_t len = outq_peek(&c->q, &stream, buf);
        if (send_output(c, stream, buf, len) == FTL_ERR_FULL) {
            break;
        }
        outq_drop(&c->q, len);
        grant(m, c, (uint32_t)len);
    }
    if (c->client_gone) {
        client_left(m, c);
        if (c->state == CMD_FREE) {
            return;
        }
    }
    if (c->exited && c->q.len == 0) {
        if (c->ch && !c->client_gone) {
            ftl_err_t err = ftl_channel_send(c->ch, FTL_MSG_DATA, FTL_LINUX_EXIT, &c->status,
                                             sizeof(c->status), NULL, 0);
            if (err == FTL_ERR_FULL) {
                update_watch(m, c);
                return;
            }
        }
        cmd_free(c);
        return;
    }
    update_watch(m, c);
}

static void on_output(struct exec_mux *m, struct cmd *c, uint8_t stream, const uint8_t *data,
                      uint32_t len)
{
    if (len > c->out_credit) {
        // More than the agent was granted: dropped (never buffered beyond a window).
        if (c->dropped == 0) {
            FTL_WARN("linux: command %u sent output beyond its window; dropping it",
                     (unsigned)c->id);
        }
        c->dropped += len;
        return;
    }
    c->out_credit -= len;
    if (c->q.len == 0 && send_output(c, stream, data, len) == FTL_OK) {
        grant(m, c, len);
    } else if (!outq_put(&c->q, stream, data, len)) {
        // Only many tiny frames of alternating streams get here (entry headers).
        if (c->dropped == 0) {
            FTL_WARN("linux: command %u: output queue full; dropping output", (unsigned)c->id);
        }
        c->dropped += len;
        grant(m, c, len);
    }
    deliver(m, c);
}

// ---- frames from the agent ----

static struct cmd *find_cmd(struct exec_mux *m, uint32_t id)
{
    for (size_t i = 0; i < EXEC_CMDS; i++) {
        struct cmd *c = &m->cmds[i];
        if (c->state == CMD_RUNNING && c->exec_sent && !c->exited && c->id == id) {
            return c;
        }
    }
    return NULL;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void exec_on_frame(void *ctx, const struct agent_hdr *h, const uint8_t *payload)
{
    struct exec_mux *m = ctx;
    if (h->type == AGENT_HELLO) {
        if (m->agent_ready) {
            // The agent started again: what it ran is gone.
            FTL_WARN("linux: the agent said HELLO again; its commands are lost");
            for (size_t i = 0; i < EXEC_CMDS; i++) {
                if (m->cmds[i].state == CMD_RUNNING) {
                    cmd_fail(&m->cmds[i], FTL_ERR_PEER_CLOSED);
                }
            }
        }
        m->agent_ready = true;
        size_t n = h->len < sizeof(m->agent_version) - 1 ? h->len : sizeof(m->agent_version) - 1;
        for (size_t i = 0; i < n; i++) { // for the log: printable bytes only
            m->agent_version[i] = payload[i] >= 0x20 && payload[i] < 0x7f ? (char)payload[i] : '.';
        }
        m->agent_version[n] = '\0';
        exec_pump(m);
        return;
    }
    struct cmd *c = find_cmd(m, h->id);
    if (!c) {
        m->unknown_frames++; // e.g. output racing a command the VM restart failed
        return;
    }
    switch (h->type) {
    case AGENT_WINDOW: {
        uint32_t n = get_u32(payload);
        // The agent cannot owe us more than a window: cap what it grants.
        uint32_t cap = 16u * AGENT_WINDOW_INITIAL;
        c->stdin_credit = n > cap - c->stdin_credit ? cap : c->stdin_credit + n;
        break;
    }
    case AGENT_STDOUT:
    case AGENT_STDERR:
        on_output(m, c, h->type == AGENT_STDOUT ? STREAM_OUT : STREAM_ERR, payload, h->len);
        break;
    case AGENT_EXIT:
        c->exited = true;
        c->status = (int32_t)get_u32(payload);
        deliver(m, c);
        break;
    default:
        break; // the link lets only the types above through
    }
    exec_pump(m);
}

// ---- input: client -> guest ----

// Sends one pending control frame or stash of `c` if the link has room; false if not.
static bool send_pending(struct exec_mux *m, struct cmd *c)
{
    struct agent_link *l = m->link;
    if (c->state == CMD_QUEUED) {
        if (!m->agent_ready || !link_has_room(l, c->cmdline_len)) {
            return false;
        }
        c->id = m->next_id++;
        if (m->next_id == 0) {
            m->next_id = 1;
        }
        ftl_err_t err = link_send(l, AGENT_EXEC, c->id, c->cmdline, c->cmdline_len);
        (void)err; // room was checked
        c->state = CMD_RUNNING;
        c->exec_sent = true;
    }
    if (c->exited) {
        return true; // the agent freed the id: nothing more goes to it
    }
    if (c->window_owed >= GRANT_MIN && !c->exited) {
        if (!link_has_room(l, 4)) {
            return false;
        }
        ftl_err_t err = link_send(l, AGENT_WINDOW, c->id, &c->window_owed, 4);
        (void)err;
        c->out_credit += c->window_owed;
        c->window_owed = 0;
    }
    if (c->stash_len > 0 && c->stdin_credit > 0) {
        size_t n = c->stash_len < c->stdin_credit ? c->stash_len : c->stdin_credit;
        if (link_send(l, AGENT_STDIN, c->id, c->stash, n) != FTL_OK) {
            return false;
        }
        c->stdin_credit -= (uint32_t)n;
        memmove(c->stash, c->stash + n, c->stash_len - n);
        c->stash_len -= n;
    }
    if (c->eof_pending && c->stash_len == 0) {
        if (link_send(l, AGENT_STDIN_EOF, c->id, NULL, 0) != FTL_OK) {
            return false;
        }
        c->eof_pending = false;
        c->eof_sent = true;
    }
    if (c->signal_pending) {
        if (link_send(l, AGENT_SIGNAL, c->id, &c->signal_pending, 4) != FTL_OK) {
            return false;
        }
        c->signal_pending = 0;
    }
    return true;
}

// One message from the client's channel: stdin bytes, EOF or a signal.
static void on_client_msg(struct cmd *c, const struct ftl_msg *msg)
{
    for (uint32_t i = 0; i < msg->nhandles; i++) {
        ftl_err_t err = ftl_handle_close(msg->handles[i]); // the protocol carries none
        (void)err;
    }
    if (msg->type != FTL_MSG_DATA) {
        return;
    }
    if (msg->cookie == FTL_LINUX_STDIO && !c->eof_pending && !c->eof_sent) {
        memcpy(c->stash, msg->data, msg->len); // sent by send_pending as credit allows
        c->stash_len = msg->len;
    } else if (msg->cookie == FTL_LINUX_EOF) {
        c->eof_pending = !c->eof_sent;
    } else if (msg->cookie == FTL_LINUX_SIGNAL && msg->len == 4) {
        uint32_t sig = get_u32(msg->data);
        c->signal_pending = sig > 0 && sig < 65 ? sig : 0;
    }
}

static void read_stdin(struct exec_mux *m, struct cmd *c)
{
    static struct ftl_msg msg;
    while (can_read_stdin(m, c)) {
        ftl_err_t err = ftl_channel_recv(c->ch, &msg);
        if (err == FTL_ERR_EMPTY) {
            return;
        }
        if (err != FTL_OK) {
            client_left(m, c);
            return;
        }
        on_client_msg(c, &msg);
        if (!send_pending(m, c)) {
            return;
        }
    }
}

void exec_pump(struct exec_mux *m)
{
    for (uint32_t k = 0; k < EXEC_CMDS; k++) {
        struct cmd *c = &m->cmds[(m->rr + k) % EXEC_CMDS];
        if (c->state == CMD_FREE) {
            continue;
        }
        if (send_pending(m, c)) {
            read_stdin(m, c);
        }
        if (c->state != CMD_FREE) {
            update_watch(m, c);
        }
    }
    m->rr = (m->rr + 1) % EXEC_CMDS;
}

void exec_on_event(struct exec_mux *m, uint32_t index, bool is_err, uint32_t events)
{
    if (index >= EXEC_CMDS || m->cmds[index].state == CMD_FREE) {
        return;
    }
    struct cmd *c = &m->cmds[index];
    if (events & FTL_PEER_CLOSED) {
        if (!is_err) {
            client_left(m, c); // closing the channel is the client's EOF and kill
            exec_pump(m);
            return;
        }
        close_handle(&c->err_ch); // stderr unwanted: from now on it is dropped
    }
    deliver(m, c);
    if (c->state != CMD_FREE) {
        exec_pump(m);
    }
}

void exec_vm_stopped(struct exec_mux *m, ftl_err_t down_err)
{
    m->agent_ready = false;
    m->down_err = down_err;
    for (size_t i = 0; i < EXEC_CMDS; i++) {
        struct cmd *c = &m->cmds[i];
        if (c->state == CMD_RUNNING || (c->state == CMD_QUEUED && down_err != FTL_OK)) {
            cmd_fail(c, c->state == CMD_RUNNING ? FTL_ERR_PEER_CLOSED : down_err);
        }
    }
}
