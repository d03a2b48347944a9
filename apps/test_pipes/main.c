// test_pipes: ftl_process_spawn_ex and pipe stages (tests/test_pipes.py boots it with
// upper, wc and hello).
#include <ftl.h>
#include <ftl/test.h>
#include <string.h>

static struct ftl_spawn_opts opts;
static struct ftl_msg msg;
static char got[8192];

static void item(const char *name, uint32_t kind, ftl_handle_t h, const char *str)
{
    struct ftl_spawn_item *it = &opts.items[opts.nitems++];
    memset(it, 0, sizeof(*it));
    strcpy(it->name, name);
    it->kind = kind;
    it->handle = h;
    strcpy(it->str, str ? str : "");
}

// opts for a stage reading `in` and writing `out`, with `args` if not NULL.
static void stage_opts(int mode, ftl_handle_t in, ftl_handle_t out, const char *args)
{
    memset(&opts, 0, sizeof(opts));
    opts.isolation = mode;
    item("stdin", FTL_ENV_CHANNEL, in, NULL);
    item("stdout", FTL_ENV_CHANNEL, out, NULL);
    if (args) {
        item("args", FTL_ENV_STRING, 0, args);
    }
}

// Waits for one message on `ch`; FTL_ERR_PEER_CLOSED at its end.
static ftl_err_t recv_wait(ftl_handle_t ch)
{
    ftl_handle_t p;
    ftl_err_t err = ftl_poll_create(&p);
    if (err != FTL_OK) {
        return err;
    }
    (void)ftl_poll_add(p, ch, FTL_READABLE, NULL);
    while ((err = ftl_channel_recv(ch, &msg)) == FTL_ERR_EMPTY) {
        struct ftl_event ev;
        if (ftl_poll_wait(p, 5000000000ll, &ev) != FTL_OK) {
            break;
        }
    }
    (void)ftl_handle_close(p);
    return err;
}

// Waits until process `proc` has ended, then closes its handle.
static void wait_ended(ftl_handle_t proc)
{
    ftl_handle_t p;
    struct ftl_event ev;
    CHECK_OK(ftl_poll_create(&p));
    CHECK_OK(ftl_poll_add(p, proc, FTL_READABLE, NULL));
    CHECK_OK(ftl_poll_wait(p, 5000000000ll, &ev));
    CHECK_OK(ftl_handle_close(p));
    CHECK_OK(ftl_handle_close(proc));
}

// Runs `app` as a stage on `input`, collects all it writes into got[]; its length.
static size_t run_stage(const char *app, int mode, const char *args, const char *input)
{
    ftl_handle_t w0, r0, w1, r1, proc;
    CHECK_OK(ftl_channel_create(&w0, &r0));
    CHECK_OK(ftl_channel_create(&w1, &r1));
    stage_opts(mode, r0, w1, args);
    CHECK_OK(ftl_process_spawn_ex(app, &opts, &proc));
    // The channels moved: they are no longer ours (the process handle may reuse one
    // of their numbers).
    CHECK(proc == r0 || ftl_handle_close(r0) == FTL_ERR_BAD_HANDLE);
    CHECK(proc == w1 || ftl_handle_close(w1) == FTL_ERR_BAD_HANDLE);
    CHECK_OK(ftl_channel_send_data(w0, input, strlen(input)));
    CHECK_OK(ftl_handle_close(w0)); // EOF
    size_t n = 0;
    while (recv_wait(r1) == FTL_OK) {
        if (msg.type == FTL_MSG_DATA && n + msg.len <= sizeof(got)) {
            memcpy(got + n, msg.data, msg.len);
            n += msg.len;
        }
    }
    CHECK_OK(ftl_handle_close(r1));
    wait_ended(proc);
    got[n] = '\0';
    return n;
}

static void upper_is_a_stage_in_its_spec_mode(void)
{
    run_stage("upper", FTL_SPAWN_SPEC_MODE, NULL, "hello, pipes\n");
    CHECK(strcmp(got, "HELLO, PIPES\n") == 0);
}

static void upper_is_a_stage_in_user_mode(void)
{
    run_stage("upper", 1, NULL, "abc");
    CHECK(strcmp(got, "ABC") == 0);
}

static void wasi_wc_gets_args_and_stdin(void)
{
    run_stage("wc", FTL_SPAWN_SPEC_MODE, "-l", "a\nb b\nc\n");
    CHECK(strcmp(got, "3\n") == 0);
    run_stage("wc", FTL_SPAWN_SPEC_MODE, NULL, "one two\nthree\n");
    CHECK(strcmp(got, "      2       3      14\n") == 0);
}

// Spawns with opts and expects `want`; the handles must still be ours afterwards.
static void refused(const char *app, ftl_err_t want, ftl_handle_t in, ftl_handle_t out)
{
    ftl_handle_t proc = 0;
    CHECK_ERR(ftl_process_spawn_ex(app, &opts, &proc), want);
    CHECK(proc == 0);
    ftl_handle_t hs[2] = {in, out};
    for (int i = 0; i < 2; i++) {
        ftl_handle_t a, b; // a handle still ours can be sent away and taken back
        CHECK_OK(ftl_channel_create(&a, &b));
        CHECK_OK(ftl_channel_send(a, FTL_MSG_DATA, 0, NULL, 0, &hs[i], 1));
        CHECK_OK(recv_wait(b));
        CHECK(msg.nhandles == 1);
        if (msg.nhandles == 1) {
            hs[i] = msg.handles[0];
        }
        CHECK_OK(ftl_handle_close(a));
        CHECK_OK(ftl_handle_close(b));
        CHECK_OK(ftl_handle_close(hs[i]));
    }
}

static void bad_spawns_are_refused_and_move_nothing(void)
{
    struct {
        const char *what;
        ftl_err_t want;
    } cases[] = {
        {"too many items", FTL_ERR_TOO_LARGE},  {"bad name", FTL_ERR_INVALID_ARG},
        {"repeated name", FTL_ERR_INVALID_ARG}, {"repeated handle", FTL_ERR_INVALID_ARG},
        {"unknown kind", FTL_ERR_INVALID_ARG},  {"unterminated", FTL_ERR_INVALID_ARG},
        {"not a channel", FTL_ERR_WRONG_TYPE},  {"closed handle", FTL_ERR_BAD_HANDLE},
        {"bad mode", FTL_ERR_INVALID_ARG},      {"inkernel", FTL_ERR_INVALID_ARG},
        {"no wasm build", FTL_ERR_UNSUPPORTED}, {"spec's name", FTL_ERR_INVALID_ARG},
        {"not granted", FTL_ERR_DENIED},        {"negative mode", FTL_ERR_INVALID_ARG},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        ftl_handle_t a, b, poll;
        CHECK_OK(ftl_channel_create(&a, &b));
        CHECK_OK(ftl_poll_create(&poll));
        stage_opts(FTL_SPAWN_SPEC_MODE, a, b, "x");
        const char *app = "upper";
        switch (c) {
        case 0:
            opts.nitems = FTL_SPAWN_ITEMS_MAX + 1;
            break;
        case 1:
            strcpy(opts.items[0].name, "Std-in");
            break;
        case 2:
            strcpy(opts.items[1].name, "stdin");
            break;
        case 3:
            opts.items[1].handle = a;
            break;
        case 4:
            opts.items[2].kind = 99;
            break;
        case 5:
            memset(opts.items[2].str, 'x', sizeof(opts.items[2].str));
            break;
        case 6:
            opts.items[1].handle = poll;
            break;
        case 7:
            opts.items[1].handle = 250;
            break;
        case 8:
            opts.isolation = 42;
            break;
        case 9:
            app = "wc";
            opts.isolation = 0;
            break;
        case 10:
            opts.isolation = 2;
            break;
        case 11:
            app = "hello";
            strcpy(opts.items[2].name, "greeting");
            break;
        case 12:
            app = "test_exit";
            break;
        case 13:
            opts.isolation = -7;
            break;
        }
        FTL_INFO("case: %s", cases[c].what);
        refused(app, cases[c].want, a, b);
        CHECK_OK(ftl_handle_close(poll));
    }
    ftl_handle_t proc;
    CHECK_ERR(ftl_process_spawn_ex("upper", (const void *)8, &proc), FTL_ERR_BAD_ADDRESS);
    CHECK_ERR(ftl_process_spawn_ex("upper", NULL, &proc), FTL_ERR_BAD_ADDRESS);
}

// A stage whose reader stalls: the writer's sends turn FULL after a bounded number of
// messages (the two queues and what the stage holds), and nothing grows after that.
static void a_stalled_pipe_holds_a_bounded_amount(void)
{
    ftl_handle_t w0, r0, w1, r1, proc;
    CHECK_OK(ftl_channel_create(&w0, &r0));
    CHECK_OK(ftl_channel_create(&w1, &r1));
    stage_opts(FTL_SPAWN_SPEC_MODE, r0, w1, NULL);
    CHECK_OK(ftl_process_spawn_ex("upper", &opts, &proc));
    static char block[FTL_MSG_DATA_MAX];
    memset(block, 'a', sizeof(block));
    struct ftl_sys_stats mid, end;
    int sent = 0;
    for (int tries = 0; tries < 300; tries++) {
        ftl_err_t err = ftl_channel_send_data(w0, block, sizeof(block));
        if (err == FTL_OK) {
            sent++;
            continue;
        }
        CHECK_ERR(err, FTL_ERR_FULL);
        ftl_sleep_ns(20000000);   // let the stage run: it fills its stdout, then stops
        if (tries == sent + 20) { // FULL for a while: the stage is stuck writing
            CHECK_OK(ftl_sys_stats(&mid));
        }
    }
    CHECK_OK(ftl_sys_stats(&end));
    FTL_INFO("stalled pipe: %d messages of 4 KiB taken; kmem charged %llu -> %llu KiB", sent,
             (unsigned long long)mid.kmem_charged / 1024,
             (unsigned long long)end.kmem_charged / 1024);
    CHECK(sent >= FTL_CHANNEL_QUEUE_MAX && sent <= 2 * FTL_CHANNEL_QUEUE_MAX + 2);
    CHECK(end.kmem_charged == mid.kmem_charged);
    CHECK_OK(ftl_process_kill(proc));
    wait_ended(proc);
    CHECK_OK(ftl_handle_close(w0));
    CHECK_OK(ftl_handle_close(r1));
}

static void status_tells_how_a_stage_ended(void)
{
    ftl_handle_t w0, r0, w1, r1, proc, p;
    int32_t code = 42;
    struct ftl_event ev;
    CHECK_OK(ftl_poll_create(&p));
    for (int kill = 0; kill < 2; kill++) {
        CHECK_OK(ftl_channel_create(&w0, &r0));
        CHECK_OK(ftl_channel_create(&w1, &r1));
        stage_opts(1, r0, w1, NULL);
        CHECK_OK(ftl_process_spawn_ex("upper", &opts, &proc));
        CHECK_ERR(ftl_process_status(proc, &code), FTL_ERR_EMPTY); // waits for stdin
        CHECK_OK(ftl_poll_add(p, proc, FTL_READABLE, NULL));
        CHECK_OK(kill ? ftl_process_kill(proc) : ftl_handle_close(w0)); // killed, or EOF
        CHECK_OK(ftl_poll_wait(p, 5000000000ll, &ev));
        CHECK_OK(ftl_process_status(proc, &code));
        CHECK(code == (kill ? -1 : 0));
        CHECK_OK(ftl_handle_close(proc));
        CHECK_OK(ftl_handle_close(r1));
        if (kill) {
            CHECK_OK(ftl_handle_close(w0));
        }
    }
    CHECK_ERR(ftl_process_status(p, &code), FTL_ERR_WRONG_TYPE);
    CHECK_ERR(ftl_process_status(999, &code), FTL_ERR_BAD_HANDLE);
    CHECK_OK(ftl_handle_close(p));
}

static void stages_give_back_everything(void)
{
    struct ftl_sys_stats before, after;
    CHECK_OK(ftl_sys_stats(&before));
    for (int i = 0; i < 20; i++) {
        run_stage("upper", 1, NULL, "x");
        run_stage("wc", FTL_SPAWN_SPEC_MODE, "-c", "xyz");
    }
    ftl_sleep_ns(100000000);
    CHECK_OK(ftl_sys_stats(&after));
    CHECK(after.processes == before.processes);
    CHECK(after.free_pages == before.free_pages);
    CHECK(after.kmem_charged == before.kmem_charged);
}

void app_main(const struct ftl_env *env)
{
    (void)env;
    ftl_sleep_ns(300000000);             // the boot apps settle first
    run_stage("upper", 1, NULL, "warm"); // warm the kernel heap's free lists
    run_stage("wc", FTL_SPAWN_SPEC_MODE, NULL, "warm");
    test_state.passed = test_state.failed = 0;
    run_test("pipes.upper_is_a_stage_in_its_spec_mode", upper_is_a_stage_in_its_spec_mode);
    run_test("pipes.upper_is_a_stage_in_user_mode", upper_is_a_stage_in_user_mode);
    run_test("pipes.wasi_wc_gets_args_and_stdin", wasi_wc_gets_args_and_stdin);
    run_test("pipes.bad_spawns_are_refused_and_move_nothing",
             bad_spawns_are_refused_and_move_nothing);
    run_test("pipes.a_stalled_pipe_holds_a_bounded_amount", a_stalled_pipe_holds_a_bounded_amount);
    run_test("pipes.status_tells_how_a_stage_ended", status_tells_how_a_stage_ended);
    run_test("pipes.stages_give_back_everything", stages_give_back_everything);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
