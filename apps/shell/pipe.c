// Pipelines (docs/pipes.md): each stage is an app spawned with ftl_process_spawn_ex, its
// `stdin` and `stdout` channels and its `args` string in its environ. The last stage's
// stdout comes back to the shell, which writes it to the console as it arrives: the
// console's pace is the pipeline's (each channel holds at most 64 messages).
#include <stdio.h>
#include <string.h>

#include "shell.h"

#define STAGES_MAX 8
#define WORDS_MAX 24
#define RECV_BURST 16 // messages shown per event, so Ctrl-C is seen between bursts

struct stage {
    char app[FTL_ENV_NAME_MAX];
    int mode; // FTL_SPAWN_SPEC_MODE or a mode number
    char args[FTL_ENV_STRING_MAX];
    ftl_handle_t proc; // 0: not running
    int32_t code;      // how it ended (ftl_process_status)
};

static struct stage stages[STAGES_MAX];
static size_t nstages;
static ftl_handle_t out_ch; // the last stage's stdout; 0: closed
static bool running;
static bool line_open; // the last byte shown was not a newline
static struct ftl_spawn_opts opts;
static struct ftl_msg out_msg;
static const char *const modes[] = {"inkernel", "user", "wasm", "js", "vmm"};

static int ctx_out; // the address is the out channel's poll context

// "user:upper" -> mode 1, app "upper"; "upper" -> the spec's mode. -2: no such mode.
static int split_mode(const char *word, const char **out_app)
{
    const char *colon = strchr(word, ':');
    *out_app = word;
    if (!colon) {
        return FTL_SPAWN_SPEC_MODE;
    }
    *out_app = colon + 1;
    for (int m = 0; m < (int)(sizeof(modes) / sizeof(modes[0])); m++) {
        if (strlen(modes[m]) == (size_t)(colon - word) &&
            strncmp(word, modes[m], (size_t)(colon - word)) == 0) {
            return m;
        }
    }
    return -2;
}

static bool add_stage(const char *app, int mode, const char *args)
{
    if (nstages == STAGES_MAX) {
        say("shell: at most %d stages in a pipeline\n", STAGES_MAX);
        return false;
    }
    struct stage *s = &stages[nstages++];
    memset(s, 0, sizeof(*s));
    snprintf(s->app, sizeof(s->app), "%s", app);
    s->mode = mode;
    if ((size_t)snprintf(s->args, sizeof(s->args), "%s", args) >= sizeof(s->args)) {
        say("shell: %s: arguments too long (at most %zu bytes)\n", app, sizeof(s->args) - 1);
        return false;
    }
    return true;
}

// One stage's words: [mode:]app args...; redirections were taken out already.
static bool parse_stage(char **w, size_t n)
{
    const char *app;
    int mode = split_mode(w[0], &app);
    if (mode == -2) {
        say("shell: %s: unknown isolation mode (inkernel, user, wasm, js, vmm)\n", w[0]);
        return false;
    }
    if (strcmp(app, "linux") == 0) {
        // `linux tr a-z A-Z`: the linux_run stage runs the rest of the words in the Linux
        // VM (exec: on the linux service), with the same stdin/stdout contract.
        if (!app_exists("linux_run") || !app_exists("linux")) {
            say("shell: linux stages need the Linux VM, which this image does not hold\n");
            return false;
        }
        if (n < 2) {
            say("shell: linux: which command? (e.g. linux tr a-z A-Z)\n");
            return false;
        }
        app = "linux_run"; // its args: the words after `linux`, joined below
    }
    if (!app_exists(app)) {
        say("shell: unknown command '%s' (help lists the commands)\n", app);
        return false;
    }
    char args[FTL_ENV_STRING_MAX + 1] = "";
    size_t len = 0;
    for (size_t i = 1; i < n; i++) {
        len += (size_t)snprintf(args + len, len < sizeof(args) ? sizeof(args) - len : 0, "%s%s",
                                i > 1 ? " " : "", w[i]);
        if (len >= sizeof(args)) {
            say("shell: %s: arguments too long (at most %d bytes)\n", app, FTL_ENV_STRING_MAX - 1);
            return false;
        }
    }
    return add_stage(app, mode, args);
}

// Splits a segment between pipes into words; takes `< URI`, `> URI`, `>> URI` out.
static bool parse_segment(char *seg, bool first, bool last, const char **in, const char **out,
                          bool *append)
{
    char *w[WORDS_MAX];
    size_t n = 0;
    for (char *p = strtok(seg, " \t"); p; p = strtok(NULL, " \t")) {
        if (n == WORDS_MAX) {
            say("shell: too many words (at most %d a stage)\n", WORDS_MAX);
            return false;
        }
        w[n++] = p;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        char *word = w[i];
        if (word[0] != '<' && word[0] != '>') {
            w[kept++] = word;
            continue;
        }
        bool is_in = word[0] == '<';
        bool app = !is_in && word[1] == '>';
        char *target = word + 1 + app;
        if (!*target) {
            target = i + 1 < n ? w[++i] : NULL;
        }
        if (!target || (is_in && !first) || (!is_in && !last)) {
            say("shell: %s needs a file:/path and goes %s\n", is_in ? "<" : ">",
                is_in ? "on the first stage" : "on the last stage");
            return false;
        }
        *(is_in ? in : out) = target;
        *append = *append || app;
    }
    if (kept == 0) {
        say("shell: a pipe stage is empty\n");
        return false;
    }
    return parse_stage(w, kept);
}

// Parses the line into stages[]: `< f` becomes a first stage `cat f`, `> f` a last
// stage `tee -q f` (`>> f`: `tee -a -q f`), so files go through the fs server.
static bool parse(char *line)
{
    nstages = 0;
    const char *in = NULL, *out = NULL;
    bool append = false;
    char *segs[STAGES_MAX];
    size_t nsegs = 0;
    for (char *p = line; p; nsegs++) {
        if (nsegs == STAGES_MAX) {
            say("shell: at most %d stages in a pipeline\n", STAGES_MAX);
            return false;
        }
        segs[nsegs] = p;
        p = strchr(p, '|');
        if (p) {
            *p++ = '\0';
        }
    }
    for (size_t i = 0; i < nsegs; i++) {
        if (!parse_segment(segs[i], i == 0, i + 1 == nsegs, &in, &out, &append)) {
            return false;
        }
    }
    if (in) { // `cat FILE` goes before the first stage
        if (!add_stage("cat", FTL_SPAWN_SPEC_MODE, in)) {
            return false;
        }
        struct stage cat = stages[nstages - 1];
        memmove(&stages[1], &stages[0], (nstages - 1) * sizeof(stages[0]));
        stages[0] = cat;
    }
    if (out) {
        char args[FTL_ENV_STRING_MAX];
        snprintf(args, sizeof(args), "%s-q %s", append ? "-a " : "", out);
        if (!add_stage("tee", FTL_SPAWN_SPEC_MODE, args)) {
            return false;
        }
    }
    return true;
}

static void add_item(const char *name, uint32_t kind, ftl_handle_t h, const char *str)
{
    struct ftl_spawn_item *it = &opts.items[opts.nitems++];
    memset(it, 0, sizeof(*it));
    snprintf(it->name, sizeof(it->name), "%s", name);
    it->kind = kind;
    it->handle = h;
    snprintf(it->str, sizeof(it->str), "%s", str ? str : "");
}

// Spawns stage `s` reading `in` (0: none) and writing `out`; both move to it.
static ftl_err_t spawn_stage(struct stage *s, ftl_handle_t in, ftl_handle_t out)
{
    memset(&opts, 0, sizeof(opts));
    opts.isolation = s->mode;
    if (in) {
        add_item("stdin", FTL_ENV_CHANNEL, in, NULL);
    }
    add_item("stdout", FTL_ENV_CHANNEL, out, NULL);
    if (s->args[0]) {
        add_item("args", FTL_ENV_STRING, 0, s->args);
    }
    return ftl_process_spawn_ex(s->app, &opts, &s->proc);
}

static void close_handle(ftl_handle_t *h)
{
    if (*h) {
        (void)ftl_poll_remove(poll_h, *h);
        (void)ftl_handle_close(*h);
        *h = 0;
    }
}

// Ends the pipeline: kills the stages still running (kill: true) and closes everything.
static void finish(bool kill)
{
    for (size_t i = 0; i < nstages; i++) {
        if (kill && stages[i].proc) {
            (void)ftl_process_kill(stages[i].proc);
        }
        close_handle(&stages[i].proc);
    }
    close_handle(&out_ch);
    running = false;
    if (line_open) {
        put("\n", 1);
        line_open = false;
    }
}

bool pipe_start(char *line)
{
    if (!parse(line)) {
        return false;
    }
    ftl_handle_t in = 0;
    for (size_t i = 0; i < nstages; i++) {
        ftl_handle_t w, r;
        ftl_err_t err = ftl_channel_create(&w, &r);
        if (err == FTL_OK) {
            err = spawn_stage(&stages[i], in, w);
            if (err != FTL_OK) {
                (void)ftl_handle_close(w);
                (void)ftl_handle_close(r);
            }
        }
        if (err != FTL_OK) {
            say("shell: %s%s%s: %s%s\n", stages[i].mode >= 0 ? modes[stages[i].mode] : "",
                stages[i].mode >= 0 ? ":" : "", stages[i].app, ftl_err_str(err),
                stages[i].mode < 0           ? ""
                : err == FTL_ERR_UNSUPPORTED ? " (the image has no build of it for that mode)"
                : err == FTL_ERR_INVALID_ARG ? " (only its spec may choose inkernel)"
                                             : "");
            if (in) {
                (void)ftl_handle_close(in);
            }
            stages[i].proc = 0;
            nstages = i;
            finish(true);
            return false;
        }
        (void)ftl_poll_add(poll_h, stages[i].proc, FTL_READABLE, &stages[i]);
        in = r;
    }
    out_ch = in;
    (void)ftl_poll_add(poll_h, out_ch, FTL_READABLE, &ctx_out);
    running = true;
    return true;
}

bool pipe_running(void)
{
    return running;
}

// Shows up to RECV_BURST messages of the last stage's output.
static void show_output(void)
{
    for (int i = 0; i < RECV_BURST; i++) {
        ftl_err_t err = ftl_channel_recv(out_ch, &out_msg);
        if (err == FTL_ERR_EMPTY) {
            return;
        }
        if (err != FTL_OK) { // PEER_CLOSED: the last stage is done writing
            close_handle(&out_ch);
            return;
        }
        for (uint32_t h = 0; h < out_msg.nhandles; h++) {
            (void)ftl_handle_close(out_msg.handles[h]);
        }
        if (out_msg.type == FTL_MSG_DATA && out_msg.len > 0) {
            put((const char *)out_msg.data, out_msg.len);
            line_open = out_msg.data[out_msg.len - 1] != '\n';
        }
    }
}

// Says which stages failed, once the pipeline has ended by itself.
static void report_failures(void)
{
    for (size_t i = 0; i < nstages; i++) {
        if (stages[i].code == -1) {
            say("shell: stage %zu (%s) crashed or was killed (see the log)\n", i + 1,
                stages[i].app);
        } else if (stages[i].code != 0) {
            say("shell: stage %zu (%s) exited with code %d\n", i + 1, stages[i].app,
                (int)stages[i].code);
        }
    }
}

bool pipe_event(const struct ftl_event *ev, bool *out_done)
{
    *out_done = false;
    void *ctx = (void *)(uintptr_t)ev->ctx;
    if (ctx == &ctx_out) {
        show_output();
    } else if (ctx >= (void *)&stages[0] && ctx < (void *)&stages[STAGES_MAX]) {
        struct stage *s = ctx; // it has ended
        if (ftl_process_status(s->proc, &s->code) != FTL_OK) {
            s->code = 0;
        }
        close_handle(&s->proc);
    } else {
        return false;
    }
    if (running && !out_ch) {
        bool all_ended = true;
        for (size_t i = 0; i < nstages; i++) {
            all_ended = all_ended && !stages[i].proc;
        }
        if (all_ended) {
            finish(false);
            report_failures();
            *out_done = true;
        }
    }
    return true;
}

void pipe_interrupt(void)
{
    if (running) {
        finish(true);
    }
}
