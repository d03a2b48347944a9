// The controller's calls (docs/controller.md): check a spec, start an app from spec
// text (and optionally a binary the caller holds), adopt an app started at boot,
// route a service to an instance, and reach a service again after its server was
// restarted. All but ftl_service_connect and ftl_process_info need
// `grants: { control: true }`; an app with that grant can start any code, so only the
// controller has it.
#pragma once

#include <ftl/abi.h>

#define FTL_SPEC_TEXT_MAX 4096         // bytes of spec text the calls take
#define FTL_APP_BINARY_MAX (2u << 20)  // bytes of an uploaded binary

// What ftl_app_check found in a spec.
struct ftl_spec_info {
    char name[FTL_ENV_NAME_MAX];       // the app's name (valid on FTL_OK)
    uint32_t isolation;                // as in struct ftl_ps_entry
    uint32_t restart;                  // FTL_RESTART_*
    uint32_t nexports;                 // services it exports
    int32_t line;                      // FTL_ERR_PARSE: the line (0: none)
    char reason[160];                  // FTL_ERR_PARSE: why, NUL-terminated
};

#define FTL_RESTART_NEVER 0            // `restart: never` (the default)
#define FTL_RESTART_ON_FAILURE 1       // `restart: on-failure`
#define FTL_RESTART_ALWAYS 2           // `restart: always`

// ftl_app_spawn's request.
#define FTL_SPAWN_ROUTE 1u             // send new clients of its exports to it at once
struct ftl_app_spawn_args {
    const char *spec;                  // spec text, at most FTL_SPEC_TEXT_MAX bytes, or NULL:
    size_t spec_len;                   //   the image's spec of app `image_app`
    const char *image_app;             // with spec NULL: an app of the boot image
    size_t image_app_len;
    const void *binary;                // NULL: the image's binary for the spec's name
    size_t binary_len;                 // at most FTL_APP_BINARY_MAX
    uint32_t flags;                    // FTL_SPAWN_*
    uint32_t reserved;                 // 0
};

// How a process ended, from ftl_process_info.
struct ftl_process_info {
    uint32_t exited;                   // 1 once it ended
    int32_t code;                      // its exit code; -1 after a crash or a kill
    uint32_t killed;                   // 1 if ftl_process_kill ended it
    uint32_t reserved;
};

/// Parses `spec` with the build's checker (kernel/spec.c). FTL_OK and `out` filled, or
/// FTL_ERR_PARSE with out->line and out->reason. Needs the `control` grant.
FTL_MUST_CHECK ftl_err_t ftl_app_check(const char *spec, size_t len, struct ftl_spec_info *out);

/// Starts an instance of the app `args->spec` describes, wired like a boot app (its
/// `service` items connect to the current server of each service), charged to the
/// caller's kernel-memory account. `*out_process` is a process handle, as from
/// ftl_process_spawn. An uploaded binary (ELF) never runs in the kernel: an `inkernel`
/// spec runs it in `user` mode. FTL_ERR_PARSE (bad spec), FTL_ERR_NOT_FOUND (no such
/// binary in the image, or a service nobody serves), FTL_ERR_ALREADY_EXISTS (another app
/// exports one of its services), FTL_ERR_DENIED (no grant).
FTL_MUST_CHECK ftl_err_t ftl_app_spawn(const struct ftl_app_spawn_args *args,
                                       ftl_handle_t *out_process);

/// A process handle for the running instance of app `name` started at boot, so the
/// controller can watch and stop it. FTL_ERR_NOT_FOUND if it is not running (or is
/// already watched).
FTL_MUST_CHECK ftl_err_t ftl_app_adopt(const char *name, size_t len, ftl_handle_t *out_process);

/// Sends the new clients of every service the process exports to that process.
FTL_MUST_CHECK ftl_err_t ftl_app_route(ftl_handle_t process);

/// A new channel to a service: for any app, `name` is one of its `service` env items
/// (the same name as for ftl_env_channel) and the channel goes to that service's
/// current server, which gets a CONNECT; with the `control` grant, `name` may be any
/// service. FTL_ERR_NOT_FOUND (no such item or service), FTL_ERR_PEER_CLOSED (the server
/// is not running now: try again later).
FTL_MUST_CHECK ftl_err_t ftl_service_connect(const char *name, size_t len,
                                             ftl_handle_t *out_channel);

/// How the process behind a process handle ended (out->exited is 0 while it runs).
FTL_MUST_CHECK ftl_err_t ftl_process_info(ftl_handle_t process, struct ftl_process_info *out);

/// The reconnecting client helper: ftl_service_connect(name) again every 20 ms while the
/// service has no server (FTL_ERR_PEER_CLOSED: it is being restarted or upgraded) until
/// `timeout_ns` passed. A client whose service channel reports FTL_ERR_PEER_CLOSED
/// closes it, calls this, and resends what got no answer (docs/controller.md).
/// FTL_ERR_TIMED_OUT, or the error of ftl_service_connect.
FTL_MUST_CHECK ftl_err_t ftl_service_reconnect(const char *name, int64_t timeout_ns,
                                               ftl_handle_t *out_channel);
