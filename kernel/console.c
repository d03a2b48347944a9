// The console's input and the shell's output. The UART's receive interrupt reads the
// typed bytes and sends them, one DATA message per interrupt, on a channel whose other
// end is the `console` env item of the app with `grants: { console: true }`. That app
// writes to the console with ftl_console_write. Log lines and its line share the screen
// this way: before a log line the kernel erases the holder's open line ("\r" and
// "ESC [K"), after it the kernel sends the holder an empty DATA message, which means
// "redraw your line" (docs/shell.md). Bytes typed with no holder are dropped and counted.
#include "console.h"
#include "channel.h"
#include "fdt.h"
#include "process.h"
#include "trap.h"

static struct channel *holder;   // the kernel's end of the holder's console channel
static bool line_open;           // the holder's last output byte was not '\n'
static bool erased;              // a log line erased it: the holder must redraw it
static bool muted;               // the holder shows log lines itself (ftl_console_mute)
static bool in_hook;             // log_line from inside console code: no recursion
static uint64_t dropped;

uint64_t console_dropped(void)
{
    return dropped;
}

// Sends `len` bytes (0: a redraw request) to the holder. False if none took them.
static bool deliver(const char *buf, size_t len)
{
    if (!holder) {
        return false;
    }
    if (!holder->peer) { // the holder ended: the console is free again
        object_unref(&holder->obj);
        holder = NULL;
        line_open = false;
        return false;
    }
    struct msg *m = msg_alloc(NULL, len);
    if (!m) {
        return false;
    }
    m->type = FTL_MSG_DATA;
    memcpy(m->data, buf, len);
    if (channel_send(holder, m) != FTL_OK) {
        msg_free(m);
        return false;
    }
    return true;
}

static void console_irq(void *ctx)
{
    (void)ctx;
    char buf[64];
    size_t n;
    while ((n = arch_console_read(buf, sizeof(buf))) > 0) {
        in_hook = true;
        if (!deliver(buf, n)) {
            dropped += n;
        }
        in_hook = false;
    }
}

void console_init(const struct board *b)
{
    if (!b->uart_irq || !arch_console_rx_enable()) {
        return;
    }
    if (irq_register(b->uart_irq, console_irq, NULL) != FTL_OK) {
        KWARN("console: interrupt %u is taken: no console input", b->uart_irq);
        return;
    }
    arch_irq_unmask(b->uart_irq);
}

ftl_err_t console_attach(struct process *p)
{
    if (!process_has_grant(p, SPEC_GRANT_CONSOLE)) {
        return FTL_ERR_DENIED; // spec_parse sets the grant only from the spec
    }
    if (holder && holder->peer) {
        return FTL_ERR_BUSY;
    }
    if (holder) {
        object_unref(&holder->obj);
        holder = NULL;
    }
    struct channel *mine, *theirs;
    ftl_err_t err = channel_create_pair(NULL, &mine, &theirs);
    if (err != FTL_OK) {
        return err;
    }
    err = process_env_add(p, "console", FTL_ENV_CHANNEL, "console", 0, &theirs->obj);
    if (err != FTL_OK) { // else the app's handle holds the reference to its end
        object_unref(&theirs->obj);
        object_unref(&mine->obj);
        return err;
    }
    holder = mine;
    line_open = false;
    erased = false;
    if (dropped > 0) {
        KINFO("console: %s holds it now; %llu bytes typed before were dropped", p->name,
              (unsigned long long)dropped);
    }
    return FTL_OK;
}

ftl_err_t sys_console_write(struct process *p, uaddr_t buf, size_t len)
{
    if (!process_has_grant(p, SPEC_GRANT_CONSOLE)) {
        return FTL_ERR_DENIED;
    }
    if (len > FTL_MSG_DATA_MAX) {
        return FTL_ERR_TOO_LARGE;
    }
    const char *from = process_range(p, buf, len, ARCH_PROT_READ);
    if (!from && len) {
        return FTL_ERR_BAD_ADDRESS;
    }
    if (len) {
        uint64_t flags = arch_irq_save();
        arch_console_write(from, len);
        line_open = from[len - 1] != '\n';
        arch_irq_restore(flags);
    }
    return FTL_OK;
}

void console_log_hook(bool after)
{
    if (!holder || in_hook) {
        return;
    }
    if (!after) {
        if (line_open) {
            arch_console_write("\r\033[K", 4);
            line_open = false;
            erased = true;
        }
        return;
    }
    if (erased) {
        erased = false;
        in_hook = true;
        (void)deliver("", 0);
        in_hook = false;
    }
}

bool console_log_muted(void)
{
    if (muted && (!holder || !holder->peer)) {
        muted = false; // its holder ended: the console shows the log again
    }
    return muted;
}

ftl_err_t sys_console_mute(struct process *p, uint32_t on)
{
    if (!process_has_grant(p, SPEC_GRANT_CONSOLE)) {
        return FTL_ERR_DENIED;
    }
    if (on > 1) {
        return FTL_ERR_INVALID_ARG;
    }
    muted = on && holder && holder->peer;
    return FTL_OK;
}
