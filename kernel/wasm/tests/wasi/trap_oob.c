// WASI test: stores far outside linear memory; must stop with a trap, not crash.
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    printf("storing out of bounds\n");
    fflush(stdout);
    volatile uint32_t *p = (uint32_t *)(uintptr_t)0xfffffff0u;
    *p = 42;
    printf("still running: BROKEN\n");
    return 0;
}
