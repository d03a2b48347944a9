// WASI test: never ends; wasm-run --fuel-limit must stop it ("out of fuel").
#include <stdio.h>

int main(void)
{
    printf("looping forever\n");
    fflush(stdout);
    volatile unsigned n = 0;
    for (;;) {
        n++;
    }
}
