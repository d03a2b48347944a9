// test_blk: checks apps/virtio_blk through the block protocol (<ftl/blk.h>) on a scratch
// disk made by tests/test_storage.py: sector s holds s as 8 little-endian bytes, then
// 504 bytes of (s & 0xff). The test reads that pattern, writes a pseudo-random pattern
// to the first MiB with many requests in flight, flushes and reads it back; the host
// then checks the image against its own model of the same writes. With the env string
// `mode: abandon` it only leaves requests in flight and exits.
#include <ftl/blk.h>
#include <ftl/test.h>

#include <string.h>

#define REGION_SECTORS 2048 // the first MiB: random writes go here
#define PATTERN_END 4096    // sectors 2048 .. 4095 keep the host's pattern
#define WRITES 512
#define BATCH 16

static ftl_handle_t blk, poll;
static uint16_t next_tag = 1;
static uint8_t model[REGION_SECTORS * FTL_BLK_SECTOR];

static ftl_err_t send_req(uint32_t op, uint64_t sector, const void *data, size_t len,
                          uint64_t *out_cookie)
{
    *out_cookie = ftl_blk_cookie(op, next_tag++, sector);
    return ftl_channel_send(blk, FTL_MSG_DATA, *out_cookie, data, len, NULL, 0);
}

static ftl_err_t recv_reply(struct ftl_msg *msg)
{
    for (;;) {
        ftl_err_t err = ftl_channel_recv(blk, msg);
        if (err != FTL_ERR_EMPTY) {
            return err;
        }
        struct ftl_event ev;
        err = ftl_poll_wait(poll, 10 * 1000000000ll, &ev);
        if (err != FTL_OK) {
            return err;
        }
    }
}

// One request, waited for. Returns the ERROR_REPLY code or FTL_OK.
static ftl_err_t call(uint32_t op, uint64_t sector, const void *data, size_t len,
                      struct ftl_msg *reply)
{
    uint64_t cookie;
    ftl_err_t err = send_req(op, sector, data, len, &cookie);
    if (err != FTL_OK) {
        return err;
    }
    err = recv_reply(reply);
    if (err != FTL_OK) {
        return err;
    }
    if (reply->cookie != cookie) {
        return FTL_ERR_PARSE;
    }
    if (reply->type == FTL_MSG_ERROR_REPLY && reply->len >= 4) {
        memcpy(&err, reply->data, 4);
        return err;
    }
    return FTL_OK;
}

static struct ftl_msg reply;

static void info_names_the_disk(void)
{
    CHECK_OK(call(FTL_BLK_INFO, 0, NULL, 0, &reply));
    struct ftl_blk_info info;
    CHECK(reply.len == sizeof(info));
    memcpy(&info, reply.data, sizeof(info));
    CHECK(info.sectors == 16384); // the 8 MiB scratch disk
    CHECK(info.read_only == 0 && info.inflight >= BATCH);
    FTL_INFO("disk: %llu sectors, %u in flight, flush %u", (unsigned long long)info.sectors,
             (unsigned)info.inflight, (unsigned)info.can_flush);
}

static void bad_requests_get_clear_errors(void)
{
    uint32_t n = 100;
    CHECK_ERR(call(FTL_BLK_READ, 0, &n, 4, &reply), FTL_ERR_INVALID_ARG);
    n = 8192;
    CHECK_ERR(call(FTL_BLK_READ, 0, &n, 4, &reply), FTL_ERR_INVALID_ARG);
    n = 512;
    CHECK_ERR(call(FTL_BLK_READ, 16384, &n, 4, &reply), FTL_ERR_TOO_LARGE);
    n = 1024;
    CHECK_ERR(call(FTL_BLK_READ, 16383, &n, 4, &reply), FTL_ERR_TOO_LARGE);
    CHECK_ERR(call(9, 0, NULL, 0, &reply), FTL_ERR_INVALID_ARG);
    CHECK_ERR(call(FTL_BLK_WRITE, 0, model, 0, &reply), FTL_ERR_INVALID_ARG);
    CHECK_ERR(call(FTL_BLK_WRITE, 0, model, 700, &reply), FTL_ERR_INVALID_ARG);
    CHECK_ERR(call(FTL_BLK_FLUSH, 0, model, 1, &reply), FTL_ERR_INVALID_ARG);
}

static bool pattern_ok(uint64_t s, const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    for (size_t i = 8; i < FTL_BLK_SECTOR; i++) {
        if (p[i] != (uint8_t)s) {
            return false;
        }
    }
    return v == s;
}

// Reads sectors 2048 .. 4095 with 16 requests of 4 KiB in flight, replies in any order.
static void reads_in_flight_see_the_hosts_pattern(void)
{
    uint64_t next = REGION_SECTORS;
    int inflight = 0, bad = 0, done = 0;
    uint32_t n = 4096;
    while (next < PATTERN_END || inflight > 0) {
        while (next < PATTERN_END && inflight < BATCH) {
            uint64_t cookie;
            CHECK_OK(send_req(FTL_BLK_READ, next, &n, 4, &cookie));
            next += 8;
            inflight++;
        }
        if (recv_reply(&reply) != FTL_OK || reply.type != FTL_MSG_DATA || reply.len != 4096) {
            CHECK(false);
            return;
        }
        inflight--;
        done++;
        uint64_t s = ftl_blk_cookie_sector(reply.cookie);
        for (int i = 0; i < 8; i++) {
            bad += !pattern_ok(s + (uint64_t)i, reply.data + i * FTL_BLK_SECTOR);
        }
    }
    CHECK(bad == 0 && done == (PATTERN_END - REGION_SECTORS) / 8);
}

static uint64_t rng = 12345;

// The same generator tests/test_storage.py runs to model the writes.
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

// WRITES writes of 1..8 sectors at random places of the first MiB, BATCH at a time in
// flight (never two overlapping in one batch: the device may reorder them), then FLUSH.
static void random_writes_match_the_model(void)
{
    static uint8_t buf[4096];
    int errors = 0;
    for (int b = 0; b < WRITES / BATCH; b++) {
        bool used[REGION_SECTORS / 8] = {false};
        int inflight = 0;
        for (int i = 0; i < BATCH; i++) {
            uint32_t chunk = rnd() % (REGION_SECTORS / 8);
            uint32_t off = rnd() % 8;
            uint32_t count = 1 + rnd() % (8 - off);
            uint8_t fill = (uint8_t)rnd();
            if (used[chunk]) {
                continue;
            }
            used[chunk] = true;
            uint64_t sector = (uint64_t)chunk * 8 + off;
            for (uint32_t j = 0; j < count * FTL_BLK_SECTOR; j++) {
                buf[j] = (uint8_t)(fill + j / FTL_BLK_SECTOR);
            }
            memcpy(model + sector * FTL_BLK_SECTOR, buf, count * FTL_BLK_SECTOR);
            uint64_t cookie;
            CHECK_OK(send_req(FTL_BLK_WRITE, sector, buf, count * FTL_BLK_SECTOR, &cookie));
            inflight++;
        }
        for (; inflight > 0; inflight--) {
            CHECK_OK(recv_reply(&reply));
            errors += reply.type != FTL_MSG_DATA || reply.len != 0;
        }
    }
    CHECK(errors == 0);
    CHECK_OK(call(FTL_BLK_FLUSH, 0, NULL, 0, &reply));
    uint32_t n = 4096;
    int bad = 0;
    for (uint64_t s = 0; s < REGION_SECTORS; s += 8) {
        CHECK_OK(call(FTL_BLK_READ, s, &n, 4, &reply));
        bad += reply.len != 4096 || memcmp(reply.data, model + s * FTL_BLK_SECTOR, 4096) != 0;
    }
    CHECK(bad == 0);
}

void app_main(const struct ftl_env *env)
{
    FTL_CHECK(ftl_env_channel(env, "disk", &blk));
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, blk, FTL_READABLE, NULL));
    const char *mode = "";
    (void)ftl_env_string(env, "mode", &mode);
    if (strcmp(mode, "abandon") == 0) {
        uint32_t n = 4096;
        for (uint64_t s = 0; s < 16 * 8; s += 8) {
            uint64_t cookie;
            FTL_CHECK(send_req(FTL_BLK_READ, s, &n, 4, &cookie));
        }
        FTL_INFO("test_blk: leaving 16 reads in flight");
        ftl_exit(0);
    }
    // The region starts as the host's pattern; the model follows it.
    for (uint64_t s = 0; s < REGION_SECTORS; s++) {
        uint8_t *p = model + s * FTL_BLK_SECTOR;
        memcpy(p, &s, 8);
        memset(p + 8, (uint8_t)s, FTL_BLK_SECTOR - 8);
    }
    run_test("info_names_the_disk", info_names_the_disk);
    run_test("bad_requests_get_clear_errors", bad_requests_get_clear_errors);
    run_test("reads_in_flight_see_the_hosts_pattern", reads_in_flight_see_the_hosts_pattern);
    run_test("random_writes_match_the_model", random_writes_match_the_model);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
