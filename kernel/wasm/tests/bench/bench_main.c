// Native driver of a benchmark: prints run()'s result like wasm-interp does.
#include <stdio.h>

#include "bench.h"

int main(void)
{
    printf("run() => i32:%u\n", run());
    return 0;
}
