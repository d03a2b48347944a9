// Handle tables. Handle values are slot index + 1, so 0 is never a valid handle.
#include "handle.h"

void handle_table_init(struct handle_table *t, size_t limit, void *owner,
                       void (*on_close)(void *owner, ftl_handle_t h, struct object *obj))
{
    memset(t->entries, 0, sizeof(t->entries));
    t->count = 0;
    t->limit = limit < FTL_PROCESS_HANDLES_MAX ? limit : FTL_PROCESS_HANDLES_MAX;
    t->owner = owner;
    t->on_close = on_close;
}

ftl_err_t handle_table_add(struct handle_table *t, struct object *obj, uint32_t rights,
                           ftl_handle_t *out_h)
{
    if (t->count >= t->limit) {
        return FTL_ERR_TOO_MANY;
    }
    for (size_t i = 0; i < FTL_PROCESS_HANDLES_MAX; i++) {
        if (!t->entries[i].obj) {
            t->entries[i].obj = obj;
            t->entries[i].rights = rights;
            t->count++;
            *out_h = (ftl_handle_t)(i + 1);
            return FTL_OK;
        }
    }
    return FTL_ERR_TOO_MANY;
}

static struct handle_entry *slot(struct handle_table *t, ftl_handle_t h)
{
    if (h < 1 || h > FTL_PROCESS_HANDLES_MAX || !t->entries[h - 1].obj) {
        return NULL;
    }
    return &t->entries[h - 1];
}

ftl_err_t handle_table_get(struct handle_table *t, ftl_handle_t h, enum obj_type type,
                           uint32_t rights, struct handle_entry **out)
{
    struct handle_entry *e = slot(t, h);
    if (!e) {
        return FTL_ERR_BAD_HANDLE;
    }
    if (type && e->obj->type != type) {
        return FTL_ERR_WRONG_TYPE;
    }
    if ((e->rights & rights) != rights) {
        return FTL_ERR_NO_RIGHTS;
    }
    *out = e;
    return FTL_OK;
}

ftl_err_t handle_table_take(struct handle_table *t, ftl_handle_t h, struct handle_entry *out)
{
    struct handle_entry *e = slot(t, h);
    if (!e) {
        return FTL_ERR_BAD_HANDLE;
    }
    *out = *e;
    e->obj = NULL;
    e->rights = 0;
    t->count--;
    if (t->on_close) {
        t->on_close(t->owner, h, out->obj);
    }
    return FTL_OK;
}

ftl_err_t handle_table_close(struct handle_table *t, ftl_handle_t h)
{
    struct handle_entry e;
    ftl_err_t err = handle_table_take(t, h, &e);
    if (err != FTL_OK) {
        return err;
    }
    object_unref(e.obj);
    return FTL_OK;
}

void handle_table_close_all(struct handle_table *t)
{
    for (size_t i = 0; i < FTL_PROCESS_HANDLES_MAX; i++) {
        if (t->entries[i].obj) {
            (void)handle_table_close(t, (ftl_handle_t)(i + 1));
        }
    }
}
