// WASI test: prints a greeting, its arguments and environment, checks the clocks and
// randomness, and exits with $EXIT_CODE (default 0).
#define _DEFAULT_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("hello, world\n");
    for (int i = 0; i < argc; i++) {
        printf("argv[%d] = %s\n", i, argv[i]);
    }
    for (char **e = environ; *e; e++) {
        printf("env %s\n", *e);
    }
    const char *greeting = getenv("GREETING");
    printf("GREETING is %s\n", greeting ? greeting : "(unset)");

    struct timespec a, b, rt;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    clock_gettime(CLOCK_REALTIME, &rt);
    bool mono_ok = b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec);
    printf("monotonic clock %s\n", mono_ok ? "ok" : "BROKEN");
    printf("realtime clock %s\n", rt.tv_sec > 1600000000 ? "ok" : "BROKEN");

    unsigned char r1[16] = {0}, r2[16] = {0};
    int same = getentropy(r1, sizeof(r1)) == 0 && getentropy(r2, sizeof(r2)) == 0;
    for (int i = 0; i < 16 && same; i++) {
        same = r1[i] == r2[i];
    }
    printf("random %s\n", same ? "BROKEN" : "ok");
    fprintf(stderr, "a line on stderr\n");

    const char *code = getenv("EXIT_CODE");
    return code ? atoi(code) : 0;
}
