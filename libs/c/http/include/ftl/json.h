// A minimal JSON writer for API responses ({"processes":[{"name":"shell",...}]}): values
// are appended to a caller buffer, strings escaped, commas placed. No allocation.
#ifndef FTL_JSON_H
#define FTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ftl/abi.h>

/// Objects and arrays nested deeper than this make the writer fail.
#define FTL_JSON_MAX_DEPTH 16

/// Writer state. Errors are sticky: after the first, every call does nothing and
/// ftl_json_finish() returns it.
struct ftl_json {
    char *buf;
    size_t size;
    size_t len;                         // bytes written
    ftl_err_t err;                      // first error, FTL_OK while none
    uint8_t depth;                      // open objects and arrays
    bool in_object[FTL_JSON_MAX_DEPTH]; // per level: an object (keys expected) or an array
    bool has_items[FTL_JSON_MAX_DEPTH]; // per level: a comma goes before the next item
    bool after_key;                     // a key was written; its value comes next
    bool done;                          // a whole top-level value has been written
};

void ftl_json_init(struct ftl_json *j, char *buf, size_t size);

/// Open and close an object or array. Closing the wrong kind, or with a key waiting for its
/// value, is FTL_ERR_INVALID_ARG; nesting past FTL_JSON_MAX_DEPTH is FTL_ERR_TOO_LARGE.
void ftl_json_object_begin(struct ftl_json *j);
void ftl_json_object_end(struct ftl_json *j);
void ftl_json_array_begin(struct ftl_json *j);
void ftl_json_array_end(struct ftl_json *j);

/// A key inside an object (NUL-terminated, escaped like strings). FTL_ERR_INVALID_ARG
/// outside an object or twice in a row.
void ftl_json_key(struct ftl_json *j, const char *key);

/// Values. Strings are UTF-8: '"', '\\' and control characters are escaped, as are '<',
/// '>', '&' (safe inside HTML) and U+2028/U+2029 (safe inside JavaScript); a byte that is
/// not valid UTF-8 becomes U+FFFD. A value where a key is expected is FTL_ERR_INVALID_ARG.
void ftl_json_string(struct ftl_json *j, const char *s);
void ftl_json_string_n(struct ftl_json *j, const char *s, size_t len);
void ftl_json_int(struct ftl_json *j, int64_t v);
void ftl_json_uint(struct ftl_json *j, uint64_t v);
void ftl_json_bool(struct ftl_json *j, bool v);
void ftl_json_null(struct ftl_json *j);

/// Returns FTL_OK with the document's length in `*out_len` once exactly one complete value
/// was written; the buffer is NUL-terminated when there is room. Otherwise the first error:
/// FTL_ERR_BUFFER_TOO_SMALL, FTL_ERR_TOO_LARGE (depth), FTL_ERR_INVALID_ARG (misuse,
/// unclosed containers, nothing written).
FTL_MUST_CHECK ftl_err_t ftl_json_finish(struct ftl_json *j, size_t *out_len);

#endif
