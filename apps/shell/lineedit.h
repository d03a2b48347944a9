// The shell's line editor: a plain C module with no FTL calls (its host unit test is
// apps/shell/tests/lineedit_test.c). Bytes typed go in one at a time; the terminal
// output that shows the edit comes out in `out`, and a finished line is reported.
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define LE_LINE_MAX 256   // bytes of one line, its terminating NUL included
#define LE_HISTORY 32     // lines kept for up/down
#define LE_OUT_MAX 4096   // bytes of terminal output one key can produce

enum le_result {
    LE_NONE,   // keep typing
    LE_LINE,   // Enter: the line is in le->line (added to the history if not empty)
    LE_INTR,   // Ctrl-C: the line was abandoned
    LE_EOF,    // Ctrl-D on an empty line
};

/// Names Tab may complete: the i-th candidate for a word that is the line's first
/// (`first` true: commands and apps) or a later one (apps); NULL past the last.
typedef const char *(*le_complete_fn)(void *ctx, bool first, size_t i);

struct le {
    const char *prompt;
    char buf[LE_LINE_MAX];
    size_t len, cur;                    // bytes in buf; the cursor's position in them
    char line[LE_LINE_MAX];             // the finished line, after LE_LINE
    char hist[LE_HISTORY][LE_LINE_MAX]; // oldest first
    size_t nhist;
    size_t hpos;                        // the history line shown; nhist: the new line
    char saved[LE_LINE_MAX];            // the new line, kept while browsing history
    int esc;                            // 0, or 1 after ESC, 2 after ESC [ / ESC O
    int esc_num;                        // the number in ESC [ n ~
    bool after_cr;                      // the last byte was '\r' (a '\n' next is the same Enter)
    le_complete_fn complete;
    void *complete_ctx;
    char out[LE_OUT_MAX];               // terminal output of the last le_feed
    size_t out_len;
};

/// Starts an editor showing `prompt`; `complete` may be NULL (Tab does nothing).
void le_init(struct le *le, const char *prompt, le_complete_fn complete, void *ctx);

/// Feeds one typed byte. Its terminal output is in le->out / le->out_len.
enum le_result le_feed(struct le *le, char c);

/// Puts "\r", the prompt, the line and the cursor in le->out: a full redraw (after a
/// log line erased it, or after a command's output).
void le_redraw(struct le *le);
