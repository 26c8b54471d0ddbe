/* gemm_small_n_impl.h — the GEMM of few columns (gemm_impl.h includes it,
 * once per element type). */

/* Few columns (N <= NR, C = A·op(B) with A's rows contiguous: a Linear
 * layer with few outputs, like a 10-class head): packing A would cost more
 * than the arithmetic, so op(B) is packed into one panel (all of K) as wide
 * as N rounded up to whole vectors, and each block of MR rows of A goes
 * through the micro-kernel in place (kernel_rows), epilogue included. The
 * last, shorter block is copied into a padded one. Parts are blocks of rows. */
static fnn_status FN(small_n_part)(void *ctx, int part, int nparts)
{
    const FN(gemm_job) *job = ctx;
    const FN(fnn_gemm_arch) *arch = job->arch;
    const fnn_int M = job->M, K = job->K, mr = arch->mr;
    const fnn_int blocks = (M + mr - 1) / mr;
    for (fnn_int blk = blocks * part / nparts; blk < blocks * (part + 1) / nparts; blk++) {
        const fnn_int i = blk * mr;
        const int m = M - i < mr ? (int)(M - i) : (int)mr;
        const T *a = job->A + i * job->lda;
        fnn_int lda = job->lda;
        if (m < mr) {
            if (!(a = FN(padded_rows)(a, lda, m, (int)mr, K)))
                return FNN_ENOMEM;
            lda = K;
        }
        FN(fnn_tile_epi) te;
        arch->kernel_rows(K, a, lda, job->Bp, job->C + i * job->ldc, job->ldc, job->beta != 0,
                          job->beta, FN(tile_epi)(job, i, 0, &te), m, (int)job->N);
    }
    return FNN_OK;
}

static fnn_status FN(gemm_small_n)(FN(gemm_job) *job, double flops)
{
    const FN(fnn_gemm_arch) *arch = job->arch;
    const fnn_int K = job->K, N = job->N;
    const int w = (int)((N + arch->vl - 1) / arch->vl * arch->vl);   /* panel width */
    T *bp = fnn_scratch(FNN_SCRATCH_GEMM_B, ((size_t)K * w + FNN_PACK_SLACK) * sizeof(T));
    if (!bp)
        return FNN_ENOMEM;
    if (job->tb && K <= SMALL_ROW) {    /* B is N×K, short rows: transposed in place */
        for (fnn_int k = 0; k < K; k++)
            for (int j = 0; j < w; j++)
                bp[k * w + j] = j < N ? job->B[j * job->ldb + k] : 0;
    } else if (job->tb) {       /* B is N×K: its rows, zero rows up to w, interleaved */
        T *rows = fnn_scratch(FNN_SCRATCH_GEMM_A, (size_t)w * K * sizeof(T));
        if (!rows)
            return FNN_ENOMEM;
        for (fnn_int j = 0; j < w; j++) {
            if (j < N)
                memcpy(rows + j * K, job->B + j * job->ldb, (size_t)K * sizeof(T));
            else
                memset(rows + j * K, 0, (size_t)K * sizeof(T));
        }
        arch->interleave(w, rows, K, K, bp);
    } else {                    /* B is K×N: rows of the panel already */
        for (fnn_int k = 0; k < K; k++) {
            const T *src = job->B + k * job->ldb;
            for (int j = 0; j < w; j++)
                bp[k * w + j] = j < N ? src[j] : 0;
        }
    }
    job->Bp = bp;
    return fnn_run_parts(flops, (job->M + arch->mr - 1) / arch->mr, FN(small_n_part), job);
}
