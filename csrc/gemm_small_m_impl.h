/* gemm_small_m_impl.h — the GEMM of a handful of rows (gemm_impl.h includes
 * it, once per element type). */

/* C = [beta·C +] row, then the epilogue, for row i, columns [n0, n1). */
static void FN(finish_row)(const FN(gemm_job) *job, fnn_int i, fnn_int n0, fnn_int n1,
                          const T *row)
{
    T *c = job->C + i * job->ldc;
    const fnn_epilogue *ep = job->ep;
    const T *bias = ep && ep->mode == FNN_EPI_FORWARD ? (const T *)ep->bias : NULL;
    const T *saved = ep && ep->mode == FNN_EPI_GRAD ? (const T *)ep->saved + i * ep->lds : NULL;
    const T slope = ep ? (T)ep->slope : 0;
    for (fnn_int j = n0; j < n1; j++) {
        T v = row[j - n0];
        if (job->beta != 0)
            v = job->beta * c[j] + v;
        if (ep && ep->mode == FNN_EPI_FORWARD) {
            if (bias)
                v += bias[j];
            v = FN(fnn_act)(ep->act, NULL, slope, v);
        } else if (saved) {
            v *= FN(fnn_act_grad)(ep->act, slope, saved[j]);
        }
        c[j] = v;
    }
}

/* For a handful of rows, packing B costs more than it saves: take each row of
 * op(A) against op(B) directly (dot products with the rows of a transposed B,
 * or a combination of the rows of B), columns [n0, n1), blocked so that a block
 * of B stays in L1 across the rows. */
#define SMALL_M_COLS 32
static fnn_status FN(gemm_small_m)(const FN(gemm_job) *job, const FN(fnn_gemm_arch) *arch,
                                  fnn_int n0, fnn_int n1)
{
    const fnn_int M = job->M, K = job->K;
    T *row = fnn_scratch(FNN_SCRATCH_GEMM_ROW, SMALL_M_COLS * sizeof(T));
    T *acol = job->ta ? fnn_scratch(FNN_SCRATCH_GEMM_STAGE, (size_t)(K > 0 ? K : 1) * M * sizeof(T)) : NULL;
    if (!row || (job->ta && !acol))
        return FNN_ENOMEM;
    if (job->ta)                /* rows of op(A) are columns of A: gather them */
        for (fnn_int i = 0; i < M; i++)
            for (fnn_int k = 0; k < K; k++)
                acol[i * K + k] = job->A[k * job->lda + i];
    for (fnn_int i = 0; job->rowsum && n0 == 0 && i < M; i++) {
        /* row sums (a Linear's bias gradient), k ascending, by the first columns' part */
        const T *a = job->ta ? acol + i * K : job->A + i * job->lda;
        T s = 0;
        for (fnn_int k = 0; k < K; k++)
            s += a[k];
        job->rowsum[i] = (job->beta != 0 ? job->beta * job->rowsum[i] : 0) + s;
    }
    for (fnn_int jb = n0; jb < n1; jb += SMALL_M_COLS) {
        fnn_int nb = n1 - jb < SMALL_M_COLS ? n1 - jb : SMALL_M_COLS;
        for (fnn_int i = 0; i < M; i++) {
            const T *a = job->ta ? acol + i * K : job->A + i * job->lda;
            if (job->tb)
                arch->dot_rows(nb, K, a, job->B + jb * job->ldb, job->ldb, row);
            else
                arch->axpy_rows(nb, K, a, job->B + jb, job->ldb, row);
            FN(finish_row)(job, i, jb, jb + nb, row);
        }
    }
    return FNN_OK;
}

static fnn_status FN(small_m_part)(void *ctx, int part, int nparts)
{
    const FN(gemm_job) *job = ctx;
    const fnn_int N = job->N, blocks = (N + SMALL_M_COLS - 1) / SMALL_M_COLS;
    fnn_int n0 = blocks * part / nparts * SMALL_M_COLS;
    fnn_int n1 = blocks * (part + 1) / nparts * SMALL_M_COLS;
    if (n1 > N)
        n1 = N;
    return n0 < n1 ? FN(gemm_small_m)(job, job->arch, n0, n1) : FNN_OK;
}
