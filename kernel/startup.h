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
#include "spec.h"

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

struct spec;
struct channel;

/// Makes a new instance of the app spec `s` describes (run-time specs, control.c), from
/// binary [bin, bin+len) if `bin` is not NULL (read only during the call), else from the
/// image; wired like a boot app, ready for process_start. The kernel's end of its system
/// channel goes to *out_system (owned by the process). FTL_ERR_NOT_FOUND (no binary,
/// or a service nobody serves), FTL_ERR_PARSE (a binary that does not load),
/// FTL_ERR_NO_MEMORY, or an environ error.
FTL_MUST_CHECK ftl_err_t startup_spawn_spec(const struct spec *s, const void *bin, size_t len,
                                            struct kmem *parent, struct process **out,
                                            struct channel **out_system);

/// A new channel from `client` to the current server of `service` (the instance the
/// controller routed it to, else the boot app exporting it), which gets a CONNECT.
/// FTL_ERR_NOT_FOUND if nobody serves it, FTL_ERR_PEER_CLOSED if its server is gone.
FTL_MUST_CHECK ftl_err_t startup_connect(struct process *client, const char *service,
                                         struct channel **out);

/// As startup_connect, through the interceptor apps via[0..nvia) in order: interceptor
/// via[0] gets a CONNECT (data: the service) carrying the client's peer end in
/// handles[0] and a channel toward the next hop (the next interceptor or the service)
/// in handles[1]. FTL_ERR_NOT_FOUND if an interceptor is not running.
FTL_MUST_CHECK ftl_err_t startup_connect_via(struct process *client, const char *service,
                                             const char (*via)[SPEC_NAME_MAX], size_t nvia,
                                             struct channel **out);

/// The kernel's end of the system channel of boot app `name`'s instance, or NULL; its
/// spec in *out_spec (NULL if it did not start at boot).
struct channel *startup_boot_app(const char *name, const struct spec **out_spec);

/// True if an image app other than `name` exports `service`.
bool startup_exports_other(const char *service, const char *name);

/// The image's spec of app `name` if it passed the checks, else NULL.
const struct spec *startup_image_spec(const char *name);
