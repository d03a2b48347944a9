// kmalloc/kzalloc/kfree for host builds of the wasm engine (runner, fuzzer,
// benchmarks); the kernel provides its own.
#include <stdlib.h>

#include "../klib.h"

void *kmalloc(size_t size)
{
    return malloc(size ? size : 1);
}

void *kzalloc(size_t size)
{
    return calloc(1, size ? size : 1);
}

void kfree(void *p)
{
    free(p);
}
