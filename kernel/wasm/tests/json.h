// A small JSON reader for the spec-test runner (wast2json output): parses a whole
// document into a tree of struct json nodes.
#pragma once

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
    enum json_type type;
    char *str;           // JSON_STR (NUL-terminated, UTF-8; may contain NULs: see len)
    size_t len;          // JSON_STR byte length
    double num;          // JSON_NUM, JSON_BOOL
    size_t n;            // JSON_ARR / JSON_OBJ element count
    struct json **items; // JSON_ARR / JSON_OBJ values
    char **keys;         // JSON_OBJ keys
};

/// Parses `len` bytes; returns NULL on a syntax error or when out of memory.
struct json *json_parse(const char *text, size_t len);

/// Frees a tree returned by json_parse(). NULL is ignored.
void json_free(struct json *j);

/// The member `key` of object `obj`, or NULL.
const struct json *json_get(const struct json *obj, const char *key);

/// The string member `key` of `obj`, or NULL when absent or not a string.
const char *json_str(const struct json *obj, const char *key);
