// What libext2fs needs from its surroundings that picolibc does not give an FTL app:
// com_err (the library's error reporting, from e2fsprogs' lib/et, which is not built)
// and gettimeofday (picolibc's time() calls it). FTL has no wall clock: the time of day
// reads 0 here, and the fs server sets fs->now, which libext2fs prefers, itself.
#include <et/com_err.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>

void com_err(const char *whoami, errcode_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: libext2fs error %ld: ", whoami ? whoami : "ext2fs", (long)code);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    tv->tv_sec = 0;
    tv->tv_usec = 0;
    return 0;
}
