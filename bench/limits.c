/* limits.c — this machine's limits, for the benchmarks to compare against:
 * the FMA peak (GFLOP/s, float32 and float64) and the memory bandwidth (copy
 * and triad, GB/s), each with 1 thread and with all threads.
 *
 * Build: cc -O2 -mavx2 -mfma -fopenmp limits.c -o limits   (bench only: the
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

/* GFLOP/s of `threads` threads each running `iters` rounds of 12 FMAs. */
static double fma_peak_ps(int threads, long iters)
{
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            __m256 a = _mm256_set1_ps(0.999999), b = _mm256_set1_ps(1e-7);
            /* twelve named accumulators, so that they stay in registers */
            __m256 c0 = _mm256_set1_ps(0), c1 = _mm256_set1_ps(1), c2 = _mm256_set1_ps(2);
            __m256 c3 = _mm256_set1_ps(3), c4 = _mm256_set1_ps(4), c5 = _mm256_set1_ps(5);
            __m256 c6 = _mm256_set1_ps(6), c7 = _mm256_set1_ps(7), c8 = _mm256_set1_ps(8);
            __m256 c9 = _mm256_set1_ps(9), c10 = _mm256_set1_ps(10), c11 = _mm256_set1_ps(11);
            for (long it = 0; it < iters; it++) {
                c0 = _mm256_fmadd_ps(c0, a, b); c1 = _mm256_fmadd_ps(c1, a, b);
                c2 = _mm256_fmadd_ps(c2, a, b); c3 = _mm256_fmadd_ps(c3, a, b);
                c4 = _mm256_fmadd_ps(c4, a, b); c5 = _mm256_fmadd_ps(c5, a, b);
                c6 = _mm256_fmadd_ps(c6, a, b); c7 = _mm256_fmadd_ps(c7, a, b);
                c8 = _mm256_fmadd_ps(c8, a, b); c9 = _mm256_fmadd_ps(c9, a, b);
                c10 = _mm256_fmadd_ps(c10, a, b); c11 = _mm256_fmadd_ps(c11, a, b);
            }
            __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                                  _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
            s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
            float out[8];
            _mm256_storeu_ps(out, s);
            sink += out[0];
        }
        double t = now() - t0;
        double gf = 12.0 * 8 * 2 * (double)iters * threads / t / 1e9;
        if (gf > best && sink == sink)
            best = gf;
    }
    return best;
}

static double fma_peak_pd(int threads, long iters)
{
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        double sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            __m256d a = _mm256_set1_pd(0.999999), b = _mm256_set1_pd(1e-7);
            /* twelve named accumulators, so that they stay in registers */
            __m256d c0 = _mm256_set1_pd(0), c1 = _mm256_set1_pd(1), c2 = _mm256_set1_pd(2);
            __m256d c3 = _mm256_set1_pd(3), c4 = _mm256_set1_pd(4), c5 = _mm256_set1_pd(5);
            __m256d c6 = _mm256_set1_pd(6), c7 = _mm256_set1_pd(7), c8 = _mm256_set1_pd(8);
            __m256d c9 = _mm256_set1_pd(9), c10 = _mm256_set1_pd(10), c11 = _mm256_set1_pd(11);
            for (long it = 0; it < iters; it++) {
                c0 = _mm256_fmadd_pd(c0, a, b); c1 = _mm256_fmadd_pd(c1, a, b);
                c2 = _mm256_fmadd_pd(c2, a, b); c3 = _mm256_fmadd_pd(c3, a, b);
                c4 = _mm256_fmadd_pd(c4, a, b); c5 = _mm256_fmadd_pd(c5, a, b);
                c6 = _mm256_fmadd_pd(c6, a, b); c7 = _mm256_fmadd_pd(c7, a, b);
                c8 = _mm256_fmadd_pd(c8, a, b); c9 = _mm256_fmadd_pd(c9, a, b);
                c10 = _mm256_fmadd_pd(c10, a, b); c11 = _mm256_fmadd_pd(c11, a, b);
            }
            __m256d s = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(c0, c1), _mm256_add_pd(c2, c3)),
                                  _mm256_add_pd(_mm256_add_pd(c4, c5), _mm256_add_pd(c6, c7)));
            s = _mm256_add_pd(s, _mm256_add_pd(_mm256_add_pd(c8, c9), _mm256_add_pd(c10, c11)));
            double out[4];
            _mm256_storeu_pd(out, s);
            sink += out[0];
        }
        double t = now() - t0;
        double gf = 12.0 * 4 * 2 * (double)iters * threads / t / 1e9;
        if (gf > best && sink == sink)
            best = gf;
    }
    return best;
}

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
