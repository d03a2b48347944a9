// linux: runs Debian's Linux in a VM (docs/linux.md) and serves `exec:<command line>`
// on the `linux` service. The kernel runs the vCPU, the GIC, the timer and PSCI; this
// app loads the guest, emulates its PL011 and virtio console on MMIO exits, talks to
// the agent in the guest and restarts the VM when it stops.
//
// The app has its own scheduling (the vCPU), so it drives one poll itself rather than
// the SDK's loop: ftl_vm_run returns FTL_VM_EXIT_POLL when the poll has events, which
// are served at once with the guest stopped, and the guest runs again.
#include "agent_proto.h"
#include "vmm.h"

#include <ftl/linux.h>
#include <string.h>

#define TICK_NS 1000000000ll      // the watchdog's period
#define RESTARTS_MAX 5            // restarts in a row before the VM stays down
#define HEALTHY_NS (60 * TICK_NS) // a VM whose agent ran this long resets the count
#define STALL_TICKS 10            // ticks with the vCPU busy and nothing taken: hung
#define CONSOLE_BROKEN_TICKS 5    // ticks a broken console may wait for the guest's reset
#define BOOT_TIMEOUT_S 300        // default time from boot to the agent's HELLO

enum vm_state { VM_OFF, VM_RUNNING, VM_BACKOFF, VM_DOWN };

static struct {
    enum vm_state state;
    struct guest_ram g;
    int restarts; // stops since the VM last was healthy
    int64_t boot_ns, ready_ns, restart_ns;
    int64_t boot_timeout_ns;
    struct ftl_vm_stats last; // at the previous tick
    struct ftl_vm_stats boot; // at the last boot (the counters run since ftl_vm_create)
    int stall_ticks;
    int console_broken_ticks; // ticks the virtio console has been stopped on a bad queue
    uint64_t console_resets;  // con.counts.driver_resets at boot
    uint64_t console_closes;  // con.counts.port_closes at boot
    int64_t console_lost_ns;  // when the guest reset its console under the agent (0: no)
    uint64_t unknown_mmio;
    const char *bootargs;
} vm;

static ftl_handle_t poll, timer, sys;
static struct pl011 uart;
static struct vcon con;
static struct agent_link link;
static struct exec_mux mux;

static void on_tx_bytes(void *ctx, const uint8_t *data, size_t len)
{
    link_feed(ctx, data, len);
}

static void vm_start(void)
{
    pl011_reset(&uart, &vm.g);
    link_reset(&link, exec_on_frame, &mux);
    vcon_reset(&con, &vm.g, on_tx_bytes, &link, &link.out);
    vm.stall_ticks = 0;
    vm.console_broken_ticks = 0;
    vm.console_resets = con.counts.driver_resets;
    vm.console_closes = con.counts.port_closes;
    vm.console_lost_ns = 0;
    vm.ready_ns = 0;
    vm.boot_ns = ftl_time_now();
    ftl_err_t err = linux_boot(&vm.g, vm.bootargs);
    if (err != FTL_OK) {
        // A missing or bad Image does not get better by retrying.
        FTL_ERROR("linux: the VM stays down; exec: requests get %s", ftl_err_str(err));
        vm.state = VM_DOWN;
        exec_vm_stopped(&mux, err);
        return;
    }
    vm.state = VM_RUNNING;
    if (ftl_vm_stats(vm.g.vm, &vm.last) != FTL_OK) {
        memset(&vm.last, 0, sizeof(vm.last));
    }
    vm.boot = vm.last;
}

// The guest stopped (powered off, reset, faulted, hung, broke the agent link): its
// commands fail, and it boots again after 1, 2, 4, 8, 16 s, or stays down.
static void vm_stopped(const char *why)
{
    pl011_flush(&uart);
    int64_t now = ftl_time_now();
    if (vm.ready_ns && now - vm.ready_ns >= HEALTHY_NS) {
        vm.restarts = 0;
    }
    vm.restarts++;
    bool give_up = vm.restarts > RESTARTS_MAX;
    FTL_WARN("linux: the VM stopped: %s; %s", why,
             give_up ? "it stopped too often: it stays down" : "restarting it");
    exec_vm_stopped(&mux, give_up ? FTL_ERR_PEER_CLOSED : FTL_OK);
    link_reset(&link, exec_on_frame, &mux);
    if (give_up) {
        vm.state = VM_DOWN;
        return;
    }
    vm.state = VM_BACKOFF;
    vm.restart_ns = now + (TICK_NS << (vm.restarts - 1));
}

// Once a second: restart after the backoff, and catch a guest that never became
// ready or that spins with interrupts masked (the vCPU ran, but it took no
// interrupt, never waited and touched no device).
static void on_tick(void)
{
    int64_t now = ftl_time_now();
    FTL_CHECK(ftl_timer_set(timer, now + TICK_NS));
    if (vm.state == VM_BACKOFF && now >= vm.restart_ns) {
        vm_start();
        return;
    }
    if (vm.state != VM_RUNNING) {
        return;
    }
    // The agent talks only through the console: one the guest broke and did not reset
    // leaves every command hanging.
    vm.console_broken_ticks = con.broken ? vm.console_broken_ticks + 1 : 0;
    if (vm.console_lost_ns && now - vm.console_lost_ns >= TICK_NS / 2) {
        vm_stopped("it reset its virtio console under the agent");
        return;
    }
    if (vm.console_broken_ticks >= CONSOLE_BROKEN_TICKS) {
        vm_stopped("its virtio console stopped on a bad queue and was not reset");
        return;
    }
    if (!mux.agent_ready && now - vm.boot_ns > vm.boot_timeout_ns) {
        vm_stopped("the agent did not start in time");
        return;
    }
    struct ftl_vm_stats s;
    if (ftl_vm_stats(vm.g.vm, &s) != FTL_OK) {
        return;
    }
    bool idle_cpu = s.run_ns - vm.last.run_ns < TICK_NS / 2;
    bool progress = s.injected != vm.last.injected || s.wfi != vm.last.wfi ||
                    s.mmio != vm.last.mmio || s.hvc != vm.last.hvc;
    vm.stall_ticks = idle_cpu || progress ? 0 : vm.stall_ticks + 1;
    vm.last = s;
    if (vm.stall_ticks >= STALL_TICKS) {
        vm_stopped("the guest is stuck (busy with interrupts masked)");
    }
}

// A message on a client's service channel: OPEN exec:..., nothing else.
static void on_client(ftl_handle_t ch, uint32_t events)
{
    static struct ftl_msg msg;
    ftl_err_t err = ftl_channel_recv(ch, &msg);
    if (err == FTL_ERR_EMPTY) {
        return;
    }
    if (err != FTL_OK) {
        FTL_CHECK(ftl_handle_close(ch)); // the client left
        return;
    }
    (void)events;
    for (uint32_t i = 0; i < msg.nhandles; i++) {
        FTL_CHECK(ftl_handle_close(msg.handles[i]));
    }
    if (msg.type == FTL_MSG_OPEN) {
        exec_open(&mux, ch, msg.cookie, msg.data, msg.len);
        return;
    }
    ftl_err_t reply = FTL_ERR_UNSUPPORTED;
    err = ftl_channel_send(ch, FTL_MSG_ERROR_REPLY, msg.cookie, &reply, sizeof(reply), NULL, 0);
    (void)err; // a client that does not read its replies loses them
}

static void on_connect(void)
{
    static struct ftl_msg msg;
    if (ftl_channel_recv(sys, &msg) != FTL_OK) {
        return;
    }
    for (uint32_t i = 0; i < msg.nhandles; i++) {
        ftl_err_t err = msg.type == FTL_MSG_CONNECT && i == 0
                            ? ftl_poll_add(poll, msg.handles[0], FTL_READABLE,
                                           (void *)(uintptr_t)CTX_MAKE(CTX_CLIENT, 0))
                            : FTL_ERR_INVALID_ARG;
        if (err != FTL_OK) {
            FTL_CHECK(ftl_handle_close(msg.handles[i]));
        }
    }
}

static void dispatch(const struct ftl_event *ev)
{
    switch (CTX_KIND(ev->ctx)) {
    case CTX_SYSTEM:
        on_connect();
        break;
    case CTX_CLIENT:
        on_client(ev->handle, ev->events);
        break;
    case CTX_CMD_OUT:
        exec_on_event(&mux, CTX_INDEX(ev->ctx), false, ev->events);
        break;
    case CTX_CMD_ERR:
        exec_on_event(&mux, CTX_INDEX(ev->ctx), true, ev->events);
        break;
    case CTX_TIMER:
        on_tick();
        break;
    default:
        break;
    }
}

// Serves what the poll has: waits up to `timeout_ns` for the first event.
static void serve(int64_t timeout_ns)
{
    for (int i = 0; i < 64; i++) {
        struct ftl_event ev;
        ftl_err_t err = ftl_poll_wait(poll, i == 0 ? timeout_ns : 0, &ev);
        if (err == FTL_ERR_TIMED_OUT) {
            break;
        }
        FTL_CHECK(err);
        dispatch(&ev);
    }
    exec_pump(&mux);
}

// Unknown addresses read as 0 and ignore writes, as KVM's default MMIO bus would make
// a VMM do: logged the first time, counted always, never fatal.
static void on_mmio(struct ftl_vm_exit *e)
{
    uint64_t data = e->data;
    if (e->addr - LINUX_PL011_BASE < LINUX_PL011_SIZE) {
        pl011_access(&uart, e->addr - LINUX_PL011_BASE, e->write, &data);
    } else if (e->addr - LINUX_VIRTIO_BASE < LINUX_VIRTIO_SIZE) {
        vcon_access(&con, e->addr - LINUX_VIRTIO_BASE, e->write, &data);
    } else {
        if (vm.unknown_mmio++ == 0) {
            FTL_WARN("linux: the guest %s unmapped address %#llx (pc %#llx); reads give 0, "
                     "writes are ignored",
                     e->write ? "wrote" : "read", (unsigned long long)e->addr,
                     (unsigned long long)e->pc);
        }
        data = 0;
    }
    if (!e->write) {
        e->data = e->size >= 8 ? data : data & ((1ull << (8 * e->size)) - 1);
    }
}

// The agent said HELLO: how long the boot took and the exits it cost, by kind.
static void log_ready(void)
{
    vm.ready_ns = ftl_time_now();
    struct ftl_vm_stats s;
    if (ftl_vm_stats(vm.g.vm, &s) != FTL_OK) {
        s = vm.boot;
    }
    const struct ftl_vm_stats *b = &vm.boot;
    FTL_INFO("linux: agent ready (%s) %lld ms after boot, at %lld us; exits: mmio %llu, "
             "gicd %llu, gicr %llu, icc %llu, sysreg %llu, wfi %llu, hvc %llu; %llu guest log "
             "lines",
             mux.agent_version, (long long)((vm.ready_ns - vm.boot_ns) / 1000000),
             (long long)(vm.ready_ns / 1000), (unsigned long long)(s.mmio - b->mmio),
             (unsigned long long)(s.gicd - b->gicd), (unsigned long long)(s.gicr - b->gicr),
             (unsigned long long)(s.icc - b->icc), (unsigned long long)(s.sysreg - b->sysreg),
             (unsigned long long)(s.wfi - b->wfi), (unsigned long long)(s.hvc - b->hvc),
             (unsigned long long)uart.lines);
}

static void run_once(void)
{
    static struct ftl_vm_exit e;
    ftl_err_t err = ftl_vm_run(vm.g.vm, poll, &e);
    if (err != FTL_OK) {
        vm_stopped(ftl_err_str(err));
        return;
    }
    switch (e.kind) {
    case FTL_VM_EXIT_MMIO:
        on_mmio(&e);
        break;
    case FTL_VM_EXIT_POLL:
        serve(0);
        break;
    case FTL_VM_EXIT_OFF:
        vm_stopped("it powered off (PSCI SYSTEM_OFF)");
        return;
    case FTL_VM_EXIT_RESET:
        vm_stopped("it reset (PSCI SYSTEM_RESET)");
        return;
    default:
        e.detail[sizeof(e.detail) - 1] = '\0';
        vm_stopped(e.kind == FTL_VM_EXIT_FAULT ? e.detail : "an unknown exit");
        return;
    }
    if ((con.counts.driver_resets != vm.console_resets || con.counts.port_closes != vm.console_closes) &&
        mux.agent_ready && !vm.console_lost_ns) {
        // The guest's driver let go of the console (unbound, reset on a bad queue, or a
        // shutdown on its way) or the agent's port was closed: bytes in flight are lost,
        // and with them the framing of the agent's link. The next tick restarts the VM
        // unless it stops by itself.
        vm.console_lost_ns = ftl_time_now();
    }
    if (link.broken) {
        FTL_WARN("linux: malformed frame from the agent: %s", link.why);
        vm_stopped("the agent link broke");
        return;
    }
    if (mux.agent_ready && !vm.ready_ns) {
        log_ready();
    }
    exec_pump(&mux);
    vcon_fill_rx(&con);
}

void app_main(const struct ftl_env *env)
{
    sys = ftl_env_system(env);
    FTL_CHECK(ftl_poll_create(&poll));
    FTL_CHECK(ftl_poll_add(poll, sys, FTL_READABLE, (void *)(uintptr_t)CTX_MAKE(CTX_SYSTEM, 0)));
    FTL_CHECK(ftl_timer_create(&timer));
    FTL_CHECK(ftl_poll_add(poll, timer, FTL_READABLE, (void *)(uintptr_t)CTX_MAKE(CTX_TIMER, 0)));
    FTL_CHECK(ftl_timer_set(timer, ftl_time_now() + TICK_NS));
    exec_init(&mux, &link, poll);

    if (ftl_env_string(env, "bootargs", &vm.bootargs) != FTL_OK) {
        vm.bootargs = "console=ttyAMA0 rdinit=/init quiet panic=-1 cma=0";
    }
    int64_t timeout_s;
    if (ftl_env_number(env, "boot_timeout_s", &timeout_s) != FTL_OK || timeout_s <= 0) {
        timeout_s = BOOT_TIMEOUT_S;
    }
    vm.boot_timeout_ns = timeout_s * TICK_NS;

    int64_t ram_mib;
    if (ftl_env_number(env, "ram_mib", &ram_mib) != FTL_OK || ram_mib < 64 ||
        ram_mib > (int64_t)(FTL_VM_RAM_MAX >> 20) || ram_mib % 2) {
        ram_mib = LINUX_RAM_BYTES >> 20;
    }
    void *ram;
    ftl_err_t err = ftl_vm_create((size_t)ram_mib << 20, &vm.g.vm, &ram);
    if (err != FTL_OK) {
        FTL_WARN("linux: no VM (%s); exec: requests get that error", ftl_err_str(err));
        exec_vm_stopped(&mux, err);
        vm.state = VM_DOWN;
    } else {
        vm.g.base = ram;
        vm.g.size = (uint64_t)ram_mib << 20;
        vm_start();
    }
    for (;;) {
        if (vm.state == VM_RUNNING) {
            run_once();
        } else {
            serve(FTL_NO_TIMEOUT);
        }
    }
}
