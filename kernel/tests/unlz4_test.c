// Host unit tests of the LZ4 frame reader (kernel/lz4/unlz4.c) that the boot image's
// stub and the initfs use: round trips, then truncated, corrupt and lying frames,
// each in an exactly sized buffer so ASan sees any access past the input or output.
#include "test_util.h"

#include "lz4/unlz4.h"
#include "lz4_frame.h"

#define DATA_BYTES (150 << 10) // three blocks: two full, one partial

static uint8_t *sample(size_t n)
{
    uint8_t *d = malloc(n);
    assert_non_null(d);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        // Text-like: runs and repeats LZ4 finds, with noise it cannot.
        d[i] = (i % 1000 < 700) ? (uint8_t)("FTL boot image "[i % 15]) : (uint8_t)(x >> 24);
    }
    return d;
}

static void round_trip_gives_the_data_back(void **state)
{
    (void)state;
    uint8_t *d = sample(DATA_BYTES);
    size_t len;
    uint8_t *f = lz4_frame(d, DATA_BYTES, &len);
    assert_non_null(f);
    assert_true(len < DATA_BYTES);
    uint64_t size;
    const char *why = NULL;
    assert_int_equal(unlz4_size(f, len, &size, &why), FTL_OK);
    assert_int_equal(size, DATA_BYTES);
    uint8_t *out = malloc(DATA_BYTES);
    assert_int_equal(unlz4(f, len, out, DATA_BYTES, &why), FTL_OK);
    assert_memory_equal(out, d, DATA_BYTES);
    free(out);
    free(f);
    free(d);
}

static void incompressible_blocks_are_stored(void **state)
{
    (void)state;
    uint8_t d[4096];
    uint32_t x = 1;
    for (size_t i = 0; i < sizeof(d); i++) {
        x = x * 1103515245 + 12345;
        d[i] = (uint8_t)(x >> 24);
    }
    size_t len;
    uint8_t *f = lz4_frame(d, sizeof(d), &len);
    assert_int_equal(f[18] & 0x80, 0x80); // the block word's bit 31
    uint8_t *out = malloc(sizeof(d));
    const char *why;
    assert_int_equal(unlz4(f, len, out, sizeof(d), &why), FTL_OK);
    assert_memory_equal(out, d, sizeof(d));
    free(out);
    free(f);
}

static void every_truncation_fails_cleanly(void **state)
{
    (void)state;
    uint8_t *d = sample(DATA_BYTES);
    size_t len;
    uint8_t *f = lz4_frame(d, DATA_BYTES, &len);
    uint8_t *out = malloc(DATA_BYTES);
    for (size_t cut = 0; cut < len; cut += (cut < 64 || len - cut < 64) ? 1 : 97) {
        uint8_t *t = malloc(cut ? cut : 1);
        memcpy(t, f, cut);
        const char *why = NULL;
        assert_int_equal(unlz4(t, cut, out, DATA_BYTES, &why), FTL_ERR_PARSE);
        assert_non_null(why);
        free(t);
    }
    free(out);
    free(f);
    free(d);
}

static void corrupt_bytes_never_overrun(void **state)
{
    (void)state;
    uint8_t *d = sample(DATA_BYTES);
    size_t len;
    uint8_t *f = lz4_frame(d, DATA_BYTES, &len);
    uint8_t *out = malloc(DATA_BYTES);
    uint32_t x = 7;
    int failed = 0;
    for (int round = 0; round < 2000; round++) {
        uint8_t *c = malloc(len);
        memcpy(c, f, len);
        for (int k = 0; k < 4; k++) {
            x = x * 1103515245 + 12345;
            c[15 + (x >> 8) % (len - 15)] ^= (uint8_t)(1 + (x >> 24) % 255);
        }
        const char *why = NULL;
        failed += unlz4(c, len, out, DATA_BYTES, &why) != FTL_OK; // ASan: no overrun
        free(c);
    }
    // Corrupt literals decode to wrong bytes (no checksum); corrupt lengths and
    // offsets are caught. Either way nothing is touched outside the buffers (ASan).
    assert_true(failed > 0);
    free(out);
    free(f);
    free(d);
}

static void a_wrong_content_size_fails(void **state)
{
    (void)state;
    uint8_t *d = sample(DATA_BYTES);
    size_t len;
    uint8_t *f = lz4_frame(d, DATA_BYTES, &len);
    const char *why;
    // The caller's size must be the frame's.
    uint8_t *small = malloc(DATA_BYTES - 1);
    assert_int_equal(unlz4(f, len, small, DATA_BYTES - 1, &why), FTL_ERR_PARSE);
    // A header claiming less than the blocks hold: the decoder stops at its end.
    uint64_t lie = DATA_BYTES - 1000;
    memcpy(f + 6, &lie, 8);
    assert_int_equal(unlz4(f, len, small, (size_t)lie, &why), FTL_ERR_PARSE);
    // Or more: the data falls short.
    lie = DATA_BYTES + 1;
    memcpy(f + 6, &lie, 8);
    uint8_t *big = malloc(DATA_BYTES + 1);
    assert_int_equal(unlz4(f, len, big, DATA_BYTES + 1, &why), FTL_ERR_PARSE);
    assert_string_equal(why, "LZ4 frame holds less data than its content size");
    free(big);
    free(small);
    free(f);
    free(d);
}

static void frames_it_does_not_take_are_refused(void **state)
{
    (void)state;
    uint8_t d[100] = {0};
    size_t len;
    uint8_t *f = lz4_frame(d, sizeof(d), &len);
    uint8_t out[100];
    const char *why;
    const struct {
        size_t at;
        uint8_t value;
    } bad[] = {
        {0, 0x05},           // magic
        {4, 0x68 & ~0x40},   // version 00
        {4, 0x68 & ~0x20},   // linked blocks
        {4, 0x68 | 0x04},    // content checksum
        {4, 0x68 & ~0x08},   // no content size
        {4, 0x68 | 0x01},    // dictionary
        {5, 0x30},           // block size code 3
        {5, 0x41},           // reserved BD bit
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *c = malloc(len);
        memcpy(c, f, len);
        c[bad[i].at] = bad[i].value;
        why = NULL;
        assert_int_equal(unlz4(c, len, out, sizeof(out), &why), FTL_ERR_PARSE);
        assert_non_null(why);
        free(c);
    }
    // Bytes after the end mark.
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, f, len);
    longer[len] = 0;
    assert_int_equal(unlz4(longer, len + 1, out, sizeof(out), &why), FTL_ERR_PARSE);
    free(longer);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_gives_the_data_back),
        cmocka_unit_test(incompressible_blocks_are_stored),
        cmocka_unit_test(every_truncation_fails_cleanly),
        cmocka_unit_test(corrupt_bytes_never_overrun),
        cmocka_unit_test(a_wrong_content_size_fails),
        cmocka_unit_test(frames_it_does_not_take_are_refused),
    };
    return cmocka_run_group_tests_name("unlz4", tests, NULL, NULL);
}
