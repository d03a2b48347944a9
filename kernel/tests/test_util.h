// Shared helpers for the host unit tests of the kernel core: cmocka includes, the
// panic hook, and short ways to send, receive and load test input files.
#pragma once

// cmocka needs these before its own header.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "host.h"
#include "sched.h"

// Turns a kernel panic into a cmocka assertion: it fails the running test, or is
// caught by expect_assert_failure() when a test expects it.
static inline void test_panic_hook(const char *msg)
{
    mock_assert(0, msg, __FILE__, __LINE__);
}

/// Fresh kernel state for one test: panic hook, empty timeout list, clock at 0.
static inline int test_kernel_setup(void **state)
{
    (void)state;
    host_set_panic_hook(test_panic_hook);
    sched_init();
    host_time_set_ns(0);
    return 0;
}

/// Sends `len` bytes from `data` as one FTL_MSG_DATA message from `ch`; frees the
/// message if the send fails.
static inline ftl_err_t test_send(struct channel *ch, const void *data, size_t len)
{
    struct msg *m = msg_alloc(NULL, len);
    assert_non_null(m);
    m->type = FTL_MSG_DATA;
    memcpy(m->data, data, len);
    ftl_err_t err = channel_send(ch, m);
    if (err != FTL_OK) {
        msg_free(m);
    }
    return err;
}

/// Sends one message carrying the single byte `b`.
static inline ftl_err_t test_send_byte(struct channel *ch, uint8_t b)
{
    return test_send(ch, &b, 1);
}

/// Receives one message of one byte from `ch` and returns that byte; fails the test
/// if there is none.
static inline uint8_t test_recv_byte(struct channel *ch)
{
    struct msg *m = NULL;
    assert_int_equal(channel_recv(ch, &m), FTL_OK);
    assert_int_equal(m->len, 1);
    uint8_t b = m->data[0];
    msg_free(m);
    return b;
}

/// Reads the whole file named by environment variable `env` (or `fallback` when
/// unset) into a malloc'd buffer. Fails the test if it cannot be read.
static inline uint8_t *test_read_file(const char *env, const char *fallback, size_t *out_len)
{
    const char *path = getenv(env);
    if (!path || !*path) {
        path = fallback;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open %s (set %s; make builds it)", path, env);
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    uint8_t *buf = malloc((size_t)size);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *out_len = (size_t)size;
    return buf;
}

