// The JS app arena (see arena.h).
#include "arena.h"

#include <string.h>

#define HDR 8u
#define PAGE 4096u
#define LARGE_CLASS 0xffu
#define MAGIC 0x4a5341u // "JSA"
#define MIN_BLOCK 16u   // a header and a free-list link

// 8 bytes before every block: QuickJS asks for its usable size (and every object it
// makes is small, so the header is a good part of the arena: 16 bytes cost 7 KB more
// in an empty app).
struct blk {
    uint32_t cls : 8;     // size class, or LARGE_CLASS
    uint32_t magic : 24;
    uint32_t usable;
};

struct js_arena_large {
    struct js_arena_large *next, *prev;
    size_t bytes;   // of pages
    struct blk b;   // payload follows: 32 bytes in
};

// Block sizes, header included: 8-byte steps where QuickJS's objects are (strings,
// atoms, shapes, property arrays), then about 4 per doubling.
static const uint16_t class_size[JS_ARENA_CLASSES] = {
    16,  24,  32,  40,  48,  56,  64,   80,   96,   112,  128,  160,  192, 224,
    256, 320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048};

// The smallest class holding `total` bytes, by total / 8 rounded up: filled once.
static uint8_t class_by_units[JS_ARENA_SMALL_MAX / 8 + 1];

static void fill_classes(void)
{
    unsigned c = 0;
    for (unsigned u = 0; u <= JS_ARENA_SMALL_MAX / 8; u++) {
        while (class_size[c] < u * 8) {
            c++;
        }
        class_by_units[u] = (uint8_t)c;
    }
}

// Smallest class holding `total` bytes (header included, <= JS_ARENA_SMALL_MAX).
static inline unsigned class_of(size_t total)
{
    return class_by_units[(total + 7) / 8];
}

static void *take_pages(struct js_arena *a, size_t bytes)
{
    if (bytes > a->limit - a->held) {
        return NULL;
    }
    void *p = a->pages.alloc(a->pages.ctx, bytes);
    if (p) {
        a->held += bytes;
        if (a->held > a->peak) {
            a->peak = a->held;
        }
    }
    return p;
}

void js_arena_init(struct js_arena *a, const struct js_arena_pages *pages, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->pages = *pages;
    a->limit = limit & ~(size_t)(PAGE - 1);
    if (class_by_units[JS_ARENA_SMALL_MAX / 8] == 0) {
        fill_classes();
    }
}

static void *malloc_large(struct js_arena *a, size_t size)
{
    if (size > a->limit || size > UINT32_MAX - PAGE) {
        return NULL;
    }
    size_t bytes = (size + sizeof(struct js_arena_large) + PAGE - 1) & ~(size_t)(PAGE - 1);
    struct js_arena_large *l = take_pages(a, bytes);
    if (!l) {
        return NULL;
    }
    l->bytes = bytes;
    l->b.cls = LARGE_CLASS;
    l->b.magic = MAGIC;
    l->b.usable = (uint32_t)(bytes - sizeof(*l));
    l->prev = NULL;
    l->next = a->large;
    if (a->large) {
        a->large->prev = l;
    }
    a->large = l;
    a->in_use += bytes;
    return l + 1;
}

// What is left of the newest chunk goes to the free lists, largest classes first.
static void recycle_tail(struct js_arena *a)
{
    while ((size_t)(a->bump_end - a->bump) >= MIN_BLOCK) {
        size_t left = (size_t)(a->bump_end - a->bump);
        unsigned c = left >= JS_ARENA_SMALL_MAX ? JS_ARENA_CLASSES - 1 : class_of(left);
        if (class_size[c] > left) {
            c--;
        }
        struct blk *b = (struct blk *)a->bump;
        a->bump += class_size[c];
        b->cls = c;
        b->magic = MAGIC;
        b->usable = class_size[c] - HDR;
        *(void **)(b + 1) = a->free_list[c];
        a->free_list[c] = b + 1;
    }
}

void *js_arena_malloc(struct js_arena *a, size_t size)
{
    size_t total = (size ? size : 1) + HDR;
    if (total > JS_ARENA_SMALL_MAX) {
        return malloc_large(a, size);
    }
    unsigned c = class_of(total);
    struct blk *b;
    if (a->free_list[c]) {
        b = (struct blk *)a->free_list[c] - 1;
        a->free_list[c] = *(void **)a->free_list[c];
    } else {
        size_t sz = class_size[c];
        if ((size_t)(a->bump_end - a->bump) < sz) {
            uint8_t *chunk = take_pages(a, JS_ARENA_CHUNK);
            if (!chunk) {
                return NULL;
            }
            recycle_tail(a);
            *(void **)chunk = a->chunks; // the first 8 bytes link the chunks
            a->chunks = chunk;
            a->bump = chunk + 8;
            a->bump_end = chunk + JS_ARENA_CHUNK;
        }
        b = (struct blk *)a->bump;
        a->bump += sz;
        b->cls = c;
        b->magic = MAGIC;
        b->usable = sz - HDR;
    }
    a->in_use += class_size[c];
    return b + 1;
}

void js_arena_free(struct js_arena *a, void *p)
{
    if (!p) {
        return;
    }
    struct blk *b = (struct blk *)p - 1;
    if (b->cls == LARGE_CLASS) {
        struct js_arena_large *l = (struct js_arena_large *)p - 1;
        if (l->prev) {
            l->prev->next = l->next;
        } else {
            a->large = l->next;
        }
        if (l->next) {
            l->next->prev = l->prev;
        }
        a->in_use -= l->bytes;
        a->held -= l->bytes;
        a->pages.release(a->pages.ctx, l, l->bytes);
        return;
    }
    a->in_use -= class_size[b->cls];
    *(void **)p = a->free_list[b->cls];
    a->free_list[b->cls] = p;
}

size_t js_arena_usable_size(const void *p)
{
    return p ? (size_t)((const struct blk *)p - 1)->usable : 0;
}

void *js_arena_realloc(struct js_arena *a, void *p, size_t size)
{
    if (!p) {
        return js_arena_malloc(a, size);
    }
    size_t old = js_arena_usable_size(p);
    if (size <= old && (old <= JS_ARENA_SMALL_MAX || size > old / 2)) {
        return p;
    }
    void *n = js_arena_malloc(a, size);
    if (!n) {
        return NULL;
    }
    memcpy(n, p, old < size ? old : size);
    js_arena_free(a, p);
    return n;
}

void js_arena_release_all(struct js_arena *a)
{
    while (a->large) {
        struct js_arena_large *l = a->large;
        a->large = l->next;
        a->pages.release(a->pages.ctx, l, l->bytes);
    }
    while (a->chunks) {
        void *c = a->chunks;
        a->chunks = *(void **)c;
        a->pages.release(a->pages.ctx, c, JS_ARENA_CHUNK);
    }
    struct js_arena_pages pages = a->pages;
    size_t limit = a->limit, peak = a->peak;
    memset(a, 0, sizeof(*a));
    a->pages = pages;
    a->limit = limit;
    a->peak = peak;
}
