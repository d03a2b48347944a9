// test_control: the controller calls with hostile arguments, then good ones. One TEST
// line per check, then TEST DONE.
#include <ftl.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check_err(const char *name, ftl_err_t got, ftl_err_t want)
{
    bool ok = got == want;
    passed += ok;
    failed += !ok;
    if (ok) {
        FTL_INFO("TEST PASS %s", name);
    } else {
        FTL_INFO("TEST FAIL %s: want %s got %s", name, ftl_err_str(want), ftl_err_str(got));
    }
}

static const char exit_spec[] = "name: test_exit\nisolation: user\n";

static ftl_err_t spawn(const char *spec, size_t len, const void *bin, size_t bin_len,
                       uint32_t flags, ftl_handle_t *out)
{
    struct ftl_app_spawn_args a = {.spec = spec, .spec_len = len, .binary = bin,
                                   .binary_len = bin_len, .flags = flags};
    return ftl_app_spawn(&a, out);
}

// Waits for process handle `h` to end and returns how.
static struct ftl_process_info wait_end(ftl_handle_t h)
{
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, h, FTL_READABLE, NULL));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    FTL_CHECK(ftl_handle_close(poll));
    struct ftl_process_info info;
    FTL_CHECK(ftl_process_info(h, &info));
    return info;
}

static void hostile_arguments(const struct ftl_env *env)
{
    static struct ftl_spec_info info;
    static char big[FTL_SPEC_TEXT_MAX + 1];
    ftl_handle_t h;
    check_err("control.check_bad_pointer", ftl_app_check((const char *)8, 10, &info),
              FTL_ERR_BAD_ADDRESS);
    check_err("control.check_bad_out", ftl_app_check(exit_spec, sizeof(exit_spec) - 1,
              (struct ftl_spec_info *)8), FTL_ERR_BAD_ADDRESS);
    check_err("control.check_too_large", ftl_app_check(big, sizeof(big), &info),
              FTL_ERR_TOO_LARGE);
    check_err("control.check_bad_spec", ftl_app_check("name: x\nisolation: usr\n", 23, &info),
              FTL_ERR_PARSE);
    check_err("control.check_reason_has_line", info.line == 2 &&
              strstr(info.reason, "unknown isolation 'usr'") ? FTL_OK : FTL_ERR_PARSE, FTL_OK);
    check_err("control.check_good_spec", ftl_app_check(exit_spec, sizeof(exit_spec) - 1, &info),
              FTL_OK);
    check_err("control.spawn_bad_args_pointer", ftl_app_spawn((void *)8, &h), FTL_ERR_BAD_ADDRESS);
    check_err("control.spawn_bad_out", spawn(exit_spec, sizeof(exit_spec) - 1, NULL, 0, 0,
              (ftl_handle_t *)8), FTL_ERR_BAD_ADDRESS);
    check_err("control.spawn_unknown_flag", spawn(exit_spec, sizeof(exit_spec) - 1, NULL, 0, 0x80,
              &h), FTL_ERR_INVALID_ARG);
    static const char grant_spec[] = "name: test_exit\nisolation: user\ngrants: { control: true }\n";
    check_err("control.spawn_cannot_grant_control",
              spawn(grant_spec, sizeof(grant_spec) - 1, NULL, 0, 0, &h), FTL_ERR_DENIED);
    static const char garbage[64] = "\x7f" "ELF but not really";
    check_err("control.spawn_garbage_binary",
              spawn(exit_spec, sizeof(exit_spec) - 1, garbage, sizeof(garbage), 0, &h),
              FTL_ERR_PARSE);
    check_err("control.spawn_binary_bad_pointer",
              spawn(exit_spec, sizeof(exit_spec) - 1, (void *)8, 4096, 0, &h),
              FTL_ERR_BAD_ADDRESS);
    check_err("control.spawn_binary_too_large",
              spawn(exit_spec, sizeof(exit_spec) - 1, garbage, FTL_APP_BINARY_MAX + 1, 0, &h),
              FTL_ERR_TOO_LARGE);
    static const char wasm_spec[] = "name: test_exit\nisolation: wasm\n";
    // The kernel keeps its own copy of an uploaded module; one the engine rejects ends
    // its app at start with one line, the copy freed with it.
    check_err("control.spawn_wasm_upload_gets_a_kernel_copy",
              spawn(wasm_spec, sizeof(wasm_spec) - 1, garbage, sizeof(garbage), 0, &h), FTL_OK);
    (void)ftl_handle_close(h);
    static const char nobin_spec[] = "name: no_such_app\nisolation: user\n";
    check_err("control.spawn_without_binary", spawn(nobin_spec, sizeof(nobin_spec) - 1, NULL, 0,
              0, &h), FTL_ERR_NOT_FOUND);
    static const char steal_spec[] = "name: thief\nisolation: user\nexports: [{service: echo}]\n";
    check_err("control.spawn_cannot_take_anothers_service",
              spawn(steal_spec, sizeof(steal_spec) - 1, garbage, sizeof(garbage), 0, &h),
              FTL_ERR_ALREADY_EXISTS);
    check_err("control.adopt_nul_in_name", ftl_app_adopt("echo\0x", 6, &h), FTL_ERR_INVALID_ARG);
    check_err("control.adopt_too_long", ftl_app_adopt(big, 40, &h), FTL_ERR_TOO_LARGE);
    check_err("control.adopt_self", ftl_app_adopt("test_control", 12, &h), FTL_ERR_NOT_FOUND);
    check_err("control.route_not_a_process", ftl_app_route(ftl_env_system(env)),
              FTL_ERR_WRONG_TYPE);
    check_err("control.info_not_a_process",
              ftl_process_info(ftl_env_system(env), &(struct ftl_process_info){0}),
              FTL_ERR_WRONG_TYPE);
    check_err("control.connect_unknown_service", ftl_service_connect("nope", 4, &h),
              FTL_ERR_NOT_FOUND);
    check_err("control.connect_bad_out", ftl_service_connect("echo", 4, (ftl_handle_t *)8),
              FTL_ERR_BAD_ADDRESS);
    // Tracing and the channel graph need their own grants (trace, ps), not control.
    check_err("control.trace_needs_its_grant", ftl_trace_attach("echo", 4, &h), FTL_ERR_DENIED);
    static struct ftl_channel_edge edges[4];
    size_t n;
    check_err("control.graph_needs_ps", ftl_channel_graph(edges, 4, &n), FTL_ERR_DENIED);
}

static void good_calls(void)
{
    ftl_handle_t h, echo;
    check_err("control.spawn_image_binary", spawn(exit_spec, sizeof(exit_spec) - 1, NULL, 0, 0, &h),
              FTL_OK);
    struct ftl_process_info info = wait_end(h);
    check_err("control.info_after_exit", info.exited == 1 && info.code == 0 && !info.killed
              ? FTL_OK : FTL_ERR_INVALID_ARG, FTL_OK);
    FTL_CHECK(ftl_handle_close(h));
    check_err("control.adopt_echo", ftl_app_adopt("echo", 4, &echo), FTL_OK);
    check_err("control.adopt_twice", ftl_app_adopt("echo", 4, &h), FTL_ERR_NOT_FOUND);
    check_err("control.route_echo", ftl_app_route(echo), FTL_OK);
    ftl_handle_t ch;
    check_err("control.connect_echo", ftl_service_connect("echo", 4, &ch), FTL_OK);
    check_err("control.echo_answers", ftl_channel_send_data(ch, "hi", 2), FTL_OK);
    FTL_CHECK(ftl_process_kill(echo));
    info = wait_end(echo);
    check_err("control.info_after_kill", info.exited && info.killed && info.code == -1
              ? FTL_OK : FTL_ERR_INVALID_ARG, FTL_OK);
    check_err("control.connect_to_a_gone_server", ftl_service_connect("echo", 4, &h),
              FTL_ERR_PEER_CLOSED);
    check_err("control.reconnect_times_out", ftl_service_reconnect("echo", 100000000, &h),
              FTL_ERR_TIMED_OUT);
}

void app_main(const struct ftl_env *env)
{
    hostile_arguments(env);
    good_calls();
    FTL_INFO("TEST DONE passed=%d failed=%d", passed, failed);
}
