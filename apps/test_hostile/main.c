// test_hostile: a hostile app for the hardening tests, built both as a native app
// (user or inkernel) and as a WebAssembly module (apps/test_hostile_wasm). It says
// hello on `check`, is told one attack, takes that kind of kernel resource until
// the kernel refuses, gives one unit back so it can still talk, reports
// "done <attack> <count> <error>" and holds everything until `check` closes.
#ifdef __wasm32__
#include <ftl_wasm.h>
#else
#include <ftl.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 4096

static ftl_handle_t items[MAX_ITEMS]; // handles or counts the attack holds
static void *blocks[MAX_ITEMS];
static uint8_t payload[FTL_MSG_DATA_MAX];
static struct ftl_msg msg;

struct outcome {
    long count;      // units taken before the refusal
    ftl_err_t err;   // the refusal (FTL_OK: the attack ran out of ideas first)
};

// Channel pairs until the handle table is full, then 4 KiB messages into every
// queue until the kernel-memory limit stops them.
static struct outcome attack_channels(void)
{
    struct outcome o = {0, FTL_OK};
    int n = 0;
    while (n + 2 <= MAX_ITEMS && (o.err = ftl_channel_create(&items[n], &items[n + 1])) == FTL_OK) {
        n += 2;
    }
    for (int i = 0; i < n && o.err != FTL_ERR_NO_MEMORY; i += 2) {
        while ((o.err = ftl_channel_send_data(items[i], payload, sizeof(payload))) == FTL_OK) {
            o.count++;
        }
    }
    if (n >= 2) {
        FTL_CHECK(ftl_handle_close(items[n - 2])); // frees a queue: room to report
        FTL_CHECK(ftl_handle_close(items[n - 1]));
    }
    return o;
}

// Objects parked inside queued messages leave the handle table, so the table's
// limit does not bound them: the kernel-memory limit must. Each round parks three
// timers in a channel's queue and that channel's two ends in the queue of a
// holding pair; a full holding pair is itself parked in a new one.
static struct outcome attack_handles(void)
{
    struct outcome o = {0, FTL_OK};
    ftl_handle_t a, b;
    FTL_CHECK(ftl_channel_create(&a, &b));
    for (;;) {
        ftl_handle_t loose[5]; // handles still in the table this round
        int nloose = 0;
        o.err = ftl_channel_create(&loose[0], &loose[1]);
        nloose = o.err == FTL_OK ? 2 : 0;
        while (o.err == FTL_OK && nloose < 5 && (o.err = ftl_timer_create(&loose[nloose])) == FTL_OK) {
            nloose++;
        }
        if (o.err == FTL_OK) {
            o.err = ftl_channel_send(loose[0], FTL_MSG_DATA, 0, "", 0, &loose[2], 3);
        }
        if (o.err == FTL_OK) {
            nloose = 2; // the timers sit in the queue of loose[1]
            o.err = ftl_channel_send(a, FTL_MSG_DATA, 0, "", 0, loose, 2);
        }
        if (o.err == FTL_ERR_FULL) {
            ftl_handle_t pair[2] = {a, b};
            o.err = ftl_channel_create(&a, &b);
            if (o.err == FTL_OK && (o.err = ftl_channel_send(a, FTL_MSG_DATA, 0, "", 0, pair, 2)) ==
                                       FTL_OK) {
                o.err = ftl_channel_send(a, FTL_MSG_DATA, 0, "", 0, loose, 2);
            } else if (o.err != FTL_OK && o.err != FTL_ERR_NO_MEMORY && o.err != FTL_ERR_TOO_MANY) {
                FTL_CHECK(o.err);
            }
        }
        if (o.err != FTL_OK) {
            for (int i = 0; i < nloose; i++) {
                FTL_CHECK(ftl_handle_close(loose[i])); // gives back room to report
            }
            return o;
        }
        o.count += 5;
    }
}

static struct outcome attack_timers(void)
{
    struct outcome o = {0, FTL_OK};
    while (o.count < MAX_ITEMS && (o.err = ftl_timer_create(&items[o.count])) == FTL_OK) {
        FTL_CHECK(ftl_timer_set(items[o.count], ftl_time_now() + 3600 * 1000000000ll));
        o.count++;
    }
    if (o.count > 0) {
        FTL_CHECK(ftl_handle_close(items[--o.count]));
    }
    return o;
}

// Polls until the handle table is full, then every poll watches every channel end.
static struct outcome attack_polls(void)
{
    struct outcome o = {0, FTL_OK};
    ftl_handle_t ends[16];
    for (int i = 0; i < 16; i += 2) {
        FTL_CHECK(ftl_channel_create(&ends[i], &ends[i + 1]));
    }
    int np = 0;
    ftl_err_t err;
    while (np < MAX_ITEMS && (err = ftl_poll_create(&items[np])) == FTL_OK) {
        np++;
    }
    o.err = err;
    for (int p = 0; p < np; p++) {
        for (int e = 0; e < 16; e++) {
            err = ftl_poll_add(items[p], ends[e], FTL_READABLE | FTL_WRITABLE, NULL);
            if (err != FTL_OK) {
                o.err = err;
                break;
            }
            o.count++;
        }
    }
    if (np > 0) {
        FTL_CHECK(ftl_handle_close(items[np - 1]));
    }
    return o;
}

static struct outcome attack_malloc(void)
{
    struct outcome o = {0, FTL_OK};
    while (o.count < MAX_ITEMS && (blocks[o.count] = malloc(64 << 10)) != NULL) {
        memset(blocks[o.count], 0xa5, 64 << 10); // touch it: no lazy memory
        o.count++;
    }
    o.err = FTL_ERR_NO_MEMORY;
    if (o.count > 0) {
        free(blocks[--o.count]);
    }
    return o;
}

static struct outcome attack_log(void)
{
    struct outcome o = {0, FTL_OK};
    for (int i = 0; i < 20000; i++) {
        FTL_INFO("log spam line %d: the quick brown fox jumps over the lazy dog", i);
        o.count++;
    }
    return o;
}

// Spawns test_idle until refused; the children count against this app's limit.
static struct outcome attack_spawn(void)
{
    struct outcome o = {0, FTL_OK};
    while (o.count < MAX_ITEMS && (o.err = ftl_process_spawn("test_idle", &items[o.count])) == FTL_OK) {
        o.count++;
    }
    return o;
}

#ifndef __wasm32__ // WebAssembly apps have no DMA
static struct outcome attack_dma(void)
{
    struct outcome o = {0, FTL_OK};
    void *va;
    uint64_t bus;
    while (o.count < MAX_ITEMS && (o.err = ftl_dma_alloc(64 << 10, &va, &bus)) == FTL_OK) {
        o.count++;
    }
    return o;
}
#endif

static struct outcome run_attack(const char *name)
{
    static const struct {
        const char *name;
        struct outcome (*fn)(void);
    } attacks[] = {
        {"channels", attack_channels}, {"handles", attack_handles}, {"timers", attack_timers},
        {"polls", attack_polls},       {"malloc", attack_malloc},   {"log", attack_log},
        {"spawn", attack_spawn},
#ifndef __wasm32__
        {"dma", attack_dma},
#endif
    };
    for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
        if (strcmp(attacks[i].name, name) == 0) {
            return attacks[i].fn();
        }
    }
    return (struct outcome){0, FTL_ERR_NOT_FOUND};
}

// Waits for the next message on `ch`; false once the peer is gone.
static bool receive(ftl_handle_t poll, ftl_handle_t ch)
{
    for (;;) {
        ftl_err_t err = ftl_channel_recv(ch, &msg);
        if (err == FTL_OK) {
            return true;
        }
        if (err != FTL_ERR_EMPTY) {
            return false;
        }
        struct ftl_event ev;
        FTL_CHECK(ftl_poll_wait(poll, FTL_NO_TIMEOUT, &ev));
    }
}

static void hostile(const struct ftl_env *env)
{
    ftl_handle_t check, poll;
    FTL_CHECK(ftl_env_channel(env, "check", &check));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, check, FTL_READABLE, NULL));
    FTL_CHECK(ftl_channel_send_data(check, ftl_env_app_name(env), strlen(ftl_env_app_name(env))));
    if (!receive(poll, check) || msg.type != FTL_MSG_DATA) {
        return; // not asked to attack: the checker dismissed this instance
    }
    char name[32];
    snprintf(name, sizeof(name), "%.*s", (int)msg.len, (const char *)msg.data);
    struct outcome o = run_attack(name);
    char report[96];
    int n = snprintf(report, sizeof(report), "done %s %ld %s", name, o.count, ftl_err_str(o.err));
    // Spawned children still hold this app's memory until they end: retry.
    ftl_err_t err;
    while ((err = ftl_channel_send_data(check, report, (size_t)n)) == FTL_ERR_NO_MEMORY) {
        ftl_sleep_ns(50 * 1000000);
    }
    FTL_CHECK(err);
    while (receive(poll, check)) {
    }
}

#ifdef __wasm32__
int main(void)
{
    const struct ftl_env *env = ftl_env_load();
    if (!env) {
        return 1;
    }
    hostile(env);
    return 0;
}
#else
void app_main(const struct ftl_env *env)
{
    hostile(env);
}
#endif
