// Benchmark: 200x200 double matrix multiply, twice (f64 loads, stores, multiply-add).
#include "bench.h"

#define N 200

static double a[N][N], b[N][N], c[N][N];

uint32_t run(void)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * 31 + j * 17) % 100) / 10.0;
            b[i][j] = (double)((i * 7 + j * 13) % 100) / 20.0;
        }
    }
    double sum = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int k = 0; k < N; k++) {
                    s += a[i][k] * b[k][j];
                }
                c[i][j] = s;
            }
        }
        for (int i = 0; i < N; i++) {
            sum += c[i][(i + round) % N];
        }
        a[round][round] += 1.0;
    }
    return (uint32_t)(int64_t)sum;
}
