// Host unit tests of handle tables (kernel/handle.c): lookups, type and rights
// checks, the table limit, moving handles out, and the close callback.
#include "test_util.h"

#include "handle.h"

// A stand-in kernel object that counts how often it was destroyed.
struct fake_obj {
    struct object obj;
    int destroyed;
};

static uint32_t fake_poll_state(struct object *obj)
{
    (void)obj;
    return 0;
}

static void fake_destroy(struct object *obj)
{
    ((struct fake_obj *)obj)->destroyed++;
}

static const struct object_ops fake_ops = {
    .destroy = fake_destroy,
    .poll_state = fake_poll_state,
};

static void fake_init(struct fake_obj *f, enum obj_type type)
{
    memset(f, 0, sizeof(*f));
    object_init(&f->obj, type, &fake_ops);
}

// What the last on_close call saw.
struct close_log {
    int calls;
    void *owner;
    ftl_handle_t h;
    struct object *obj;
    int destroyed_at_close; // the object's destroy count when on_close ran
};

static struct close_log close_log;

static void record_close(void *owner, ftl_handle_t h, struct object *obj)
{
    close_log.calls++;
    close_log.owner = owner;
    close_log.h = h;
    close_log.obj = obj;
    close_log.destroyed_at_close = ((struct fake_obj *)obj)->destroyed;
}

static struct handle_table table;
static struct fake_obj objs[FTL_PROCESS_HANDLES_MAX + 1];

static int setup(void **state)
{
    test_kernel_setup(state);
    memset(&close_log, 0, sizeof(close_log));
    handle_table_init(&table, FTL_PROCESS_HANDLES_MAX, &close_log, record_close);
    for (size_t i = 0; i < FTL_PROCESS_HANDLES_MAX + 1; i++) {
        fake_init(&objs[i], OBJ_CHANNEL);
    }
    return 0;
}

static ftl_handle_t add(struct fake_obj *f, uint32_t rights)
{
    ftl_handle_t h = 0;
    assert_int_equal(handle_table_add(&table, &f->obj, rights, &h), FTL_OK);
    return h;
}

static void add_then_get_returns_the_object_and_rights(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHT_READ | FTL_RIGHT_WAIT);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h, OBJ_CHANNEL, FTL_RIGHT_READ, &e), FTL_OK);
    assert_ptr_equal(e->obj, &objs[0].obj);
    assert_int_equal(e->rights, FTL_RIGHT_READ | FTL_RIGHT_WAIT);
}

static void add_never_returns_handle_zero(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++) {
        assert_true(add(&objs[i], FTL_RIGHTS_ALL) > 0);
    }
}

static void add_gives_distinct_handles(void **state)
{
    (void)state;
    ftl_handle_t a = add(&objs[0], FTL_RIGHTS_ALL);
    ftl_handle_t b = add(&objs[1], FTL_RIGHTS_ALL);
    assert_int_not_equal(a, b);
    assert_int_equal(table.count, 2);
}

static void get_handle_zero_is_bad_handle(void **state)
{
    (void)state;
    add(&objs[0], FTL_RIGHTS_ALL);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, 0, 0, 0, &e), FTL_ERR_BAD_HANDLE);
    assert_null(e);
}

static void get_negative_handle_is_bad_handle(void **state)
{
    (void)state;
    add(&objs[0], FTL_RIGHTS_ALL);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, -1, 0, 0, &e), FTL_ERR_BAD_HANDLE);
    assert_int_equal(handle_table_get(&table, INT32_MIN, 0, 0, &e), FTL_ERR_BAD_HANDLE);
}

static void get_handle_past_table_end_is_bad_handle(void **state)
{
    (void)state;
    for (size_t i = 0; i < FTL_PROCESS_HANDLES_MAX; i++) {
        add(&objs[i], FTL_RIGHTS_ALL);
    }
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, FTL_PROCESS_HANDLES_MAX + 1, 0, 0, &e),
                     FTL_ERR_BAD_HANDLE);
    assert_int_equal(handle_table_get(&table, INT32_MAX, 0, 0, &e), FTL_ERR_BAD_HANDLE);
}

static void get_never_opened_handle_is_bad_handle(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h + 1, 0, 0, &e), FTL_ERR_BAD_HANDLE);
}

static void get_closed_handle_is_bad_handle(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h, 0, 0, &e), FTL_ERR_BAD_HANDLE);
}

static void get_with_other_type_is_wrong_type(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h, OBJ_POLL, 0, &e), FTL_ERR_WRONG_TYPE);
    assert_null(e);
}

static void get_with_type_zero_accepts_any_type(void **state)
{
    (void)state;
    fake_init(&objs[0], OBJ_TIMER);
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h, 0, 0, &e), FTL_OK);
    assert_ptr_equal(e->obj, &objs[0].obj);
}

static void get_without_a_required_right_is_no_rights(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHT_READ);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h, OBJ_CHANNEL, FTL_RIGHT_READ | FTL_RIGHT_WRITE,
                                      &e),
                     FTL_ERR_NO_RIGHTS);
    assert_null(e);
}

static void wrong_type_is_reported_before_missing_rights(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], 0);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h, OBJ_TIMER, FTL_RIGHT_READ, &e),
                     FTL_ERR_WRONG_TYPE);
}

static void add_past_limit_is_too_many_and_keeps_reference_with_caller(void **state)
{
    (void)state;
    handle_table_init(&table, 3, NULL, NULL);
    for (int i = 0; i < 3; i++) {
        add(&objs[i], FTL_RIGHTS_ALL);
    }
    ftl_handle_t h = 0;
    assert_int_equal(handle_table_add(&table, &objs[3].obj, FTL_RIGHTS_ALL, &h),
                     FTL_ERR_TOO_MANY);
    assert_int_equal(h, 0);
    assert_int_equal(objs[3].obj.refs, 1);
    assert_int_equal(objs[3].destroyed, 0);
    assert_int_equal(table.count, 3);
}

static void limit_above_max_is_clamped_to_process_handles_max(void **state)
{
    (void)state;
    handle_table_init(&table, 100000, NULL, NULL);
    for (size_t i = 0; i < FTL_PROCESS_HANDLES_MAX; i++) {
        add(&objs[i], FTL_RIGHTS_ALL);
    }
    ftl_handle_t h = 0;
    assert_int_equal(handle_table_add(&table, &objs[FTL_PROCESS_HANDLES_MAX].obj,
                                      FTL_RIGHTS_ALL, &h),
                     FTL_ERR_TOO_MANY);
}

static void closing_a_handle_frees_room_under_the_limit(void **state)
{
    (void)state;
    handle_table_init(&table, 1, NULL, NULL);
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    assert_true(add(&objs[1], FTL_RIGHTS_ALL) > 0);
}

static void close_drops_the_tables_reference(void **state)
{
    (void)state;
    object_ref(&objs[0].obj); // the test's own reference, besides the table's
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    assert_int_equal(objs[0].obj.refs, 1);
    assert_int_equal(objs[0].destroyed, 0);
}

static void close_of_last_reference_destroys_the_object(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    assert_int_equal(objs[0].destroyed, 1);
}

static void close_twice_is_bad_handle(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    assert_int_equal(handle_table_close(&table, h), FTL_ERR_BAD_HANDLE);
    assert_int_equal(objs[0].destroyed, 1);
}

static void take_moves_reference_and_rights_to_caller(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHT_READ | FTL_RIGHT_TRANSFER);
    struct handle_entry taken = {0};
    assert_int_equal(handle_table_take(&table, h, &taken), FTL_OK);
    assert_ptr_equal(taken.obj, &objs[0].obj);
    assert_int_equal(taken.rights, FTL_RIGHT_READ | FTL_RIGHT_TRANSFER);
    assert_int_equal(objs[0].obj.refs, 1);
    assert_int_equal(objs[0].destroyed, 0);
    assert_int_equal(table.count, 0);
    struct handle_entry *e = NULL;
    assert_int_equal(handle_table_get(&table, h, 0, 0, &e), FTL_ERR_BAD_HANDLE);
}

static void take_of_unopened_handle_is_bad_handle(void **state)
{
    (void)state;
    struct handle_entry taken = {0};
    assert_int_equal(handle_table_take(&table, 1, &taken), FTL_ERR_BAD_HANDLE);
    assert_int_equal(close_log.calls, 0);
}

static void freed_slot_is_reused(void **state)
{
    (void)state;
    ftl_handle_t a = add(&objs[0], FTL_RIGHTS_ALL);
    add(&objs[1], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, a), FTL_OK);
    assert_int_equal(add(&objs[2], FTL_RIGHTS_ALL), a);
}

static void close_all_closes_every_open_handle(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        add(&objs[i], FTL_RIGHTS_ALL);
    }
    assert_int_equal(handle_table_close(&table, 3), FTL_OK); // a hole in the middle
    handle_table_close_all(&table);
    assert_int_equal(table.count, 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(objs[i].destroyed, 1);
    }
    assert_int_equal(close_log.calls, 5);
}

static void on_close_gets_owner_handle_and_object(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    assert_int_equal(close_log.calls, 1);
    assert_ptr_equal(close_log.owner, &close_log);
    assert_int_equal(close_log.h, h);
    assert_ptr_equal(close_log.obj, &objs[0].obj);
}

static void on_close_runs_before_the_object_is_destroyed(void **state)
{
    (void)state;
    // Poll cleanup in on_close must see a live object.
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    assert_int_equal(close_log.calls, 1);
    assert_int_equal(close_log.destroyed_at_close, 0);
    assert_int_equal(objs[0].destroyed, 1);
}

static void on_close_is_called_when_a_handle_is_taken(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    struct handle_entry taken = {0};
    assert_int_equal(handle_table_take(&table, h, &taken), FTL_OK);
    assert_int_equal(close_log.calls, 1);
    assert_int_equal(close_log.h, h);
    object_unref(taken.obj);
}

static void unref_of_object_without_references_panics(void **state)
{
    (void)state;
    ftl_handle_t h = add(&objs[0], FTL_RIGHTS_ALL);
    assert_int_equal(handle_table_close(&table, h), FTL_OK);
    expect_assert_failure(object_unref(&objs[0].obj));
    assert_int_equal(objs[0].destroyed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(add_then_get_returns_the_object_and_rights, setup),
        cmocka_unit_test_setup(add_never_returns_handle_zero, setup),
        cmocka_unit_test_setup(add_gives_distinct_handles, setup),
        cmocka_unit_test_setup(get_handle_zero_is_bad_handle, setup),
        cmocka_unit_test_setup(get_negative_handle_is_bad_handle, setup),
        cmocka_unit_test_setup(get_handle_past_table_end_is_bad_handle, setup),
        cmocka_unit_test_setup(get_never_opened_handle_is_bad_handle, setup),
        cmocka_unit_test_setup(get_closed_handle_is_bad_handle, setup),
        cmocka_unit_test_setup(get_with_other_type_is_wrong_type, setup),
        cmocka_unit_test_setup(get_with_type_zero_accepts_any_type, setup),
        cmocka_unit_test_setup(get_without_a_required_right_is_no_rights, setup),
        cmocka_unit_test_setup(wrong_type_is_reported_before_missing_rights, setup),
        cmocka_unit_test_setup(add_past_limit_is_too_many_and_keeps_reference_with_caller, setup),
        cmocka_unit_test_setup(limit_above_max_is_clamped_to_process_handles_max, setup),
        cmocka_unit_test_setup(closing_a_handle_frees_room_under_the_limit, setup),
        cmocka_unit_test_setup(close_drops_the_tables_reference, setup),
        cmocka_unit_test_setup(close_of_last_reference_destroys_the_object, setup),
        cmocka_unit_test_setup(close_twice_is_bad_handle, setup),
        cmocka_unit_test_setup(take_moves_reference_and_rights_to_caller, setup),
        cmocka_unit_test_setup(take_of_unopened_handle_is_bad_handle, setup),
        cmocka_unit_test_setup(freed_slot_is_reused, setup),
        cmocka_unit_test_setup(close_all_closes_every_open_handle, setup),
        cmocka_unit_test_setup(on_close_gets_owner_handle_and_object, setup),
        cmocka_unit_test_setup(on_close_runs_before_the_object_is_destroyed, setup),
        cmocka_unit_test_setup(on_close_is_called_when_a_handle_is_taken, setup),
        cmocka_unit_test_setup(unref_of_object_without_references_panics, setup),
    };
    return cmocka_run_group_tests_name("handle", tests, NULL, NULL);
}
