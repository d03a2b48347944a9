// test_wasm_fault: says what it is about to do, then does it.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    const char *kind = getenv("kind");
    kind = kind ? kind : "oob";
    printf("about to misbehave: %s\n", kind);
    fflush(stdout);
    if (strcmp(kind, "oob") == 0) {
        *(volatile uint32_t *)(uintptr_t)0xfffffff0u = 1;
    } else if (strcmp(kind, "unreachable") == 0) {
        __builtin_trap();
    } else if (strcmp(kind, "loop") == 0) {
        for (volatile uint64_t i = 0;; i++) {
        }
    }
    printf("still alive\n");
    return 0;
}
