// pingpong: measures channel round trips with the generic timer, for 0, 64, 1024 and
// 4096-byte messages, two ways: three calls (send, wait on a poll, receive) and one
// (ftl_channel_call); and what a queued message costs the kernel in RAM and in
// charged kernel memory.
#include <ftl.h>
#include <string.h>

static struct ftl_msg reply;
static uint8_t payload[FTL_MSG_DATA_MAX];

static void round_trip(ftl_handle_t poll, ftl_handle_t echo, size_t size)
{
    FTL_CHECK(ftl_channel_send_data(echo, payload, size));
    struct ftl_event ev;
    FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    FTL_CHECK(ftl_channel_recv(echo, &reply));
}

static void call_round_trip(ftl_handle_t poll, ftl_handle_t echo, size_t size)
{
    (void)poll;
    FTL_CHECK(ftl_channel_call_data(echo, payload, size, &reply));
}

typedef void (*round_trip_fn)(ftl_handle_t poll, ftl_handle_t echo, size_t size);

// Times `rounds` round trips of each size; logs "BENCH <name> bytes=... ".
static void measure(const char *name, round_trip_fn fn, ftl_handle_t poll, ftl_handle_t echo,
                    int64_t rounds)
{
    static const size_t sizes[] = {0, 64, 1024, 4096};
    FTL_INFO("%s: %8s %12s %14s", name, "bytes", "ns/round", "messages/s");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int w = 0; w < 100; w++) {
            fn(poll, echo, sizes[i]); // warm up
        }
        int64_t start = ftl_time_now();
        for (int64_t r = 0; r < rounds; r++) {
            fn(poll, echo, sizes[i]);
        }
        int64_t ns = (ftl_time_now() - start) / rounds;
        int64_t rate = ns > 0 ? 2 * 1000000000ll / ns : 0;
        FTL_INFO("%s: %8zu %12lld %14lld", name, sizes[i], (long long)ns, (long long)rate);
        FTL_INFO("BENCH %s bytes=%zu ns_per_round_trip=%lld msgs_per_s=%lld", name, sizes[i],
                 (long long)ns, (long long)rate);
    }
}

// Free RAM (the kernel trims its heap before it counts free pages).
static uint64_t free_bytes(struct ftl_sys_stats *st)
{
    FTL_CHECK(ftl_sys_stats(st));
    return st->free_pages * 4096;
}

// Queues 8 x 64 messages of `size` bytes on channels of our own and reports the RAM
// and the charged kernel memory each one took.
static void message_cost(size_t size)
{
    enum { PAIRS = 8 };
    ftl_handle_t a[PAIRS], b[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        FTL_CHECK(ftl_channel_create(&a[i], &b[i]));
    }
    struct ftl_sys_stats before, after;
    uint64_t ram = free_bytes(&before);
    for (int i = 0; i < PAIRS; i++) {
        for (int n = 0; n < FTL_CHANNEL_QUEUE_MAX; n++) {
            FTL_CHECK(ftl_channel_send_data(a[i], payload, size));
        }
    }
    ram -= free_bytes(&after);
    int64_t count = PAIRS * FTL_CHANNEL_QUEUE_MAX;
    FTL_INFO("BENCH msgcost bytes=%zu ram_per_msg=%lld charged_per_msg=%lld", size,
             (long long)(ram / count),
             (long long)((after.kmem_charged - before.kmem_charged) / count));
    for (int i = 0; i < PAIRS; i++) {
        FTL_CHECK(ftl_handle_close(a[i]));
        FTL_CHECK(ftl_handle_close(b[i]));
    }
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo, poll;
    int64_t rounds;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_env_number(env, "rounds", &rounds));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, echo, FTL_READABLE, NULL));

    // The cheapest kernel call: closing handle 0 is rejected at once.
    int64_t start = ftl_time_now();
    for (int64_t r = 0; r < rounds; r++) {
        (void)ftl_handle_close(0);
    }
    int64_t null_ns = (ftl_time_now() - start) / rounds;
    FTL_INFO("null kernel call: %lld ns", (long long)null_ns);
    FTL_INFO("BENCH nullcall ns=%lld", (long long)null_ns);
    struct ftl_msg *m = &reply;
    start = ftl_time_now();
    for (int64_t r = 0; r < rounds; r++) {
        (void)ftl_channel_recv(echo, m);
    }
    FTL_INFO("BENCH recv_empty ns=%lld", (long long)((ftl_time_now() - start) / rounds));

    // `measure` (optional): only one of the two ways ("pingpong" or "call").
    const char *only = "";
    (void)ftl_env_string(env, "measure", &only);
    if (strcmp(only, "call") != 0) {
        measure("pingpong", round_trip, poll, echo, rounds);
    }
    // ftl_channel_call waits on the channel itself: the poll must not watch it.
    FTL_CHECK(ftl_poll_remove(poll, echo));
    if (strcmp(only, "pingpong") != 0) {
        measure("call", call_round_trip, poll, echo, rounds);
    }
    message_cost(0);
    message_cost(4096);
    FTL_INFO("BENCH done");
}
