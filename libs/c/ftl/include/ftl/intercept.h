// Interceptor apps (docs/tracing.md#interceptors): a spec item
// `echo: { service: echo, via: [ratelimit] }` makes the kernel pass the client's channel
// to app `ratelimit` in a CONNECT carrying two channels: handles[0] toward the client,
// handles[1] toward the service (or the next interceptor). ftl_intercept_serve forwards
// every message between the two, asking `on_message` first; neither end changes a line.
#pragma once

#include <ftl.h>

#define FTL_INTERCEPT_PAIRS_MAX 32  // client connections one interceptor carries at once

enum ftl_intercept_dir {
    FTL_INTERCEPT_TO_SERVICE = 0,   // from the client, toward the service
    FTL_INTERCEPT_TO_CLIENT = 1,    // from the service, back to the client
};

struct ftl_intercept_ops {
    /// Called once per message before it is forwarded. Returns 0 to forward it now, or
    /// a time (ftl_time_now's clock) before which it must not go: that direction of the
    /// pair is then held (nothing more is read from its sender) until the message went.
    int64_t (*on_message)(void *ctx, uint32_t pair, enum ftl_intercept_dir dir,
                          const struct ftl_msg *msg);
    /// A pair ended (either side closed; both are closed now). May be NULL.
    void (*on_close)(void *ctx, uint32_t pair, const char *service);
};

/// Serves interceptor connections arriving on the system channel of `env` until an
/// error. A message the next hop has no room for waits (its sender is not read
/// meanwhile): nothing is dropped. Returns the error that stopped it.
FTL_MUST_CHECK ftl_err_t ftl_intercept_serve(const struct ftl_env *env,
                                             const struct ftl_intercept_ops *ops, void *ctx);
