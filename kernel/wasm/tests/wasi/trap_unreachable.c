// WASI test: executes `unreachable`; must stop with a trap.
#include <stdio.h>

int main(void)
{
    printf("about to trap\n");
    fflush(stdout);
    __builtin_trap();
}
