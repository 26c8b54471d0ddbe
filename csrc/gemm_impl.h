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
    fnn_int mc, kc, nc;       /* cache blocks in use (fnn_gemm_blocks) */
    fnn_int kcb, nk;          /* K block size and count (nk >= 1) */
    fnn_int m0, mlen, n0, nlen;
    fnn_int apanels, bpanels; /* MR-row panels of A, NR-column panels of B */
    T *Ap, *Bp;            /* packed chunk: block p at p·kcb·(panels·MR or NR) */
    T *sums;               /* row sums of the chunk's A rows (first column chunk), or NULL */
    int pack_a, pack_b;       /* which operands this round packs */
    int a_in_place;           /* A's rows read where they are (see gemm_packed) */
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


/* Rows of at most this many elements are copied element by element (a call
 * of memcpy costs more). */
#define SMALL_ROW 16

/* kernel_rows reads all MR rows of its block: a last block of m < mr rows
 * (row r at a + r·lda, k elements each) is copied into this thread's
 * scratch with the last row repeated, rows k apart. NULL: out of memory. */
static const T *FN(padded_rows)(const T *a, fnn_int lda, int m, int mr, fnn_int k)
{
    T *pad = fnn_scratch(FNN_SCRATCH_GEMM_STAGE, (size_t)mr * (k > 0 ? k : 1) * sizeof(T));
    if (!pad)
        return NULL;
    for (int r = 0; r < mr; r++) {
        const T *src = a + (r < m ? r : m - 1) * lda;
        if (k <= SMALL_ROW)         /* a few elements: no call into the C library */
            for (fnn_int i = 0; i < k; i++)
                pad[r * k + i] = src[i];
        else
            memcpy(pad + r * k, src, (size_t)k * sizeof(T));
    }
    return pad;
}

/* The packed GEMM's cache blocks on this CPU, from its cache sizes
 * (caches.c), as measured on the machines at hand (on a Zen 4 core, 32 KB
 * L1d and 1 MB L2, float: kc 128 lost 5-8% to kc 512 at 1024³, since C's
 * tiles are reloaded once per K block, while the B micro-panel streams from
 * L2 as fast as the micro-kernel needs it):
 *   kc  the B micro-panel (kc × NR) takes 1/16 of the L2, within [128, 512];
 *   mc  the packed A block (mc × kc) 3/4 of the L2, in whole MR panels;
 *   nc  the packed B block (kc × nc) half of this core's share of the L3,
 *       within [NR, 8192] in whole NR panels.
 * Without cache sizes, the entry's own blocks. The blocks depend on the
 * machine, never on the thread count, so results do not either. */
static void FN(gemm_blocks)(const FN(fnn_gemm_arch) *arch, fnn_int *mc, fnn_int *kc,
                            fnn_int *nc)
{
    const fnn_caches *c = fnn_cpu_caches();
    const fnn_int s = (fnn_int)sizeof(T), mr = arch->mr, nr = arch->nr;
    *mc = arch->mc;
    *kc = arch->kc;
    *nc = arch->nc;
    if (c->l2 <= 0)
        return;
    fnn_int k = c->l2 / 16 / (nr * s) / 8 * 8;
    *kc = k < 128 ? 128 : k > 512 ? 512 : k;
    fnn_int m = c->l2 * 3 / 4 / (*kc * s) / mr * mr;
    *mc = m < mr ? mr : m;
    if (c->l3 > 0) {
        fnn_int n = c->l3 / 2 / (*kc * s) / nr * nr;
        *nc = n < nr ? nr : n > 8192 ? 8192 / nr * nr : n;
    }
}

void FN(fnn_gemm_blocks)(fnn_int *mc, fnn_int *kc, fnn_int *nc)
{
    FN(gemm_blocks)(&fnn_cur_arch()->FN(gemm), mc, kc, nc);
}

/* The current entry's micro-kernel alone, for the bench: `reps` full
 * MR×NR tiles over kc, from packed panels that stay in the caches (8 A
 * panels in turn, one B panel, C tiles beside them); returns the seconds
 * taken (and the flops in *flops), or a negative value when out of memory. */
double FN(fnn_ukernel_seconds)(fnn_int kc, long reps, double *flops)
{
    const FN(fnn_gemm_arch) *arch = &fnn_cur_arch()->FN(gemm);
    const int mr = arch->mr, nr = arch->nr;
    *flops = 0;
    if (kc < 1 || reps < 1)
        return 0;
    const size_t na = (size_t)8 * mr * kc, nb = (size_t)nr * kc, nc = (size_t)8 * mr * nr;
    T *buf = fnn_scratch(FNN_SCRATCH_UKERNEL_BENCH, (na + nb + nc) * sizeof(T));
    if (!buf)
        return -1;
    T *Ap = buf, *Bp = buf + na, *C = buf + na + nb;
    for (size_t i = 0; i < na + nb; i++)
        buf[i] = (T)((double)(i % 7) * 1e-3);
    for (size_t i = 0; i < nc; i++)
        C[i] = 0;
    double t0 = fnn_seconds();
    for (long r = 0; r < reps; r++)
        arch->kernel(kc, Ap + (size_t)(r & 7) * mr * kc, Bp, C + (size_t)(r & 7) * mr * nr, nr,
                     1, 1, NULL, mr, nr);
    *flops = 2.0 * mr * nr * (double)kc * (double)reps;
    return fnn_seconds() - t0;
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
