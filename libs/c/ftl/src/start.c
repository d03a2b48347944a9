// App start-up on picolibc: the entry point the kernel jumps to, thread-local
// storage, the malloc arena (sbrk), stdout/stderr as log lines, exit and abort.
#include <ftl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct ftl_calls *ftl_calls_;

extern char __tdata_start[], __tdata_end[], __tbss_start[], __tbss_end[];

static char *heap_next, *heap_end;

// AArch64 TLS (variant 1): TPIDR_EL0 points at a 16-byte control block that the
// TLS block follows; local-exec code adds fixed offsets to it.
static void init_tls(void)
{
    size_t tdata = (size_t)(__tdata_end - __tdata_start);
    size_t tbss = (size_t)(__tbss_end - __tbss_start);
    char *block = heap_next;
    heap_next += (16 + tdata + tbss + 63) & ~(size_t)63;
    memcpy(block + 16, __tdata_start, tdata);
    memset(block + 16 + tdata, 0, tbss);
    __asm__ volatile("msr tpidr_el0, %0" ::"r"(block));
}

void *sbrk(ptrdiff_t incr)
{
    if (incr < 0 || incr > heap_end - heap_next) {
        return (void *)-1;
    }
    char *p = heap_next;
    heap_next += incr;
    return p;
}

// stdout and stderr collect characters into lines that go to the log.
static char line[512];
static size_t line_len;

static int put_log_char(char c, FILE *f)
{
    (void)f;
    if (c == '\n' || line_len == sizeof(line)) {
        (void)ftl_calls_->log_write(FTL_LOG_INFO, line, line_len);
        line_len = 0;
        if (c == '\n') {
            return (unsigned char)c;
        }
    }
    line[line_len++] = c;
    return (unsigned char)c;
}

static FILE log_stream = FDEV_SETUP_STREAM(put_log_char, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &log_stream;
FILE *const stdout = &log_stream;
FILE *const stderr = &log_stream;

_Noreturn void _exit(int code)
{
    if (line_len) {
        (void)ftl_calls_->log_write(FTL_LOG_INFO, line, line_len);
        line_len = 0;
    }
    ftl_calls_->exit(code);
    __builtin_unreachable();
}

_Noreturn void abort(void)
{
    FTL_ERROR("abort() called");
    _exit(134);
}

_Noreturn void _start(const struct ftl_start *start)
{
    ftl_calls_ = start->calls;
    heap_next = start->heap;
    heap_end = heap_next + start->heap_size;
    init_tls();
    app_main(start->env);
    exit(0);
}
