// test_fault: misbehaves on purpose, in the way its environ's `kind` names, after
// opening a channel to echo (so the test can watch echo see it go).
#include <ftl.h>
#include <string.h>

// Recurses until the stack runs into its guard page (`limit` is never reached).
static int recurse(int depth, int limit)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    if (depth == limit) {
        return 0;
    }
    return recurse(depth + 1, limit) + frame[0];
}

static void misbehave(const char *kind)
{
    if (strcmp(kind, "null") == 0) {
        FTL_INFO("read %d", *(volatile int *)NULL);
    } else if (strcmp(kind, "kernel") == 0) {
        FTL_INFO("read %d", *(volatile int *)0xffffff8040080000ull);
    } else if (strcmp(kind, "privileged") == 0) {
        __asm__ volatile("msr daifset, #2");
    } else if (strcmp(kind, "nx") == 0) {
        static uint32_t code[] = {0xd65f03c0}; // ret, but in a data page
        ((void (*)(void))(uintptr_t)code)();
    } else if (strcmp(kind, "stack") == 0) {
        FTL_INFO("depth %d", recurse(0, 1 << 30));
    } else if (strcmp(kind, "rodata") == 0) {
        *(volatile char *)(uintptr_t)"constant" = 'C';
    } else if (strcmp(kind, "spin") == 0) {
        for (;;) {
        }
    }
}

void app_main(const struct ftl_env *env)
{
    ftl_handle_t echo;
    const char *kind;
    FTL_CHECK(ftl_env_channel(env, "echo", &echo));
    FTL_CHECK(ftl_env_string(env, "kind", &kind));
    FTL_CHECK(ftl_channel_send_data(echo, "hello", 5));
    FTL_INFO("about to misbehave: %s", kind);
    misbehave(kind);
    FTL_ERROR("still alive after '%s'", kind);
}
