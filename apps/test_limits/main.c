// test_limits: allocates until malloc fails and opens handles until the table is full;
// both must stop at the limits of its spec with an error, not a crash.
#include <ftl/test.h>
#include <stdlib.h>
#include <string.h>

static void *volatile last; // keeps the compiler from eliding the allocations

static void malloc_stops_at_the_heap_limit(void)
{
    size_t total = 0;
    for (;;) {
        char *p = malloc(1024);
        if (!p) {
            break;
        }
        memset(p, 0x5a, 1024); // the memory is really there
        last = p;
        total += 1024;
        if (total > 128 * 1024) {
            break; // far past the limit: the check below fails
        }
    }
    // The arena is the spec's 64 KiB (the default is 256 KiB); malloc's own
    // bookkeeping moves the exact figure by a little.
    CHECK(total >= 32 * 1024 && total <= 80 * 1024);
}

static void handles_stop_at_the_handle_limit(void)
{
    ftl_handle_t hs[16];
    size_t n = 0;
    ftl_err_t err = FTL_OK;
    while (n + 2 <= 16 && (err = ftl_channel_create(&hs[n], &hs[n + 1])) == FTL_OK) {
        n += 2;
    }
    CHECK_ERR(err, FTL_ERR_TOO_MANY);
    CHECK(n <= 8);
    for (size_t i = 0; i < n; i++) {
        CHECK_OK(ftl_handle_close(hs[i]));
    }
}

void app_main(const struct ftl_env *env)
{
    (void)env;
    run_test("limits.malloc_stops_at_the_heap_limit", malloc_stops_at_the_heap_limit);
    run_test("limits.handles_stop_at_the_handle_limit", handles_stop_at_the_handle_limit);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
