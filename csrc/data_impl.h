/* data_impl.h — data.c for one element type (T, SFX): row gathers, row
 * argmax, correct-prediction counts and sums of squares. */
static inline void FN(prefetch_row)(const void *row, fnn_int bytes)
{
    for (fnn_int b = 0; b < bytes; b += 64)
        __builtin_prefetch((const char *)row + b, 0, 0);
}
static fnn_status FN(gather_part)(void *ctx, int part, int nparts)
{
    const gather_job *job = ctx;
    const fnn_int cols = job->cols;
    const fnn_int i0 = job->n * part / nparts, i1 = job->n * (part + 1) / nparts;
    for (fnn_int i = i0; i < i1; i++) {
        if (i + GATHER_AHEAD < i1)     /* the rows are far apart: ask for a later one now */
            FN(prefetch_row)((const T *)job->src + job->idx[i + GATHER_AHEAD] * cols,
                             cols * (fnn_int)sizeof(T));
        memcpy((T *)job->out + i * cols, (const T *)job->src + job->idx[i] * cols,
               (size_t)cols * sizeof(T));
    }
    return FNN_OK;
}
void FN(fnn_gather_rows)(fnn_int n, fnn_int cols, const T *src, const int64_t *idx,
                           T *out)
{
    gather_job job = {n, cols, src, idx, 1, 0, out};
    fnn_run_parts((double)n * cols * GATHER_COST, n, FN(gather_part), &job);
}
static fnn_status FN(gather_u8_part)(void *ctx, int part, int nparts)
{
    const gather_job *job = ctx;
    const fnn_int cols = job->cols;
    const T scale = (T)job->scale, shift = (T)job->shift;
    const fnn_int i0 = job->n * part / nparts, i1 = job->n * (part + 1) / nparts;
    for (fnn_int i = i0; i < i1; i++) {
        if (i + GATHER_AHEAD < i1)     /* the rows are far apart: ask for a later one now */
            FN(prefetch_row)((const uint8_t *)job->src + job->idx[i + GATHER_AHEAD] * cols, cols);
        const uint8_t *s = (const uint8_t *)job->src + job->idx[i] * cols;
        T *o = (T *)job->out + i * cols;
        for (fnn_int j = 0; j < cols; j++)
            o[j] = (T)s[j] * scale + shift;
    }
    return FNN_OK;
}
void FN(fnn_gather_rows_u8)(fnn_int n, fnn_int cols, const uint8_t *src,
                              const int64_t *idx, double scale, double shift, T *out)
{
    gather_job job = {n, cols, src, idx, scale, shift, out};
    fnn_run_parts((double)n * cols * GATHER_COST, n, FN(gather_u8_part), &job);
}

/* first index of the row maximum; a NaN wins at once, as numpy's argmax */
static inline int64_t FN(argmax_row)(fnn_int C, const T *x)
{
    int64_t best = 0;
    T m = x[0];
    if (m != m)
        return 0;
    for (fnn_int j = 1; j < C; j++) {
        if (x[j] != x[j])
            return j;
        if (x[j] > m) {
            m = x[j];
            best = j;
        }
    }
    return best;
}
void FN(fnn_argmax_rows)(fnn_int M, fnn_int C, const T *x, int64_t *out)
{
    for (fnn_int i = 0; i < M; i++)
        out[i] = C > 0 ? FN(argmax_row)(C, x + i * C) : 0;
}
int64_t FN(fnn_count_correct)(fnn_int M, fnn_int C, const T *x, const int64_t *labels)
{
    int64_t right = 0;
    for (fnn_int i = 0; C > 0 && i < M; i++)
        right += FN(argmax_row)(C, x + i * C) == labels[i];
    return right;
}

typedef struct {
    const T *x;
    fnn_int n;
    double *partial;
} FN(sumsq_job);
static fnn_status FN(sumsq_part)(void *ctx, int part, int nparts)
{
    const FN(sumsq_job) *job = ctx;
    fnn_int blocks = (job->n + SUMSQ_BLOCK - 1) / SUMSQ_BLOCK;
    for (fnn_int b = blocks * part / nparts; b < blocks * (part + 1) / nparts; b++) {
        fnn_int i1 = (b + 1) * SUMSQ_BLOCK < job->n ? (b + 1) * SUMSQ_BLOCK : job->n;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        fnn_int i = b * SUMSQ_BLOCK;
        for (; i + 4 <= i1; i += 4) {
            s0 += (double)job->x[i] * job->x[i];
            s1 += (double)job->x[i + 1] * job->x[i + 1];
            s2 += (double)job->x[i + 2] * job->x[i + 2];
            s3 += (double)job->x[i + 3] * job->x[i + 3];
        }
        for (; i < i1; i++)
            s0 += (double)job->x[i] * job->x[i];
        job->partial[b] = (s0 + s1) + (s2 + s3);
    }
    return FNN_OK;
}
double FN(fnn_sum_squares)(int count, const T *const *bufs, const fnn_int *lens)
{
    double total = 0;
    for (int k = 0; k < count; k++) {
        fnn_int blocks = (lens[k] + SUMSQ_BLOCK - 1) / SUMSQ_BLOCK;
        double *partial = fnn_scratch(FNN_SCRATCH_BLOCK_SUMS, (size_t)(blocks > 0 ? blocks : 1) * sizeof(double));
        if (!partial)
            return -1.0;
        FN(sumsq_job) job = {bufs[k], lens[k], partial};
        fnn_run_parts((double)lens[k] * 2, blocks, FN(sumsq_part), &job);
        double sum = 0;           /* each buffer's sum first, then the total: */
        for (fnn_int b = 0; b < blocks; b++)   /* the same bits whether the buffers */
            sum += partial[b];                 /* come in one call or one by one */
        total += sum;
    }
    return total;
}
