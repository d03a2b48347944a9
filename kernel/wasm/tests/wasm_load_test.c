// Host unit tests (cmocka) of the loader's section rules and of the interpreter's
// guard against missing code: modules are written byte by byte, so each test shows
// exactly which sections it has.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../wasm_int.h"

#define HEADER 0, 'a', 's', 'm', 1, 0, 0, 0
#define TYPE_VOID 1, 4, 1, 0x60, 0, 0             // type 0: () -> ()
#define FUNC_ONE 3, 2, 1, 0                       // one function of type 0
#define FUNC_TWO 3, 3, 2, 0, 0                    // two functions of type 0
#define MEMORY_ONE 5, 3, 1, 0, 1                  // one page
#define EXPORT_START 7, 10, 1, 6, '_', 's', 't', 'a', 'r', 't', 0, 0
#define DATACOUNT(n) 12, 1, (n)
#define DATA_ONE 11, 13, 1, 0, 0x41, 0, 0x0b, 7, 'h', 'e', 'l', 'l', 'o', '!', '\n'
#define CODE_NOP 10, 4, 1, 2, 0, 0x0b             // one body: no locals, end
#define CUSTOM 0, 4, 3, 'a', 'b', 'c'

static const char *load_error(const uint8_t *bytes, size_t len, enum wasm_status *out_st)
{
    static char err[256];
    struct wasm_module *mod = NULL;
    enum wasm_status st = wasm_module_load(bytes, len, err, sizeof(err), &mod);
    wasm_module_free(mod);
    *out_st = st;
    return st == WASM_OK ? NULL : err;
}

static void assert_refused(const uint8_t *bytes, size_t len, const char *why)
{
    enum wasm_status st;
    const char *err = load_error(bytes, len, &st);
    assert_int_equal(st, WASM_ERR_MALFORMED);
    assert_non_null(err);
    assert_non_null(strstr(err, why));
}

static const char NO_CODE[] = "function and code section have inconsistent lengths";
static const char BAD_DATACOUNT[] = "data count and data section have inconsistent lengths";

// The module that halted the kernel: a function section, no code section, then memory,
// data count and data sections (tests/fuzz/wasm/crashes/no_code_section.wasm).
static void test_function_without_code_before_datacount_and_data(void **state)
{
    (void)state;
    static const uint8_t m[] = {HEADER, TYPE_VOID, FUNC_ONE, MEMORY_ONE, EXPORT_START,
                                DATACOUNT(1), DATA_ONE};
    assert_int_equal(sizeof(m), 53);
    assert_refused(m, sizeof(m), NO_CODE);
}

static void test_function_without_code_before_data(void **state)
{
    (void)state;
    static const uint8_t m[] = {HEADER, TYPE_VOID, FUNC_ONE, MEMORY_ONE, DATA_ONE};
    assert_refused(m, sizeof(m), NO_CODE);
}

static void test_function_without_code_at_end_or_before_custom(void **state)
{
    (void)state;
    static const uint8_t at_end[] = {HEADER, TYPE_VOID, FUNC_ONE};
    static const uint8_t custom[] = {HEADER, TYPE_VOID, FUNC_ONE, EXPORT_START, CUSTOM};
    assert_refused(at_end, sizeof(at_end), NO_CODE);
    assert_refused(custom, sizeof(custom), NO_CODE);
}

static void test_code_without_function_section(void **state)
{
    (void)state;
    static const uint8_t m[] = {HEADER, TYPE_VOID, CODE_NOP};
    assert_refused(m, sizeof(m), NO_CODE);
}

static void test_fewer_bodies_than_functions(void **state)
{
    (void)state;
    static const uint8_t m[] = {HEADER, TYPE_VOID, FUNC_TWO, CODE_NOP};
    assert_refused(m, sizeof(m), NO_CODE);
}

static void test_datacount_without_data_section(void **state)
{
    (void)state;
    static const uint8_t m[] = {HEADER, TYPE_VOID, FUNC_ONE, MEMORY_ONE, DATACOUNT(1),
                                CODE_NOP};
    static const uint8_t last[] = {HEADER, MEMORY_ONE, DATACOUNT(2)};
    assert_refused(m, sizeof(m), BAD_DATACOUNT);
    assert_refused(last, sizeof(last), BAD_DATACOUNT);
}

static void test_datacount_differs_from_data_section(void **state)
{
    (void)state;
    static const uint8_t m[] = {HEADER, MEMORY_ONE, DATACOUNT(2), DATA_ONE};
    assert_refused(m, sizeof(m), BAD_DATACOUNT);
}

static void test_sections_out_of_order_or_twice(void **state)
{
    (void)state;
    static const uint8_t twice[] = {HEADER, TYPE_VOID, TYPE_VOID};
    static const uint8_t datacount_after_code[] = {HEADER, TYPE_VOID, FUNC_ONE, CODE_NOP,
                                                   DATACOUNT(0)};
    static const uint8_t data_before_code[] = {HEADER, TYPE_VOID, FUNC_ONE, MEMORY_ONE,
                                               DATA_ONE, CODE_NOP};
    static const uint8_t datacount_twice[] = {HEADER, DATACOUNT(0), DATACOUNT(0)};
    const char *why = "unexpected content after last section";
    assert_refused(twice, sizeof(twice), why);
    assert_refused(datacount_after_code, sizeof(datacount_after_code), why);
    assert_refused(data_before_code, sizeof(data_before_code), why);
    assert_refused(datacount_twice, sizeof(datacount_twice), why);
}

static void test_consistent_sections_load_and_run(void **state)
{
    (void)state;
    static const uint8_t m[] = {HEADER, TYPE_VOID, FUNC_ONE, MEMORY_ONE, EXPORT_START,
                                DATACOUNT(1), CODE_NOP, DATA_ONE, CUSTOM};
    char err[256];
    struct wasm_module *mod;
    assert_int_equal(wasm_module_load(m, sizeof(m), err, sizeof(err), &mod), WASM_OK);
    struct wasm_store *store = wasm_store_create(16);
    struct wasm_exec *ex = wasm_exec_create(1024, 16);
    struct wasm_instance *inst;
    struct wasm_extern start;
    assert_int_equal(wasm_instance_create(store, mod, NULL, 0, err, sizeof(err), &inst), WASM_OK);
    assert_true(wasm_instance_export(inst, "_start", &start));
    assert_int_equal(wasm_call(ex, start.func, NULL, 0, NULL, 0), WASM_OK);
    wasm_exec_destroy(ex);
    wasm_store_destroy(store);
    wasm_module_free(mod);
}

// A module whose `_start` (function 0) calls `g` (function 1), both `() -> ()`.
struct two_funcs {
    struct wasm_module *mod;
    struct wasm_store *store;
    struct wasm_exec *ex;
    struct wasm_func *start;
    struct wasm_func *callee;
};

static void two_funcs_setup(struct two_funcs *t)
{
    static const uint8_t m[] = {HEADER, TYPE_VOID, FUNC_TWO,
                                7, 14, 2, 6, '_', 's', 't', 'a', 'r', 't', 0, 0, // exports
                                1, 'g', 0, 1,
                                10, 9, 2, 4, 0, 0x10, 1, 0x0b, 2, 0, 0x0b};
    char err[256];
    struct wasm_instance *inst;
    struct wasm_extern x;
    assert_int_equal(wasm_module_load(m, sizeof(m), err, sizeof(err), &t->mod), WASM_OK);
    t->store = wasm_store_create(16);
    t->ex = wasm_exec_create(1024, 16);
    assert_int_equal(wasm_instance_create(t->store, t->mod, NULL, 0, err, sizeof(err), &inst),
                     WASM_OK);
    assert_true(wasm_instance_export(inst, "_start", &x));
    t->start = x.func;
    assert_true(wasm_instance_export(inst, "g", &x));
    t->callee = x.func;
    assert_int_equal(wasm_call(t->ex, t->start, NULL, 0, NULL, 0), WASM_OK);
}

static void two_funcs_teardown(struct two_funcs *t)
{
    wasm_exec_destroy(t->ex);
    wasm_store_destroy(t->store);
    wasm_module_free(t->mod);
}

// Should a function ever lack its body, calls trap instead of following NULL.
static void test_call_from_host_to_missing_code_traps(void **state)
{
    (void)state;
    struct two_funcs t;
    two_funcs_setup(&t);
    static const struct wasm_code none = {0};
    const struct wasm_code *code = t.start->code;
    t.start->code = &none;
    assert_int_equal(wasm_call(t.ex, t.start, NULL, 0, NULL, 0), WASM_ERR_TRAP);
    assert_string_equal(wasm_exec_trap_message(t.ex), "function has no code");
    t.start->code = NULL;
    assert_int_equal(wasm_call(t.ex, t.start, NULL, 0, NULL, 0), WASM_ERR_TRAP);
    t.start->code = code;
    assert_int_equal(wasm_call(t.ex, t.start, NULL, 0, NULL, 0), WASM_OK);
    two_funcs_teardown(&t);
}

static void test_call_from_wasm_to_missing_code_traps(void **state)
{
    (void)state;
    struct two_funcs t;
    two_funcs_setup(&t);
    static const struct wasm_code none = {0};
    t.callee->code = &none;
    assert_int_equal(wasm_call(t.ex, t.start, NULL, 0, NULL, 0), WASM_ERR_TRAP);
    assert_string_equal(wasm_exec_trap_message(t.ex), "function has no code");
    two_funcs_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_function_without_code_before_datacount_and_data),
        cmocka_unit_test(test_function_without_code_before_data),
        cmocka_unit_test(test_function_without_code_at_end_or_before_custom),
        cmocka_unit_test(test_code_without_function_section),
        cmocka_unit_test(test_fewer_bodies_than_functions),
        cmocka_unit_test(test_datacount_without_data_section),
        cmocka_unit_test(test_datacount_differs_from_data_section),
        cmocka_unit_test(test_sections_out_of_order_or_twice),
        cmocka_unit_test(test_consistent_sections_load_and_run),
        cmocka_unit_test(test_call_from_host_to_missing_code_traps),
        cmocka_unit_test(test_call_from_wasm_to_missing_code_traps),
    };
    return cmocka_run_group_tests_name("wasm_load", tests, NULL, NULL);
}
