/* dropout.c — inverted dropout with a counter-based generator.
 *
 * Element i of a call with (seed, offset) draws u = hash(seed, offset + i), 24
 * random bits, and is kept when u >= p·2^24 (so p = 0 keeps all, p = 1 none):
 *   y_i = keep_i ? x_i / (1 − p) : 0.
 * The hash is a stateless function of its inputs, so any split of the
 * elements between threads, and a later call for the backward pass, sees the
 * same mask. hash: two rounds of a 32-bit integer mixer (xor-shift-multiply),
 * the first on the low counter word plus the low seed word, the second on
 * that result xor the high counter word, the high seed word and a constant.
 *
 * The loop has no data-dependent branches and is written once; it is compiled
 * twice, plainly and for AVX2 (the compiler vectorises the integer mixer), and
 * both give the same bits. */
#include <math.h>

#include "internal.h"

static inline uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* 24 random bits for counter = hi·2^32 + lo: the caller passes the second
 * round's key k = hi ^ (seed >> 32) ^ 0x9e3779b9 once per run of counters
 * that share hi, so the loop over lo stays in 32-bit lanes. */
static inline uint32_t draw24(uint32_t seed_lo, uint32_t k, uint32_t lo)
{
    return mix32(mix32(lo + seed_lo) ^ k) >> 8;
}

typedef struct {
    fnn_int n;
    uint32_t threshold;       /* keep when draw >= threshold */
    double scale;
    uint64_t seed, offset;
    const void *x;
    void *y;
    uint8_t *mask;
} drop_job;

#define DROP_RANGE(T, SFX, ATTR, NAME)                                              \
    ATTR static void NAME(const drop_job *job, fnn_int i0, fnn_int i1)              \
    {                                                                               \
        const T *x = job->x;                                                        \
        T *y = job->y;                                                              \
        uint8_t *mask = job->mask;                                                  \
        const T scale = (T)job->scale;                                              \
        const uint32_t thr = job->threshold, seed_lo = (uint32_t)job->seed;         \
        while (i0 < i1) {                                                           \
            /* a run of elements whose counters share the high word */              \
            uint64_t c0 = job->offset + (uint64_t)i0;                               \
            uint64_t room = ((uint64_t)1 << 32) - (c0 & 0xffffffffu);               \
            fnn_int run = (uint64_t)(i1 - i0) < room ? i1 - i0 : (fnn_int)room;     \
            const uint32_t k = (uint32_t)(c0 >> 32) ^ (uint32_t)(job->seed >> 32) ^ 0x9e3779b9U; \
            const uint32_t lo0 = (uint32_t)c0;                                      \
            if (x)                                                                  \
                for (fnn_int i = 0; i < run; i++) {                                 \
                    T keep = draw24(seed_lo, k, lo0 + (uint32_t)i) >= thr ? scale : (T)0; \
                    y[i0 + i] = x[i0 + i] * keep;                                   \
                }                                                                   \
            if (mask)                                                               \
                for (fnn_int i = 0; i < run; i++)                                   \
                    mask[i0 + i] = draw24(seed_lo, k, lo0 + (uint32_t)i) >= thr;    \
            i0 += run;                                                              \
        }                                                                           \
    }

#if defined(FNN_X86_64) && (defined(__GNUC__) || defined(__clang__))
#define AVX2_ATTR __attribute__((target("avx2")))
#define HAVE_AVX2_RANGE 1
#endif

#define DEFINE_DROPOUT(T, SFX)                                                      \
    DROP_RANGE(T, SFX, , drop_range_generic_##SFX)                                  \
    FNN_IF_AVX2(DROP_RANGE(T, SFX, AVX2_ATTR, drop_range_avx2_##SFX))               \
                                                                                    \
    static fnn_status drop_part_##SFX(void *ctx, int part, int nparts)              \
    {                                                                               \
        const drop_job *job = ctx;                                                  \
        fnn_int i0, i1;                                                             \
        if (!fnn_elem_part(job->n, part, nparts, &i0, &i1))                         \
            return FNN_OK;                                                          \
        FNN_IF_AVX2(if (fnn_get_simd() == FNN_SIMD_AVX2) {                          \
            drop_range_avx2_##SFX(job, i0, i1);                                     \
            return FNN_OK;                                                          \
        })                                                                          \
        drop_range_generic_##SFX(job, i0, i1);                                      \
        return FNN_OK;                                                              \
    }                                                                               \
                                                                                    \
    fnn_status fnn_dropout_##SFX(fnn_int n, double p, uint64_t seed, uint64_t offset, \
                                 const T *x, T *y, uint8_t *mask_out)               \
    {                                                                               \
        if (!(p >= 0 && p <= 1) || n < 0 || (x && !y))                              \
            return FNN_EINVAL;                                                      \
        double t = ceil(p * 16777216.0);                                            \
        drop_job job = {n, (uint32_t)t, p < 1 ? 1.0 / (1.0 - p) : 0.0, seed, offset, \
                        x, y, mask_out};                                            \
        return fnn_parallel_elems(n, FNN_ELEM_COST, drop_part_##SFX, &job);         \
    }

#ifdef HAVE_AVX2_RANGE
#define FNN_IF_AVX2(...) __VA_ARGS__
#else
#define FNN_IF_AVX2(...)
#endif

DEFINE_DROPOUT(float, s)
DEFINE_DROPOUT(double, d)
