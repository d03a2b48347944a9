// The memory arena of one JS app: every byte its engine allocates comes from pages
// the arena took from its page source (the kernel: page_alloc, charged to the app's
// kernel-memory account), so the whole heap can be given back at once, without
// calling into the engine, when the app is killed. Small blocks come from size
// classes carved out of 4 KiB chunks (an 8-byte header each; what is left at the end
// of a chunk goes to the free lists of smaller classes); blocks over 2 KiB get pages
// of their own.
// Portable: the host runner and the fuzzer use it over malloc'd pages.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JS_ARENA_CHUNK 4096u
#define JS_ARENA_SMALL_MAX 2048u // largest small block, header included
#define JS_ARENA_CLASSES 27

/// Where the arena gets its pages: `alloc` returns `bytes` (a multiple of 4 KiB)
/// page-aligned, or NULL; `release` gives them back.
struct js_arena_pages {
    void *(*alloc)(void *ctx, size_t bytes);
    void (*release)(void *ctx, void *p, size_t bytes);
    void *ctx;
};

struct js_arena_large;

struct js_arena {
    struct js_arena_pages pages;
    size_t limit;                    // bytes of pages the arena may hold
    size_t held;                     // bytes of pages it holds now
    size_t peak;                     // most it held
    size_t in_use;                   // bytes of blocks handed out (headers included)
    void *chunks;                    // chunk list (first word: next)
    uint8_t *bump, *bump_end;        // unused part of the newest chunk
    void *free_list[JS_ARENA_CLASSES];
    struct js_arena_large *large;    // blocks with pages of their own
};

/// Sets up an empty arena that may hold up to `limit` bytes of pages.
void js_arena_init(struct js_arena *a, const struct js_arena_pages *pages, size_t limit);
/// A block of at least `size` bytes, 8-byte aligned; NULL past the limit.
void *js_arena_malloc(struct js_arena *a, size_t size);
/// Frees a block of this arena (NULL is fine).
void js_arena_free(struct js_arena *a, void *p);
/// Resizes a block (NULL `p`: malloc; the old block stays if this fails).
void *js_arena_realloc(struct js_arena *a, void *p, size_t size);
/// Usable bytes of a block.
size_t js_arena_usable_size(const void *p);
/// Gives every page back (all blocks become invalid). The arena can be used again.
void js_arena_release_all(struct js_arena *a);
