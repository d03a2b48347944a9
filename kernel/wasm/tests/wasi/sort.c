// WASI test: sorts integers, one per output line. With an argument N, sorts N
// pseudo-random numbers; otherwise the whitespace-separated numbers on stdin.
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    long x = *(const long *)a;
    long y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t n = 0, cap = 1024;
    long *v = malloc(cap * sizeof(*v));
    if (!v) {
        return 1;
    }
    if (argc > 1) {
        n = strtoul(argv[1], NULL, 10);
        v = realloc(v, (n + 1) * sizeof(*v));
        unsigned long x = 12345;
        for (size_t i = 0; v && i < n; i++) {
            x = x * 1103515245ul + 12345ul;
            v[i] = (long)((x >> 8) % 1000000) - 500000;
        }
    } else {
        long x;
        while (v && scanf("%ld", &x) == 1) {
            if (n == cap) {
                v = realloc(v, (cap *= 2) * sizeof(*v));
            }
            if (v) {
                v[n++] = x;
            }
        }
    }
    if (!v) {
        fprintf(stderr, "sort: out of memory\n");
        return 1;
    }
    qsort(v, n, sizeof(*v), cmp);
    for (size_t i = 0; i < n; i++) {
        printf("%ld\n", v[i]);
    }
    fprintf(stderr, "sorted %zu numbers\n", n);
    free(v);
    return 0;
}
