// wasm-run --dir: the file protocol served from a host directory (host_fs.c).
#pragma once

#include "host_ftl.h"

/// Serves `dir` as the root of an fs channel; *out_h is the app's end (an env item "fs").
/// FTL_ERR_NOT_FOUND if `dir` does not exist.
ftl_err_t host_fs_init(struct host_ftl *hf, const char *dir, ftl_handle_t *out_h);
/// Answers every queued request; true if there was any. For the runner's idle hook.
bool host_fs_idle(void);
