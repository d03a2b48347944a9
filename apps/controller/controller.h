// The controller's state (docs/controller.md): one record per app it knows.
#pragma once

#include <ftl.h>
#include <ftl/control.h>

#define APPS_MAX 48
#define HEALTHY_NS (10LL * 1000000000)   // running this long resets the backoff
#define BACKOFF_BASE_NS (200LL * 1000000) // first restart delay
#define BACKOFF_CAP_NS (10LL * 1000000000) // longest restart delay
#define UPGRADE_CHECK_NS (1000LL * 1000000) // a new instance alive this long takes over

struct app {
    char name[FTL_ENV_NAME_MAX];      // "" when the slot is free
    bool from_image;                  // the boot image holds its spec (and binary)
    char *spec;                       // applied spec text (malloc), or NULL: the image's
    size_t spec_len;
    uint8_t *bin;                     // uploaded binary (malloc), or NULL: the image's
    size_t bin_len;
    uint32_t restart;                 // FTL_RESTART_*
    uint32_t isolation;
    bool desired;                     // should run (false: deleted, being stopped)
    ftl_handle_t proc;                // its instance, or 0
    int64_t started_ns;
    uint32_t restarts;
    int64_t backoff_ns;               // the delay before the next restart
    int64_t next_start_ns;            // 0: no restart pending
    char state[24];                   // Running, Completed, Failed, CrashLoop, Stopped, ...
    char last_exit[48];               // how the last instance ended
    int64_t last_exit_ns;
    char message[160];                // the last upgrade's or start's outcome
    // A live upgrade in flight: the new instance and what it runs.
    ftl_handle_t new_proc;
    int64_t new_deadline_ns;
    char *new_spec;
    size_t new_spec_len;
    uint8_t *new_bin;
    size_t new_bin_len;
};

extern struct app apps[APPS_MAX];

/// The record of app `name`, or NULL.
struct app *app_find(const char *name);

/// Answers one request (api.c): `req` is "VERB NAME\n" plus a payload; the reply is
/// "CODE body" (an HTTP status, then JSON or a text line) in `out`, *out_len bytes.
void api_handle(const uint8_t *req, size_t len, char *out, size_t cap, size_t *out_len);

// Reconciliation (reconcile.c).
void reconcile_init(void);
void reconcile_tick(void);
/// Applies spec text (checked already; `info` from ftl_app_check) with an optional
/// binary (taken over): creates, replaces (a live upgrade if it runs) or restarts.
/// Writes a one-line outcome into `msg`.
void app_apply(const struct ftl_spec_info *info, const char *spec, size_t len, uint8_t *bin,
               size_t bin_len, char *msg, size_t cap);
/// Upgrades app `a` to binary `bin` (taken over) with its current spec.
void app_upgrade_binary(struct app *a, uint8_t *bin, size_t bin_len, char *msg, size_t cap);
/// Stops app `a` and forgets it.
void app_delete(struct app *a);
/// Stops app `a`'s instance and keeps it stopped (desired: stopped) until started.
void app_stop(struct app *a);
/// Stops app `a`'s instance and starts a new one now.
void app_restart_now(struct app *a);

// The desired state on the fs server (store.c).
void store_init(void);
/// Loads the applied specs (and binaries) kept on disk and applies them.
void store_load(void);
/// Keeps `a`'s applied spec and uploaded binary on disk.
void store_save(const struct app *a);
/// Forgets app `name` on disk.
void store_remove(const char *name);
