// The YAML subset parser behind spec files (see yaml.h). One frame per open collection;
// each yaml_next() looks at the top frame and reads just enough text for one event.
// Block structure follows YAML 1.2: a collection's column is its indentation, a block
// sequence under a key may sit at the key's column, flow collections may span lines.
#include "yaml.h"

#include <limits.h>

enum yaml_frame_kind {
    FRAME_DOC,
    FRAME_BLOCK_MAP,
    FRAME_BLOCK_SEQ,
    FRAME_FLOW_MAP,
    FRAME_FLOW_SEQ,
};

enum yaml_frame_state {
    STATE_START,  // document: nothing read yet
    STATE_DONE,   // document: its value was read; only the end may follow
    STATE_ENDED,  // document: END returned
    STATE_KEY,    // mapping: a key or the end comes next
    STATE_VALUE,  // mapping: the value of the key just returned comes next
    STATE_ENTRY,  // sequence: an entry or the end comes next
    STATE_SEP,    // flow collection: ',' or the closing bracket comes next
};

// Where a block node is: it decides where a block collection may start.
enum node_ctx {
    CTX_DOC,
    CTX_MAP_VALUE,
    CTX_SEQ_ENTRY,
};

#define PEEK_EOF (-1)
#define SNIPPET_MAX 24  // bytes of source text quoted in an error

static ftl_err_t fail_line(struct yaml_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ftl_err_t fail(struct yaml_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static ftl_err_t vfail(struct yaml_parser *p, int line, const char *fmt, va_list ap)
{
    vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
    p->err_line = line;
    p->failed = true;
    return FTL_ERR_PARSE;
}

static ftl_err_t fail_line(struct yaml_parser *p, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ftl_err_t err = vfail(p, line, fmt, ap);
    va_end(ap);
    return err;
}

static ftl_err_t fail(struct yaml_parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ftl_err_t err = vfail(p, p->line, fmt, ap);
    va_end(ap);
    return err;
}

static int peek(const struct yaml_parser *p, size_t off)
{
    if (off >= p->len - p->pos) {
        return PEEK_EOF;
    }
    return (unsigned char)p->text[p->pos + off];
}

static bool is_blank(int c)
{
    return c == ' ' || c == '\t';
}

static bool is_eol(int c)
{
    return c == '\n' || c == '\r' || c == PEEK_EOF;
}

static bool is_space(int c)
{
    return is_blank(c) || is_eol(c);
}

static bool is_flow_indicator(int c)
{
    return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int column(const struct yaml_parser *p)
{
    size_t col = p->pos - p->line_start;
    return col > INT_MAX / 2 ? INT_MAX / 2 : (int)col;
}

// Length of the text from `pos` to the end of its line, capped, to quote in errors.
static int snippet_len(const struct yaml_parser *p)
{
    int n = 0;
    while (n < SNIPPET_MAX && !is_eol(peek(p, (size_t)n))) {
        n++;
    }
    return n;
}

static void skip_blanks(struct yaml_parser *p)
{
    while (is_blank(peek(p, 0))) {
        p->pos++;
    }
}

static void skip_to_eol(struct yaml_parser *p)
{
    while (!is_eol(peek(p, 0))) {
        p->pos++;
    }
}

// Moves past the line break at `pos`, if any, to the start of the next line.
static void next_line(struct yaml_parser *p)
{
    if (peek(p, 0) == '\r') {
        p->pos++;
    }
    if (peek(p, 0) == '\n') {
        p->pos++;
        p->line_start = p->pos;
        if (p->line < INT_MAX) {
            p->line++;
        }
    }
}

static bool is_seq_entry(const struct yaml_parser *p)
{
    return peek(p, 0) == '-' && is_space(peek(p, 1));
}

static bool is_marker(const struct yaml_parser *p, const char *marker)
{
    return p->pos == p->line_start && p->len - p->pos >= 3 &&
           memcmp(p->text + p->pos, marker, 3) == 0 && is_space(peek(p, 3));
}

// Returns the length of the well-formed UTF-8 sequence at `s` and sets `*out_cp` to its
// code point, or returns 0 if the bytes are not UTF-8.
static size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *out_cp)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3
               : s[0] < 0xf5 ? 4 : 0;
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (n == 0 || avail < n) {
        return 0;
    }
    uint32_t cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[k] & 0x3f);
    }
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    *out_cp = cp;
    return n;
}

// Rejects what YAML does not allow in a file: bytes that are not UTF-8, control
// characters and a lone CR. Line breaks other than LF and CRLF (U+0085, U+2028, U+2029)
// are rejected too: YAML versions disagree about them.
static ftl_err_t check_text(struct yaml_parser *p)
{
    int line = 1;
    for (size_t i = 0; i < p->len;) {
        uint32_t c;
        size_t n = utf8_decode((const unsigned char *)p->text + i, p->len - i, &c);
        if (n == 0) {
            return fail_line(p, line, "the file is not valid UTF-8");
        }
        if (c == '\n') {
            line += line < INT_MAX;
        } else if (c == '\r' && (i + 1 == p->len || p->text[i + 1] != '\n')) {
            return fail_line(p, line, "a carriage return must be followed by a newline");
        } else if ((c < 0x20 && c != '\t' && c != '\r') || (c >= 0x7f && c <= 0x9f)) {
            return fail_line(p, line, "control character 0x%02x is not allowed", (unsigned)c);
        } else if (c == 0x2028 || c == 0x2029 || c == 0xfffe || c == 0xffff) {
            return fail_line(p, line, "character U+%04X is not allowed", (unsigned)c);
        }
        i += n;
    }
    return FTL_OK;
}

// Skips blanks, comments and empty lines up to the next content, leaving `pos` on it
// and its column in `p->col` (-1 at the end of the text). Stays put when already on
// content. Rejects tab indentation and, unless `doc_start_ok`, document markers.
static ftl_err_t skip_to_content(struct yaml_parser *p, bool doc_start_ok)
{
    for (;;) {
        bool at_line_start = p->pos == p->line_start;
        while (peek(p, 0) == ' ') {
            p->pos++;
        }
        if (at_line_start && peek(p, 0) == '\t') {
            skip_blanks(p);
            if (peek(p, 0) != '#' && !is_eol(peek(p, 0))) {
                return fail(p, "tabs are not allowed for indentation");
            }
        }
        skip_blanks(p);
        if (peek(p, 0) == '#') {
            if (p->pos > p->line_start && !is_blank(p->text[p->pos - 1])) {
                return fail(p, "a comment needs a space before '#'");
            }
            skip_to_eol(p);
        }
        if (peek(p, 0) == PEEK_EOF) {
            p->col = -1;
            return FTL_OK;
        }
        if (is_eol(peek(p, 0))) {
            next_line(p);
            continue;
        }
        if (is_marker(p, "---") && !doc_start_ok) {
            return fail(p, "only one document per file: '---' may only start it");
        }
        if (is_marker(p, "...")) {
            return fail(p, "the document end marker '...' is not supported");
        }
        p->col = column(p);
        return FTL_OK;
    }
}

// After a value in block context only blanks and a comment may follow on its line.
static ftl_err_t finish_line(struct yaml_parser *p, const char *after)
{
    size_t start = p->pos;
    skip_blanks(p);
    if (peek(p, 0) == '#' && p->pos > start) {
        skip_to_eol(p);
    }
    if (!is_eol(peek(p, 0))) {
        return fail(p, "unexpected text '%.*s' after %s", snippet_len(p), p->text + p->pos,
                    after);
    }
    next_line(p);
    return FTL_OK;
}

static ftl_err_t push(struct yaml_parser *p, enum yaml_frame_kind kind, int indent,
                      enum yaml_frame_state state)
{
    if (p->depth == YAML_DEPTH_MAX) {
        return fail(p, "nesting deeper than %d levels is not supported", YAML_DEPTH_MAX - 1);
    }
    struct yaml_frame *f = &p->stack[p->depth++];
    f->kind = (uint8_t)kind;
    f->state = (uint8_t)state;
    f->indent = indent;
    f->line = p->line;
    return FTL_OK;
}

static ftl_err_t pop(struct yaml_parser *p, struct yaml_event *ev, enum yaml_event_type type)
{
    p->depth--;
    ev->type = type;
    ev->line = p->line;
    return FTL_OK;
}

// Bytes of a scalar's text to quote in an error.
static int shown_len(const struct yaml_event *ev)
{
    return ev->len > SNIPPET_MAX ? SNIPPET_MAX : (int)ev->len;
}

// Explains why no scalar can start at `pos`.
static ftl_err_t bad_start(struct yaml_parser *p)
{
    int c = peek(p, 0);
    switch (c) {
    case '&':
        return fail(p, "anchors (&) are not supported");
    case '*':
        return fail(p, "aliases (*) are not supported");
    case '!':
        return fail(p, "tags (!) are not supported");
    case '|':
    case '>':
        return fail(p, "block scalars (| and >) are not supported; use a quoted string");
    case '%':
        return fail(p, "directives (%%) are not supported");
    case '?':
    case ':':
        if (is_space(peek(p, 1))) {
            return fail(p, c == '?' ? "complex keys (?) are not supported"
                                    : "missing key before ':'");
        }
        return fail(p, "quote values that start with '%c'", c);
    case '-':
        return fail(p, "a '- ' sequence entry is not allowed here");
    case PEEK_EOF:
    case '\n':
    case '\r':
        return fail(p, "unexpected end of line");
    default:
        return fail(p, "unexpected '%c' (quote values that start with it)", c);
    }
}

// As YAML 1.2, except that '?' and ':' never start one: YAML 1.1 parsers read
// them as indicators in flow collections.
static bool can_start_plain(const struct yaml_parser *p, bool flow)
{
    int c = peek(p, 0);
    if (c == '-') {
        int n = peek(p, 1);
        return !is_space(n) && !(flow && is_flow_indicator(n));
    }
    return !is_space(c) && !is_flow_indicator(c) && !strchr("#&*!|>'\"%@`?:", c);
}

// A plain scalar ends at the end of its line, at ": ", at " #" and, inside a flow
// collection, at ",[]{}". Trailing blanks are not part of it.
static void scan_plain(struct yaml_parser *p, bool flow, struct yaml_event *ev)
{
    size_t start = p->pos;
    for (;;) {
        int c = peek(p, 0);
        int n = peek(p, 1);
        if (is_eol(c) || (flow && is_flow_indicator(c))) {
            break;
        }
        if (c == ':' && (is_space(n) || (flow && is_flow_indicator(n)))) {
            break;
        }
        if (c == '#' && p->pos > start && is_blank(p->text[p->pos - 1])) {
            break;
        }
        p->pos++;
    }
    size_t end = p->pos;
    while (end > start && is_blank(p->text[end - 1])) {
        end--;
    }
    p->pos = end;
    ev->style = YAML_PLAIN;
    ev->text = p->text + start;
    ev->len = end - start;
}

static ftl_err_t scan_single(struct yaml_parser *p, struct yaml_event *ev)
{
    size_t start = ++p->pos;
    for (;;) {
        int c = peek(p, 0);
        if (is_eol(c)) {
            return fail(p, "unterminated string: the closing ' must be on the same line");
        }
        if (c == '\'' && peek(p, 1) == '\'') {
            p->pos += 2;  // '' is an escaped quote
            continue;
        }
        if (c == '\'') {
            break;
        }
        p->pos++;
    }
    ev->style = YAML_SINGLE_QUOTED;
    ev->text = p->text + start;
    ev->len = p->pos - start;
    p->pos++;
    return FTL_OK;
}

// Checks the escape at `pos` (a backslash) and moves past it. yaml_scalar_copy() then
// decodes it without checking again.
static ftl_err_t check_escape(struct yaml_parser *p)
{
    int e = peek(p, 1);
    size_t ndigits = 0;
    if (e == 'x') {
        ndigits = 2;
    } else if (e == 'u') {
        ndigits = 4;
    } else if (e == 'U') {
        ndigits = 8;
    } else if (e != PEEK_EOF && strchr("abtnvfre \"/\\\t", e)) {
        p->pos += 2;
        return FTL_OK;
    } else if (is_eol(e)) {
        return fail(p, "unterminated string: a line cannot end with '\\' inside quotes");
    } else {
        return fail(p, "unknown escape '\\%c' in a double-quoted string", e);
    }
    uint32_t v = 0;
    for (size_t i = 0; i < ndigits; i++) {
        int h = hex_value(peek(p, 2 + i));
        if (h < 0) {
            return fail(p, "'\\%c' needs %d hex digits", e, (int)ndigits);
        }
        v = v * 16 + (uint32_t)h;
    }
    if (v == 0) {
        return fail(p, "NUL characters are not allowed in strings");
    }
    if ((v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) {
        return fail(p, "'\\%c%.*s' is not a Unicode character", e, (int)ndigits,
                    p->text + p->pos + 2);
    }
    p->pos += 2 + ndigits;
    return FTL_OK;
}

static ftl_err_t scan_double(struct yaml_parser *p, struct yaml_event *ev)
{
    size_t start = ++p->pos;
    for (;;) {
        int c = peek(p, 0);
        if (is_eol(c)) {
            return fail(p, "unterminated string: the closing \" must be on the same line");
        }
        if (c == '"') {
            break;
        }
        if (c == '\\') {
            ftl_err_t err = check_escape(p);
            if (err != FTL_OK) {
                return err;
            }
            continue;
        }
        p->pos++;
    }
    ev->style = YAML_DOUBLE_QUOTED;
    ev->text = p->text + start;
    ev->len = p->pos - start;
    p->pos++;
    return FTL_OK;
}

static ftl_err_t scan_scalar(struct yaml_parser *p, bool flow, struct yaml_event *ev)
{
    ev->type = YAML_EVENT_SCALAR;
    ev->line = p->line;
    int c = peek(p, 0);
    if (c == '\'') {
        return scan_single(p, ev);
    }
    if (c == '"') {
        return scan_double(p, ev);
    }
    if (!can_start_plain(p, flow)) {
        return bad_start(p);
    }
    scan_plain(p, flow, ev);
    return FTL_OK;
}

// True when a block mapping's ':' follows (blanks allowed before it). Moves nothing.
static bool at_block_colon(const struct yaml_parser *p)
{
    size_t i = 0;
    while (is_blank(peek(p, i))) {
        i++;
    }
    return peek(p, i) == ':' && is_space(peek(p, i + 1));
}

static ftl_err_t start_block(struct yaml_parser *p, struct yaml_event *ev,
                             enum yaml_frame_kind kind)
{
    // The column of a block collection is its indentation, which YAML counts in spaces.
    for (size_t i = p->line_start; i < p->pos; i++) {
        if (p->text[i] == '\t') {
            return fail(p, "tabs are not allowed for indentation");
        }
    }
    bool map = kind == FRAME_BLOCK_MAP;
    ftl_err_t err = push(p, kind, column(p), map ? STATE_KEY : STATE_ENTRY);
    if (err != FTL_OK) {
        return err;
    }
    ev->type = map ? YAML_EVENT_MAP_START : YAML_EVENT_SEQ_START;
    ev->line = p->line;
    return FTL_OK;
}

// `indent` is the enclosing block's: continuation lines must be indented more.
static ftl_err_t start_flow(struct yaml_parser *p, struct yaml_event *ev, int indent)
{
    bool map = peek(p, 0) == '{';
    ftl_err_t err = push(p, map ? FRAME_FLOW_MAP : FRAME_FLOW_SEQ, indent,
                         map ? STATE_KEY : STATE_ENTRY);
    if (err != FTL_OK) {
        return err;
    }
    p->pos++;
    ev->type = map ? YAML_EVENT_MAP_START : YAML_EVENT_SEQ_START;
    ev->line = p->line;
    return FTL_OK;
}

// Reads a node that starts at `pos`. A block collection may start here only when
// `allow_block` (after '- ' or on a line of its own), never on the line of its key.
static ftl_err_t inline_node(struct yaml_parser *p, struct yaml_event *ev, int indent,
                             bool allow_block)
{
    int c = peek(p, 0);
    if (c == '-' && is_space(peek(p, 1))) {
        if (!allow_block) {
            return fail(p, "a '- ' sequence cannot start on the line of its key");
        }
        return start_block(p, ev, FRAME_BLOCK_SEQ);
    }
    if (c == '{' || c == '[') {
        return start_flow(p, ev, indent);
    }
    size_t start = p->pos;
    ftl_err_t err = scan_scalar(p, false, ev);
    if (err != FTL_OK) {
        return err;
    }
    if (at_block_colon(p)) {
        if (!allow_block) {
            return fail(p, "unexpected ': ' inside a value (quote values that contain ': ')");
        }
        p->pos = start;  // the scalar is re-read as the mapping's first key
        return start_block(p, ev, FRAME_BLOCK_MAP);
    }
    return finish_line(p, "the value");
}

// Reads the node after a key's ':', after '- ' or at the document start. It is on the
// same line, or on a later line indented more than `indent` (a sequence under a key may
// also sit at the key's own column), or else it is empty.
static ftl_err_t block_node(struct yaml_parser *p, struct yaml_event *ev, int indent,
                            enum node_ctx ctx)
{
    int line = p->line;
    skip_blanks(p);
    if (peek(p, 0) != '#' && !is_eol(peek(p, 0))) {
        return inline_node(p, ev, indent, ctx != CTX_MAP_VALUE);
    }
    ftl_err_t err = skip_to_content(p, false);
    if (err != FTL_OK) {
        return err;
    }
    if (p->col > indent) {
        return inline_node(p, ev, indent, true);
    }
    if (p->col == indent && ctx == CTX_MAP_VALUE && is_seq_entry(p)) {
        return start_block(p, ev, FRAME_BLOCK_SEQ);
    }
    ev->type = YAML_EVENT_NULL;
    ev->line = line;
    return FTL_OK;
}

static ftl_err_t next_in_doc(struct yaml_parser *p, struct yaml_frame *f, struct yaml_event *ev)
{
    ftl_err_t err = FTL_OK;
    switch (f->state) {
    case STATE_START:
        err = check_text(p);
        if (err == FTL_OK) {
            err = skip_to_content(p, true);
        }
        if (err == FTL_OK && is_marker(p, "---")) {
            p->pos += 3;
            err = finish_line(p, "'---'");
            if (err == FTL_OK) {
                err = skip_to_content(p, false);
            }
        }
        if (err != FTL_OK) {
            return err;
        }
        f->state = STATE_DONE;
        return block_node(p, ev, -1, CTX_DOC);
    case STATE_DONE:
        err = skip_to_content(p, false);
        if (err != FTL_OK) {
            return err;
        }
        if (p->col >= 0) {
            return fail(p, "text after the end of the document (check this line's indentation)");
        }
        f->state = STATE_ENDED;
        ev->type = YAML_EVENT_END;
        ev->line = p->line;
        return FTL_OK;
    default:
        ev->type = YAML_EVENT_END;
        ev->line = p->line;
        return FTL_OK;
    }
}

static ftl_err_t next_in_block_map(struct yaml_parser *p, struct yaml_frame *f,
                                   struct yaml_event *ev)
{
    if (f->state == STATE_VALUE) {
        f->state = STATE_KEY;
        return block_node(p, ev, f->indent, CTX_MAP_VALUE);
    }
    ftl_err_t err = skip_to_content(p, false);
    if (err != FTL_OK) {
        return err;
    }
    if (p->col < f->indent) {
        return pop(p, ev, YAML_EVENT_MAP_END);
    }
    if (p->col > f->indent) {
        return fail(p, "unexpected indentation");
    }
    if (is_seq_entry(p)) {
        return fail(p, "expected 'key: value', found a '- ' sequence entry");
    }
    err = scan_scalar(p, false, ev);
    if (err != FTL_OK) {
        return err;
    }
    if (!at_block_colon(p)) {
        return fail(p, "expected ':' after '%.*s'", shown_len(ev), ev->text);
    }
    skip_blanks(p);
    p->pos++;  // the ':'
    f->state = STATE_VALUE;
    return FTL_OK;
}

static ftl_err_t next_in_block_seq(struct yaml_parser *p, struct yaml_frame *f,
                                   struct yaml_event *ev)
{
    ftl_err_t err = skip_to_content(p, false);
    if (err != FTL_OK) {
        return err;
    }
    if (p->col < f->indent) {
        return pop(p, ev, YAML_EVENT_SEQ_END);
    }
    if (p->col > f->indent) {
        return fail(p, "unexpected indentation");
    }
    if (!is_seq_entry(p)) {
        // A sequence at its key's column ends where the next key starts.
        const struct yaml_frame *parent = f - 1;
        if (parent->kind == FRAME_BLOCK_MAP && parent->indent == f->indent) {
            return pop(p, ev, YAML_EVENT_SEQ_END);
        }
        return fail(p, "expected a '- ' sequence entry");
    }
    p->pos++;  // the '-'
    return block_node(p, ev, f->indent, CTX_SEQ_ENTRY);
}

// Skips blanks, comments and line breaks inside a flow collection; a line that is not
// indented more than the block around the collection means it was never closed.
static ftl_err_t skip_flow_space(struct yaml_parser *p, const struct yaml_frame *f)
{
    int line = p->line;
    ftl_err_t err = skip_to_content(p, false);
    if (err != FTL_OK) {
        return err;
    }
    if (p->col < 0 || (p->line != line && p->col <= f->indent)) {
        if (f->kind == FRAME_FLOW_MAP) {
            return fail_line(p, f->line, "unterminated flow mapping: this '{' has no '}'");
        }
        return fail_line(p, f->line, "unterminated flow sequence: this '[' has no ']'");
    }
    return FTL_OK;
}

static ftl_err_t close_flow(struct yaml_parser *p, struct yaml_frame *f, struct yaml_event *ev)
{
    p->pos++;
    ftl_err_t err = pop(p, ev, f->kind == FRAME_FLOW_MAP ? YAML_EVENT_MAP_END : YAML_EVENT_SEQ_END);
    enum yaml_frame_kind parent = p->stack[p->depth - 1].kind;
    if (err == FTL_OK && parent != FRAME_FLOW_MAP && parent != FRAME_FLOW_SEQ) {
        err = finish_line(p, "the closing bracket");
    }
    return err;
}

static ftl_err_t flow_node(struct yaml_parser *p, const struct yaml_frame *f,
                           struct yaml_event *ev)
{
    int c = peek(p, 0);
    if (c == '{' || c == '[') {
        return start_flow(p, ev, f->indent);
    }
    return scan_scalar(p, true, ev);
}

static ftl_err_t next_in_flow_map(struct yaml_parser *p, struct yaml_frame *f,
                                  struct yaml_event *ev)
{
    ftl_err_t err = skip_flow_space(p, f);
    if (err != FTL_OK) {
        return err;
    }
    int c = peek(p, 0);
    if (f->state == STATE_VALUE) {
        f->state = STATE_SEP;
        if (c == ',' || c == '}') {
            ev->type = YAML_EVENT_NULL;
            ev->line = p->line;
            return FTL_OK;
        }
        return flow_node(p, f, ev);
    }
    if (f->state == STATE_SEP) {
        if (c == '}') {
            return close_flow(p, f, ev);
        }
        if (c != ',') {
            return fail(p, "expected ',' or '}', found '%.*s'", snippet_len(p), p->text + p->pos);
        }
        p->pos++;
        f->state = STATE_KEY;
        err = skip_flow_space(p, f);
        if (err != FTL_OK) {
            return err;
        }
        c = peek(p, 0);
    }
    if (c == '}') {
        return close_flow(p, f, ev);
    }
    if (c == ',' || c == '{' || c == '[') {
        return fail(p, "expected a key, found '%c'", c);
    }
    err = scan_scalar(p, true, ev);
    if (err != FTL_OK) {
        return err;
    }
    skip_blanks(p);
    int n = peek(p, 1);
    bool quoted = ev->style != YAML_PLAIN;  // JSON-like "key":value needs no space
    if (peek(p, 0) != ':' || !(quoted || is_space(n) || is_flow_indicator(n))) {
        return fail(p, "expected ':' after key '%.*s'", shown_len(ev), ev->text);
    }
    p->pos++;
    f->state = STATE_VALUE;
    return FTL_OK;
}

static ftl_err_t next_in_flow_seq(struct yaml_parser *p, struct yaml_frame *f,
                                  struct yaml_event *ev)
{
    ftl_err_t err = skip_flow_space(p, f);
    if (err != FTL_OK) {
        return err;
    }
    int c = peek(p, 0);
    if (f->state == STATE_SEP) {
        if (c == ']') {
            return close_flow(p, f, ev);
        }
        if (c != ',') {
            return fail(p, "expected ',' or ']', found '%.*s'", snippet_len(p), p->text + p->pos);
        }
        p->pos++;
        err = skip_flow_space(p, f);
        if (err != FTL_OK) {
            return err;
        }
        c = peek(p, 0);
    }
    if (c == ']') {
        return close_flow(p, f, ev);
    }
    if (c == ',') {
        return fail(p, "expected an entry, found ','");
    }
    f->state = STATE_SEP;
    err = flow_node(p, f, ev);
    if (err == FTL_OK && ev->type == YAML_EVENT_SCALAR) {
        skip_blanks(p);
        if (peek(p, 0) == ':') {
            return fail(p, "'key: value' pairs inside [ ] are not supported; use { }");
        }
    }
    return err;
}

void yaml_init(struct yaml_parser *p, const char *text, size_t len)
{
    memset(p, 0, sizeof(*p));
    p->text = text;
    p->len = text ? len : 0;
    p->line = 1;
    p->col = -1;
    // A UTF-8 byte order mark may start the text; it is not content.
    if (p->len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        p->pos = 3;
        p->line_start = 3;
    }
    p->stack[0].kind = FRAME_DOC;
    p->stack[0].state = STATE_START;
    p->stack[0].indent = -1;
    p->depth = 1;
}

ftl_err_t yaml_next(struct yaml_parser *p, struct yaml_event *out_ev)
{
    memset(out_ev, 0, sizeof(*out_ev));
    if (p->failed) {
        return FTL_ERR_PARSE;
    }
    struct yaml_frame *f = &p->stack[p->depth - 1];
    switch (f->kind) {
    case FRAME_BLOCK_MAP:
        return next_in_block_map(p, f, out_ev);
    case FRAME_BLOCK_SEQ:
        return next_in_block_seq(p, f, out_ev);
    case FRAME_FLOW_MAP:
        return next_in_flow_map(p, f, out_ev);
    case FRAME_FLOW_SEQ:
        return next_in_flow_seq(p, f, out_ev);
    default:
        return next_in_doc(p, f, out_ev);
    }
}

// Encodes code point `cp` (valid, checked by check_escape) as UTF-8; returns its length.
static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

// Decodes the escape at `s` (a backslash, `avail` bytes left) into `out`; returns the
// bytes of source it used and sets `*out_n` to the bytes written. As in YAML, \xNN is
// the code point U+00NN, so "\xe9" is "é" in UTF-8.
static size_t decode_escape(const char *s, size_t avail, char *out, size_t *out_n)
{
    static const char from[] = "abtnvfre";
    static const char to[] = "\a\b\t\n\v\f\r\x1b";
    *out_n = 1;
    if (avail < 2) {
        out[0] = '\\';
        return 1;
    }
    size_t ndigits = s[1] == 'x' ? 2 : s[1] == 'u' ? 4 : s[1] == 'U' ? 8 : 0;
    if (ndigits == 0 || avail < 2 + ndigits) {
        const char *k = strchr(from, s[1]);
        out[0] = k ? to[k - from] : s[1];
        return 2;
    }
    uint32_t cp = 0;
    for (size_t i = 0; i < ndigits; i++) {
        cp = cp * 16 + (uint32_t)hex_value((unsigned char)s[2 + i]);
    }
    *out_n = utf8_encode(cp, out);
    return 2 + ndigits;
}

ftl_err_t yaml_scalar_copy(const struct yaml_event *ev, char *buf, size_t size, size_t *out_len)
{
    size_t n = 0;  // bytes of the value so far, whether they fit or not
    for (size_t i = 0; i < ev->len;) {
        char tmp[4];
        size_t tn = 1;
        char c = ev->text[i];
        if (ev->style == YAML_SINGLE_QUOTED && c == '\'') {
            tmp[0] = '\'';  // '' stands for one quote
            i += 2;
        } else if (ev->style == YAML_DOUBLE_QUOTED && c == '\\') {
            i += decode_escape(ev->text + i, ev->len - i, tmp, &tn);
        } else {
            tmp[0] = c;
            i++;
        }
        for (size_t k = 0; k < tn; k++, n++) {
            if (n + 1 < size) {
                buf[n] = tmp[k];
            }
        }
    }
    if (size > 0) {
        buf[n < size ? n : size - 1] = '\0';
    }
    if (out_len) {
        *out_len = n;
    }
    return n < size ? FTL_OK : FTL_ERR_TOO_LARGE;
}
