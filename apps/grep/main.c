// grep: fixed strings, -i, -v, -c. An ordinary WASI program (stdio, argv): as a pipe
// stage its fd 0 and 1 are the stdin and stdout channels (docs/pipes.md).
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char line[4096];

// strstr, ignoring case when `fold`.
static int holds(const char *s, const char *text, int fold)
{
    size_t n = strlen(text);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] &&
               (fold ? tolower((unsigned char)s[i]) == tolower((unsigned char)text[i])
                     : s[i] == text[i])) {
            i++;
        }
        if (i == n) {
            return 1;
        }
    }
    return n == 0;
}

int main(int argc, char **argv)
{
    int fold = 0, invert = 0, count_only = 0;
    const char *text = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-i") == 0) {
            fold = 1;
        } else if (strcmp(argv[i], "-v") == 0) {
            invert = 1;
        } else if (strcmp(argv[i], "-c") == 0) {
            count_only = 1;
        } else {
            text = argv[i];
        }
    }
    if (!text) {
        fprintf(stderr, "usage: grep [-i] [-v] [-c] TEXT\n");
        return 2;
    }
    long matches = 0;
    while (fgets(line, sizeof(line), stdin)) {
        if (holds(line, text, fold) != invert) {
            matches++;
            if (!count_only) {
                fputs(line, stdout);
            }
        }
    }
    if (count_only) {
        printf("%ld\n", matches);
    }
    return matches > 0 ? 0 : 1;
}
