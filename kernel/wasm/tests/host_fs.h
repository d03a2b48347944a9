// wasm-run --dir: the file protocol served from a host directory (host_fs.c).
#pragma once

#include "host_ftl.h"

/// Serves `dir` on the fs channel as the server path *out_root ("/0", "/1", ...: the k-th
/// directory added). The first call makes the channel: *out_h is the app's end (an env
/// item "fs"); later calls leave *out_h alone. FTL_ERR_NOT_FOUND if `dir` does not exist,
/// FTL_ERR_TOO_MANY past 8 directories.
ftl_err_t host_fs_add(struct host_ftl *hf, const char *dir, char out_root[8], ftl_handle_t *out_h);
/// Answers every queued request; true if there was any. For the runner's idle hook.
bool host_fs_idle(void);
