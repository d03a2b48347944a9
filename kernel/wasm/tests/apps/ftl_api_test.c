// ftl_api_test: exercises every function of the `ftl` import module, including bad
// addresses and limits, and prints one TEST line per check (run by test-wasi).
#include <ftl_wasm.h>

static int passed;
static int failed;

static void check(const char *name, ftl_err_t got, ftl_err_t want)
{
    if (got == want) {
        printf("TEST PASS ftl.%s\n", name);
        passed++;
    } else {
        printf("TEST FAIL ftl.%s: want %s got %s\n", name, ftl_err_str(want), ftl_err_str(got));
        failed++;
    }
}

static void check_true(const char *name, bool ok)
{
    check(name, ok ? FTL_OK : FTL_ERR_INVALID_ARG, FTL_OK);
}

static struct ftl_msg msg;
// An address past the end of linear memory: the runtime must refuse it.
#define BAD_PTR ((void *)(uintptr_t)0xfffffff0u)

static void test_channels(void)
{
    ftl_handle_t a, b, c, d;
    check("channel_create", ftl_channel_create(&a, &b), FTL_OK);
    check("recv_empty", ftl_channel_recv(b, &msg), FTL_ERR_EMPTY);
    check("send", ftl_channel_send(a, FTL_MSG_OPEN, 77, "abc", 3, NULL, 0), FTL_OK);
    check("recv", ftl_channel_recv(b, &msg), FTL_OK);
    check_true("recv_fields", msg.type == FTL_MSG_OPEN && msg.cookie == 77 && msg.len == 3 &&
                                  memcmp(msg.data, "abc", 3) == 0 && msg.nhandles == 0);

    check("channel_create_2", ftl_channel_create(&c, &d), FTL_OK);
    check("send_handle", ftl_channel_send(a, FTL_MSG_DATA, 0, "h", 1, &d, 1), FTL_OK);
    check("sent_handle_is_gone", ftl_handle_close(d), FTL_ERR_BAD_HANDLE);
    check("recv_handle", ftl_channel_recv(b, &msg), FTL_OK);
    check_true("recv_handle_count", msg.nhandles == 1);
    check("send_on_moved_pair", ftl_channel_send_data(c, "x", 1), FTL_OK);
    check("recv_on_received_handle", ftl_channel_recv(msg.handles[0], &msg), FTL_OK);

    static char big[FTL_MSG_DATA_MAX + 1];
    check("send_too_large", ftl_channel_send_data(a, big, sizeof(big)), FTL_ERR_TOO_LARGE);
    check("send_bad_data", ftl_channel_send_data(a, BAD_PTR, 100), FTL_ERR_BAD_ADDRESS);
    struct ftl_msg_out mo = {.type = FTL_MSG_DATA};
    check("send_bad_msg", ftl_import_channel_send(a, BAD_PTR), FTL_ERR_BAD_ADDRESS);
    check("send_reserved_set", (mo.reserved = 1, ftl_import_channel_send(a, &mo)),
          FTL_ERR_INVALID_ARG);
    check("recv_bad_ptr", ftl_import_channel_recv(b, BAD_PTR), FTL_ERR_BAD_ADDRESS);
    check("create_bad_ptr", ftl_import_channel_create(BAD_PTR, &c), FTL_ERR_BAD_ADDRESS);

    ftl_err_t err = FTL_OK;
    int sent = 0;
    while ((err = ftl_channel_send_data(a, "f", 1)) == FTL_OK) {
        sent++;
    }
    check("send_to_full_queue", err, FTL_ERR_FULL);
    check_true("queue_holds_64", sent == FTL_CHANNEL_QUEUE_MAX);

    check("close", ftl_handle_close(a), FTL_OK);
    check("recv_drains_before_peer_closed", ftl_channel_recv(b, &msg), FTL_OK);
    check("send_to_closed_peer", ftl_channel_send_data(b, "x", 1), FTL_ERR_PEER_CLOSED);
    check("close_twice", ftl_handle_close(a), FTL_ERR_BAD_HANDLE);
}

static void test_poll_and_timers(void)
{
    ftl_handle_t p, t, a, b;
    int ctx_mark;
    check("poll_create", ftl_poll_create(&p), FTL_OK);
    check("timer_create", ftl_timer_create(&t), FTL_OK);
    check("poll_add", ftl_poll_add(p, t, FTL_READABLE, &ctx_mark), FTL_OK);
    check("poll_add_twice", ftl_poll_add(p, t, FTL_READABLE, NULL), FTL_ERR_ALREADY_EXISTS);
    check("poll_wait_times_out", ftl_poll_wait(p, 1000000, &(struct ftl_event){0}),
          FTL_ERR_TIMED_OUT);
    int64_t start = ftl_time_now();
    check("timer_set", ftl_timer_set(t, start + 2000000), FTL_OK);
    struct ftl_event ev;
    check("poll_wait_timer", ftl_poll_wait(p, FTL_NO_TIMEOUT, &ev), FTL_OK);
    check_true("timer_event", ev.handle == t && (ev.events & FTL_READABLE) &&
                                  ev.ctx == (uint64_t)(uintptr_t)&ctx_mark &&
                                  ftl_time_now() >= start + 2000000);
    check("poll_wait_bad_ptr", ftl_import_poll_wait(p, 0, BAD_PTR), FTL_ERR_BAD_ADDRESS);
    check("poll_modify", ftl_poll_modify(p, t, FTL_WRITABLE, NULL), FTL_OK);
    check("poll_remove", ftl_poll_remove(p, t), FTL_OK);
    check("poll_remove_unwatched", ftl_poll_remove(p, t), FTL_ERR_NOT_FOUND);
    check("channel_create_for_poll", ftl_channel_create(&a, &b), FTL_OK);
    check("poll_add_channel", ftl_poll_add(p, b, FTL_READABLE, NULL), FTL_OK);
    check("close_peer", ftl_handle_close(a), FTL_OK);
    check("peer_closed_wakes_poll", ftl_poll_wait(p, FTL_NO_TIMEOUT, &ev), FTL_OK);
    check_true("peer_closed_event", ev.handle == b && (ev.events & FTL_PEER_CLOSED));
    check("poll_add_receive_on_timer", ftl_poll_add(p, t, FTL_READABLE | FTL_RECEIVE, NULL),
          FTL_ERR_INVALID_ARG);
    ftl_handle_t c, d, q;
    check("channel_create_for_wait_msg", ftl_channel_create(&c, &d), FTL_OK);
    check("poll_create_for_wait_msg", ftl_poll_create(&q), FTL_OK);
    check("poll_add_receive", ftl_poll_add(q, d, FTL_READABLE | FTL_RECEIVE, NULL), FTL_OK);
    check("send_for_wait_msg", ftl_channel_send_data(c, "msg", 3), FTL_OK);
    static struct ftl_msg got;
    check("poll_wait_msg_bad_ptr", ftl_poll_wait_msg(q, 0, &ev, BAD_PTR), FTL_ERR_BAD_ADDRESS);
    check("poll_wait_msg", ftl_poll_wait_msg(q, 0, &ev, &got), FTL_OK);
    check_true("poll_wait_msg_received", ev.handle == d &&
                                             ev.events == (FTL_READABLE | FTL_RECEIVE) &&
                                             got.len == 3 && memcmp(got.data, "msg", 3) == 0);
    check("poll_wait_msg_drained", ftl_channel_recv(d, &got), FTL_ERR_EMPTY);
    check("close_c", ftl_handle_close(c), FTL_OK);
    check("close_d", ftl_handle_close(d), FTL_OK);
    check("close_q", ftl_handle_close(q), FTL_OK);
    check("timer_set_negative", ftl_timer_set(t, -1), FTL_ERR_INVALID_ARG);
    check("timer_set_on_poll", ftl_timer_set(p, 0), FTL_ERR_WRONG_TYPE);
    start = ftl_time_now();
    ftl_sleep_ns(1000000);
    check_true("sleep", ftl_time_now() >= start + 1000000);
}

static void test_env_and_log(void)
{
    const struct ftl_env *env = ftl_env_load();
    check_true("env_load", env != NULL && strcmp(ftl_env_app_name(env), "ftl_api_test") == 0);
    const char *s = NULL;
    check("env_string", ftl_env_string(env, "GREETING", &s), FTL_OK);
    check_true("env_string_value", s && strcmp(s, "hi there") == 0);
    check("env_missing", ftl_env_string(env, "NOPE", &s), FTL_ERR_NOT_FOUND);
    ftl_handle_t in;
    check("env_channel", ftl_env_channel(env, "stdin", &in), FTL_OK);
    check("env_wrong_type", ftl_env_string(env, "stdin", &s), FTL_ERR_WRONG_TYPE);
    struct ftl_env_item it;
    check("env_lookup", ftl_env_lookup("GREETING", &it), FTL_OK);
    check_true("env_lookup_value", it.kind == FTL_ENV_STRING && strcmp(it.str, "hi there") == 0);
    check("env_lookup_missing", ftl_env_lookup("NOPE", &it), FTL_ERR_NOT_FOUND);
    check("env_get_too_small", ftl_import_env_get(&it, 8, &(uint32_t){0}),
          FTL_ERR_BUFFER_TOO_SMALL);

    check("log_write", ftl_import_log_write(FTL_LOG_DEBUG, "a debug line", 12), FTL_OK);
    check("log_bad_level", ftl_import_log_write(9, "x", 1), FTL_ERR_INVALID_ARG);
    check("log_too_long", ftl_import_log_write(FTL_LOG_INFO, "x", 5000), FTL_ERR_TOO_LARGE);
    check("log_bad_ptr", ftl_import_log_write(FTL_LOG_INFO, BAD_PTR, 100), FTL_ERR_BAD_ADDRESS);
    ftl_yield();
    check_true("yield_returns", true);
}

int main(void)
{
    test_channels();
    test_poll_and_timers();
    test_env_and_log();
    printf("TEST DONE passed=%d failed=%d\n", passed, failed);
    return failed ? 1 : 0;
}
