// The controller's kernel side (<ftl/control.h>, docs/controller.md): the routes that
// send a service's new clients to the instance the controller chose, and the record
// of each process's `service` env items that ftl_service_connect reads.
#pragma once

#include "channel.h"
#include "process.h"

#define CONTROL_ROUTES_MAX 64 // services the controller may route at once

/// The kernel's end of the system channel of the instance `service` is routed to, or
/// NULL if the controller never routed it (then the boot app exporting it serves it).
struct channel *control_route(const char *service);

/// Records that `p` has env item `key` for `service` (key "" records an export), charged
/// to `p`'s kernel memory. FTL_ERR_NO_MEMORY, FTL_ERR_TOO_MANY.
FTL_MUST_CHECK ftl_err_t control_note_service(struct process *p, const char *key,
                                              const char *service);

/// Records the interceptors of the last service control_note_service recorded for `p`.
void control_note_via(struct process *p, const struct spec_env_item *it);
