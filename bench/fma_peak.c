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

static void *chains(void *out) {
    vec acc[CHAINS];
    vec a = SET1(0.999999f), b = SET1(1e-7f);
    for (int c = 0; c < CHAINS; c++) acc[c] = SET1((float)c);
    for (long i = 0; i < ITERATIONS / 10; i++)
        for (int u = 0; u < 10; u++)
            for (int c = 0; c < CHAINS; c++) acc[c] = FMA(acc[c], a, b);
    float s = 0;
    for (int c = 0; c < CHAINS; c++) s += SUM(acc[c]);
    *(float *)out = s;
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
