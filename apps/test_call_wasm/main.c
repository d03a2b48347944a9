// test_call_wasm: ftl_channel_call and ftl_poll_wait_msg through the `ftl` import
// module: round trips to echo (which hands its replies straight into the runtime's
// buffer), ranges outside linear memory refused before anything is sent, and a wait
// that receives.
#include <ftl_wasm.h>
#include <string.h>

#define BAD_PTR ((void *)0xfffff000u) // far past the end of linear memory

static int passed;
static int failed;
static struct ftl_msg reply;
static uint8_t payload[FTL_MSG_DATA_MAX];

static void check(const char *name, bool ok)
{
    passed += ok;
    failed += !ok;
    FTL_INFO("TEST %s %s", ok ? "PASS" : "FAIL", name);
}

static void calls_round_trip_through_echo(ftl_handle_t echo)
{
    static const size_t sizes[] = {0, 1, 100, FTL_MSG_DATA_MAX};
    bool ok = true;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t j = 0; j < sizes[i]; j++) {
            payload[j] = (uint8_t)(i * 7 + j);
        }
        ok = ok && ftl_channel_call_data(echo, payload, sizes[i], &reply) == FTL_OK &&
             reply.type == FTL_MSG_DATA && reply.len == sizes[i] &&
             memcmp(reply.data, payload, sizes[i]) == 0;
    }
    check("wasm_call.round_trips_through_echo", ok);
}

static void bad_ranges_send_nothing(ftl_handle_t echo)
{
    check("wasm_call.reply_outside_memory",
          ftl_channel_call_data(echo, "x", 1, BAD_PTR) == FTL_ERR_BAD_ADDRESS);
    check("wasm_call.request_outside_memory",
          ftl_import_channel_call(echo, BAD_PTR, FTL_NO_TIMEOUT, &reply) == FTL_ERR_BAD_ADDRESS);
    check("wasm_call.data_outside_memory",
          ftl_channel_call_data(echo, BAD_PTR, 16, &reply) == FTL_ERR_BAD_ADDRESS);
    check("wasm_call.negative_timeout",
          ftl_channel_call(echo, FTL_MSG_DATA, 0, "x", 1, NULL, 0, -1, &reply) ==
              FTL_ERR_INVALID_ARG);
    // Nothing reached echo: the next reply is the next request's.
    bool ok = ftl_channel_call_data(echo, "next", 4, &reply) == FTL_OK && reply.len == 4 &&
              memcmp(reply.data, "next", 4) == 0 &&
              ftl_channel_recv(echo, &reply) == FTL_ERR_EMPTY;
    check("wasm_call.nothing_was_sent", ok);
}

static void wait_msg_receives(void)
{
    ftl_handle_t a, b, poll;
    FTL_CHECK(ftl_channel_create(&a, &b));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, b, FTL_READABLE | FTL_RECEIVE, NULL));
    FTL_CHECK(ftl_channel_send_data(a, "hello", 5));
    struct ftl_event ev;
    static struct ftl_msg msg;
    check("wasm_wait_msg.bad_msg_buffer",
          ftl_poll_wait_msg(poll, 0, &ev, BAD_PTR) == FTL_ERR_BAD_ADDRESS);
    bool ok = ftl_poll_wait_msg(poll, 0, &ev, &msg) == FTL_OK && ev.handle == b &&
              ev.events == (FTL_READABLE | FTL_RECEIVE) && msg.len == 5 &&
              memcmp(msg.data, "hello", 5) == 0 &&
              ftl_poll_wait_msg(poll, 0, &ev, &msg) == FTL_ERR_TIMED_OUT;
    check("wasm_wait_msg.receives_with_the_event", ok);
    // A call on our own pair: the request waits in b, the call times out.
    ok = ftl_channel_call(a, FTL_MSG_DATA, 0, "q", 1, NULL, 0, 1000000, &reply) ==
             FTL_ERR_TIMED_OUT &&
         ftl_channel_recv(b, &msg) == FTL_OK && msg.len == 1;
    check("wasm_call.times_out_with_the_request_sent", ok);
    FTL_CHECK(ftl_handle_close(a));
    FTL_CHECK(ftl_handle_close(b));
    FTL_CHECK(ftl_handle_close(poll));
}

int main(void)
{
    const struct ftl_env *env = ftl_env_load();
    ftl_handle_t echo;
    if (!env || ftl_env_channel(env, "echo", &echo) != FTL_OK) {
        FTL_ERROR("no echo channel in the environ");
        return 1;
    }
    calls_round_trip_through_echo(echo);
    bad_ranges_send_nothing(echo);
    wait_msg_receives();
    FTL_INFO("TEST DONE passed=%d failed=%d", passed, failed);
    return 0;
}
