// wc: lines, words and bytes of stdin. An ordinary WASI program (read(), printf): as a
// pipe stage its fd 0 and 1 are the stdin and stdout channels (docs/pipes.md).
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned char buf[4096];

int main(int argc, char **argv)
{
    int lines = 0, words = 0, bytes = 0;
    for (int i = 1; i < argc; i++) {
        lines |= strchr(argv[i], 'l') != NULL;
        words |= strchr(argv[i], 'w') != NULL;
        bytes |= strchr(argv[i], 'c') != NULL;
    }
    if (!lines && !words && !bytes) {
        lines = words = bytes = 1;
    }
    unsigned long long nl = 0, nw = 0, nc = 0;
    int in_word = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        nc += (unsigned long long)n;
        if (!lines && !words) {
            continue; // bytes only: no need to look at them
        }
        for (ssize_t i = 0; i < n; i++) {
            unsigned char c = buf[i];
            nl += c == '\n';
            int space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
            nw += !space && !in_word;
            in_word = !space;
        }
    }
    // As coreutils prints stdin's counts: one alone as it is, several in columns of 7.
    int several = lines + words + bytes > 1;
    const char *sep = "";
    unsigned long long v[3] = {nl, nw, nc};
    int want[3] = {lines, words, bytes};
    for (int i = 0; i < 3; i++) {
        if (want[i]) {
            printf(several ? "%s%7llu" : "%s%llu", sep, v[i]);
            sep = " ";
        }
    }
    printf("\n");
    return 0;
}
