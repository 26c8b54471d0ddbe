/* data.c — minibatch and metric kernels: index checks, row gathers (from
 * float arrays, and from bytes with scaling for images kept as uint8), row
 * argmax and the count of correct predictions, and the sum of squares over
 * many buffers (for gradient-norm clipping). Rows are split between threads;
 * reductions are taken in fixed blocks summed in order. */
#include <string.h>

#include "internal.h"

#define GATHER_COST 8.0    /* work units per copied element (a load, a convert, a store) */
#define SUMSQ_BLOCK 4096

fnn_int fnn_find_bad_index(fnn_int n, const int64_t *idx, int64_t upper, int64_t allowed)
{
    for (fnn_int i = 0; i < n; i++)
        if ((idx[i] < 0 || idx[i] >= upper) && idx[i] != allowed)
            return i;
    return -1;
}

typedef struct {
    fnn_int n, cols;
    const void *src;
    const int64_t *idx;
    double scale, shift;
    void *out;
} gather_job;

#define DEFINE_GATHER(T, SFX)                                                       \
    static fnn_status gather_part_##SFX(void *ctx, int part, int nparts)            \
    {                                                                               \
        const gather_job *job = ctx;                                                \
        const fnn_int cols = job->cols;                                             \
        for (fnn_int i = job->n * part / nparts; i < job->n * (part + 1) / nparts; i++) \
            memcpy((T *)job->out + i * cols, (const T *)job->src + job->idx[i] * cols, \
                   (size_t)cols * sizeof(T));                                       \
        return FNN_OK;                                                              \
    }                                                                               \
    void fnn_gather_rows_##SFX(fnn_int n, fnn_int cols, const T *src, const int64_t *idx, \
                               T *out)                                              \
    {                                                                               \
        gather_job job = {n, cols, src, idx, 1, 0, out};                            \
        fnn_run_parts((double)n * cols * GATHER_COST, n, gather_part_##SFX, &job);  \
    }                                                                               \
    static fnn_status gather_u8_part_##SFX(void *ctx, int part, int nparts)         \
    {                                                                               \
        const gather_job *job = ctx;                                                \
        const fnn_int cols = job->cols;                                             \
        const T scale = (T)job->scale, shift = (T)job->shift;                       \
        for (fnn_int i = job->n * part / nparts; i < job->n * (part + 1) / nparts; i++) { \
            const uint8_t *s = (const uint8_t *)job->src + job->idx[i] * cols;      \
            T *o = (T *)job->out + i * cols;                                        \
            for (fnn_int j = 0; j < cols; j++)                                      \
                o[j] = (T)s[j] * scale + shift;                                     \
        }                                                                           \
        return FNN_OK;                                                              \
    }                                                                               \
    void fnn_gather_rows_u8_##SFX(fnn_int n, fnn_int cols, const uint8_t *src,      \
                                  const int64_t *idx, double scale, double shift, T *out) \
    {                                                                               \
        gather_job job = {n, cols, src, idx, scale, shift, out};                    \
        fnn_run_parts((double)n * cols * GATHER_COST, n, gather_u8_part_##SFX, &job); \
    }                                                                               \
                                                                                    \
    /* first index of the row maximum; a NaN wins at once, as numpy's argmax */     \
    static inline int64_t argmax_row_##SFX(fnn_int C, const T *x)                   \
    {                                                                               \
        int64_t best = 0;                                                           \
        T m = x[0];                                                                 \
        if (m != m)                                                                 \
            return 0;                                                               \
        for (fnn_int j = 1; j < C; j++) {                                           \
            if (x[j] != x[j])                                                       \
                return j;                                                           \
            if (x[j] > m) {                                                         \
                m = x[j];                                                           \
                best = j;                                                           \
            }                                                                       \
        }                                                                           \
        return best;                                                                \
    }                                                                               \
    void fnn_argmax_rows_##SFX(fnn_int M, fnn_int C, const T *x, int64_t *out)      \
    {                                                                               \
        for (fnn_int i = 0; i < M; i++)                                             \
            out[i] = C > 0 ? argmax_row_##SFX(C, x + i * C) : 0;                    \
    }                                                                               \
    int64_t fnn_count_correct_##SFX(fnn_int M, fnn_int C, const T *x, const int64_t *labels) \
    {                                                                               \
        int64_t right = 0;                                                          \
        for (fnn_int i = 0; C > 0 && i < M; i++)                                    \
            right += argmax_row_##SFX(C, x + i * C) == labels[i];                   \
        return right;                                                               \
    }                                                                               \
                                                                                    \
    typedef struct {                                                                \
        const T *x;                                                                 \
        fnn_int n;                                                                  \
        double *partial;                                                            \
    } sumsq_job_##SFX;                                                              \
    static fnn_status sumsq_part_##SFX(void *ctx, int part, int nparts)             \
    {                                                                               \
        const sumsq_job_##SFX *job = ctx;                                           \
        fnn_int blocks = (job->n + SUMSQ_BLOCK - 1) / SUMSQ_BLOCK;                  \
        for (fnn_int b = blocks * part / nparts; b < blocks * (part + 1) / nparts; b++) { \
            fnn_int i1 = (b + 1) * SUMSQ_BLOCK < job->n ? (b + 1) * SUMSQ_BLOCK : job->n; \
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                  \
            fnn_int i = b * SUMSQ_BLOCK;                                            \
            for (; i + 4 <= i1; i += 4) {                                           \
                s0 += (double)job->x[i] * job->x[i];                                \
                s1 += (double)job->x[i + 1] * job->x[i + 1];                        \
                s2 += (double)job->x[i + 2] * job->x[i + 2];                        \
                s3 += (double)job->x[i + 3] * job->x[i + 3];                        \
            }                                                                       \
            for (; i < i1; i++)                                                     \
                s0 += (double)job->x[i] * job->x[i];                                \
            job->partial[b] = (s0 + s1) + (s2 + s3);                                \
        }                                                                           \
        return FNN_OK;                                                              \
    }                                                                               \
    double fnn_sum_squares_##SFX(int count, const T *const *bufs, const fnn_int *lens) \
    {                                                                               \
        double total = 0;                                                           \
        for (int k = 0; k < count; k++) {                                           \
            fnn_int blocks = (lens[k] + SUMSQ_BLOCK - 1) / SUMSQ_BLOCK;             \
            double *partial = fnn_scratch(3, (size_t)(blocks > 0 ? blocks : 1) * sizeof(double)); \
            if (!partial)                                                           \
                return -1.0;                                                        \
            sumsq_job_##SFX job = {bufs[k], lens[k], partial};                      \
            fnn_run_parts((double)lens[k] * 2, blocks, sumsq_part_##SFX, &job);     \
            for (fnn_int b = 0; b < blocks; b++)                                    \
                total += partial[b];                                                \
        }                                                                           \
        return total;                                                               \
    }

DEFINE_GATHER(float, s)
DEFINE_GATHER(double, d)
