// Threads, the round-robin preemptive scheduler, and timeouts (one sorted list of
// deadlines driving the one hardware timer). All of it runs with interrupts masked.
#pragma once

#include "kernel.h"

#define SCHED_SLICE_NS 10000000 // 10 ms

enum thread_state {
    THREAD_RUNNABLE,
    THREAD_RUNNING,
    THREAD_BLOCKED,
    THREAD_DEAD,
};

struct timeout {
    int64_t deadline_ns;
    void (*fire)(struct timeout *t);   // called with interrupts masked
    struct list link;                  // in the sorted timeout list while armed
    bool armed;
};

struct process;

struct thread {
    struct arch_context ctx;
    enum thread_state state;
    struct list link;                  // run queue or zombie list
    struct process *proc;              // NULL for kernel threads
    struct arch_aspace *aspace;        // user address space to switch to, or NULL
    void *stack;                       // owned by the thread unless stack_owned == false
    size_t stack_size;
    bool stack_owned;
    bool in_app;                       // runs an inkernel app (its calls are kernel code)
    bool woken;                        // set by sched_wake, cleared by sched_block
    bool killed;                       // its process was killed: waits end at once
    struct timeout sleep;              // wakes a blocked thread at its deadline
    bool metered;                      // count CPU time in cpu_ns (JS app threads)
    int64_t cpu_ns;                    // CPU time while metered, up to its last switch
    int64_t ran_since;                 // when it last got the CPU, if metered
    void (*on_tick)(struct thread *t); // after an interrupt that hit it with interrupts
                                       // unmasked (no kernel state held); may end it
    void (*on_reap)(void *arg);        // called once the dead thread is off the CPU
    void *reap_arg;
    char name[32];
};

/// Creates a runnable thread that calls entry(arg). If `stack` is NULL, a kernel
/// stack of `stack_size` bytes is allocated and owned by the thread. NULL if out of memory.
struct thread *thread_create(const char *name, void (*entry)(void *), void *arg, void *stack,
                             size_t stack_size);
/// Ends the current thread; its stack is freed once another thread runs.
_Noreturn void thread_exit(void);
/// The running thread.
struct thread *thread_current(void);
/// First C code of every thread (called by the arch trampoline).
_Noreturn void thread_start(void (*entry)(void *), void *arg);

/// Prepares the run queue and timeout list; call before creating threads.
void sched_init(void);
/// Makes the calling (boot) context the idle thread and starts scheduling.
_Noreturn void sched_start(void);
/// Makes a blocked thread runnable (no-op if it is not blocked).
void sched_wake(struct thread *t);
/// Blocks the current thread until sched_wake() or `deadline_ns` (INT64_MAX: none).
/// Returns true if woken, false on timeout. Interrupts must be masked.
bool sched_block(int64_t deadline_ns);
/// Lets other runnable threads run first.
void thread_yield(void);
/// CPU time of metered thread `t` so far (interrupts masked).
int64_t thread_cpu_ns(const struct thread *t);
/// For long kernel work done for one app (a VM's RAM, say): lets the others run if the
/// caller's time slice ran out. Call where the thread holds nothing others could need.
void sched_preempt_point(void);
/// Called after an interrupt: switches away if the time slice ran out.
void sched_preempt_if_needed(void);

/// Arms `t` for `deadline_ns`; re-arms if already armed.
void timeout_arm(struct timeout *t, int64_t deadline_ns);
/// Disarms `t` if armed.
void timeout_cancel(struct timeout *t);
/// Fires expired timeouts and reprograms the hardware timer (timer interrupt).
void timeout_tick(void);
