// Console output: raw kprintf, app-style log lines with a name column and level,
// optional ANSI colors, a ring of recent lines for later readers, and panic().
#include "log.h"
#include "kernel.h"
#include "console.h"

static bool use_color;
static bool first_app_line_seen;
static char ring[LOG_RING_SIZE];
static uint64_t ring_head; // total bytes ever written; ring[head % size] is next

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *const level_colors[] = {"\033[90m", "\033[32m", "\033[33m", "\033[31m"};

void log_set_color(bool on)
{
    use_color = on;
}

static void ring_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
    }
    ring_head += len;
}

size_t log_ring_read(char *buf, size_t size)
{
    size_t avail = ring_head < LOG_RING_SIZE ? ring_head : LOG_RING_SIZE;
    size_t n = avail < size ? avail : size;
    size_t start = ring_head - n;
    for (size_t i = 0; i < n; i++) {
        buf[i] = ring[(start + i) % LOG_RING_SIZE];
    }
    return n;
}

size_t log_ring_read_since(uint64_t *pos, char *buf, size_t size)
{
    if (*pos > ring_head) {
        *pos = ring_head; // "from now" (or a position from the future)
        return 0;
    }
    if (ring_head - *pos > LOG_RING_SIZE) {
        *pos = ring_head - LOG_RING_SIZE; // older bytes were overwritten
    }
    size_t n = ring_head - *pos < size ? (size_t)(ring_head - *pos) : size;
    for (size_t i = 0; i < n; i++) {
        buf[i] = ring[(*pos + i) % LOG_RING_SIZE];
    }
    *pos += n;
    return n;
}

void log_line(const char *name, int level, const char *msg, size_t len)
{
    if (level < FTL_LOG_DEBUG || level > FTL_LOG_ERROR) {
        level = FTL_LOG_INFO;
    }
    while (len > 0 && msg[len - 1] == '\n') {
        len--;
    }
    int64_t now = arch_time_ns();
    char head[64];
    int n = snprintf(head, sizeof(head), "[%-12s] %-6s ", name, level_names[level]);
    uint64_t flags = arch_irq_save();
    ring_write(head, (size_t)n);
    ring_write(msg, len);
    ring_write("\n", 1);
    if (!console_log_muted()) { // muted: the shell follows the log itself (log -f)
        console_log_hook(false);
        if (use_color) {
            char colored[96];
            int c = snprintf(colored, sizeof(colored), "\033[36m[%-12s]\033[0m %s%-6s\033[0m ",
                             name, level_colors[level], level_names[level]);
            arch_console_write(colored, (size_t)c);
        } else {
            arch_console_write(head, (size_t)n);
        }
        arch_console_write(msg, len);
        arch_console_write("\n", 1);
        console_log_hook(true);
    }
    arch_irq_restore(flags);
    if (!first_app_line_seen && strcmp(name, "kernel") != 0) {
        first_app_line_seen = true;
        klog(FTL_LOG_INFO, "boot: first app log line at %ld us (guest clock)",
             (long)(now / 1000));
    }
}

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    arch_console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void klog(int level, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_line("kernel", level, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void print_frame(void *ctx, uintptr_t pc)
{
    int *depth = ctx;
    kprintf("  #%d %s\n", (*depth)++, ksym_format(pc));
}

_Noreturn void panic(const char *fmt, ...)
{
    arch_irq_save();
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    kprintf("\n[kernel      ] PANIC  %s\n", buf);
    int depth = 0;
    arch_backtrace(0, print_frame, &depth);
    kprintf("[kernel      ] PANIC  system halted\n");
    arch_poweroff();
}
