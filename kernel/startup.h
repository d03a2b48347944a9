// The startup process: wires and starts the apps of the boot image.
#pragma once

#include <ftl/abi.h>
#include <ftl/calls.h>
#include <stdbool.h>
#include <stddef.h>

#define APPS_MAX 64 // apps one image may hold

/// Reads the specs in the boot image, reports errors, wires services, starts apps.
void startup_run(void);

struct process;
struct kmem;

/// Makes a new instance of app `name` from the boot image, wired like the boot
/// instance (its services connect to the exporting apps started at boot), ready for
/// process_start, in isolation `mode` (a SPEC_ISO_*; < 0: its spec's). FTL_ERR_NOT_FOUND
/// if the image has no app of that name with a good spec; FTL_ERR_INVALID_ARG for a
/// mode that is not one, or inkernel when the spec says otherwise; FTL_ERR_UNSUPPORTED
/// if the image has no binary of the app for that mode or the CPU cannot run it;
/// FTL_ERR_NO_MEMORY (also past the limit of `parent`, the spawner's account, which the
/// new app's charges count against); an environ error (a service's app is gone).
FTL_MUST_CHECK ftl_err_t startup_spawn(const char *name, int mode, struct kmem *parent,
                                       struct process **out);

/// True if the spec of app `app` has an environ item called `item` (a spawner may not
/// hand the app another item of that name).
bool startup_env_uses(const char *app, const char *item);

/// Fills `out` with up to `max` of the image's apps (name, isolation, FTL_APP_* flags);
/// returns how many.
size_t startup_list(struct ftl_app_entry *out, size_t max);
