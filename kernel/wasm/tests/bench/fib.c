// Benchmark: naive recursive Fibonacci (calls and returns).
#include "bench.h"

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

uint32_t run(void)
{
    return fib(32);
}
