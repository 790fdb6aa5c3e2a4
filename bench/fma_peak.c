/* The machine's fp32 FMA peak: independent AVX-512 (or AVX2) multiply-add chains on every core,
 * nothing loaded or stored. The ceiling any GEMM here can approach; `sift bench gemm` measures
 * what OpenBLAS and Sift reach at model shapes.
 *   cc -O2 -march=native -pthread bench/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak [threads]
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 12
#define ITERATIONS 200000000L

#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define SUM(v) _mm512_reduce_add_ps(v)
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
static float SUM(__m256 v) { float a[8]; _mm256_storeu_ps(a, v); return a[0] + a[7]; }
#endif

/* Twelve named accumulators, so that they live in registers (an array ends up in memory). */
#define STEP c0 = FMA(c0, a, b); c1 = FMA(c1, a, b); c2 = FMA(c2, a, b); c3 = FMA(c3, a, b); \
             c4 = FMA(c4, a, b); c5 = FMA(c5, a, b); c6 = FMA(c6, a, b); c7 = FMA(c7, a, b); \
             c8 = FMA(c8, a, b); c9 = FMA(c9, a, b); c10 = FMA(c10, a, b); c11 = FMA(c11, a, b);

static void *chains(void *out) {
    vec a = SET1(0.999999f), b = SET1(1e-7f);
    vec c0 = SET1(0), c1 = SET1(1), c2 = SET1(2), c3 = SET1(3), c4 = SET1(4), c5 = SET1(5);
    vec c6 = SET1(6), c7 = SET1(7), c8 = SET1(8), c9 = SET1(9), c10 = SET1(10), c11 = SET1(11);
    for (long i = 0; i < ITERATIONS / 4; i++) { STEP STEP STEP STEP }
    *(float *)out = SUM(c0) + SUM(c1) + SUM(c2) + SUM(c3) + SUM(c4) + SUM(c5)
                  + SUM(c6) + SUM(c7) + SUM(c8) + SUM(c9) + SUM(c10) + SUM(c11);
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    pthread_t t[64];
    float sink[64];
    struct timespec s, e;
    clock_gettime(CLOCK_MONOTONIC, &s);
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, chains, &sink[i]);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &e);
    double seconds = (e.tv_sec - s.tv_sec) + 1e-9 * (e.tv_nsec - s.tv_nsec);
    double flops = 2.0 * LANES * CHAINS * (double)ITERATIONS * threads;
    printf("%d thread(s), %d-lane FMA: %.1f GFLOP/s (%.2f s; checksum %g)\n", threads, LANES, flops / seconds / 1e9, seconds, sink[0]);
    return 0;
}
