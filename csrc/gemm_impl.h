/* gemm_impl.h — the GEMM driver, written once and instantiated by gemm.c for
 * float (SFX = s) and double (SFX = d). Not a header to include elsewhere.
 *
 * BLIS-style loops around one register-blocked micro-kernel:
 *
 *   for jc over N by NC:                    B panel, packed per thread
 *     for pc over K by KC:                  pack op(B)[pc:, jc:] in NR columns
 *       for ic over M by MC:                pack op(A)[ic:, pc:] in MR rows
 *         for jr over NC by NR:
 *           for ir over MC by MR:           micro-kernel on one MR×NR tile
 *
 * Packing absorbs the transposes. The epilogue runs in the micro-kernel on the
 * last K block. Threads split C into a grid of rectangles (whole micro-tiles)
 * and pack their own panels, so no thread waits on another; every element of
 * C sums its K products in the same order whatever the grid, which is why the
 * result does not depend on the thread count. The K block size depends on K
 * alone for the same reason.
 */

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(name, SFX)

typedef struct {
    int ta, tb;
    fnn_int M, N, K;
    const REAL *A;
    fnn_int lda;
    const REAL *B;
    fnn_int ldb;
    REAL beta;
    REAL *C;
    fnn_int ldc;
    const fnn_epilogue *ep;   /* NULL: none */
    REAL *rowsum;             /* M values: beta·rowsum + Σ_k op(A)[i,k], or NULL */
    const F(gemm_arch) *arch; /* set by gemm_run */
    int tm, tn;               /* thread grid */
} F(gemm_job);

/* Pack rows [i0, i0+rows) and k in [p0, p0+kc) of op(A) into MR-row panels,
 * k-major, zero-padding the last panel. With sums, add each row's values. */
static void F(pack_a)(const F(gemm_job) *job, const F(gemm_arch) *arch, fnn_int i0,
                      fnn_int rows, fnn_int p0, fnn_int kc, REAL *restrict dst,
                      REAL *restrict sums)
{
    const int mr = arch->mr;
    for (fnn_int ir = 0; ir < rows; ir += mr, dst += (fnn_int)mr * kc) {
        int m = rows - ir < mr ? (int)(rows - ir) : mr;
        if (job->ta) {          /* A stored K×M: a row of the panel is contiguous */
            for (fnn_int k = 0; k < kc; k++) {
                const REAL *src = job->A + (p0 + k) * job->lda + i0 + ir;
                REAL *d = dst + k * mr;
                for (int r = 0; r < m; r++)
                    d[r] = src[r];
                for (int r = m; r < mr; r++)
                    d[r] = 0;
                if (sums)
                    for (int r = 0; r < m; r++)
                        sums[ir + r] += src[r];
            }
        } else {                /* A stored M×K: transpose rows into the panel */
            const REAL *rows0 = job->A + (i0 + ir) * job->lda + p0;
            if (m == mr)
                arch->interleave(mr, rows0, job->lda, kc, dst);
            for (int r = 0; r < m; r++) {
                const REAL *src = rows0 + r * job->lda;
                if (m < mr)
                    for (fnn_int k = 0; k < kc; k++)
                        dst[k * mr + r] = src[k];
                if (sums) {
                    REAL s = sums[ir + r];
                    for (fnn_int k = 0; k < kc; k++)
                        s += src[k];
                    sums[ir + r] = s;
                }
            }
            for (int r = m; r < mr; r++)
                for (fnn_int k = 0; k < kc; k++)
                    dst[k * mr + r] = 0;
        }
    }
}

/* Pack k in [p0, p0+kc) and columns [j0, j0+cols) of op(B) into NR-column
 * panels, k-major, zero-padding the last panel. */
static void F(pack_b)(const F(gemm_job) *job, const F(gemm_arch) *arch, fnn_int p0,
                      fnn_int kc, fnn_int j0, fnn_int cols, REAL *restrict dst)
{
    const int nr = arch->nr;
    for (fnn_int jr = 0; jr < cols; jr += nr, dst += (fnn_int)nr * kc) {
        int n = cols - jr < nr ? (int)(cols - jr) : nr;
        if (job->tb && n == nr) {   /* B stored N×K: transpose rows into the panel */
            arch->interleave(nr, job->B + (j0 + jr) * job->ldb + p0, job->ldb, kc, dst);
        } else if (job->tb) {
            for (int c = 0; c < n; c++) {
                const REAL *src = job->B + (j0 + jr + c) * job->ldb + p0;
                for (fnn_int k = 0; k < kc; k++)
                    dst[k * nr + c] = src[k];
            }
            for (int c = n; c < nr; c++)
                for (fnn_int k = 0; k < kc; k++)
                    dst[k * nr + c] = 0;
        } else {                /* B stored K×N: each k of the panel is contiguous */
            for (fnn_int k = 0; k < kc; k++) {
                const REAL *src = job->B + (p0 + k) * job->ldb + j0 + jr;
                REAL *d = dst + k * nr;
                for (int c = 0; c < n; c++)
                    d[c] = src[c];
                for (int c = n; c < nr; c++)
                    d[c] = 0;
            }
        }
    }
}

/* One MR×NR tile at (i, j) of C. A tile cut by the matrix edge runs the same
 * micro-kernel on a padded copy, so every element is computed alike. */
static void F(run_tile)(const F(gemm_job) *job, const F(gemm_arch) *arch, fnn_int kc,
                        const REAL *Ap, const REAL *Bp, fnn_int i, fnn_int j, int m,
                        int n, int first, int last)
{
    const int mr = arch->mr, nr = arch->nr;
    REAL *c = job->C + i * job->ldc + j;
    int load_c = first ? job->beta != 0 : 1;
    REAL beta = first ? job->beta : 1;
    F(fnn_tile_epi) te, *tep = NULL;
    const fnn_epilogue *ep = job->ep;
    if (last && ep) {
        te.mode = ep->mode;
        te.act = ep->act;
        te.slope = (REAL)ep->slope;
        te.bias = ep->bias ? (const REAL *)ep->bias + j : NULL;
        te.saved = ep->saved ? (const REAL *)ep->saved + i * ep->lds + j : NULL;
        te.lds = ep->lds;
        tep = &te;
    }
    if (m == mr && n == nr) {
        arch->kernel(kc, Ap, Bp, c, job->ldc, load_c, beta, tep);
        return;
    }
    /* per-thread tile buffers: only the m×n corner is read back, so what the
     * padding holds (zeros at first, then earlier tiles' values) never matters
     * and nothing needs clearing per tile */
    static _Thread_local _Alignas(FNN_ALIGN) REAL ct[FNN_MR_MAX * FNN_NR_MAX];
    static _Thread_local _Alignas(FNN_ALIGN) REAL st[FNN_MR_MAX * FNN_NR_MAX];
    static _Thread_local _Alignas(FNN_ALIGN) REAL bt[FNN_NR_MAX];
    for (int r = 0; r < m; r++)
        for (int q = 0; q < n; q++) {
            if (load_c)
                ct[r * nr + q] = c[r * job->ldc + q];
            if (tep && tep->saved)
                st[r * nr + q] = tep->saved[r * tep->lds + q];
        }
    if (tep && tep->bias) {
        for (int q = 0; q < n; q++)
            bt[q] = tep->bias[q];
        te.bias = bt;
    }
    if (tep && tep->saved) {
        te.saved = st;
        te.lds = nr;
    }
    arch->kernel(kc, Ap, Bp, ct, nr, load_c, beta, tep);
    for (int r = 0; r < m; r++)
        for (int q = 0; q < n; q++)
            c[r * job->ldc + q] = ct[r * nr + q];
}

/* The K block: at most arch->kc, the same for every block, chosen from K. */
static fnn_int F(k_block)(fnn_int K, fnn_int kc_max)
{
    if (K <= 0)
        return 0;
    fnn_int nk = (K + kc_max - 1) / kc_max;
    return (K + nk - 1) / nk;
}

/* All of the loops for the rectangle [m0, m1) × [n0, n1) of C. */
static fnn_status F(gemm_rect)(const F(gemm_job) *job, const F(gemm_arch) *arch,
                               fnn_int m0, fnn_int m1, fnn_int n0, fnn_int n1,
                               int do_rowsum)
{
    const int mr = arch->mr, nr = arch->nr;
    const fnn_int K = job->K, kcb = F(k_block)(K, arch->kc);
    const fnn_int kalloc = kcb > 0 ? kcb : 1;
    fnn_int ncmax = n1 - n0 < arch->nc ? n1 - n0 : arch->nc;
    ncmax = (ncmax + nr - 1) / nr * nr;
    fnn_int mcmax = m1 - m0 < arch->mc ? m1 - m0 : arch->mc;
    mcmax = (mcmax + mr - 1) / mr * mr;
    REAL *Ap = fnn_scratch(0, ((size_t)mcmax * kalloc + FNN_PACK_SLACK) * sizeof(REAL));
    REAL *Bp = fnn_scratch(1, ((size_t)ncmax * kalloc + FNN_PACK_SLACK) * sizeof(REAL));
    REAL *sums = do_rowsum ? fnn_scratch(2, (size_t)(m1 - m0) * sizeof(REAL)) : NULL;
    if (!Ap || !Bp || (do_rowsum && !sums))
        return FNN_ENOMEM;
    for (fnn_int i = 0; do_rowsum && i < m1 - m0; i++)
        sums[i] = 0;

    for (fnn_int jc = n0; jc < n1; jc += arch->nc) {
        fnn_int nc = n1 - jc < arch->nc ? n1 - jc : arch->nc;
        fnn_int p0 = 0;
        do {
            fnn_int kc = K - p0 < kcb ? K - p0 : kcb;
            int first = p0 == 0, last = p0 + kc >= K;
            F(pack_b)(job, arch, p0, kc, jc, nc, Bp);
            for (fnn_int ic = m0; ic < m1; ic += arch->mc) {
                fnn_int mc = m1 - ic < arch->mc ? m1 - ic : arch->mc;
                F(pack_a)(job, arch, ic, mc, p0, kc, Ap,
                          do_rowsum && jc == n0 ? sums + (ic - m0) : NULL);
                for (fnn_int jr = 0; jr < nc; jr += nr) {
                    int n = nc - jr < nr ? (int)(nc - jr) : nr;
                    for (fnn_int ir = 0; ir < mc; ir += mr) {
                        int m = mc - ir < mr ? (int)(mc - ir) : mr;
                        F(run_tile)(job, arch, kc, Ap + ir * kc, Bp + jr * kc, ic + ir,
                                    jc + jr, m, n, first, last);
                    }
                }
            }
            p0 += kc;
        } while (p0 < K);
    }
    if (do_rowsum) {
        for (fnn_int i = m0; i < m1; i++) {
            REAL old = job->beta != 0 ? job->beta * job->rowsum[i] : 0;
            job->rowsum[i] = old + sums[i - m0];
        }
    }
    return FNN_OK;
}

/* C = [beta·C +] row, then the epilogue, for row i, columns [n0, n1). */
static void F(finish_row)(const F(gemm_job) *job, fnn_int i, fnn_int n0, fnn_int n1,
                          const REAL *row)
{
    REAL *c = job->C + i * job->ldc;
    const fnn_epilogue *ep = job->ep;
    const REAL *bias = ep && ep->mode == FNN_EPI_FORWARD ? (const REAL *)ep->bias : NULL;
    const REAL *saved = ep && ep->mode == FNN_EPI_GRAD ? (const REAL *)ep->saved + i * ep->lds : NULL;
    const REAL slope = ep ? (REAL)ep->slope : 0;
    for (fnn_int j = n0; j < n1; j++) {
        REAL v = row[j - n0];
        if (job->beta != 0)
            v = job->beta * c[j] + v;
        if (ep && ep->mode == FNN_EPI_FORWARD) {
            if (bias)
                v += bias[j];
            v = F(fnn_act)(ep->act, NULL, slope, v);
        } else if (saved) {
            v *= F(fnn_act_grad)(ep->act, slope, saved[j]);
        }
        c[j] = v;
    }
}

/* For a handful of rows, packing B costs more than it saves: take each row of
 * op(A) against op(B) directly (dot products with the rows of a transposed B,
 * or a combination of the rows of B), columns [n0, n1), blocked so that a block
 * of B stays in L1 across the rows. */
#define SMALL_M_COLS 32
static fnn_status F(gemm_small_m)(const F(gemm_job) *job, const F(gemm_arch) *arch,
                                  fnn_int n0, fnn_int n1)
{
    const fnn_int M = job->M, K = job->K;
    REAL *row = fnn_scratch(3, SMALL_M_COLS * sizeof(REAL));
    REAL *acol = job->ta ? fnn_scratch(2, (size_t)(K > 0 ? K : 1) * M * sizeof(REAL)) : NULL;
    if (!row || (job->ta && !acol))
        return FNN_ENOMEM;
    if (job->ta)                /* rows of op(A) are columns of A: gather them */
        for (fnn_int i = 0; i < M; i++)
            for (fnn_int k = 0; k < K; k++)
                acol[i * K + k] = job->A[k * job->lda + i];
    for (fnn_int jb = n0; jb < n1; jb += SMALL_M_COLS) {
        fnn_int nb = n1 - jb < SMALL_M_COLS ? n1 - jb : SMALL_M_COLS;
        for (fnn_int i = 0; i < M; i++) {
            const REAL *a = job->ta ? acol + i * K : job->A + i * job->lda;
            if (job->tb)
                arch->dot_rows(nb, K, a, job->B + jb * job->ldb, job->ldb, row);
            else
                arch->axpy_rows(nb, K, a, job->B + jb, job->ldb, row);
            F(finish_row)(job, i, jb, jb + nb, row);
        }
    }
    return FNN_OK;
}

/* Split C into tm × tn rectangles for nt threads. Each thread packs the A
 * rows and B columns it needs, so cut the longer side: the shorter one's
 * packing is what gets repeated. */
static void F(plan_grid)(fnn_int pm, fnn_int pn, int nt, int *tm, int *tn)
{
    int best_m = 1;
    double best = -1;
    for (int a = 1; a <= nt; a++) {
        if (nt % a)
            continue;
        int b = nt / a;
        if (a > pm || b > pn)
            continue;
        /* cost: packing repeated across the grid, plus idle tiles */
        double rows = (double)((pm + a - 1) / a), cols = (double)((pn + b - 1) / b);
        double cost = rows * cols * 64.0 + (double)b * pm + (double)a * pn;
        if (best < 0 || cost < best) {
            best = cost;
            best_m = a;
        }
    }
    if (best < 0) {             /* nt has no divisor that fits: use one row of threads */
        *tm = 1;
        *tn = nt;
        return;
    }
    *tm = best_m;
    *tn = nt / best_m;
}

static fnn_status F(small_m_part)(void *ctx, int part, int nparts)
{
    const F(gemm_job) *job = ctx;
    const fnn_int N = job->N, blocks = (N + SMALL_M_COLS - 1) / SMALL_M_COLS;
    fnn_int n0 = blocks * part / nparts * SMALL_M_COLS;
    fnn_int n1 = blocks * (part + 1) / nparts * SMALL_M_COLS;
    if (n1 > N)
        n1 = N;
    return n0 < n1 ? F(gemm_small_m)(job, job->arch, n0, n1) : FNN_OK;
}

/* One rectangle of the tm × tn grid: part = a·tn + b. */
static fnn_status F(grid_part)(void *ctx, int part, int nparts)
{
    const F(gemm_job) *job = ctx;
    const F(gemm_arch) *arch = job->arch;
    (void)nparts;
    const fnn_int pm = (job->M + arch->mr - 1) / arch->mr, pn = (job->N + arch->nr - 1) / arch->nr;
    const int tm = job->tm, tn = job->tn, a = part / tn, b = part % tn;
    fnn_int m0 = (fnn_int)a * pm / tm * arch->mr, m1 = (fnn_int)(a + 1) * pm / tm * arch->mr;
    fnn_int n0 = (fnn_int)b * pn / tn * arch->nr, n1 = (fnn_int)(b + 1) * pn / tn * arch->nr;
    if (m1 > job->M)
        m1 = job->M;
    if (n1 > job->N)
        n1 = job->N;
    if (m0 >= m1 || n0 >= n1)
        return FNN_OK;
    /* the row sums of A are taken once per row: by the first column of threads */
    return F(gemm_rect)(job, arch, m0, m1, n0, n1, job->rowsum != NULL && b == 0);
}

static fnn_status F(gemm_run)(F(gemm_job) *job)
{
    const F(gemm_arch) *arch = job->arch = F(fnn_arch)();
    const fnn_int M = job->M, N = job->N;
    if (M <= 0 || N <= 0)
        return FNN_OK;
    if (arch->mr > FNN_MR_MAX || arch->nr > FNN_NR_MAX)
        return FNN_EINVAL;
    double flops = 2.0 * (double)M * (double)N * (double)(job->K > 0 ? job->K : 1);
    if (M <= FNN_SMALL_M && job->rowsum == NULL) {
        int nt = fnn_threads_for(flops, (N + SMALL_M_COLS - 1) / SMALL_M_COLS);
        return fnn_parallel(nt, F(small_m_part), job);
    }
    const fnn_int pm = (M + arch->mr - 1) / arch->mr, pn = (N + arch->nr - 1) / arch->nr;
    int nt = fnn_threads_for(flops, pm * pn);
    job->tm = job->tn = 1;
    if (nt > 1)
        F(plan_grid)(pm, pn, nt, &job->tm, &job->tn);
    return fnn_parallel(job->tm * job->tn, F(grid_part), job);
}

fnn_status F(fnn_gemm)(int trans_a, int trans_b, fnn_int M, fnn_int N, fnn_int K,
                       const REAL *A, fnn_int lda, const REAL *B, fnn_int ldb, REAL beta,
                       REAL *C, fnn_int ldc, const fnn_epilogue *ep)
{
    if (ep && (ep->act < FNN_ACT_IDENTITY || ep->act > FNN_ACT_TANH))
        return FNN_EINVAL;      /* the epilogue has identity … tanh only */
    if (ep && ep->mode == FNN_EPI_FORWARD && !ep->bias && ep->act == FNN_ACT_IDENTITY)
        ep = NULL;              /* nothing to do after the product */
    if (ep && ep->mode == FNN_EPI_GRAD && (!ep->saved || ep->act == FNN_ACT_IDENTITY))
        ep = NULL;
    F(gemm_job) job = {trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc, ep, NULL, NULL, 1, 1};
    return F(gemm_run)(&job);
}

fnn_status F(fnn_linear_grad_weight)(fnn_int M, fnn_int N, fnn_int K, const REAL *dY,
                                     fnn_int lddy, const REAL *X, fnn_int ldx, REAL beta,
                                     REAL *dW, fnn_int lddw, REAL *db)
{
    /* dW (N×K) = dYᵀ (N×M) · X (M×K): op(A) = dYᵀ, summed over the batch M;
     * db is the row sum of op(A), taken while it is packed. */
    F(gemm_job) job = {1, 0, N, K, M, dY, lddy, X, ldx, beta, dW, lddw, NULL, db, NULL, 1, 1};
    if (K <= 0 && db) {         /* no columns to tile: the bias gradient alone */
        for (fnn_int j = 0; j < N; j++) {
            REAL s = beta != 0 ? beta * db[j] : 0, acc = 0;
            for (fnn_int i = 0; i < M; i++)
                acc += dY[i * lddy + j];
            db[j] = s + acc;
        }
        return FNN_OK;
    }
    return F(gemm_run)(&job);
}

#undef F
#undef CAT
#undef CAT_
