/* _limits.c — this machine's limits, for the benchmarks to compare against:
 * the FMA peak (GFLOP/s, float32 and float64) and the memory bandwidth (copy
 * and triad, GB/s), each with 1 thread and with all threads.
 *
 * Built with fastnn as the extension module fastnn.bench._limits (one
 * function, measure(quick) -> JSON text), so an installed package measures
 * its machine without a compiler. Like the library it is compiled for any
 * x86-64: the AVX2 and AVX-512 loops carry target attributes and run only
 * where the CPU (and the OS, for the zmm state) supports them.
 *
 * FMA peak: 12 independent chains of vfmadd per thread, enough to cover the
 * FMA latency on both pipes; 2 flops per lane per FMA. Bandwidth: arrays far
 * larger than the caches; copy counts 2 streams (read b, write a), triad 3
 * (read b and c, write a); the write-allocate read is not counted (STREAM's
 * convention). Each figure is the best of several repeats. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
static double now(void) { return omp_get_wtime(); }
static int max_threads(void) { return omp_get_max_threads(); }
#else
#include <time.h>
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
static int max_threads(void) { return 1; }
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86 1
#include <immintrin.h>

/* Twelve named accumulators c = c·a + b per round, so that they stay in
 * registers; returns GFLOP/s of `threads` threads, best of 5. */
#define DEFINE_PEAK(NAME, TARGET, T, V, L, SET1, FMA, ADD, STORE)                      \
    __attribute__((target(TARGET))) static double NAME(int threads, long iters)       \
    {                                                                                  \
        double best = 0;                                                               \
        for (int rep = 0; rep < 5; rep++) {                                            \
            double t0 = now();                                                         \
            T sink = 0;                                                                \
            _Pragma("omp parallel num_threads(threads) reduction(+ : sink)")           \
            {                                                                          \
                V a = SET1((T)0.999999), b = SET1((T)1e-7);                            \
                V c0 = SET1(0), c1 = SET1(1), c2 = SET1(2), c3 = SET1(3);              \
                V c4 = SET1(4), c5 = SET1(5), c6 = SET1(6), c7 = SET1(7);              \
                V c8 = SET1(8), c9 = SET1(9), c10 = SET1(10), c11 = SET1(11);          \
                for (long it = 0; it < iters; it++) {                                  \
                    c0 = FMA(c0, a, b); c1 = FMA(c1, a, b); c2 = FMA(c2, a, b);        \
                    c3 = FMA(c3, a, b); c4 = FMA(c4, a, b); c5 = FMA(c5, a, b);        \
                    c6 = FMA(c6, a, b); c7 = FMA(c7, a, b); c8 = FMA(c8, a, b);        \
                    c9 = FMA(c9, a, b); c10 = FMA(c10, a, b); c11 = FMA(c11, a, b);    \
                }                                                                      \
                V s = ADD(ADD(ADD(c0, c1), ADD(c2, c3)), ADD(ADD(c4, c5), ADD(c6, c7))); \
                s = ADD(s, ADD(ADD(c8, c9), ADD(c10, c11)));                           \
                T out[L];                                                              \
                STORE(out, s);                                                         \
                sink += out[0];                                                        \
            }                                                                          \
            double t = now() - t0;                                                     \
            double gf = 12.0 * L * 2 * (double)iters * threads / t / 1e9;              \
            if (gf > best && sink == sink)                                             \
                best = gf;                                                             \
        }                                                                              \
        return best;                                                                   \
    }

DEFINE_PEAK(peak_avx2_ps, "avx2,fma", float, __m256, 8, _mm256_set1_ps, _mm256_fmadd_ps,
            _mm256_add_ps, _mm256_storeu_ps)
DEFINE_PEAK(peak_avx2_pd, "avx2,fma", double, __m256d, 4, _mm256_set1_pd, _mm256_fmadd_pd,
            _mm256_add_pd, _mm256_storeu_pd)
DEFINE_PEAK(peak_avx512_ps, "avx512f", float, __m512, 16, _mm512_set1_ps, _mm512_fmadd_ps,
            _mm512_add_ps, _mm512_storeu_ps)
DEFINE_PEAK(peak_avx512_pd, "avx512f", double, __m512d, 8, _mm512_set1_pd, _mm512_fmadd_pd,
            _mm512_add_pd, _mm512_storeu_pd)

/* AVX-512 needs the CPU flag and the OS saving the opmask and zmm state
 * (XCR0 bits 1, 2, 5, 6, 7). */
static int avx512_usable(void)
{
    if (!__builtin_cpu_supports("avx512f"))
        return 0;
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (eax & 0xE6) == 0xE6;
}
#endif

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

/* Appends `"name": {"1": x, "T": y}` for thread counts counts[0..nc). */
static void put_per_thread(char *buf, size_t size, const char *name, const int *counts, int nc,
                           const double *values)
{
    size_t len = strlen(buf);
    len += snprintf(buf + len, size - len, "\"%s\": {", name);
    for (int k = 0; k < nc && len < size; k++)
        len += snprintf(buf + len, size - len, "%s\"%d\": %.2f", k ? ", " : "", counts[k], values[k]);
    if (len < size)
        snprintf(buf + len, size - len, "}");
}

#ifdef HAVE_X86
/* Appends `"float32": {...}, "float64": {...}` from one instruction set's peaks. */
static void put_peaks(char *buf, size_t size, double (*ps)(int, long), double (*pd)(int, long),
                      const int *counts, int nc, long iters)
{
    double v[2];
    for (int k = 0; k < nc; k++)
        v[k] = ps(counts[k], iters);
    put_per_thread(buf, size, "float32", counts, nc, v);
    strncat(buf, ", ", size - strlen(buf) - 1);
    for (int k = 0; k < nc; k++)
        v[k] = pd(counts[k], iters);
    put_per_thread(buf, size, "float64", counts, nc, v);
}
#endif

/* The whole measurement as one JSON object into buf; 0, or -1 when out of memory. */
static int measure_json(int quick, char *buf, size_t size)
{
    int maxt = max_threads();
    long iters = quick ? 2000000L : 20000000L;
    long n = quick ? (1L << 22) : (1L << 24);     /* 32 MB or 128 MB per array */
    double *a = malloc(n * sizeof(double));
    double *b = malloc(n * sizeof(double));
    double *c = malloc(n * sizeof(double));
    if (!a || !b || !c) {
        free(a);
        free(b);
        free(c);
        return -1;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        a[i] = 0;
        b[i] = (double)i;
        c[i] = 1.0;
    }
    int counts[2] = {1, maxt};
    int nc = maxt > 1 ? 2 : 1;
    double v[2];
    snprintf(buf, size, "{\"max_threads\": %d, \"fma_gflops\": {", maxt);
#ifdef HAVE_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        put_peaks(buf, size, peak_avx2_ps, peak_avx2_pd, counts, nc, iters);
    strncat(buf, "}, \"fma_gflops_avx512\": {", size - strlen(buf) - 1);
    if (avx512_usable())
        put_peaks(buf, size, peak_avx512_ps, peak_avx512_pd, counts, nc, iters);
#else
    strncat(buf, "}, \"fma_gflops_avx512\": {", size - strlen(buf) - 1);
#endif
    strncat(buf, "}, \"bandwidth_gbs\": {", size - strlen(buf) - 1);
    for (int k = 0; k < nc; k++)
        v[k] = bandwidth(counts[k], 0, a, b, c, n);
    put_per_thread(buf, size, "copy", counts, nc, v);
    strncat(buf, ", ", size - strlen(buf) - 1);
    for (int k = 0; k < nc; k++)
        v[k] = bandwidth(counts[k], 1, a, b, c, n);
    put_per_thread(buf, size, "triad", counts, nc, v);
    strncat(buf, "}}", size - strlen(buf) - 1);
    free(a);
    free(b);
    free(c);
    return 0;
}

static PyObject *measure(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"quick", NULL};
    int quick = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|p", names, &quick))
        return NULL;
    char buf[1024];
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = measure_json(quick, buf, sizeof buf);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return PyErr_NoMemory();
    return PyUnicode_FromString(buf);
}

static PyMethodDef methods[] = {
    {"measure", (PyCFunction)(void (*)(void))measure, METH_VARARGS | METH_KEYWORDS,
     "measure(quick=False) -> str\n\nFMA peak (GFLOP/s; AVX2+FMA under 'fma_gflops', AVX-512 under\n"
     "'fma_gflops_avx512', each empty where the CPU lacks it) and copy/triad\n"
     "bandwidth (GB/s), with 1 thread and all threads, as JSON text."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_limits",
                                    "The machine's FMA peak and memory bandwidth.", -1, methods};

PyMODINIT_FUNC PyInit__limits(void) { return PyModule_Create(&module); }
