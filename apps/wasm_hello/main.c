// wasm_hello: an ordinary WASI program. Its environ items arrive as environment
// variables, stdout becomes log lines.
#include <stdio.h>
#include <stdlib.h>

static int descending(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

int main(int argc, char **argv)
{
    const char *greeting = getenv("greeting");
    const char *count = getenv("count");
    printf("%s (I am %s)\n", greeting ? greeting : "no greeting", argc > 0 ? argv[0] : "?");
    int n = count ? atoi(count) : 0;
    int squares[64];
    for (int i = 0; i < n && i < 64; i++) {
        squares[i] = i * i;
    }
    qsort(squares, (size_t)(n < 64 ? n : 64), sizeof(int), descending);
    printf("the first %d squares, largest first:", n);
    for (int i = 0; i < n && i < 64; i++) {
        printf(" %d", squares[i]);
    }
    printf("\n");
    return 0;
}
