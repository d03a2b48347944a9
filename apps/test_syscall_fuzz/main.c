// test_syscall_fuzz: random calls straight through the call table, with arguments
// chosen to hit every check: bad and good handles, NULL, kernel, unmapped,
// misaligned and edge-of-mapping pointers, zero, odd and huge lengths. Every call
// must return; the kernel and the other apps must survive.
#include <ftl.h>

extern const struct ftl_calls *ftl_calls_;

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

// Every pointer the kernel may write through points into `buf` (or is invalid), so
// the app never overwrites its own state; the kernel's checks are what is tested.
static uint8_t buf[16384] __attribute__((aligned(16))); // the largest write is 4136 bytes

static uint64_t pointer(void)
{
    static const uint64_t fixed[] = {0, 0x10, 0x3ff000, 0x7ffff000, 0xffffff8040080000ull,
                                     0xfffffffffffffff0ull, 0x400000};
    switch (next() % 5) {
    case 0:
        return fixed[next() % (sizeof(fixed) / sizeof(fixed[0]))];
    case 1:
        return (uint64_t)(uintptr_t)buf + next() % 8192;            // unaligned
    default:
        return (uint64_t)(uintptr_t)buf + (next() % 64) * 8;        // valid and aligned
    }
}

static uint64_t length(void)
{
    static const uint64_t fixed[] = {0, 1, 8, 4095, 4096, 4097, 1ull << 20, ~0ull};
    return next() % 2 ? fixed[next() % 8] : next() % 8192;
}

static uint64_t handle(void)
{
    return next() % 4 ? next() % 24 : (uint64_t)(int64_t)(int32_t)next();
}

// One random call. Waits never block (timeout 0, for calls too); exit is left out. The spec grants
// nothing, so spawn, ps, log_read, sys_stats, dma_alloc and irq_ack take the denied
// path (and spawn can start nothing).
static ftl_err_t one_call(void)
{
    const struct ftl_calls *c = ftl_calls_;
    struct ftl_msg_out m = {
        .type = (uint32_t)(next() % 7),
        .len = (uint32_t)length(),
        .cookie = next(),
        .data = (const void *)(uintptr_t)pointer(),
        .handles = (const ftl_handle_t *)(uintptr_t)pointer(),
        .nhandles = (uint32_t)(next() % 6),
        .reserved = next() % 8 == 0 ? 1 : 0,
    };
    switch (next() % 20) {
    case 0:
        return c->handle_close((ftl_handle_t)handle());
    case 1:
        return c->channel_create((ftl_handle_t *)(uintptr_t)pointer(),
                                 (ftl_handle_t *)(uintptr_t)pointer());
    case 2:
        return c->channel_send((ftl_handle_t)handle(),
                               next() % 2 ? &m : (const struct ftl_msg_out *)(uintptr_t)pointer());
    case 3:
        return c->channel_recv((ftl_handle_t)handle(), (struct ftl_msg *)(uintptr_t)pointer());
    case 4:
        return c->poll_create((ftl_handle_t *)(uintptr_t)pointer());
    case 5:
        return c->poll_add((ftl_handle_t)handle(), (ftl_handle_t)handle(), (uint32_t)next(), next());
    case 6:
        return c->poll_modify((ftl_handle_t)handle(), (ftl_handle_t)handle(), (uint32_t)next(),
                              next());
    case 7:
        return c->poll_remove((ftl_handle_t)handle(), (ftl_handle_t)handle());
    case 8:
        return c->poll_wait((ftl_handle_t)handle(), next() % 2 ? 0 : -(int64_t)(next() % 9),
                            (struct ftl_event *)(uintptr_t)pointer());
    case 9:
        return c->timer_create((ftl_handle_t *)(uintptr_t)pointer());
    case 10:
        return c->timer_set((ftl_handle_t)handle(), (int64_t)next());
    case 11:
        // Bad levels with random text; a valid level only with known text, so the
        // log stays readable.
        if (next() % 64 == 0) {
            return c->log_write(FTL_LOG_DEBUG, "fuzz", 4);
        }
        return c->log_write((int)(next() % 16) + 4, (const char *)(uintptr_t)pointer(),
                            (size_t)length());
    case 12:
        return c->dma_alloc((size_t)length(), (void **)(uintptr_t)pointer(),
                            (uint64_t *)(uintptr_t)pointer());
    case 13:
        return c->ps((struct ftl_ps_entry *)(uintptr_t)pointer(), (size_t)length(),
                     (size_t *)(uintptr_t)pointer());
    case 14:
        return c->log_read((char *)(uintptr_t)pointer(), (size_t)length(),
                           (size_t *)(uintptr_t)pointer());
    case 15:
        return c->sys_stats((struct ftl_sys_stats *)(uintptr_t)pointer());
    case 16:
        return c->process_spawn((const char *)(uintptr_t)pointer(), (size_t)length(),
                                (ftl_handle_t *)(uintptr_t)pointer());
    case 17:
        return c->channel_call((ftl_handle_t)handle(),
                               next() % 2 ? &m : (const struct ftl_msg_out *)(uintptr_t)pointer(),
                               next() % 2 ? 0 : -(int64_t)(next() % 9),
                               (struct ftl_msg *)(uintptr_t)pointer());
    case 18:
        return c->poll_wait_msg((ftl_handle_t)handle(), next() % 2 ? 0 : -(int64_t)(next() % 9),
                                (struct ftl_event *)(uintptr_t)pointer(),
                                (struct ftl_msg *)(uintptr_t)pointer());
    default:
        return c->irq_ack((ftl_handle_t)handle());
    }
}

void app_main(const struct ftl_env *env)
{
    int64_t seed, calls;
    FTL_CHECK(ftl_env_number(env, "seed", &seed));
    FTL_CHECK(ftl_env_number(env, "calls", &calls));
    rng = (uint64_t)seed * 0x9e3779b97f4a7c15ull | 1;
    FTL_INFO("syscall fuzz: seed %lld, %lld calls", (long long)seed, (long long)calls);
    int64_t ok = 0, errors = 0, denied = 0, nomem = 0, unknown = 0;
    for (int64_t i = 0; i < calls; i++) {
        ftl_err_t err = one_call();
        if (err == FTL_OK) {
            ok++;
        } else if (err < 0 && err > -FTL_ERR_COUNT) {
            errors++;
            denied += err == FTL_ERR_DENIED;
            nomem += err == FTL_ERR_NO_MEMORY;
        } else {
            unknown++;
            FTL_ERROR("call %lld returned %d, which is no FTL error code", (long long)i, err);
        }
    }
    FTL_INFO("syscall fuzz done: seed %lld, %lld calls, %lld ok, %lld errors (%lld denied, "
             "%lld out of kernel memory), %lld undocumented results; kernel alive",
             (long long)seed, (long long)calls, (long long)ok, (long long)errors,
             (long long)denied, (long long)nomem, (long long)unknown);
}
