/* gemm_impl.h — the GEMM driver, written once and instantiated by gemm.c for
 * float (SFX = s) and double (SFX = d). Not a header to include elsewhere.
 *
 * C = op(A)·op(B) (+ beta·C) with a fused epilogue, by one of three
 * algorithms, each in its own file:
 *   gemm_small_m_impl.h  a handful of rows: row by row, B unpacked;
 *   gemm_small_n_impl.h  few columns (a 10-class head): B packed into one
 *                        panel, A's rows read in place;
 *   gemm_packed_impl.h   everything else: BLIS-style loops around one
 *                        register-blocked micro-kernel, both operands packed.
 * linear_backward_impl.h builds a Linear layer's backward on them.
 */

typedef struct {
    int ta, tb;
    fnn_int M, N, K;
    const T *A;
    fnn_int lda;
    const T *B;
    fnn_int ldb;
    T beta;
    T *C;
    fnn_int ldc;
    const fnn_epilogue *ep;   /* NULL: none */
    T *rowsum;             /* M values: beta·rowsum + Σ_k op(A)[i,k], or NULL */
    const FN(fnn_gemm_arch) *arch; /* set by gemm_run */
    /* the chunk of C in hand, [m0, m0+mlen) × [n0, n0+nlen), and its packing */
    fnn_int kcb, nk;          /* K block size and count (nk >= 1) */
    fnn_int m0, mlen, n0, nlen;
    fnn_int apanels, bpanels; /* MR-row panels of A, NR-column panels of B */
    T *Ap, *Bp;            /* packed chunk: block p at p·kcb·(panels·MR or NR) */
    T *sums;               /* row sums of the chunk's A rows (first column chunk), or NULL */
    int pack_a, pack_b;       /* which operands this round packs */
    int npack;                /* packing parts of the chunk's pool call */
    atomic_int packed;        /* packing parts done */
    fnn_int rblocks, cblocks; /* compute parts: rblocks × cblocks */
} FN(gemm_job);

/* The job's epilogue for the tile at (i, j) of C, in *te; NULL without one. */
static const FN(fnn_tile_epi) *FN(tile_epi)(const FN(gemm_job) *job, fnn_int i, fnn_int j,
                                           FN(fnn_tile_epi) *te)
{
    const fnn_epilogue *ep = job->ep;
    if (!ep)
        return NULL;
    te->mode = ep->mode;
    te->act = ep->act;
    te->slope = (T)ep->slope;
    te->bias = ep->bias ? (const T *)ep->bias + j : NULL;
    te->saved = ep->saved ? (const T *)ep->saved + i * ep->lds + j : NULL;
    te->lds = ep->lds;
    return te;
}


#include "gemm_packed_impl.h"
#include "gemm_small_m_impl.h"
#include "gemm_small_n_impl.h"

static fnn_status FN(gemm_run)(FN(gemm_job) *job)
{
    const FN(fnn_gemm_arch) *arch = job->arch = &fnn_cur_arch()->FN(gemm);
    const fnn_int M = job->M, N = job->N, K = job->K;
    if (M <= 0 || N <= 0)
        return FNN_OK;
    if (arch->mr > FNN_PACK_W_MAX || arch->nr > FNN_PACK_W_MAX)
        return FNN_EINVAL;
    const int nr = arch->nr;
    double flops = 2.0 * (double)M * (double)N * (double)(K > 0 ? K : 1);
    if ((M <= FNN_SMALL_M && job->rowsum == NULL) ||
        (job->rowsum && M <= FNN_SMALL_M_SUMS && (double)N * K <= FNN_SMALL_M_SUMS_NK))
        return fnn_run_parts(flops, (N + SMALL_M_COLS - 1) / SMALL_M_COLS, FN(small_m_part), job);
    if (N <= nr && !job->ta && job->rowsum == NULL && K > 0 &&
        (double)K * nr * sizeof(T) <= FNN_PACK_CAP)
        return FN(gemm_small_n)(job, flops);
    return FN(gemm_packed)(job);
}

fnn_status FN(fnn_gemm)(int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
                       const T *A, fnn_int lda, const T *B, fnn_int ldb, T beta,
                       T *C, fnn_int ldc, const fnn_epilogue *ep)
{
    if (ep && (ep->act < FNN_ACT_IDENTITY || ep->act > FNN_ACT_TANH))
        return FNN_EINVAL;      /* the epilogue has identity … tanh only */
    if (ep && ep->mode == FNN_EPI_FORWARD && !ep->bias && ep->act == FNN_ACT_IDENTITY)
        ep = NULL;              /* nothing to do after the product */
    if (ep && ep->mode == FNN_EPI_GRAD && (!ep->saved || ep->act == FNN_ACT_IDENTITY))
        ep = NULL;
    FN(gemm_job) job = {.ta = trans_a, .tb = trans_b, .M = M, .N = N, .K = K, .A = A,
                       .lda = lda, .B = B, .ldb = ldb, .beta = beta, .C = C, .ldc = ldc, .ep = ep};
    return FN(gemm_run)(&job);
}

#include "linear_backward_impl.h"
