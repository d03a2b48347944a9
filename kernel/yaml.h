// A pull parser for the small YAML subset that spec files use, in place of libyaml:
// block and flow mappings and sequences, plain and quoted scalars, comments. It keeps
// no tree and allocates nothing: the caller asks for one event at a time.
#pragma once

#include "klib.h"
#include <ftl/abi.h>

#define YAML_DEPTH_MAX 16    // nested collections, the document itself included
#define YAML_REASON_MAX 160  // error text, NUL included

enum yaml_event_type {
    YAML_EVENT_END,        // end of the document; every later call returns it again
    YAML_EVENT_NULL,       // an empty value: `key:` with nothing after it, an empty file
    YAML_EVENT_SCALAR,     // a scalar: a mapping key or a value
    YAML_EVENT_MAP_START,  // then key (always a SCALAR) and value events, then MAP_END
    YAML_EVENT_MAP_END,
    YAML_EVENT_SEQ_START,  // then one value per entry, then SEQ_END
    YAML_EVENT_SEQ_END,
};

enum yaml_style {
    YAML_PLAIN,
    YAML_SINGLE_QUOTED,
    YAML_DOUBLE_QUOTED,
};

struct yaml_event {
    enum yaml_event_type type;
    int line;                // 1-based line where the event's node starts
    enum yaml_style style;   // SCALAR only
    const char *text;        // SCALAR only: the raw text, quotes excluded, escapes kept
    size_t len;              // bytes at `text`
};

struct yaml_frame {
    uint8_t kind;            // enum yaml_frame_kind in yaml.c
    uint8_t state;           // what the frame expects next
    int indent;              // block: column of its keys or '-'; flow: enclosing block's
    int line;                // line where the collection starts, for errors
};

struct yaml_parser {
    const char *text;
    size_t len;
    size_t pos;              // next byte to read
    size_t line_start;       // offset of the first byte of the current line
    int line;                // 1-based line of `pos`
    int col;                 // column of the content found by the last skip, -1 at the end
    bool failed;
    struct yaml_frame stack[YAML_DEPTH_MAX];
    size_t depth;
    int err_line;            // set when an error is returned
    char reason[YAML_REASON_MAX];
};

/// Prepares `p` to parse `len` bytes at `text` (need not be NUL-terminated). The text
/// must outlive the parser: events point into it.
void yaml_init(struct yaml_parser *p, const char *text, size_t len);

/// Reads the next event into `out_ev`. Returns FTL_OK, or FTL_ERR_PARSE with the
/// 1-based line in `p->err_line` and a reason in `p->reason` when the text is not valid
/// YAML or uses something outside the subset (tab indentation, anchors, aliases, tags,
/// block scalars, several documents, multi-line scalars, complex keys). After an error,
/// every call returns the same error.
FTL_MUST_CHECK ftl_err_t yaml_next(struct yaml_parser *p, struct yaml_event *out_ev);

/// Copies the value of a SCALAR event into `buf` with quotes removed and escapes
/// decoded, NUL-terminated, and its length (NUL excluded) into `out_len` if not NULL.
/// Returns FTL_OK, or FTL_ERR_TOO_LARGE if it needs more than `size` bytes; `buf` then
/// holds as much as fits, NUL-terminated. Values never contain NUL bytes.
FTL_MUST_CHECK ftl_err_t yaml_scalar_copy(const struct yaml_event *ev, char *buf, size_t size,
                                          size_t *out_len);
