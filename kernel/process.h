// Processes: an app's memory, handle table, environ and thread.
#pragma once

#include "handle.h"
#include "sched.h"
#include <ftl/calls.h>

#define PROCESS_HEAP_DEFAULT (1u << 20)   // malloc arena per app
#define PROCESS_STACK_DEFAULT (64u << 10) // main thread stack
#define PROCESS_ENV_PAGES 2               // environ + start block

struct process {
    char name[FTL_ENV_NAME_MAX];
    int isolation;                   // enum spec_isolation
    struct handle_table handles;
    struct thread *thread;
    uint8_t *mem;                    // [image | env | heap | stack], mem_pages pages
    size_t mem_pages;
    size_t image_size;
    uint64_t entry;                  // absolute address of _start
    struct ftl_env *env;             // in mem, after the image
    struct ftl_start *start;         // in mem, after the environ
    struct list link;                // all processes
    bool exited;
};

/// Loads app `name` from `elf` into new memory. On error, FTL_ERR_PARSE or
/// FTL_ERR_NO_MEMORY with a reason in *why; nothing is left allocated.
FTL_MUST_CHECK ftl_err_t process_create(const char *name, const void *elf, size_t len,
                                        struct process **out, const char **why);

/// Adds an environ item. The CHANNEL kind takes over a reference to `obj`.
/// FTL_ERR_TOO_MANY if the environ area or handle table is full.
FTL_MUST_CHECK ftl_err_t process_env_add(struct process *p, const char *name, uint32_t kind,
                                         const char *str, int64_t number, struct object *obj);
/// Sets the system channel end (takes over the reference).
FTL_MUST_CHECK ftl_err_t process_set_system(struct process *p, struct object *obj);

/// Starts the app's thread.
FTL_MUST_CHECK ftl_err_t process_start(struct process *p);

/// Frees a process that was created but never started.
void process_destroy(struct process *p);

/// Ends the current process: closes its handles (peers see PEER_CLOSED), frees its
/// memory once its thread is off the CPU, logs `code` if nonzero.
_Noreturn void process_exit(int code);

/// The process of the running thread, or NULL for kernel threads.
struct process *process_current(void);

/// Number of live processes, and a visit of each (for diagnostics).
size_t process_count(void);

/// True if [addr, addr+len) lies inside `p`'s memory.
bool process_owns(const struct process *p, uint64_t addr, size_t len);

/// The call table for inkernel apps.
extern const struct ftl_calls inkernel_calls;
