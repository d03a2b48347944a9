// Benchmark: sieve of Eratosthenes over 2M numbers, 3 times (byte stores, loops).
#include "bench.h"

#define N 2000000

static uint8_t composite[N];

uint32_t run(void)
{
    uint32_t count = 0;
    for (int round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < N; i++) {
            composite[i] = 0;
        }
        count = 0;
        for (uint32_t i = 2; i < N; i++) {
            if (composite[i]) {
                continue;
            }
            count++;
            for (uint32_t j = i * 2; j < N; j += i) {
                composite[j] = 1;
            }
        }
    }
    return count;
}
