// The call table: how an app reaches the kernel. The kernel hands every app a
// pointer to one at start; inkernel apps get direct function pointers, user apps
// (later) get svc stubs. Shared by the kernel and the SDK; apps use ftl.h instead.
#pragma once

#include <ftl/abi.h>
#include <ftl/vm.h>

#define FTL_CALLS_VERSION 1

// A received message. The kernel fills the header, `len` bytes of data and
// `nhandles` handles (now owned by the receiver).
struct ftl_msg {
    uint32_t type;                            // FTL_MSG_*
    uint32_t len;                             // bytes used in data
    uint64_t cookie;                          // for OPEN / OPEN_REPLY / ERROR_REPLY
    uint32_t nhandles;
    ftl_handle_t handles[FTL_MSG_HANDLES_MAX];
    uint32_t reserved;                        // keeps data 8-byte aligned
    uint8_t data[FTL_MSG_DATA_MAX];
};

// A message to send: header plus pointers to the bytes and handles.
struct ftl_msg_out {
    uint32_t type;
    uint32_t len;
    uint64_t cookie;
    const void *data;
    const ftl_handle_t *handles;              // moved to the receiver on success
    uint32_t nhandles;
    uint32_t reserved;                        // must be 0
};

// One event from ftl_poll_wait.
struct ftl_event {
    ftl_handle_t handle;                      // the watched handle
    uint32_t events;                          // FTL_READABLE | FTL_WRITABLE | FTL_PEER_CLOSED
    uint64_t ctx;                             // the value given to poll_add
};

// Environ items, as laid out in the app's memory by the kernel.
#define FTL_ENV_STRING 1
#define FTL_ENV_NUMBER 2
#define FTL_ENV_CHANNEL 3
#define FTL_ENV_DEVICE 4
#define FTL_ENV_NAME_MAX 32
#define FTL_ENV_STRING_MAX 128

struct ftl_env_item {
    char name[FTL_ENV_NAME_MAX];
    uint32_t kind;                            // FTL_ENV_*
    ftl_handle_t handle;                      // CHANNEL
    int64_t number;                           // NUMBER; DEVICE "virtio,pci": the offsets
                                              // of the common, ISR, device and notify
                                              // structures in the BAR, 16 bits each
                                              // from bit 0
    char str[FTL_ENV_STRING_MAX];             // STRING; CHANNEL: the service name;
                                              // DEVICE: the compatible string
    uint64_t mmio;                            // DEVICE: app address of its registers
    uint64_t mmio_size;                       // DEVICE: bytes of registers
    uint32_t irq;                             // DEVICE: interrupt number (INTID), for logs
    uint32_t reserved;                        // DEVICE "virtio,pci": notify_off_multiplier;
                                              // DEVICE: handle = its interrupt handle
};

struct ftl_env {
    char app_name[FTL_ENV_NAME_MAX];
    ftl_handle_t system;                      // channel to the startup process: CONNECTs arrive here
    uint32_t nitems;
    struct ftl_env_item items[];
};

// What a spawner hands a new process beyond its spec (ftl_process_spawn_ex,
// docs/pipes.md): a mode and up to FTL_SPAWN_ITEMS_MAX environ items, added after the
// spec's (e.g. the channels `stdin` and `stdout` and the string `args` of a pipe stage).
#define FTL_SPAWN_ITEMS_MAX 4
#define FTL_SPAWN_SPEC_MODE -1                // isolation: the one the app's spec names
struct ftl_spawn_item {
    char name[FTL_ENV_NAME_MAX];              // a-z first, then a-z 0-9 _; not in the app's spec
    uint32_t kind;                            // FTL_ENV_CHANNEL or FTL_ENV_STRING
    ftl_handle_t handle;                      // CHANNEL: a channel end with every right,
                                              // moved to the child once it has started
    char str[FTL_ENV_STRING_MAX];             // STRING: NUL-terminated
};
struct ftl_spawn_opts {
    int32_t isolation;                        // FTL_SPAWN_SPEC_MODE or a mode number as in
                                              // struct ftl_ps_entry (never inkernel unless
                                              // the spec says so)
    uint32_t nitems;
    struct ftl_spawn_item items[FTL_SPAWN_ITEMS_MAX];
};

// Kernel-wide figures, from ftl_sys_stats.
struct ftl_sys_stats {
    uint64_t free_pages;                      // 4 KiB pages not in use
    uint64_t heap_used;                       // bytes of kernel heap in use
    uint64_t processes;                       // live processes
    int64_t uptime_ns;
    uint64_t kmem_reserve;                    // bytes of RAM no app may take
    uint64_t kmem_charged;                    // bytes charged to apps' accounts now
    uint64_t kmem_refusals;                   // charges refused (limit or reserve) since boot
};

// One process, from ftl_ps.
struct ftl_ps_entry {
    char name[FTL_ENV_NAME_MAX];
    uint32_t isolation;                       // 0 inkernel, 1 user, 2 wasm, 4 vmm
    uint32_t handles;                         // open handles
    uint64_t memory;                          // bytes of memory it holds
    uint64_t kmem_used;                       // kernel memory charged to it, its own
                                              // memory and what it spawned included
    uint64_t kmem_limit;                      // charges past this fail (limits.kmem_kib)
    uint64_t kmem_peak;                       // highest kmem_used so far
    uint32_t vm;                              // its virtual machine (<ftl/vm.h>): FTL_PS_VM_*
    uint32_t reserved;
    uint64_t vm_exits;                        // the VM's exits so far, all kinds
    uint64_t vm_run_ns;                       // time its vCPU spent in the guest
};
#define FTL_PS_VM_NONE 0                      // no VM
#define FTL_PS_VM_RUNNING 1                   // booted, not stopped since
#define FTL_PS_VM_STOPPED 2                   // never booted, or powered off, reset or faulted

// One app of the image, from ftl_apps.
#define FTL_APP_STARTS 1u                     // its spec passed the checks: it may start
#define FTL_APP_RUNNING 2u                    // its boot instance started
#define FTL_APP_RESTART_SHIFT 8               // bits 8-9: its `restart:` (FTL_RESTART_*)
struct ftl_app_entry {
    char name[FTL_ENV_NAME_MAX];
    uint32_t isolation;                       // as in struct ftl_ps_entry
    uint32_t flags;                           // FTL_APP_*
};

#include <ftl/control.h> // after FTL_ENV_NAME_MAX
#include <ftl/trace.h>

struct ftl_calls {
    uint32_t version;                         // FTL_CALLS_VERSION
    uint32_t size;                            // sizeof(struct ftl_calls)
    ftl_err_t (*handle_close)(ftl_handle_t h);
    ftl_err_t (*channel_create)(ftl_handle_t *out_a, ftl_handle_t *out_b);
    ftl_err_t (*channel_send)(ftl_handle_t ch, const struct ftl_msg_out *msg);
    ftl_err_t (*channel_recv)(ftl_handle_t ch, struct ftl_msg *out_msg);
    ftl_err_t (*poll_create)(ftl_handle_t *out_poll);
    ftl_err_t (*poll_add)(ftl_handle_t poll, ftl_handle_t h, uint32_t events, uint64_t ctx);
    ftl_err_t (*poll_modify)(ftl_handle_t poll, ftl_handle_t h, uint32_t events, uint64_t ctx);
    ftl_err_t (*poll_remove)(ftl_handle_t poll, ftl_handle_t h);
    ftl_err_t (*poll_wait)(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *out_ev);
    ftl_err_t (*timer_create)(ftl_handle_t *out_timer);
    ftl_err_t (*timer_set)(ftl_handle_t timer, int64_t deadline_ns);
    int64_t (*time_now)(void);
    ftl_err_t (*log_write)(int level, const char *msg, size_t len);
    ftl_err_t (*yield)(void);
    void (*exit)(int code);                   // never returns
    ftl_err_t (*process_spawn)(const char *app, size_t len, ftl_handle_t *out_process);
    ftl_err_t (*sys_stats)(struct ftl_sys_stats *out);
    ftl_err_t (*dma_alloc)(size_t size, void **out_va, uint64_t *out_bus);
    ftl_err_t (*irq_ack)(ftl_handle_t irq);
    ftl_err_t (*ps)(struct ftl_ps_entry *out, size_t max, size_t *out_n);
    ftl_err_t (*log_read)(char *buf, size_t len, size_t *out_len);
    ftl_err_t (*process_kill)(ftl_handle_t process);
    ftl_err_t (*console_write)(const void *buf, size_t len);
    ftl_err_t (*apps)(struct ftl_app_entry *out, size_t max, size_t *out_n);
    ftl_err_t (*vm_create)(size_t ram_bytes, ftl_handle_t *out_vm, void **out_ram);
    ftl_err_t (*vm_load)(ftl_handle_t vm, const char *name, size_t name_len, uint64_t gpa,
                         size_t *out_size);
    ftl_err_t (*vm_boot)(ftl_handle_t vm, uint64_t pc, uint64_t x0);
    ftl_err_t (*vm_run)(ftl_handle_t vm, ftl_handle_t poll, struct ftl_vm_exit *exit);
    ftl_err_t (*vm_irq)(ftl_handle_t vm, uint32_t spi, uint32_t level);
    ftl_err_t (*vm_stats)(ftl_handle_t vm, struct ftl_vm_stats *out);
    ftl_err_t (*process_spawn_ex)(const char *app, size_t len, const struct ftl_spawn_opts *opts,
                                  ftl_handle_t *out_process);
    ftl_err_t (*process_status)(ftl_handle_t process, int32_t *out_code);
    ftl_err_t (*app_check)(const char *spec, size_t len, struct ftl_spec_info *out);
    ftl_err_t (*app_spawn)(const struct ftl_app_spawn_args *args, ftl_handle_t *out_process);
    ftl_err_t (*app_adopt)(const char *name, size_t len, ftl_handle_t *out_process);
    ftl_err_t (*app_route)(ftl_handle_t process);
    ftl_err_t (*service_connect)(const char *name, size_t len, ftl_handle_t *out_channel);
    ftl_err_t (*process_info)(ftl_handle_t process, struct ftl_process_info *out);
    ftl_err_t (*trace_attach)(const char *name, size_t len, ftl_handle_t *out_channel);
    ftl_err_t (*channel_graph)(struct ftl_channel_edge *out, size_t max, size_t *out_n);
    ftl_err_t (*log_since)(uint64_t *pos, char *buf, size_t len, size_t *out_len);
    ftl_err_t (*console_mute)(uint32_t on);
    ftl_err_t (*channel_call)(ftl_handle_t ch, const struct ftl_msg_out *msg, int64_t timeout_ns,
                              struct ftl_msg *out_reply);
    ftl_err_t (*poll_wait_msg)(ftl_handle_t poll, int64_t timeout_ns, struct ftl_event *out_ev,
                               struct ftl_msg *out_msg);
};

// What the kernel passes to the app's entry point (x0).
struct ftl_start {
    const struct ftl_calls *calls;
    const struct ftl_env *env;
    void *heap;                               // [heap, heap + heap_size): malloc's arena
    size_t heap_size;
};
