// SDK calls: thin wrappers over the call table the kernel handed us, the environ
// lookups and logging.
#include <ftl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct ftl_calls *ftl_calls_;

static ftl_err_t env_find(const struct ftl_env *env, const char *name, uint32_t kind,
                          const struct ftl_env_item **out);

ftl_err_t ftl_handle_close(ftl_handle_t h)
{
    return ftl_calls_->handle_close(h);
}

ftl_err_t ftl_channel_create(ftl_handle_t *out_a, ftl_handle_t *out_b)
{
    return ftl_calls_->channel_create(out_a, out_b);
}

// The kernel's message description; false if the sizes do not fit it.
static bool msg_out(struct ftl_msg_out *m, uint32_t type, uint64_t cookie, const void *data,
                    size_t len, const ftl_handle_t *handles, size_t nhandles)
{
    *m = (struct ftl_msg_out){
        .type = type,
        .len = (uint32_t)len,
        .cookie = cookie,
        .data = data,
        .handles = handles,
        .nhandles = (uint32_t)nhandles,
    };
    return len <= FTL_MSG_DATA_MAX && nhandles <= FTL_MSG_HANDLES_MAX;
}

ftl_err_t ftl_channel_send(ftl_handle_t ch, uint32_t type, uint64_t cookie, const void *data,
                           size_t len, const ftl_handle_t *handles, size_t nhandles)
{
    struct ftl_msg_out m;
    if (!msg_out(&m, type, cookie, data, len, handles, nhandles)) {
        return FTL_ERR_TOO_LARGE;
    }
    return ftl_calls_->channel_send(ch, &m);
}

ftl_err_t ftl_channel_send_data(ftl_handle_t ch, const void *data, size_t len)
{
    return ftl_channel_send(ch, FTL_MSG_DATA, 0, data, len, NULL, 0);
}

ftl_err_t ftl_channel_recv(ftl_handle_t ch, struct ftl_msg *out_msg)
{
    return ftl_calls_->channel_recv(ch, out_msg);
}

ftl_err_t ftl_channel_call(ftl_handle_t ch, uint32_t type, uint64_t cookie, const void *data,
                           size_t len, const ftl_handle_t *handles, size_t nhandles,
                           int64_t timeout_ns, struct ftl_msg *out_reply)
{
    struct ftl_msg_out m;
    if (!msg_out(&m, type, cookie, data, len, handles, nhandles)) {
        return FTL_ERR_TOO_LARGE;
    }
    return ftl_calls_->channel_call(ch, &m, timeout_ns, out_reply);
}

ftl_err_t ftl_channel_call_data(ftl_handle_t ch, const void *data, size_t len,
                                struct ftl_msg *out_reply)
{
    return ftl_channel_call(ch, FTL_MSG_DATA, 0, data, len, NULL, 0, FTL_NO_TIMEOUT, out_reply);
}

ftl_err_t ftl_poll_create(ftl_handle_t *out_poll)
{
    return ftl_calls_->poll_create(out_poll);
}

ftl_err_t ftl_poll_add(ftl_handle_t poll, ftl_handle_t h, uint32_t events, void *ctx)
{
    return ftl_calls_->poll_add(poll, h, events, (uint64_t)(uintptr_t)ctx);
}

ftl_err_t ftl_poll_modify(ftl_handle_t poll, ftl_handle_t h, uint32_t events, void *ctx)
{
    return ftl_calls_->poll_modify(poll, h, events, (uint64_t)(uintptr_t)ctx);
}

ftl_err_t ftl_poll_remove(ftl_handle_t poll, ftl_handle_t h)
{
    return ftl_calls_->poll_remove(poll, h);
}

ftl_err_t ftl_poll_wait(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *out_ev)
{
    return ftl_calls_->poll_wait(poll, timeout_ns, out_ev);
}

ftl_err_t ftl_poll_wait_msg(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *out_ev,
                            struct ftl_msg *out_msg)
{
    return ftl_calls_->poll_wait_msg(poll, timeout_ns, out_ev, out_msg);
}

int64_t ftl_time_now(void)
{
    return ftl_calls_->time_now();
}

ftl_err_t ftl_timer_create(ftl_handle_t *out_timer)
{
    return ftl_calls_->timer_create(out_timer);
}

ftl_err_t ftl_timer_set(ftl_handle_t timer, int64_t deadline_ns)
{
    return ftl_calls_->timer_set(timer, deadline_ns);
}

void ftl_sleep_ns(int64_t ns)
{
    ftl_handle_t poll;
    FTL_CHECK(ftl_poll_create(&poll));
    struct ftl_event ev;
    ftl_err_t err = ftl_poll_wait(poll, ns, &ev);
    if (err != FTL_ERR_TIMED_OUT) {
        FTL_CHECK(err);
    }
    FTL_CHECK(ftl_handle_close(poll));
}

void ftl_yield(void)
{
    (void)ftl_calls_->yield();
}

ftl_err_t ftl_process_spawn(const char *app, ftl_handle_t *out_process)
{
    return ftl_calls_->process_spawn(app, strlen(app), out_process);
}

ftl_err_t ftl_process_spawn_ex(const char *app, const struct ftl_spawn_opts *opts,
                               ftl_handle_t *out_process)
{
    return ftl_calls_->process_spawn_ex(app, strlen(app), opts, out_process);
}

ftl_err_t ftl_process_status(ftl_handle_t process, int32_t *out_code)
{
    return ftl_calls_->process_status(process, out_code);
}

ftl_err_t ftl_sys_stats(struct ftl_sys_stats *out)
{
    return ftl_calls_->sys_stats(out);
}

ftl_err_t ftl_ps(struct ftl_ps_entry *out, size_t max, size_t *out_n)
{
    return ftl_calls_->ps(out, max, out_n);
}

ftl_err_t ftl_log_read(char *buf, size_t len, size_t *out_len)
{
    return ftl_calls_->log_read(buf, len, out_len);
}

ftl_err_t ftl_dma_alloc(size_t size, void **out_va, uint64_t *out_bus)
{
    return ftl_calls_->dma_alloc(size, out_va, out_bus);
}

ftl_err_t ftl_process_kill(ftl_handle_t process)
{
    return ftl_calls_->process_kill(process);
}

ftl_err_t ftl_irq_ack(ftl_handle_t irq)
{
    return ftl_calls_->irq_ack(irq);
}

ftl_err_t ftl_env_device(const struct ftl_env *env, const char *name, struct ftl_device *out)
{
    const struct ftl_env_item *it;
    ftl_err_t err = env_find(env, name, FTL_ENV_DEVICE, &it);
    if (err == FTL_OK) {
        out->mmio = (volatile void *)(uintptr_t)it->mmio;
        out->mmio_size = it->mmio_size;
        out->irq = it->handle;
        out->transport = 0;
        memset(&out->pci, 0, sizeof(out->pci));
        if (strcmp(it->str, "virtio,mmio") == 0) {
            out->transport = FTL_DEVICE_VIRTIO_MMIO;
        } else if (strcmp(it->str, "virtio,pci") == 0) {
            // The kernel packs the four offsets into `number`, 16 bits each.
            uint64_t offs = (uint64_t)it->number;
            out->transport = FTL_DEVICE_VIRTIO_PCI;
            out->pci.common = (uint32_t)(offs & 0xffff);
            out->pci.isr = (uint32_t)((offs >> 16) & 0xffff);
            out->pci.device = (uint32_t)((offs >> 32) & 0xffff);
            out->pci.notify = (uint32_t)(offs >> 48);
            out->pci.notify_mult = it->reserved;
        }
    }
    return err;
}

ftl_handle_t ftl_env_system(const struct ftl_env *env)
{
    return env->system;
}

const char *ftl_env_app_name(const struct ftl_env *env)
{
    return env->app_name;
}

const struct ftl_env_item *ftl_env_find(const struct ftl_env *env, const char *name)
{
    for (uint32_t i = 0; i < env->nitems; i++) {
        if (strcmp(env->items[i].name, name) == 0) {
            return &env->items[i];
        }
    }
    return NULL;
}

static ftl_err_t env_find(const struct ftl_env *env, const char *name, uint32_t kind,
                          const struct ftl_env_item **out)
{
    static const char *const kinds[] = {"?", "string", "number", "service", "device"};
    for (uint32_t i = 0; i < env->nitems; i++) {
        const struct ftl_env_item *it = &env->items[i];
        if (strcmp(it->name, name) != 0) {
            continue;
        }
        if (it->kind != kind) {
            FTL_ERROR("environ item '%s' is a %s, not a %s", name, kinds[it->kind <= 4 ? it->kind : 0],
                      kinds[kind <= 4 ? kind : 0]);
            return FTL_ERR_WRONG_TYPE;
        }
        *out = it;
        return FTL_OK;
    }
    FTL_ERROR("environ has no item '%s' (add it to the env of this app's spec.yaml)", name);
    return FTL_ERR_NOT_FOUND;
}

ftl_err_t ftl_env_string(const struct ftl_env *env, const char *name, const char **out)
{
    const struct ftl_env_item *it;
    ftl_err_t err = env_find(env, name, FTL_ENV_STRING, &it);
    if (err == FTL_OK) {
        *out = it->str;
    }
    return err;
}

ftl_err_t ftl_env_number(const struct ftl_env *env, const char *name, int64_t *out)
{
    const struct ftl_env_item *it;
    ftl_err_t err = env_find(env, name, FTL_ENV_NUMBER, &it);
    if (err == FTL_OK) {
        *out = it->number;
    }
    return err;
}

ftl_err_t ftl_env_channel(const struct ftl_env *env, const char *name, ftl_handle_t *out)
{
    const struct ftl_env_item *it;
    ftl_err_t err = env_find(env, name, FTL_ENV_CHANNEL, &it);
    if (err == FTL_OK) {
        *out = it->handle;
    }
    return err;
}

void ftl_log(int level, const char *fmt, ...)
{
    char buf[1000];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    (void)ftl_calls_->log_write(level, buf, len);
}

_Noreturn void ftl_exit(int code)
{
    ftl_calls_->exit(code);
    __builtin_unreachable();
}

_Noreturn void ftl_check_failed(const char *expr, ftl_err_t err, const char *file, int line)
{
    FTL_ERROR("%s failed: %s (%s:%d)", expr, ftl_err_str(err), file, line);
    ftl_exit(1);
}

ftl_err_t ftl_console_write(const void *buf, size_t len)
{
    return ftl_calls_->console_write(buf, len);
}

ftl_err_t ftl_apps(struct ftl_app_entry *out, size_t max, size_t *out_n)
{
    return ftl_calls_->apps(out, max, out_n);
}

ftl_err_t ftl_vm_create(size_t ram_bytes, ftl_handle_t *out_vm, void **out_ram)
{
    return ftl_calls_->vm_create(ram_bytes, out_vm, out_ram);
}

ftl_err_t ftl_vm_load(ftl_handle_t vm, const char *name, uint64_t gpa, size_t *out_size)
{
    return ftl_calls_->vm_load(vm, name, strlen(name), gpa, out_size);
}

ftl_err_t ftl_vm_boot(ftl_handle_t vm, uint64_t pc, uint64_t x0)
{
    return ftl_calls_->vm_boot(vm, pc, x0);
}

ftl_err_t ftl_vm_run(ftl_handle_t vm, ftl_handle_t poll, struct ftl_vm_exit *exit)
{
    return ftl_calls_->vm_run(vm, poll, exit);
}

ftl_err_t ftl_vm_irq(ftl_handle_t vm, uint32_t spi, uint32_t level)
{
    return ftl_calls_->vm_irq(vm, spi, level);
}

ftl_err_t ftl_vm_stats(ftl_handle_t vm, struct ftl_vm_stats *out)
{
    return ftl_calls_->vm_stats(vm, out);
}

ftl_err_t ftl_app_check(const char *spec, size_t len, struct ftl_spec_info *out)
{
    return ftl_calls_->app_check(spec, len, out);
}

ftl_err_t ftl_app_spawn(const struct ftl_app_spawn_args *args, ftl_handle_t *out_process)
{
    return ftl_calls_->app_spawn(args, out_process);
}

ftl_err_t ftl_app_adopt(const char *name, size_t len, ftl_handle_t *out_process)
{
    return ftl_calls_->app_adopt(name, len, out_process);
}

ftl_err_t ftl_app_route(ftl_handle_t process)
{
    return ftl_calls_->app_route(process);
}

ftl_err_t ftl_service_connect(const char *name, size_t len, ftl_handle_t *out_channel)
{
    return ftl_calls_->service_connect(name, len, out_channel);
}

ftl_err_t ftl_process_info(ftl_handle_t process, struct ftl_process_info *out)
{
    return ftl_calls_->process_info(process, out);
}

ftl_err_t ftl_service_reconnect(const char *name, int64_t timeout_ns, ftl_handle_t *out_channel)
{
    int64_t deadline = ftl_time_now() + timeout_ns;
    for (;;) {
        ftl_err_t err = ftl_service_connect(name, strlen(name), out_channel);
        if (err != FTL_ERR_PEER_CLOSED) {
            return err;
        }
        if (ftl_time_now() >= deadline) {
            return FTL_ERR_TIMED_OUT;
        }
        ftl_sleep_ns(20 * 1000000LL);
    }
}

ftl_err_t ftl_trace_attach(const char *name, size_t len, ftl_handle_t *out_channel)
{
    return ftl_calls_->trace_attach(name, len, out_channel);
}

ftl_err_t ftl_channel_graph(struct ftl_channel_edge *out, size_t max, size_t *out_n)
{
    return ftl_calls_->channel_graph(out, max, out_n);
}

ftl_err_t ftl_log_since(uint64_t *pos, char *buf, size_t len, size_t *out_len)
{
    return ftl_calls_->log_since(pos, buf, len, out_len);
}

ftl_err_t ftl_console_mute(bool on)
{
    return ftl_calls_->console_mute(on ? 1 : 0);
}
