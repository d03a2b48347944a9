// The linux VMM app's shared declarations: guest RAM access, the device models
// (PL011, virtio-mmio console), the agent link and the exec multiplexer. Everything
// here except main.c is plain C that the host tests build against a fake SDK
// (apps/linux/tests/), so the parsers of guest-controlled bytes run under ASan/UBSan.
#pragma once

#include <ftl.h>
#include <ftl/vm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// ---- the guest-physical map (docs/linux.md) ----
#define LINUX_RAM_BYTES (96ull << 20) // without a ram_mib in the spec
#define LINUX_PL011_BASE 0x09000000ull
#define LINUX_PL011_SIZE 0x1000ull
#define LINUX_PL011_SPI 1u
#define LINUX_VIRTIO_BASE 0x0a000000ull
#define LINUX_VIRTIO_SIZE 0x200ull
#define LINUX_VIRTIO_SPI 16u

// Guest RAM as the app sees it: guest-physical X is base + (X - FTL_VM_RAM_BASE).
struct guest_ram {
    uint8_t *base;
    uint64_t size;   // bytes
    ftl_handle_t vm; // for ftl_vm_irq
};

/// Returns a pointer to guest-physical [gpa, gpa+len) if all of it is guest RAM, else
/// NULL. Safe against overflow for any gpa and len the guest chooses.
static inline void *guest_ptr(const struct guest_ram *g, uint64_t gpa, uint64_t len)
{
    if (gpa < FTL_VM_RAM_BASE) {
        return NULL;
    }
    uint64_t off = gpa - FTL_VM_RAM_BASE;
    if (off > g->size || len > g->size - off) {
        return NULL;
    }
    return g->base + off;
}

// ---- boot.c: the arm64 Image header and the load layout ----
struct image_info {
    uint64_t text_offset; // bytes from the 2 MiB aligned base
    uint64_t image_size;  // bytes the kernel occupies, BSS included
    uint64_t flags;
};

/// Parses an arm64 Linux Image header (Documentation/arm64/booting.rst) from the first
/// `len` bytes of the file. FTL_ERR_PARSE if it is not a little-endian arm64 Image.
FTL_MUST_CHECK ftl_err_t image_parse(const uint8_t *hdr, size_t len, struct image_info *out);

// ---- fdt.c / dtb.c: the device tree the guest boots with ----
struct dtb_params {
    uint64_t ram_bytes;
    uint64_t initrd_start, initrd_end; // guest-physical; start == end: no initrd
    const char *bootargs;
};

/// Writes the guest's device tree into `buf` (at most `cap` bytes); `*out_len` is its
/// size. FTL_ERR_BUFFER_TOO_SMALL if it does not fit.
FTL_MUST_CHECK ftl_err_t dtb_build(const struct dtb_params *p, void *buf, size_t cap,
                                   size_t *out_len);

// ---- pl011.c: the kernel log UART ----
#define PL011_LINE_MAX 160     // bytes of one guest log line (longer lines are split)
#define PL011_LINES_PER_SEC 50 // lines logged per second before lines are dropped
#define PL011_BURST 200        // lines that may be logged at once

struct pl011 {
    struct guest_ram *g;
    uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, ris, dmacr, ilpr;
    bool irq_level; // the level last given to the interrupt controller
    char line[PL011_LINE_MAX + 1];
    size_t line_len;
    int64_t tokens_ns; // rate limit: a token bucket in nanoseconds of budget
    int64_t last_ns;
    uint64_t lines, dropped, dropped_reported;
};

void pl011_reset(struct pl011 *u, struct guest_ram *g);
/// Emulates one access at `off` (< LINUX_PL011_SIZE). Loads return the value in *data.
void pl011_access(struct pl011 *u, uint64_t off, bool write, uint64_t *data);
/// Logs a partial line left in the buffer (at VM stop).
void pl011_flush(struct pl011 *u);

/// Loads `Image` and `initramfs.cpio` (files of this app in the boot image) and the
/// device tree into guest RAM and resets the vCPU to the kernel's entry. Logs why it
/// fails: FTL_ERR_NOT_FOUND (no Image), FTL_ERR_PARSE (not an arm64 Image),
/// FTL_ERR_TOO_LARGE (does not fit in RAM), or what ftl_vm_load/boot returned.
FTL_MUST_CHECK ftl_err_t linux_boot(struct guest_ram *g, const char *bootargs);

// ---- virtq.c: split virtqueues in guest RAM, every address checked ----
#define VIRTQ_NUM_MAX 128u // QueueNumMax: descriptors per queue (a chain is at most this)

struct virtq_seg {
    uint8_t *ptr; // in guest RAM, checked
    uint32_t len;
};

// One descriptor chain taken from the available ring.
struct virtq_chain {
    uint16_t head;
    uint16_t nsegs;
    uint64_t total; // bytes over all segments
    struct virtq_seg segs[VIRTQ_NUM_MAX];
};

struct virtq {
    uint32_t num; // queue size the driver chose (a power of 2)
    bool ready;
    uint64_t desc_gpa, avail_gpa, used_gpa;
    uint16_t last_avail; // the next available-ring entry to take
    uint16_t used_idx;   // our copy of used->idx
};

/// Checks the queue's size and ring addresses when the driver sets QueueReady.
/// FTL_ERR_INVALID_ARG (not a power of 2, too big, misaligned, outside RAM).
FTL_MUST_CHECK ftl_err_t virtq_check(const struct virtq *q, const struct guest_ram *g);
/// Takes the next available chain into `*out`. FTL_ERR_EMPTY if there is none;
/// FTL_ERR_INVALID_ARG if the ring or chain is bad (an index past the queue, a loop,
/// an address outside RAM, an indirect descriptor, a segment of the wrong direction:
/// device-writable for `writable` true, read-only for false). The queue is then broken.
FTL_MUST_CHECK ftl_err_t virtq_pop(struct virtq *q, const struct guest_ram *g, bool writable,
                                   struct virtq_chain *out);
/// Returns chain `head` to the driver with `written` bytes written into it.
FTL_MUST_CHECK ftl_err_t virtq_push(struct virtq *q, const struct guest_ram *g, uint16_t head,
                                    uint32_t written);
/// False if the driver asked for no interrupts on this queue (it polls it).
bool virtq_wants_interrupt(const struct virtq *q, const struct guest_ram *g);

// ---- virtio_console.c: the virtio-mmio console device the agent talks through ----
// Queues: port 0's receiveq and transmitq (0, 1), the control queues (2, 3) and port
// 1's (4, 5). A driver without VIRTIO_CONSOLE_F_MULTIPORT uses 0 and 1 (its hvc0); with
// it (Linux's), the agent's bytes go over port 1, a generic port named VCON_PORT_NAME.
#define VCON_QUEUES 6
#define VCON_PORTS 2       // max_nr_ports in the config space
#define VCON_AGENT_PORT 1u // the port the agent's link uses under MULTIPORT
#define VCON_PORT_NAME "ftl-agent"
#define VCON_CTRL_MAX 4 // control messages waiting for the guest's receive buffers

struct vcon_ctrl {
    uint8_t len;
    uint8_t buf[8 + sizeof(VCON_PORT_NAME)];
};

/// Bytes the device got from the guest's transmitq (copied out before it returns).
typedef void (*vcon_sink_fn)(void *ctx, const uint8_t *data, size_t len);

struct byte_ring;

// What the device counts across resets.
struct vcon_counts {
    uint64_t bad_queues;     // times the device stopped on a bad queue
    uint64_t ignored_writes; // queue registers written while the queue was ready
    uint64_t driver_resets;  // Status = 0 written by a driver that had set DRIVER_OK
    uint64_t port_closes;    // the guest closed the agent's port after opening it
    uint64_t bad_control;    // control messages ignored (unknown event or port, short)
};

struct vcon {
    struct guest_ram *g;
    uint32_t status;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint64_t driver_features;
    uint32_t isr; // InterruptStatus: bit 0 used buffer, bit 1 config change
    struct virtq q[VCON_QUEUES];
    bool broken; // DEVICE_NEEDS_RESET set: no queue is touched until reset
    uint64_t tx_bytes, rx_bytes, notifies, interrupts;
    bool multiport;  // VIRTIO_CONSOLE_F_MULTIPORT negotiated
    bool port_added; // PORT_ADD of the agent's port sent
    bool port_open;  // the guest opened the agent's port (PORT_OPEN 1)
    struct vcon_counts counts;
    struct vcon_ctrl ctrl[VCON_CTRL_MAX]; // host -> guest control messages, in order
    uint32_t nctrl;
    vcon_sink_fn sink;
    void *sink_ctx;
    struct byte_ring *out; // host -> guest bytes, given to the guest's receive buffers
};

/// Resets the device (also what the guest's Status = 0 does).
void vcon_reset(struct vcon *v, struct guest_ram *g, vcon_sink_fn sink, void *sink_ctx,
                struct byte_ring *out);
/// Emulates one access at `off` (< LINUX_VIRTIO_SIZE). Loads return the value in *data.
void vcon_access(struct vcon *v, uint64_t off, bool write, uint64_t *data);
/// Copies bytes waiting in `out` (and control messages) into receive buffers the guest
/// posted, and interrupts the guest if it used any.
void vcon_fill_rx(struct vcon *v);

// ---- agent.c: the frame link to the agent (agent_proto.h) ----
#define LINK_RING_SIZE (64u << 10) // host -> guest bytes waiting for the guest to read

struct byte_ring {
    uint8_t buf[LINK_RING_SIZE];
    size_t head; // index of the oldest byte
    size_t len;
};

size_t ring_room(const struct byte_ring *r);
/// Copies `len` bytes in; the caller checked ring_room.
void ring_put(struct byte_ring *r, const void *data, size_t len);
/// Copies out and removes up to `max` bytes; returns how many.
size_t ring_get(struct byte_ring *r, void *dst, size_t max);

struct agent_hdr;
typedef void (*link_frame_fn)(void *ctx, const struct agent_hdr *h, const uint8_t *payload);

struct agent_link {
    struct byte_ring out; // frames to the guest
    uint8_t hdr[12];      // the header being reassembled
    size_t hdr_got;
    uint32_t len, id; // of the frame being reassembled
    uint8_t type;
    uint8_t payload[4096];
    size_t payload_got;
    bool broken;  // a malformed frame came: the stream cannot be trusted
    char why[80]; // what was malformed
    uint64_t frames_in, frames_out;
    link_frame_fn on_frame;
    void *ctx;
};

void link_reset(struct agent_link *l, link_frame_fn on_frame, void *ctx);
/// Takes bytes from the guest: complete frames go to on_frame. Once a malformed frame
/// came (bad type, length, padding, id), the link is broken and ignores everything.
void link_feed(struct agent_link *l, const uint8_t *data, size_t len);
/// Whether a frame with `len` bytes of payload fits in the outgoing ring now.
bool link_has_room(const struct agent_link *l, size_t len);
/// Queues a frame to the guest. FTL_ERR_FULL if it does not fit (nothing queued),
/// FTL_ERR_TOO_LARGE for len > AGENT_PAYLOAD_MAX.
FTL_MUST_CHECK ftl_err_t link_send(struct agent_link *l, uint8_t type, uint32_t id,
                                   const void *payload, size_t len);

// ---- exec.c: the exec: service, one command per client channel ----
#define EXEC_OUTQ_SIZE (80u << 10) // per command: the guest's output window + entry headers
#define EXEC_CMDS 16u              // AGENT_COMMANDS_MAX

// Poll contexts of the app's poll (main.c dispatches on the kind).
#define CTX_KIND(ctx) ((uint32_t)((ctx) >> 16))
#define CTX_INDEX(ctx) ((uint32_t)((ctx)&0xffff))
#define CTX_MAKE(kind, index) (((uint64_t)(kind) << 16) | (index))
enum { CTX_SYSTEM = 1, CTX_CLIENT, CTX_CMD_OUT, CTX_CMD_ERR, CTX_TIMER };

struct outq { // stdout/stderr the client has not taken yet, in order
    uint8_t buf[EXEC_OUTQ_SIZE];
    size_t head, len; // entries: u8 stream, u16 length (LE), the bytes
};

/// Appends an entry; false if it does not fit (nothing is added).
bool outq_put(struct outq *q, uint8_t stream, const uint8_t *data, size_t len);
/// Copies the oldest entry's bytes to `dst` (AGENT_PAYLOAD_MAX bytes) without removing
/// it; returns its length and its stream in `*stream`.
size_t outq_peek(const struct outq *q, uint8_t *stream, uint8_t *dst);
/// Removes the oldest entry, of `len` bytes.
void outq_drop(struct outq *q, size_t len);

enum cmd_state { CMD_FREE, CMD_QUEUED, CMD_RUNNING };

struct cmd {
    enum cmd_state state;
    uint32_t id;                    // the agent's command id (never 0)
    ftl_handle_t ch, err_ch;        // our ends of the client's channels; 0 once closed
    uint32_t ch_events, err_events; // what they are registered for; UINT32_MAX: not
    size_t cmdline_len;
    bool exec_sent;
    bool eof_pending, eof_sent;
    bool client_gone;        // the client closed its channel: kill, drop the output
    bool left;               // client_gone handled (channels closed, kill queued)
    uint32_t signal_pending; // 0: none
    uint32_t stdin_credit;   // STDIN bytes the agent takes now (its WINDOW grants)
    uint32_t out_credit;     // STDOUT+STDERR bytes the agent may still send
    uint32_t window_owed;    // output delivered to the client, not granted back yet
    size_t stash_len;
    bool exited;
    int32_t status;
    uint64_t dropped; // output bytes over the credit, or that did not fit
    // Not cleared when a command starts (cmd_start clears up to here):
    char cmdline[4096];
    uint8_t stash[4096]; // stdin received beyond the credit (one message at most)
    struct outq q;
};

struct exec_mux {
    struct cmd cmds[EXEC_CMDS];
    struct agent_link *link;
    ftl_handle_t poll;
    bool agent_ready;
    char agent_version[48]; // the HELLO's text
    uint32_t next_id;
    uint32_t rr;        // where the next pump starts (fairness)
    ftl_err_t down_err; // FTL_OK, or why new commands are refused
    uint64_t unknown_frames, opened, refused;
};

void exec_init(struct exec_mux *m, struct agent_link *l, ftl_handle_t poll);
/// An OPEN on a client's service channel `ch`: replies OPEN_REPLY or ERROR_REPLY.
void exec_open(struct exec_mux *m, ftl_handle_t ch, uint64_t cookie, const void *uri, size_t len);
/// Poll events of a command's channel (`is_err`: its stderr channel).
void exec_on_event(struct exec_mux *m, uint32_t index, bool is_err, uint32_t events);
/// A frame from the agent (the link's on_frame).
void exec_on_frame(void *ctx, const struct agent_hdr *h, const uint8_t *payload);
/// Sends what waits for the guest (EXEC, STDIN, EOF, SIGNAL, WINDOW) while the link
/// has room, and reads client stdin as far as the credit allows.
void exec_pump(struct exec_mux *m);
/// The VM stopped: commands the agent had fail (ERROR_REPLY FTL_ERR_PEER_CLOSED, then
/// their channels close); queued ones wait for the next boot, or fail with `down_err`
/// when `down_err` is not FTL_OK (the VM stays down).
void exec_vm_stopped(struct exec_mux *m, ftl_err_t down_err);
