// Round-robin preemptive scheduling on one CPU. Kernel code runs with interrupts
// masked; a thread is only switched out at sched_block/yield or after an interrupt
// that arrived while it ran with interrupts unmasked (app code or idle).
#include "sched.h"
#include "mm.h"

static struct list run_queue;
static struct list zombies;
static struct list timeouts;        // sorted by deadline
static struct thread idle_thread;
static struct thread *current = &idle_thread;
uint64_t sched_switches; // thread switches so far (vectors.S's svc path reads it)
static int64_t slice_end_ns;
static int64_t timer_deadline_ns = INT64_MAX; // what the hardware timer is set to

struct thread *thread_current(void)
{
    return current;
}

// Arms the hardware timer for the next slice end or timeout. A deadline later than
// the one already armed is left for the timer interrupt to set (`force`): firing a
// little early costs one interrupt, while reprogramming on every switch costs more.
static void program_timer(bool force)
{
    int64_t next = slice_end_ns;
    if (!list_is_empty(&timeouts)) {
        struct timeout *t = container_of(timeouts.next, struct timeout, link);
        if (t->deadline_ns < next) {
            next = t->deadline_ns;
        }
    }
    if (next < timer_deadline_ns || (force && next != timer_deadline_ns)) {
        timer_deadline_ns = next;
        arch_timer_set_deadline(next);
    }
}

void timeout_arm(struct timeout *t, int64_t deadline_ns)
{
    if (t->armed) {
        list_remove(&t->link);
    }
    t->deadline_ns = deadline_ns;
    t->armed = true;
    struct list *pos = timeouts.next;
    while (pos != &timeouts && container_of(pos, struct timeout, link)->deadline_ns <= deadline_ns) {
        pos = pos->next;
    }
    list_push_back(pos, &t->link); // insert before pos
    program_timer(false);
}

void timeout_cancel(struct timeout *t)
{
    if (t->armed) {
        list_remove(&t->link);
        t->armed = false;
    }
}

void timeout_tick(void)
{
    int64_t now = arch_time_ns();
    while (!list_is_empty(&timeouts)) {
        struct timeout *t = container_of(timeouts.next, struct timeout, link);
        if (t->deadline_ns > now) {
            break;
        }
        list_remove(&t->link);
        t->armed = false;
        t->fire(t);
    }
    program_timer(true);
}

static void reap_zombies(void)
{
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &zombies) {
        struct thread *t = container_of(pos, struct thread, link);
        if (t == current) {
            continue;
        }
        list_remove(&t->link);
        if (t->stack_owned) {
            kfree(t->stack);
        }
        if (t->on_reap) {
            t->on_reap(t->reap_arg);
        }
        kfree(t);
    }
}

// Picks the next thread and switches to it. Interrupts are masked. Inlined into its
// few callers: sched_block, on every wait's path, saves a call and a frame.
__attribute__((always_inline)) static inline void schedule(void)
{
    struct thread *prev = current;
    struct list *n = list_pop_front(&run_queue);
    struct thread *next = n ? container_of(n, struct thread, link) : &idle_thread;
    if (prev->state == THREAD_RUNNING && prev != &idle_thread) {
        if (!n) {
            slice_end_ns = arch_time_ns() + SCHED_SLICE_NS;
            program_timer(false);
            return; // nothing else to run: keep going
        }
        prev->state = THREAD_RUNNABLE;
        list_push_back(&run_queue, &prev->link);
    }
    if (next == prev) {
        return;
    }
    if (prev->metered || next->metered) {
        int64_t now = arch_time_ns();
        if (prev->metered) {
            prev->cpu_ns += now - prev->ran_since;
        }
        next->ran_since = now;
    }
    next->state = THREAD_RUNNING;
    current = next;
    sched_switches++;
    slice_end_ns = next == &idle_thread ? INT64_MAX : arch_time_ns() + SCHED_SLICE_NS;
    // The armed deadline is never later than the first timeout (timeout_arm and
    // timeout_tick keep it so): only a slice ending sooner moves it.
    if (slice_end_ns < timer_deadline_ns) {
        program_timer(false);
    }
    if (next->aspace != prev->aspace) {
        arch_aspace_activate(next->aspace);
    }
    arch_switch_to(&prev->ctx, &next->ctx);
    reap_zombies();
}

static void sleep_fired(struct timeout *t)
{
    sched_wake(container_of(t, struct thread, sleep));
}

struct thread *thread_create(const char *name, void (*entry)(void *), void *arg, void *stack,
                             size_t stack_size)
{
    struct thread *t = kzalloc(sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->stack_owned = stack == NULL;
    t->stack = stack ? stack : kmalloc(stack_size);
    if (!t->stack) {
        kfree(t);
        return NULL;
    }
    t->stack_size = stack_size;
    snprintf(t->name, sizeof(t->name), "%s", name);
    list_init(&t->link);
    list_init(&t->sleep.link);
    t->sleep.fire = sleep_fired;
    arch_context_init(&t->ctx, (uint8_t *)t->stack + stack_size, entry, arg);
    uint64_t flags = arch_irq_save();
    t->state = THREAD_RUNNABLE;
    list_push_back(&run_queue, &t->link);
    arch_irq_restore(flags);
    return t;
}

_Noreturn void thread_start(void (*entry)(void *), void *arg)
{
    reap_zombies();
    arch_irq_enable();
    entry(arg);
    thread_exit();
}

_Noreturn void thread_exit(void)
{
    arch_irq_save();
    timeout_cancel(&current->sleep);
    current->state = THREAD_DEAD;
    list_push_back(&zombies, &current->link);
    schedule();
    panic("thread_exit: a dead thread was scheduled again");
}

void sched_wake(struct thread *t)
{
    t->woken = true;
    if (t->state != THREAD_BLOCKED) {
        return;
    }
    timeout_cancel(&t->sleep);
    t->state = THREAD_RUNNABLE;
    list_push_back(&run_queue, &t->link);
}

bool sched_block(int64_t deadline_ns)
{
    if (current->woken) {
        current->woken = false;
        return true;
    }
    if (deadline_ns != INT64_MAX && deadline_ns <= arch_time_ns()) {
        return false; // no clock read for the common wait without a deadline
    }
    current->state = THREAD_BLOCKED;
    if (deadline_ns != INT64_MAX) {
        timeout_arm(&current->sleep, deadline_ns);
    }
    schedule();
    bool woken = current->woken;
    current->woken = false;
    return woken;
}

void thread_yield(void)
{
    uint64_t flags = arch_irq_save();
    schedule();
    arch_irq_restore(flags);
}

int64_t thread_cpu_ns(const struct thread *t)
{
    return t->cpu_ns + (t == current && t->metered ? arch_time_ns() - t->ran_since : 0);
}

void sched_preempt_point(void)
{
    uint64_t flags = arch_irq_save();
    if (current != &idle_thread && arch_time_ns() >= slice_end_ns) {
        schedule();
    }
    arch_irq_restore(flags);
}

void sched_preempt_if_needed(void)
{
    if (current->on_tick) {
        current->on_tick(current);
    }
    if (current == &idle_thread || arch_time_ns() >= slice_end_ns) {
        schedule();
    }
}

void sched_init(void)
{
    list_init(&run_queue);
    list_init(&zombies);
    list_init(&timeouts);
    slice_end_ns = INT64_MAX;
}

_Noreturn void sched_start(void)
{
    idle_thread.state = THREAD_RUNNING;
    snprintf(idle_thread.name, sizeof(idle_thread.name), "idle");
    arch_irq_save();
    for (;;) {
        schedule();
        if (list_is_empty(&run_queue)) {
            arch_wait_for_interrupt();
        }
        arch_irq_enable();
        arch_irq_save();
    }
}
