// A fake of the few SDK calls the linux app's device models, link and exec service
// make, for host tests and the fuzzer: channels with bounded queues, a poll that only
// records registrations, a settable clock, the VM's interrupt lines, a log kept in memory.
#pragma once

#include <ftl.h>
#include <ftl/vm.h>

#define FAKE_HANDLES 256
#define FAKE_QUEUE_MAX 64

extern int64_t fake_now_ns; // what ftl_time_now returns
extern uint32_t fake_irq_level[FTL_VM_SPI_COUNT];
extern uint32_t fake_irq_raises[FTL_VM_SPI_COUNT]; // 0 -> 1 transitions
extern char fake_log_last[1024];                   // the last line logged
extern unsigned fake_log_lines;                    // lines logged
extern bool fake_log_quiet;                        // do not print to stderr

void fake_reset(void);
/// Limits the queue of the channel end `h` (messages sent *to* it).
void fake_set_queue_cap(ftl_handle_t h, size_t cap);
/// Messages queued for `h`.
size_t fake_queued(ftl_handle_t h);
/// What `h` is registered for in the poll; UINT32_MAX if it is not.
uint32_t fake_poll_events(ftl_handle_t h);
bool fake_is_open(ftl_handle_t h);
/// Open handles.
size_t fake_open_handles(void);
/// The bytes of the file ftl_vm_load gives for `name`.
void fake_set_file(const char *name, const void *data, size_t len);

extern uint8_t *fake_ram; // guest RAM ftl_vm_load copies into
extern uint64_t fake_ram_size;
extern uint64_t fake_boot_pc, fake_boot_x0; // what ftl_vm_boot got
