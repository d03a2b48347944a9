// Kernel-wide helpers: panic, console printing, intrusive lists, interrupt-mask
// "locks" (the kernel runs on one CPU with interrupts masked while in kernel code).
#pragma once

#include "arch.h"
#include "klib.h"
#include <ftl/abi.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uintptr_t)(a) - 1))
#define PAGE_SIZE 4096
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/// Prints to the console, formatted like printf (no log prefix).
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/// Logs one line as the kernel: `[kernel      ] LEVEL  message`.
void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/// Stops the kernel with a message saying which invariant broke. Never returns.
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KINFO(...) klog(FTL_LOG_INFO, __VA_ARGS__)
#define KWARN(...) klog(FTL_LOG_WARN, __VA_ARGS__)
#define KERROR(...) klog(FTL_LOG_ERROR, __VA_ARGS__)

// Doubly linked intrusive list; an empty list points at itself.
struct list {
    struct list *prev, *next;
};

static inline void list_init(struct list *l)
{
    l->prev = l;
    l->next = l;
}

static inline bool list_is_empty(const struct list *l)
{
    return l->next == l;
}

static inline void list_push_back(struct list *l, struct list *node)
{
    node->prev = l->prev;
    node->next = l;
    l->prev->next = node;
    l->prev = node;
}

static inline void list_remove(struct list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node;
    node->next = node;
}

static inline struct list *list_pop_front(struct list *l)
{
    if (list_is_empty(l)) {
        return NULL;
    }
    struct list *n = l->next;
    list_remove(n);
    return n;
}

#define list_for_each_safe(pos, tmp, head) \
    for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)
