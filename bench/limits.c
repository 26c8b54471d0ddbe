/* limits.c — this machine's limits, for the benchmarks to compare against:
 * the FMA peak (GFLOP/s, float32 and float64) and the memory bandwidth (copy
 * and triad, GB/s), each with 1 thread and with all threads.
 *
 * Build: cc -O3 -mavx2 -mfma -fopenmp limits.c -o limits   (bench only: the
 * library itself never uses -march flags). Prints one JSON object.
 *
 * FMA peak: 12 independent chains of vfmadd per thread, enough to cover the
 * FMA latency on both pipes; 2 flops per lane per FMA. Bandwidth: arrays far
 * larger than the caches; copy counts 2 streams (read b, write a), triad 3
 * (read b and c, write a); the write-allocate read is not counted (STREAM's
 * convention). Each figure is the best of several repeats. */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static double now(void) { return omp_get_wtime(); }

/* fma_peak_ps / fma_peak_pd: GFLOP/s of `threads` threads each running
 * `iters` rounds of 12 independent FMAs on vectors of L lanes. */
#define DEFINE_PEAK(SFX, T, V, L)                                                   \
    static double fma_peak_##SFX(int threads, long iters)                          \
    {                                                                              \
        double best = 0;                                                           \
        for (int rep = 0; rep < 5; rep++) {                                        \
            double t0 = now();                                                     \
            T sink = 0;                                                            \
            _Pragma("omp parallel num_threads(threads) reduction(+ : sink)")       \
            {                                                                      \
                V a = _mm256_set1_##SFX((T)0.999999), b = _mm256_set1_##SFX((T)1e-7); \
                /* twelve named accumulators, so that they stay in registers */    \
                V c0 = _mm256_set1_##SFX(0), c1 = _mm256_set1_##SFX(1);            \
                V c2 = _mm256_set1_##SFX(2), c3 = _mm256_set1_##SFX(3);            \
                V c4 = _mm256_set1_##SFX(4), c5 = _mm256_set1_##SFX(5);            \
                V c6 = _mm256_set1_##SFX(6), c7 = _mm256_set1_##SFX(7);            \
                V c8 = _mm256_set1_##SFX(8), c9 = _mm256_set1_##SFX(9);            \
                V c10 = _mm256_set1_##SFX(10), c11 = _mm256_set1_##SFX(11);        \
                for (long it = 0; it < iters; it++) {                              \
                    c0 = _mm256_fmadd_##SFX(c0, a, b); c1 = _mm256_fmadd_##SFX(c1, a, b); \
                    c2 = _mm256_fmadd_##SFX(c2, a, b); c3 = _mm256_fmadd_##SFX(c3, a, b); \
                    c4 = _mm256_fmadd_##SFX(c4, a, b); c5 = _mm256_fmadd_##SFX(c5, a, b); \
                    c6 = _mm256_fmadd_##SFX(c6, a, b); c7 = _mm256_fmadd_##SFX(c7, a, b); \
                    c8 = _mm256_fmadd_##SFX(c8, a, b); c9 = _mm256_fmadd_##SFX(c9, a, b); \
                    c10 = _mm256_fmadd_##SFX(c10, a, b); c11 = _mm256_fmadd_##SFX(c11, a, b); \
                }                                                                  \
                V s = _mm256_add_##SFX(_mm256_add_##SFX(_mm256_add_##SFX(c0, c1), _mm256_add_##SFX(c2, c3)), \
                                       _mm256_add_##SFX(_mm256_add_##SFX(c4, c5), _mm256_add_##SFX(c6, c7))); \
                s = _mm256_add_##SFX(s, _mm256_add_##SFX(_mm256_add_##SFX(c8, c9), _mm256_add_##SFX(c10, c11))); \
                T out[L];                                                          \
                _mm256_storeu_##SFX(out, s);                                       \
                sink += out[0];                                                    \
            }                                                                      \
            double t = now() - t0;                                                 \
            double gf = 12.0 * L * 2 * (double)iters * threads / t / 1e9;          \
            if (gf > best && sink == sink)                                         \
                best = gf;                                                         \
        }                                                                          \
        return best;                                                               \
    }

DEFINE_PEAK(ps, float, __m256, 8)
DEFINE_PEAK(pd, double, __m256d, 4)

/* GB/s of a[i] = b[i] (copy) or a[i] = b[i] + s·c[i] (triad) over n doubles. */
static double bandwidth(int threads, int triad, double *a, const double *b, const double *c,
                        long n)
{
    double best = 0;
    for (int rep = 0; rep < 6; rep++) {
        double t0 = now();
        if (triad) {
#pragma omp parallel for num_threads(threads) schedule(static)
            for (long i = 0; i < n; i++)
                a[i] = b[i] + 3.0 * c[i];
        } else {
#pragma omp parallel for num_threads(threads) schedule(static)
            for (long i = 0; i < n; i++)
                a[i] = b[i];
        }
        double t = now() - t0;
        double gb = (triad ? 3.0 : 2.0) * (double)n * sizeof(double) / t / 1e9;
        if (gb > best)
            best = gb;
    }
    return best;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && argv[1][0] == 'q';
    int maxt = omp_get_max_threads();
    long iters = quick ? 2000000L : 20000000L;
    long n = quick ? (1L << 22) : (1L << 24);     /* 32 MB or 128 MB per array */
    double *a = aligned_alloc(64, n * sizeof(double));
    double *b = aligned_alloc(64, n * sizeof(double));
    double *c = aligned_alloc(64, n * sizeof(double));
    if (!a || !b || !c)
        return 1;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        a[i] = 0;
        b[i] = (double)i;
        c[i] = 1.0;
    }
    int counts[2] = {1, maxt};
    int nc = maxt > 1 ? 2 : 1;
    printf("{\"max_threads\": %d, \"fma_gflops\": {\"float32\": {", maxt);
    for (int k = 0; k < nc; k++)
        printf("%s\"%d\": %.2f", k ? ", " : "", counts[k], fma_peak_ps(counts[k], iters));
    printf("}, \"float64\": {");
    for (int k = 0; k < nc; k++)
        printf("%s\"%d\": %.2f", k ? ", " : "", counts[k], fma_peak_pd(counts[k], iters));
    printf("}}, \"bandwidth_gbs\": {\"copy\": {");
    for (int k = 0; k < nc; k++)
        printf("%s\"%d\": %.2f", k ? ", " : "", counts[k], bandwidth(counts[k], 0, a, b, c, n));
    printf("}, \"triad\": {");
    for (int k = 0; k < nc; k++)
        printf("%s\"%d\": %.2f", k ? ", " : "", counts[k], bandwidth(counts[k], 1, a, b, c, n));
    printf("}}}\n");
    free(a);
    free(b);
    free(c);
    return 0;
}
