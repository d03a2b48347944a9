// shell: the prompt on the serial console (docs/shell.md). Typed bytes arrive as DATA
// messages on the `console` env item (grants: { console: true }); the shell echoes and
// prints with ftl_console_write. An empty DATA message means a log line erased the
// prompt: the shell draws it again. Other lines are pipelines of apps (pipe.c).
#include <ftl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lineedit.h"
#include "shell.h"

#define CHILDREN_MAX 16
#define APPS_LIST_MAX 64
#define PROMPT "ftl> "

struct child {
    char name[FTL_ENV_NAME_MAX];
    ftl_handle_t handle; // from ftl_process_spawn; 0: slot free
};

static struct le editor;
static struct child children[CHILDREN_MAX];
static struct ftl_app_entry app_list[APPS_LIST_MAX];
static size_t napps;
ftl_handle_t poll_h;
static struct ftl_msg msg;
static char log_buf[16384];
static struct ftl_ps_entry ps_list[64];

static const char *const builtins[] = {"help", "ps", "log", "apps", "start", "stop",
                                       "restart", "kill", "stats", "clear"};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))
static const char *const mode_names[] = {"inkernel", "user", "wasm", "js", "vmm"};

static const char *mode_name(uint32_t m)
{
    return m < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m] : "?";
}

void put(const char *s, size_t len)
{
    while (len > 0) {
        size_t n = len < FTL_MSG_DATA_MAX ? len : FTL_MSG_DATA_MAX;
        (void)ftl_console_write(s, n);
        s += n;
        len -= n;
    }
}

void say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0) {
        put(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    }
}

static void load_apps(void)
{
    if (ftl_apps(app_list, APPS_LIST_MAX, &napps) != FTL_OK) {
        napps = 0;
    }
}

bool app_exists(const char *name)
{
    for (size_t i = 0; i < napps; i++) {
        if (strcmp(app_list[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

// Tab's candidates: the built-ins (first word only), then the image's apps.
static const char *complete(void *ctx, bool first, size_t i)
{
    (void)ctx;
    if (first) {
        if (i < NBUILTINS) {
            return builtins[i];
        }
        i -= NBUILTINS;
    }
    return i < napps ? app_list[i].name : NULL;
}

static struct child *find_child(const char *name)
{
    for (size_t i = 0; i < CHILDREN_MAX; i++) {
        if (children[i].handle && strcmp(children[i].name, name) == 0) {
            return &children[i];
        }
    }
    return NULL;
}

static void cmd_help(void)
{
    static const char text[] =
        "built-in commands:\n"
        "  help          this list\n"
        "  ps            running processes\n"
        "  log [-f] [APP] the recent kernel log, or only APP's lines; -f: follow it\n"
        "  apps          the apps this image holds, with their isolation modes\n"
        "  start APP     start an instance of APP (the shell's spawn grant lists which)\n"
        "  stop APP      end an app this shell started (kill is the same)\n"
        "  restart APP   stop APP if this shell started it, then start it again\n"
        "  stats         kernel-wide memory and process figures\n"
        "  clear         clear the screen\n"
        "keys: Left/Right, Backspace, Ctrl-A/E/U/W/K, Up/Down for history, Tab completes,\n"
        "      Ctrl-C drops the line, Ctrl-L clears the screen.\n"
        "anything else runs apps as a pipeline (docs/pipes.md):\n"
        "  APP [ARGS] [| APP [ARGS]]... [< file:/in] [> file:/out]   e.g. seq 1 5 | wc -l\n"
        "  user:APP picks the stage's isolation mode; Ctrl-C stops the pipeline.\n";
    put(text, sizeof(text) - 1);
}

static void cmd_ps(void)
{
    size_t n = 0;
    ftl_err_t err = ftl_ps(ps_list, sizeof(ps_list) / sizeof(ps_list[0]), &n);
    if (err != FTL_OK) {
        say("ps: %s\n", ftl_err_str(err));
        return;
    }
    say("%-16s %-9s %7s %10s %10s\n", "NAME", "MODE", "HANDLES", "MEM KiB", "KMEM KiB");
    for (size_t i = 0; i < n; i++) {
        const struct ftl_ps_entry *e = &ps_list[i];
        say("%-16s %-9s %7u %10llu %10llu\n", e->name, mode_name(e->isolation), e->handles,
            (unsigned long long)(e->memory / 1024), (unsigned long long)(e->kmem_used / 1024));
    }
}

// The app named in a log line "[name   ] LEVEL msg": true if it is `app`.
static bool line_is_from(const char *line, size_t len, const char *app)
{
    if (len < 2 || line[0] != '[') {
        return false;
    }
    size_t n = strlen(app);
    if (len < n + 2 || strncmp(line + 1, app, n) != 0) {
        return false;
    }
    size_t i = n + 1;
    while (i < len && line[i] == ' ') {
        i++;
    }
    return i < len && line[i] == ']';
}

static void cmd_log(const char *app)
{
    size_t n = 0;
    ftl_err_t err = ftl_log_read(log_buf, sizeof(log_buf), &n);
    if (err != FTL_OK) {
        say("log: %s\n", ftl_err_str(err));
        return;
    }
    size_t start = 0;
    if (n == sizeof(log_buf)) { // the ring wrapped: skip the cut first line
        while (start < n && log_buf[start] != '\n') {
            start++;
        }
        start++;
    }
    while (start < n) {
        size_t end = start;
        while (end < n && log_buf[end] != '\n') {
            end++;
        }
        if (!app || line_is_from(log_buf + start, end - start, app)) {
            put(log_buf + start, end - start);
            put("\n", 1);
        }
        start = end + 1;
    }
}

// `log -f [APP]`: the kernel stops printing log lines on the console and the shell
// prints the new ones (APP's only, if given) until Ctrl-C.
static struct {
    bool on;
    char app[FTL_ENV_NAME_MAX];
    uint64_t pos;
    char part[512]; // the start of a line whose end has not been logged yet
    size_t part_len;
} follow;

static void follow_line(const char *line, size_t len)
{
    if (!follow.app[0] || line_is_from(line, len, follow.app)) {
        put(line, len);
        put("\n", 1);
    }
}

static void follow_pump(void)
{
    for (;;) {
        size_t n = 0;
        if (ftl_log_since(&follow.pos, log_buf, sizeof(log_buf), &n) != FTL_OK || n == 0) {
            return;
        }
        size_t start = 0;
        for (size_t i = 0; i < n; i++) {
            if (log_buf[i] != '\n') {
                continue;
            }
            if (follow.part_len) { // completes the carried start of a line
                size_t take = i - start;
                take = take < sizeof(follow.part) - follow.part_len ? take
                                                                     : sizeof(follow.part) - follow.part_len;
                memcpy(follow.part + follow.part_len, log_buf + start, take);
                follow_line(follow.part, follow.part_len + take);
                follow.part_len = 0;
            } else {
                follow_line(log_buf + start, i - start);
            }
            start = i + 1;
        }
        size_t rest = n - start;
        rest = rest < sizeof(follow.part) - follow.part_len ? rest : sizeof(follow.part) - follow.part_len;
        memcpy(follow.part + follow.part_len, log_buf + start, rest);
        follow.part_len += rest;
    }
}

static void follow_start(const char *app)
{
    follow.pos = FTL_LOG_NOW;
    size_t n;
    if (ftl_log_since(&follow.pos, log_buf, 0, &n) != FTL_OK || ftl_console_mute(true) != FTL_OK) {
        say("log: cannot follow the log\n");
        return;
    }
    snprintf(follow.app, sizeof(follow.app), "%s", app ? app : "");
    follow.part_len = 0;
    follow.on = true;
    say("(following the log%s%s; Ctrl-C stops)\n", app ? " of " : "", app ? app : "");
}

static void follow_stop(void)
{
    follow_pump();
    follow.on = false;
    (void)ftl_console_mute(false);
}

static void cmd_apps(void)
{
    load_apps();
    say("%-16s %-9s %s\n", "APP", "MODE", "STATE");
    for (size_t i = 0; i < napps; i++) {
        const struct ftl_app_entry *a = &app_list[i];
        const char *state = (a->flags & FTL_APP_RUNNING) ? "started at boot"
                            : (a->flags & FTL_APP_STARTS) ? "-"
                                                           : "cannot start (see the boot log)";
        say("%-16s %-9s %s\n", a->name, mode_name(a->isolation), state);
    }
}

static void cmd_start(const char *app)
{
    size_t slot = 0;
    while (slot < CHILDREN_MAX && children[slot].handle) {
        slot++;
    }
    if (slot == CHILDREN_MAX) {
        say("start: this shell already runs %d apps\n", CHILDREN_MAX);
        return;
    }
    ftl_handle_t h;
    ftl_err_t err = ftl_process_spawn(app, &h);
    if (err != FTL_OK) {
        say("start: %s: %s\n", app, ftl_err_str(err));
        return;
    }
    if (ftl_poll_add(poll_h, h, FTL_READABLE, &children[slot]) != FTL_OK) {
        say("start: %s: started, but the shell cannot watch it\n", app);
    }
    snprintf(children[slot].name, sizeof(children[slot].name), "%s", app);
    children[slot].handle = h;
    say("started %s\n", app);
}

static void forget_child(struct child *c)
{
    (void)ftl_poll_remove(poll_h, c->handle);
    (void)ftl_handle_close(c->handle);
    c->handle = 0;
}

static void cmd_stop(const char *cmd, const char *app)
{
    struct child *c = find_child(app);
    if (!c) {
        say("%s: %s: not started by this shell (start it first)\n", cmd, app);
        return;
    }
    ftl_err_t err = ftl_process_kill(c->handle);
    if (err != FTL_OK) {
        say("%s: %s: %s\n", cmd, app, ftl_err_str(err));
        return;
    }
    forget_child(c);
    say("stopped %s\n", app);
}

static void cmd_stats(void)
{
    struct ftl_sys_stats s;
    ftl_err_t err = ftl_sys_stats(&s);
    if (err != FTL_OK) {
        say("stats: %s\n", ftl_err_str(err));
        return;
    }
    say("uptime        %lld ms\n"
        "processes     %llu\n"
        "free memory   %llu KiB\n"
        "kernel heap   %llu KiB in use\n"
        "kmem charged  %llu KiB (reserve %llu KiB, %llu refusals)\n",
        (long long)(s.uptime_ns / 1000000), (unsigned long long)s.processes,
        (unsigned long long)(s.free_pages * 4), (unsigned long long)(s.heap_used / 1024),
        (unsigned long long)(s.kmem_charged / 1024), (unsigned long long)(s.kmem_reserve / 1024),
        (unsigned long long)s.kmem_refusals);
}

// Splits `line` in place into at most `max` words; returns how many.
static size_t split(char *line, char **words, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p == ' ' || *p == '\t') {
            *p++ = '\0';
        }
        if (!*p) {
            break;
        }
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t') {
            p++;
        }
    }
    return n;
}

static bool is_builtin(const char *word)
{
    for (size_t i = 0; i < NBUILTINS; i++) {
        if (strcmp(builtins[i], word) == 0) {
            return true;
        }
    }
    return false;
}

static void run(char *line)
{
    char copy[LE_LINE_MAX + 1];
    snprintf(copy, sizeof(copy), "%s", line);
    char *w[4];
    size_t n = split(copy, w, 4);
    if (n > 0 && (!is_builtin(w[0]) || strpbrk(line, "|<>"))) {
        (void)pipe_start(line);
        return;
    }
    if (n == 0) {
        return;
    }
    const char *arg = n > 1 ? w[1] : NULL;
    if (strcmp(w[0], "help") == 0) {
        cmd_help();
    } else if (strcmp(w[0], "ps") == 0) {
        cmd_ps();
    } else if (strcmp(w[0], "log") == 0) {
        if (arg && strcmp(arg, "-f") == 0) {
            cmd_log(n > 2 ? w[2] : NULL);
            follow_start(n > 2 ? w[2] : NULL);
        } else {
            cmd_log(arg);
        }
    } else if (strcmp(w[0], "apps") == 0) {
        cmd_apps();
    } else if (strcmp(w[0], "stats") == 0) {
        cmd_stats();
    } else if (strcmp(w[0], "clear") == 0) {
        say("\033[H\033[2J");
    } else if (strcmp(w[0], "start") == 0 || strcmp(w[0], "stop") == 0 ||
               strcmp(w[0], "kill") == 0 || strcmp(w[0], "restart") == 0) {
        if (!arg) {
            say("usage: %s APP\n", w[0]);
        } else if (w[0][2] == 'a') {
            cmd_start(arg);
        } else if (w[0][0] == 'r') {
            if (find_child(arg)) {
                cmd_stop("restart", arg);
            }
            cmd_start(arg);
        } else {
            cmd_stop(w[0], arg);
        }
    } else {
        say("shell: unknown command '%s' (help lists the commands)\n", w[0]);
    }
}

static void show(void)
{
    put(editor.out, editor.out_len);
}

static void on_input(const uint8_t *data, size_t len)
{
    if (follow.on) { // keys go nowhere while following; Ctrl-C or Ctrl-D stops it
        if (memchr(data, 0x03, len) || memchr(data, 0x04, len)) {
            follow_stop();
            say("^C\n");
            editor.out_len = 0;
            le_redraw(&editor);
            show();
            editor.out_len = 0;
        }
        return;
    }
    if (pipe_running()) { // keys go nowhere while a pipeline runs; Ctrl-C stops it
        if (memchr(data, 0x03, len)) {
            pipe_interrupt();
            say("^C\n");
            le_redraw(&editor);
            show();
            editor.out_len = 0;
        }
        return;
    }
    if (len == 0) { // a log line erased the prompt
        le_redraw(&editor);
        show();
        editor.out_len = 0;
        return;
    }
    for (size_t i = 0; i < len; i++) {
        enum le_result r = le_feed(&editor, (char)data[i]);
        show();
        if (r == LE_LINE) {
            run(editor.line);
            if (pipe_running() || follow.on) { // the prompt comes back when it ends
                editor.out_len = 0;
                return;
            }
        }
        if (r != LE_NONE) {
            editor.out_len = 0;
            le_redraw(&editor);
            show();
        }
    }
}

static void on_child_exit(struct child *c)
{
    if (!c->handle) {
        return;
    }
    say("\r\033[K[%s ended]\n", c->name);
    forget_child(c);
    editor.out_len = 0;
    le_redraw(&editor);
    show();
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t console;
    FTL_CHECK(ftl_env_channel(env, "console", &console));
    FTL_CHECK(ftl_poll_create(&poll_h));
    FTL_CHECK(ftl_poll_add(poll_h, console, FTL_READABLE, NULL));
    load_apps();
    le_init(&editor, PROMPT, complete, NULL);
    say("FTL shell: type help for the commands\n");
    le_redraw(&editor);
    show();
    for (;;) {
        struct ftl_event ev;
        ftl_err_t werr = ftl_poll_wait(poll_h, follow.on ? 100000000 : FTL_NO_TIMEOUT, &ev);
        if (follow.on) {
            follow_pump(); // new log lines, every 100 ms at most
        }
        if (werr != FTL_OK) {
            continue;
        }
        bool done;
        if (pipe_event(&ev, &done)) {
            if (done) {
                editor.out_len = 0;
                le_redraw(&editor);
                show();
                editor.out_len = 0;
            }
            continue;
        }
        if (ev.ctx != 0) { // a child's handle: it ended
            on_child_exit((struct child *)(uintptr_t)ev.ctx);
            continue;
        }
        ftl_err_t err = ftl_channel_recv(console, &msg);
        if (err == FTL_ERR_PEER_CLOSED) {
            ftl_exit(0);
        }
        if (err == FTL_OK && msg.type == FTL_MSG_DATA) {
            on_input(msg.data, msg.len);
        }
    }
}
