// Process creation, the environ, start and exit.
#include "process.h"
#include "elf.h"
#include "log.h"
#include "mm.h"
#include "poll.h"

static struct list processes = {&processes, &processes};
static size_t nprocesses;

struct process *process_current(void)
{
    return thread_current()->proc;
}

size_t process_count(void)
{
    return nprocesses;
}

bool process_owns(const struct process *p, uint64_t addr, size_t len)
{
    uint64_t start = (uint64_t)(uintptr_t)p->mem;
    uint64_t size = (uint64_t)p->mem_pages * PAGE_SIZE;
    return addr >= start && len <= size && addr - start <= size - len;
}

static void forget_handle(void *owner, ftl_handle_t h, struct object *obj)
{
    poll_forget_handle(obj, owner, h);
}

ftl_err_t process_create(const char *name, const void *elf, size_t len, struct process **out,
                         const char **why)
{
    struct elf_info info;
    ftl_err_t err = elf_inspect(elf, len, &info, why);
    if (err != FTL_OK) {
        return err;
    }
    struct process *p = kzalloc(sizeof(*p));
    if (!p) {
        *why = "out of kernel memory";
        return FTL_ERR_NO_MEMORY;
    }
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->image_size = ALIGN_UP(info.mem_size, PAGE_SIZE);
    p->mem_pages = (p->image_size + PROCESS_HEAP_DEFAULT + PROCESS_STACK_DEFAULT) / PAGE_SIZE +
                   PROCESS_ENV_PAGES;
    p->mem = page_alloc(p->mem_pages);
    if (!p->mem) {
        *why = "out of memory for the app image";
        err = FTL_ERR_NO_MEMORY;
        goto out_free_process;
    }
    err = elf_load(elf, len, &info, p->mem, (uint64_t)(uintptr_t)p->mem, why);
    if (err != FTL_OK) {
        goto out_free_mem;
    }
    arch_sync_icache(p->mem, info.mem_size);
    p->entry = (uint64_t)(uintptr_t)p->mem + info.entry;
    handle_table_init(&p->handles, FTL_PROCESS_HANDLES_MAX, p, forget_handle);

    uint8_t *env_area = p->mem + p->image_size;
    p->start = (struct ftl_start *)(void *)env_area;
    p->env = (struct ftl_env *)(void *)(env_area + sizeof(struct ftl_start));
    snprintf(p->env->app_name, sizeof(p->env->app_name), "%s", name);
    p->start->calls = &inkernel_calls;
    p->start->env = p->env;
    p->start->heap = env_area + PROCESS_ENV_PAGES * PAGE_SIZE;
    p->start->heap_size = PROCESS_HEAP_DEFAULT;
    list_init(&p->link);
    *out = p;
    return FTL_OK;

out_free_mem:
    page_free(p->mem, p->mem_pages);
out_free_process:
    kfree(p);
    return err;
}

ftl_err_t process_env_add(struct process *p, const char *name, uint32_t kind, const char *str,
                          int64_t number, struct object *obj)
{
    size_t used = sizeof(struct ftl_start) + sizeof(struct ftl_env) +
                  (p->env->nitems + 1) * sizeof(struct ftl_env_item);
    if (used > PROCESS_ENV_PAGES * PAGE_SIZE) {
        return FTL_ERR_TOO_MANY;
    }
    struct ftl_env_item *it = &p->env->items[p->env->nitems];
    memset(it, 0, sizeof(*it));
    if (kind == FTL_ENV_CHANNEL) {
        ftl_err_t err = handle_table_add(&p->handles, obj, FTL_RIGHTS_ALL, &it->handle);
        if (err != FTL_OK) {
            return err;
        }
    }
    snprintf(it->name, sizeof(it->name), "%s", name);
    snprintf(it->str, sizeof(it->str), "%s", str ? str : "");
    it->kind = kind;
    it->number = number;
    p->env->nitems++;
    return FTL_OK;
}

ftl_err_t process_set_system(struct process *p, struct object *obj)
{
    return handle_table_add(&p->handles, obj, FTL_RIGHTS_ALL, &p->env->system);
}

static void app_thread(void *arg)
{
    struct process *p = arg;
    void (*entry)(const struct ftl_start *) =
        (void (*)(const struct ftl_start *))(uintptr_t)p->entry;
    thread_current()->in_app = true;
    entry(p->start);
    thread_current()->in_app = false;
    process_exit(0);
}

static void process_free(void *arg)
{
    struct process *p = arg;
    page_free(p->mem, p->mem_pages);
    kfree(p);
}

void process_destroy(struct process *p)
{
    handle_table_close_all(&p->handles);
    process_free(p);
}

ftl_err_t process_start(struct process *p)
{
    // inkernel: the app's stack is the top of its memory, and kernel calls made by
    // the app run on it too (they are plain function calls).
    uint8_t *stack = p->mem + p->mem_pages * PAGE_SIZE - PROCESS_STACK_DEFAULT;
    p->thread = thread_create(p->name, app_thread, p, stack, PROCESS_STACK_DEFAULT);
    if (!p->thread) {
        return FTL_ERR_NO_MEMORY;
    }
    p->thread->proc = p;
    p->thread->on_reap = process_free;
    p->thread->reap_arg = p;
    uint64_t flags = arch_irq_save();
    list_push_back(&processes, &p->link);
    nprocesses++;
    arch_irq_restore(flags);
    return FTL_OK;
}

_Noreturn void process_exit(int code)
{
    arch_irq_save();
    struct process *p = process_current();
    if (!p) {
        panic("process_exit called from kernel thread '%s'", thread_current()->name);
    }
    thread_current()->in_app = false;
    if (code != 0) {
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "exited with code %d", code);
        log_line(p->name, FTL_LOG_WARN, msg, (size_t)n);
    }
    p->exited = true;
    handle_table_close_all(&p->handles);
    list_remove(&p->link);
    nprocesses--;
    thread_exit(); // memory is freed by process_free once we are off this stack
}
