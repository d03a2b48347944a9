// Per-process handle tables: small integers naming kernel objects, with rights.
#pragma once

#include "object.h"

struct handle_entry {
    struct object *obj;              // NULL: free slot
    uint32_t rights;                 // FTL_RIGHT_*
};

struct handle_table {
    struct handle_entry entries[FTL_PROCESS_HANDLES_MAX];
    size_t count;                    // slots in use
    size_t limit;                    // at most this many open (<= FTL_PROCESS_HANDLES_MAX)
    void (*on_close)(void *owner, ftl_handle_t h, struct object *obj); // poll cleanup
    void *owner;
};

void handle_table_init(struct handle_table *t, size_t limit, void *owner,
                       void (*on_close)(void *owner, ftl_handle_t h, struct object *obj));

/// Adds `obj` (taking over one reference) with `rights`. Returns FTL_ERR_TOO_MANY
/// when the table is full (the reference is then still the caller's).
FTL_MUST_CHECK ftl_err_t handle_table_add(struct handle_table *t, struct object *obj,
                                          uint32_t rights, ftl_handle_t *out_h);

/// Looks up `h`, checking its type (0: any) and that it has all of `rights`.
/// Returns FTL_ERR_BAD_HANDLE, FTL_ERR_WRONG_TYPE or FTL_ERR_NO_RIGHTS on mismatch.
/// The object stays owned by the table.
FTL_MUST_CHECK ftl_err_t handle_table_get(struct handle_table *t, ftl_handle_t h,
                                          enum obj_type type, uint32_t rights,
                                          struct handle_entry **out);

/// Removes `h` and hands its reference and rights to the caller (for transfers).
FTL_MUST_CHECK ftl_err_t handle_table_take(struct handle_table *t, ftl_handle_t h,
                                           struct handle_entry *out);

/// Closes `h`, dropping its reference. FTL_ERR_BAD_HANDLE if not open.
FTL_MUST_CHECK ftl_err_t handle_table_close(struct handle_table *t, ftl_handle_t h);

/// Closes every handle (process exit).
void handle_table_close_all(struct handle_table *t);
