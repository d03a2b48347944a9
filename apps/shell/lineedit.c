// The shell's line editor (lineedit.h). Every edit redraws the whole line: "\r", the
// prompt, the text, erase to the end of the screen line, then the cursor moved back.
// It needs nothing of the terminal but "\r", ESC [ K and ESC [ n D.
#include "lineedit.h"

#include <stdio.h>
#include <string.h>

static void emit(struct le *le, const char *s, size_t n)
{
    if (n > sizeof(le->out) - le->out_len) {
        n = sizeof(le->out) - le->out_len;
    }
    memcpy(le->out + le->out_len, s, n);
    le->out_len += n;
}

static void emits(struct le *le, const char *s)
{
    emit(le, s, strlen(s));
}

void le_redraw(struct le *le)
{
    emits(le, "\r");
    emits(le, le->prompt);
    emit(le, le->buf, le->len);
    emits(le, "\033[K");
    if (le->cur < le->len) {
        char back[16];
        snprintf(back, sizeof(back), "\033[%zuD", le->len - le->cur);
        emits(le, back);
    }
}

void le_init(struct le *le, const char *prompt, le_complete_fn complete, void *ctx)
{
    memset(le, 0, sizeof(*le));
    le->prompt = prompt;
    le->complete = complete;
    le->complete_ctx = ctx;
}

static void set_text(struct le *le, const char *s)
{
    le->len = strlen(s);
    memcpy(le->buf, s, le->len);
    le->cur = le->len;
}

static void insert(struct le *le, const char *s, size_t n)
{
    if (n > LE_LINE_MAX - 1 - le->len) {
        n = LE_LINE_MAX - 1 - le->len;
    }
    memmove(le->buf + le->cur + n, le->buf + le->cur, le->len - le->cur);
    memcpy(le->buf + le->cur, s, n);
    le->len += n;
    le->cur += n;
}

// Removes [from, to) of the line; the cursor goes to `from`.
static void cut(struct le *le, size_t from, size_t to)
{
    memmove(le->buf + from, le->buf + to, le->len - to);
    le->len -= to - from;
    le->cur = from;
}

static void history_add(struct le *le, const char *s)
{
    if (!s[0] || (le->nhist > 0 && strcmp(le->hist[le->nhist - 1], s) == 0)) {
        return;
    }
    if (le->nhist == LE_HISTORY) {
        memmove(le->hist[0], le->hist[1], sizeof(le->hist[0]) * (LE_HISTORY - 1));
        le->nhist--;
    }
    snprintf(le->hist[le->nhist++], LE_LINE_MAX, "%s", s);
}

static void history_move(struct le *le, int dir)
{
    if (dir < 0 && le->hpos == 0) {
        return;
    }
    if (dir > 0 && le->hpos >= le->nhist) {
        return;
    }
    if (le->hpos == le->nhist) { // leaving the new line: keep it
        le->buf[le->len] = '\0';
        memcpy(le->saved, le->buf, le->len + 1);
    }
    le->hpos = (size_t)((long)le->hpos + dir);
    set_text(le, le->hpos == le->nhist ? le->saved : le->hist[le->hpos]);
}

// Tab: completes the word before the cursor to the longest prefix its candidates
// share; one candidate also gets a space. With several and nothing to add, lists them.
static void complete(struct le *le)
{
    if (!le->complete) {
        return;
    }
    size_t start = le->cur;
    while (start > 0 && le->buf[start - 1] != ' ') {
        start--;
    }
    bool first = true;
    for (size_t i = 0; i < start; i++) {
        if (le->buf[i] != ' ') {
            first = false;
        }
    }
    size_t wlen = le->cur - start;
    const char *match = NULL;
    size_t common = 0, nmatch = 0;
    for (size_t i = 0;; i++) {
        const char *c = le->complete(le->complete_ctx, first, i);
        if (!c) {
            break;
        }
        if (strncmp(c, le->buf + start, wlen) != 0) {
            continue;
        }
        if (nmatch++ == 0) {
            match = c;
            common = strlen(c);
        } else {
            size_t k = 0;
            while (k < common && c[k] == match[k]) {
                k++;
            }
            common = k;
        }
    }
    if (nmatch == 0) {
        return;
    }
    if (common > wlen) {
        insert(le, match + wlen, common - wlen);
    }
    if (nmatch == 1) {
        insert(le, " ", 1);
    } else if (common == wlen) {
        emits(le, "\r\n");
        for (size_t i = 0;; i++) {
            const char *c = le->complete(le->complete_ctx, first, i);
            if (!c) {
                break;
            }
            if (strncmp(c, le->buf + start, wlen) == 0) {
                emits(le, c);
                emits(le, "  ");
            }
        }
        emits(le, "\r\n");
    }
}

// The final byte of an escape sequence: arrows, Home/End, Delete.
static void escape(struct le *le, char c)
{
    switch (c) {
    case 'A':
        history_move(le, -1);
        break;
    case 'B':
        history_move(le, 1);
        break;
    case 'C':
        le->cur += le->cur < le->len;
        break;
    case 'D':
        le->cur -= le->cur > 0;
        break;
    case 'H':
        le->cur = 0;
        break;
    case 'F':
        le->cur = le->len;
        break;
    case '~':
        if (le->esc_num == 1 || le->esc_num == 7) {
            le->cur = 0;
        } else if (le->esc_num == 4 || le->esc_num == 8) {
            le->cur = le->len;
        } else if (le->esc_num == 3 && le->cur < le->len) {
            cut(le, le->cur, le->cur + 1);
        }
        break;
    default:
        break;
    }
}

static enum le_result finish(struct le *le, enum le_result r)
{
    le->buf[le->len] = '\0';
    memcpy(le->line, le->buf, le->len + 1);
    if (r == LE_LINE) {
        history_add(le, le->line);
    }
    le->len = le->cur = 0;
    le->hpos = le->nhist;
    return r;
}

enum le_result le_feed(struct le *le, char c)
{
    le->out_len = 0;
    bool after_cr = le->after_cr;
    le->after_cr = c == '\r';
    if (le->esc == 1) {
        le->esc = (c == '[' || c == 'O') ? 2 : 0;
        le->esc_num = 0;
        return LE_NONE;
    }
    if (le->esc == 2) {
        if (c >= '0' && c <= '9') {
            le->esc_num = le->esc_num * 10 + (c - '0');
            return LE_NONE;
        }
        le->esc = 0;
        escape(le, c);
        le_redraw(le);
        return LE_NONE;
    }
    switch (c) {
    case '\033':
        le->esc = 1;
        return LE_NONE;
    case '\n':
        if (after_cr) {
            return LE_NONE; // "\r\n" is one Enter
        }
        /* fall through */
    case '\r':
        emits(le, "\r\n");
        return finish(le, LE_LINE);
    case 3: // Ctrl-C
        emits(le, "^C\r\n");
        return finish(le, LE_INTR);
    case 4: // Ctrl-D: end of input on an empty line, else delete under the cursor
        if (le->len == 0) {
            return finish(le, LE_EOF);
        }
        if (le->cur < le->len) {
            cut(le, le->cur, le->cur + 1);
        }
        break;
    case 1: // Ctrl-A
        le->cur = 0;
        break;
    case 5: // Ctrl-E
        le->cur = le->len;
        break;
    case 2: // Ctrl-B
        le->cur -= le->cur > 0;
        break;
    case 6: // Ctrl-F
        le->cur += le->cur < le->len;
        break;
    case 8:
    case 127: // Backspace
        if (le->cur > 0) {
            cut(le, le->cur - 1, le->cur);
        }
        break;
    case 11: // Ctrl-K: cut to the end
        le->len = le->cur;
        break;
    case 21: // Ctrl-U: cut to the start
        cut(le, 0, le->cur);
        break;
    case 23: { // Ctrl-W: cut the word before the cursor
        size_t from = le->cur;
        while (from > 0 && le->buf[from - 1] == ' ') {
            from--;
        }
        while (from > 0 && le->buf[from - 1] != ' ') {
            from--;
        }
        cut(le, from, le->cur);
        break;
    }
    case 12: // Ctrl-L: clear the screen
        emits(le, "\033[H\033[2J");
        break;
    case 14: // Ctrl-N
        history_move(le, 1);
        break;
    case 16: // Ctrl-P
        history_move(le, -1);
        break;
    case '\t':
        complete(le);
        break;
    default:
        if ((unsigned char)c < 32) {
            return LE_NONE; // other control keys do nothing
        }
        insert(le, &c, 1);
        break;
    }
    le_redraw(le);
    return LE_NONE;
}
