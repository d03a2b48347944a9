// What QuickJS needs from a C library beyond the kernel's own (kernel/lib: mem*,
// str*, snprintf) and picolibc's math: a clock, UTC calendar time, abort and assert
// (which end the app, not the kernel), and small string functions. Kernel only: the
// host builds use the system's C library.
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

int64_t arch_time_ns(void);
_Noreturn void process_abort(const char *what, const char *detail);

_Noreturn void abort(void)
{
    process_abort("engine error", "QuickJS called abort()");
}

_Noreturn void __assert_func(const char *file, int line, const char *func, const char *expr)
{
    char detail[160];
    snprintf(detail, sizeof(detail), "assertion '%s' failed in %s (%s:%d)", expr, func, file, line);
    process_abort("engine error", detail);
}

// No real-time clock yet: the epoch is the boot.
int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    int64_t ns = arch_time_ns();
    tv->tv_sec = ns / 1000000000;
    tv->tv_usec = (ns % 1000000000) / 1000;
    return 0;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    (void)clk;
    int64_t ns = arch_time_ns();
    ts->tv_sec = ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
    return 0;
}

// UTC (days-from-civil inverse, H. Hinnant's algorithm).
struct tm *localtime_r(const time_t *t, struct tm *tm)
{
    int64_t s = *t;
    int64_t days = s / 86400, rem = s % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    memset(tm, 0, sizeof(*tm));
    tm->tm_hour = (int)(rem / 3600);
    tm->tm_min = (int)(rem / 60 % 60);
    tm->tm_sec = (int)(rem % 60);
    tm->tm_wday = (int)((days % 7 + 11) % 7); // 1970-01-01 was a Thursday
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    tm->tm_year = (int)(y - 1900);
    tm->tm_mon = (int)(m - 1);
    tm->tm_mday = (int)d;
    return tm;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == (unsigned char)c) {
            return (void *)(p + i);
        }
    }
    return NULL;
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    do {
        if (*s == (char)c) {
            last = s;
        }
    } while (*s++);
    return (char *)last;
}

int abs(int x)
{
    return x < 0 ? -x : x;
}

// Only JS_DumpMemoryUsage prints, and nothing calls it.
int fprintf(FILE *f, const char *fmt, ...)
{
    (void)f;
    (void)fmt;
    return 0;
}

// The engine allocates only through JS_NewRuntime2's functions (the app's arena);
// its default allocator is linked in but never used.
void *malloc(size_t size)
{
    (void)size;
    return NULL;
}

void free(void *p)
{
    (void)p;
}

void *realloc(void *p, size_t size)
{
    (void)p;
    (void)size;
    return NULL;
}

size_t malloc_usable_size(void *p)
{
    (void)p;
    return 0;
}

size_t strcspn(const char *s, const char *reject)
{
    size_t n = 0;
    while (s[n] && !strchr(reject, s[n])) {
        n++;
    }
    return n;
}

char *strstr(const char *h, const char *n)
{
    size_t len = strlen(n);
    for (; *h; h++) {
        if (strncmp(h, n, len) == 0) {
            return (char *)h;
        }
    }
    return len ? NULL : (char *)h;
}
