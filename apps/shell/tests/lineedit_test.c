// Host tests of the shell's line editor (apps/shell/lineedit.c): keys in, the line
// and the terminal output out.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lineedit.h"

static struct le ed;

static const char *const names[] = {"help", "start", "stats", "wasm_hello", "hello"};

static const char *complete(void *ctx, bool first, size_t i)
{
    (void)ctx;
    size_t skip = first ? 0 : 3; // later words: the apps only
    return i + skip < 5 ? names[i + skip] : NULL;
}

// Types `keys`; returns the result of the last key.
static enum le_result type(const char *keys)
{
    enum le_result r = LE_NONE;
    for (const char *k = keys; *k; k++) {
        r = le_feed(&ed, *k);
    }
    return r;
}

// True if the output of the last key holds `s`.
static bool out_has(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= ed.out_len; i++) {
        if (memcmp(ed.out + i, s, n) == 0) {
            return true;
        }
    }
    return false;
}

static int setup(void **state)
{
    (void)state;
    le_init(&ed, "ftl> ", complete, NULL);
    return 0;
}

static void test_enter_gives_the_line(void **state)
{
    (void)state;
    assert_int_equal(type("ps\r"), LE_LINE);
    assert_string_equal(ed.line, "ps");
    assert_int_equal(ed.len, 0);
    assert_int_equal(type("\n"), LE_NONE); // the '\n' of "\r\n" is not a second Enter
    assert_int_equal(type("x\n"), LE_LINE);
    assert_string_equal(ed.line, "x");
}

static void test_left_right_insert_and_backspace(void **state)
{
    (void)state;
    type("hex\x7fp\033[Dl");
    assert_int_equal(type("\r"), LE_LINE);
    assert_string_equal(ed.line, "help");
    type("ab\033[D\033[D\033[D\033[C\033[C\033[Cc\r"); // moves stop at the ends
    assert_string_equal(ed.line, "abc");
    type("\x7f\x7fok\r"); // Backspace on an empty line does nothing
    assert_string_equal(ed.line, "ok");
}

static void test_ctrl_keys(void **state)
{
    (void)state;
    type("tats\x01s\r"); // Ctrl-A: start of line
    assert_string_equal(ed.line, "stats");
    type("x\x01y\x05z\r"); // Ctrl-E: end of line
    assert_string_equal(ed.line, "yxz");
    type("junk\x15ps\r"); // Ctrl-U: cut to the start
    assert_string_equal(ed.line, "ps");
    type("log hello  \x17\x17start\r"); // Ctrl-W: cut a word (and the spaces after it)
    assert_string_equal(ed.line, "start");
    type("abc\033[D\033[D\x0b\r"); // Ctrl-K: cut to the end
    assert_string_equal(ed.line, "a");
    type("ab\033[H\033[3~\r"); // Home, Delete
    assert_string_equal(ed.line, "b");
}

static void test_ctrl_c_and_ctrl_d(void **state)
{
    (void)state;
    assert_int_equal(type("half\x03"), LE_INTR);
    assert_string_equal(ed.line, "half");
    assert_int_equal(ed.len, 0);
    assert_int_equal(type("\x04"), LE_EOF); // Ctrl-D on an empty line
    assert_int_equal(type("ab\x01\x04"), LE_NONE); // else it deletes under the cursor
    type("\r");
    assert_string_equal(ed.line, "b");
    assert_int_equal(ed.nhist, 1); // only lines ended by Enter are remembered
}

static void test_history(void **state)
{
    (void)state;
    type("one\r");
    type("two\r");
    type("two\r"); // a repeat is kept once
    type("\r");    // an empty line is not kept
    assert_int_equal(ed.nhist, 2);
    type("new\033[A\033[A\033[A"); // up past the oldest stays there
    assert_int_equal(type("\r"), LE_LINE);
    assert_string_equal(ed.line, "one");
    type("draft\033[A\033[B"); // down again gives back the line being typed
    type("!\r");
    assert_string_equal(ed.line, "draft!");
    for (int i = 0; i < LE_HISTORY + 5; i++) {
        char line[8] = {'c', (char)('a' + i % 26), (char)('a' + i / 26), '\r', 0};
        type(line);
    }
    assert_int_equal(ed.nhist, LE_HISTORY);
}

static void test_tab_completion(void **state)
{
    (void)state;
    type("he\t"); // help, hello: "hel" is what they share
    assert_int_equal(type("\r"), LE_LINE);
    assert_string_equal(ed.line, "hel");
    type("wa\t\r");
    assert_string_equal(ed.line, "wasm_hello "); // one candidate: completed, with a space
    type("st\t"); // start, stats: "sta" is what they share
    assert_int_equal(ed.len, 3);
    assert_false(out_has("start  stats"));
    type("\t"); // nothing more to add: the candidates are listed
    assert_true(out_has("start  stats  "));
    type("\x15start wa\t\r"); // a later word: apps only
    assert_string_equal(ed.line, "start wasm_hello ");
    type("start zz\t\r");
    assert_string_equal(ed.line, "start zz");
}

static void test_output_redraws_the_line(void **state)
{
    (void)state;
    type("abc\033[D");
    ed.out_len = 0;
    le_redraw(&ed);
    assert_true(out_has("\rftl> abc\033[K\033[1D"));
}

static void test_long_lines_are_cut(void **state)
{
    (void)state;
    for (int i = 0; i < LE_LINE_MAX * 2; i++) {
        type("x");
    }
    type("\r");
    assert_int_equal(strlen(ed.line), LE_LINE_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_enter_gives_the_line, setup),
        cmocka_unit_test_setup(test_left_right_insert_and_backspace, setup),
        cmocka_unit_test_setup(test_ctrl_keys, setup),
        cmocka_unit_test_setup(test_ctrl_c_and_ctrl_d, setup),
        cmocka_unit_test_setup(test_history, setup),
        cmocka_unit_test_setup(test_tab_completion, setup),
        cmocka_unit_test_setup(test_output_redraws_the_line, setup),
        cmocka_unit_test_setup(test_long_lines_are_cut, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
