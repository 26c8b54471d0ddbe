/* kernels_impl.h — the portable kernels of the generic entry, plain C that is
 * correct on any CPU (the compiler vectorises the inner loops with whatever
 * the baseline ISA has); included per element type by kernels_all_impl.h
 * (T, SFX, GEN_MR, GEN_NR, EXP). */

#define TILE_EPI FNN_CAT(fnn_tile_epi, SFX)
#define ACT_JOB FNN_CAT(fnn_act_job, SFX)

/* acc[i][j] = Σ_k A(i, k) · Bp[k·NR + j], A(i, k) at A[i·a_row + k·a_k];
 * C[i][j] = epilogue([beta·C[i][j] +] acc[i][j]) for i < m, j < n */
static inline void FN(tile)(fnn_int kc, const T *restrict A, fnn_int a_row, fnn_int a_k,
                            const T *restrict Bp, T *restrict C, fnn_int ldc, int load_c, T beta,
                            const TILE_EPI *ep, int m, int n)
{
    T acc[GEN_MR][GEN_NR] = {{0}};
    for (fnn_int k = 0; k < kc; k++)
        for (int i = 0; i < GEN_MR; i++) {
            T a = A[i * a_row + k * a_k];
            for (int j = 0; j < GEN_NR; j++)
                acc[i][j] += a * Bp[k * GEN_NR + j];
        }
    for (int i = 0; i < m; i++) {
        T *c = C + i * ldc;
        for (int j = 0; j < n; j++) {
            T v = acc[i][j];
            if (load_c)
                v = beta * c[j] + v;
            if (ep && ep->mode == FNN_EPI_FORWARD) {
                if (ep->bias)
                    v += ep->bias[j];
                v = FN(fnn_act)(ep->act, NULL, ep->slope, v);
            } else if (ep) {
                v *= FN(fnn_act_grad)(ep->act, ep->slope, ep->saved[i * ep->lds + j]);
            }
            c[j] = v;
        }
    }
}

/* the micro-kernel on a packed A panel (Ap[k·MR + i]) */
static void FN(ukernel)(fnn_int kc, const T *restrict Ap, const T *restrict Bp, T *restrict C,
                        fnn_int ldc, int load_c, T beta, const TILE_EPI *ep, int m, int n)
{
    FN(tile)(kc, Ap, 1, GEN_MR, Bp, C, ldc, load_c, beta, ep, m, n);
}

/* the same on MR rows of A in place (row i at A + i·lda) */
static void FN(ukernel_rows)(fnn_int kc, const T *restrict A, fnn_int lda, const T *restrict Bp,
                             T *restrict C, fnn_int ldc, int load_c, T beta, const TILE_EPI *ep,
                             int m, int n)
{
    FN(tile)(kc, A, lda, 1, Bp, C, ldc, load_c, beta, ep, m, n);
}

static void FN(interleave)(int w, const T *src, fnn_int ld, fnn_int kc, T *dst)
{
    for (int r = 0; r < w; r++)
        for (fnn_int k = 0; k < kc; k++)
            dst[k * w + r] = src[r * ld + k];
}

/* out[j] = Σ_k a[k]·B[j·ldb + k] */
static void FN(dot_rows)(fnn_int n, fnn_int K, const T *a, const T *B, fnn_int ldb, T *out)
{
    for (fnn_int j = 0; j < n; j++) {
        const T *b = B + j * ldb;
        T s = 0;
        for (fnn_int k = 0; k < K; k++)
            s += a[k] * b[k];
        out[j] = s;
    }
}

/* out[j] = Σ_k a[k]·B[k·ldb + j] */
static void FN(axpy_rows)(fnn_int n, fnn_int K, const T *a, const T *B, fnn_int ldb, T *out)
{
    for (fnn_int j = 0; j < n; j++)
        out[j] = 0;
    for (fnn_int k = 0; k < K; k++) {
        const T ak = a[k], *b = B + k * ldb;
        for (fnn_int j = 0; j < n; j++)
            out[j] += ak * b[j];
    }
}

/* y = act(x), or dx = dy ⊙ act'(·) from the input or the output */
static void FN(act_range)(const ACT_JOB *job, fnn_int i0, fnn_int i1)
{
    const fnn_act act = job->act;
    const fnn_act_param *p = job->p;
    const T slope = (T)p->slope;
    const T *x = job->x, *dy = job->dy;
    T *y = job->y;
    if (!dy) {
        for (fnn_int i = i0; i < i1; i++)
            y[i] = FN(fnn_act)(act, p, slope, x[i]);
    } else if (job->from_input) {
        for (fnn_int i = i0; i < i1; i++)
            y[i] = dy[i] * FN(fnn_act_grad_in)(act, p, slope, x[i]);
    } else {
        for (fnn_int i = i0; i < i1; i++)
            y[i] = dy[i] * FN(fnn_act_grad)(act, slope, x[i]);
    }
}

/* m = max_j x_j; NaN if any x_j is NaN */
static T FN(row_max)(fnn_int C, const T *x)
{
    T m = x[0];
    for (fnn_int j = 1; j < C; j++)
        m = (x[j] > m || x[j] != x[j]) ? x[j] : m;
    return m;
}

/* e_j = exp(x_j − m) into e; returns Σ_j e_j, summed in double (one serial
 * float32 accumulator would lose ~C ulps, where the vector entries keep one
 * partial sum per lane) */
static T FN(row_exp)(fnn_int C, const T *x, T m, T *e)
{
    double s = 0;
    for (fnn_int j = 0; j < C; j++) {
        e[j] = EXP(x[j] - m);
        s += (double)e[j];
    }
    return (T)s;
}

#undef TILE_EPI
#undef ACT_JOB
