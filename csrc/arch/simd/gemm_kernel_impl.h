/* gemm_kernel_impl.h — the GEMM pieces of a vector ISA, written once over
 * vec_float.h's names; the ISA sets the register tile before including it:
 *   KER_MR rows × KER_NV vectors (NR = KER_NV·VL columns).
 *
 *   ukernel    acc[i][j] = Σ_k Ap[k·MR + i] · Bp[k·NR + j]  (ascending k, one
 *              FMA chain per element), then C[i][j] = epilogue([beta·C[i][j] +]
 *              acc[i][j]) for i < m, j < n: a tile cut by the matrix edge
 *              stores through lane masks, so every element of C gets the same
 *              arithmetic wherever it sits;
 *   ukernel_rows  the same tile from rows of A in place (few columns);
 *   dot_rows   out[j] = Σ_k a[k]·B[j·ldb + k]  (one row times Bᵀ);
 *   axpy_rows  out[j] = Σ_k a[k]·B[k·ldb + j]  (one row times B).
 * Needs act_impl.h (the epilogue's activations). */

#define TILE_EPI FNN_CAT(fnn_tile_epi, SFX)
#define KER_NR (KER_NV * VL)

/* Finish one vector of a tile row: [beta·C +] acc, the epilogue, the store;
 * `cols` of its lanes are inside C (all of them when cols >= VL). */
static inline __attribute__((always_inline)) void FN(finish_vec)(
    T *c, V acc, int cols, int load_c, V vbeta, const TILE_EPI *ep, V vslope,
    const T *bias, const T *saved)
{
    const int full = cols >= VL;
    const VM m = vfirst(cols);
    V v = acc;
    if (load_c)
        v = vfmadd(vbeta, full ? vloadu(c) : vmaskloadu(c, m), v);
    if (ep && ep->mode == FNN_EPI_FORWARD) {
        if (bias)
            v = vadd(v, full ? vloadu(bias) : vmaskloadu(bias, m));
        v = FN(vact)(ep->act, NULL, vslope, v);
    } else if (ep) {
        V s = full ? vloadu(saved) : vmaskloadu(saved, m);
        v = vmul(v, FN(vact_grad_out)(ep->act, vslope, s));
    }
    if (full)
        vstoreu(c, v);
    else
        vmaskstoreu(c, m, v);
}

/* The tile's arithmetic, with A's element (i, k) at A[i·a_row + k·a_k]: a
 * packed panel (a_row 1, a_k MR) or rows of A itself (a_row lda, a_k 1);
 * `rows` of the KER_MR rows and nv of the KER_NV vectors of columns (B's
 * panel nv·VL wide). Always inlined with a_k, rows and nv constant, so each
 * caller gets its own loop. */
static inline __attribute__((always_inline)) void FN(tile)(
    fnn_int kc, const T *restrict A, fnn_int a_row, fnn_int a_k, const T *restrict Bp,
    T *restrict C, fnn_int ldc, int load_c, T beta, const TILE_EPI *ep, int m, int n,
    const int rows, const int nv)
{
    V acc[KER_MR][KER_NV];
#pragma GCC unroll 16
    for (int i = 0; i < rows; i++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            acc[i][v] = vzero();
    for (int i = 0; i < m; i++)
        __builtin_prefetch(C + i * ldc, 1);
#pragma GCC unroll 4
    for (fnn_int k = 0; k < kc; k++) {
        V b[KER_NV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            b[v] = vload(Bp + v * VL);
#pragma GCC unroll 16
        for (int i = 0; i < rows; i++) {
            V a = vbcast(A + i * a_row);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[i][v] = vfmadd(a, b[v], acc[i][v]);
        }
        A += a_k;
        Bp += nv * VL;
    }
    const V vbeta = vset1(beta), vslope = vset1(ep ? ep->slope : (T)0);
#pragma GCC unroll 16
    for (int i = 0; i < rows; i++) {
        if (i >= m)
            break;
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) {
            int cols = n - v * VL;
            if (cols <= 0)
                break;
            const T *bias = ep && ep->bias ? ep->bias + v * VL : NULL;
            const T *saved = ep && ep->saved ? ep->saved + i * ep->lds + v * VL : NULL;
            FN(finish_vec)(C + i * ldc + v * VL, acc[i][v], cols, load_c, vbeta, ep, vslope,
                           bias, saved);
        }
    }
}

static void FN(ukernel)(fnn_int kc, const T *restrict Ap, const T *restrict Bp, T *restrict C,
                        fnn_int ldc, int load_c, T beta, const TILE_EPI *ep, int m, int n)
{
#if KER_MR > 8
    /* a tile cut by the last rows of C computes only the rows it has, in
     * steps of 4 (64 rows in tiles of 12 leave 4: a third of a tile, not a
     * whole one); each element's arithmetic is the same either way */
    if (m <= 4) {
        FN(tile)(kc, Ap, 1, KER_MR, Bp, C, ldc, load_c, beta, ep, m, n, 4, KER_NV);
        return;
    }
    if (m <= 8) {
        FN(tile)(kc, Ap, 1, KER_MR, Bp, C, ldc, load_c, beta, ep, m, n, 8, KER_NV);
        return;
    }
#endif
    FN(tile)(kc, Ap, 1, KER_MR, Bp, C, ldc, load_c, beta, ep, m, n, KER_MR, KER_NV);
}

/* The same tile from rows of A as they are (row i at A + i·lda), for
 * products with few columns where packing A would cost more than the
 * arithmetic. All MR rows must be readable (the driver passes a padded copy
 * of a last, shorter block); only the first m are stored. */
/* rows of A read in place per pass: each needs its own address register,
 * and more than ~8 spill (the 12 rows of the AVX-512 tile go as 6 + 6) */
#define ROWS_PER_PASS (KER_MR > 8 ? (KER_MR + 1) / 2 : KER_MR)

static inline __attribute__((always_inline)) void FN(rows_pass)(
    fnn_int kc, const T *A, fnn_int lda, const T *Bp, T *C, fnn_int ldc, int load_c, T beta,
    const TILE_EPI *ep, int m, int n, const int nv)
{
    for (int r0 = 0; r0 < KER_MR && r0 < m; r0 += ROWS_PER_PASS) {
        TILE_EPI e, *pe = NULL;
        if (ep) {
            e = *ep;
            if (e.saved)
                e.saved += r0 * e.lds;
            pe = &e;
        }
        FN(tile)(kc, A + r0 * lda, lda, 1, Bp, C + r0 * ldc, ldc, load_c, beta, pe, m - r0, n,
                 ROWS_PER_PASS, nv);
    }
}

/* One vector of columns from rows of A in place: the rows' products for even
 * and odd k go to two sets of accumulators (one FMA chain per row would
 * leave the FMA units waiting on each other's latency), added at the end. */
static inline __attribute__((always_inline)) void FN(rows_one_vector)(
    fnn_int kc, const T *restrict A, fnn_int lda, const T *restrict Bp, T *restrict C,
    fnn_int ldc, int load_c, T beta, const TILE_EPI *ep, int m, int n)
{
    enum { R = ROWS_PER_PASS };
    for (int r0 = 0; r0 < KER_MR && r0 < m; r0 += R) {
        const T *a = A + r0 * lda;
        V even[R], odd[R];
#pragma GCC unroll 16
        for (int i = 0; i < R; i++)
            even[i] = odd[i] = vzero();
        fnn_int k = 0;
        for (; k + 2 <= kc; k += 2) {
            V b0 = vload(Bp + k * VL), b1 = vload(Bp + (k + 1) * VL);
#pragma GCC unroll 16
            for (int i = 0; i < R; i++) {
                even[i] = vfmadd(vbcast(a + i * lda + k), b0, even[i]);
                odd[i] = vfmadd(vbcast(a + i * lda + k + 1), b1, odd[i]);
            }
        }
        if (k < kc) {
            V b0 = vload(Bp + k * VL);
#pragma GCC unroll 16
            for (int i = 0; i < R; i++)
                even[i] = vfmadd(vbcast(a + i * lda + k), b0, even[i]);
        }
        const V vbeta = vset1(beta), vslope = vset1(ep ? ep->slope : (T)0);
        for (int i = 0; i < R && r0 + i < m; i++) {
            const T *bias = ep && ep->bias ? ep->bias : NULL;
            const T *saved = ep && ep->saved ? ep->saved + (r0 + i) * ep->lds : NULL;
            FN(finish_vec)(C + (r0 + i) * ldc, vadd(even[i], odd[i]), n, load_c, vbeta, ep, vslope,
                           bias, saved);
        }
    }
}

/* B's panel is round_up(n, VL) wide: as many vectors as the n columns need */
static void FN(ukernel_rows)(fnn_int kc, const T *restrict A, fnn_int lda, const T *restrict Bp,
                             T *restrict C, fnn_int ldc, int load_c, T beta, const TILE_EPI *ep,
                             int m, int n)
{
    switch ((n + VL - 1) / VL) {
    case 1: FN(rows_one_vector)(kc, A, lda, Bp, C, ldc, load_c, beta, ep, m, n); break;
#if KER_NV > 1
    case 2: FN(rows_pass)(kc, A, lda, Bp, C, ldc, load_c, beta, ep, m, n, 2); break;
#endif
#if KER_NV > 2
    case 3: FN(rows_pass)(kc, A, lda, Bp, C, ldc, load_c, beta, ep, m, n, 3); break;
#endif
#if KER_NV > 3
    case 4: FN(rows_pass)(kc, A, lda, Bp, C, ldc, load_c, beta, ep, m, n, 4); break;
#endif
    default: break;
    }
}

#undef ROWS_PER_PASS

/* out[j] = Σ_k a[k]·B[j·ldb + k]: per row two accumulators over 2·VL-wide
 * steps, one masked step for the last k, then a fixed reduction; four rows at
 * a time for throughput, each row's arithmetic the same as alone. */
static inline T FN(dot_one)(fnn_int K, const T *a, const T *b)
{
    V s0 = vzero(), s1 = vzero();
    fnn_int k = 0;
    for (; k + 2 * VL <= K; k += 2 * VL) {
        s0 = vfmadd(vloadu(b + k), vloadu(a + k), s0);
        s1 = vfmadd(vloadu(b + k + VL), vloadu(a + k + VL), s1);
    }
    if (k + VL <= K) {
        s0 = vfmadd(vloadu(b + k), vloadu(a + k), s0);
        k += VL;
    }
    if (k < K) {
        VM m = vfirst(K - k);
        s1 = vfmadd(vmaskloadu(b + k, m), vmaskloadu(a + k, m), s1);
    }
    return vhsum(vadd(s0, s1));
}

static void FN(dot_rows)(fnn_int n, fnn_int K, const T *a, const T *B, fnn_int ldb, T *out)
{
    fnn_int j = 0;
    for (; j + 4 <= n; j += 4) {
        const T *b[4] = {B + j * ldb, B + (j + 1) * ldb, B + (j + 2) * ldb, B + (j + 3) * ldb};
        V s0[4], s1[4];
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++)
            s0[r] = s1[r] = vzero();
        fnn_int k = 0;
        for (; k + 2 * VL <= K; k += 2 * VL) {
            V x0 = vloadu(a + k), x1 = vloadu(a + k + VL);
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++) {
                s0[r] = vfmadd(vloadu(b[r] + k), x0, s0[r]);
                s1[r] = vfmadd(vloadu(b[r] + k + VL), x1, s1[r]);
            }
        }
        if (k + VL <= K) {
            V x0 = vloadu(a + k);
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++)
                s0[r] = vfmadd(vloadu(b[r] + k), x0, s0[r]);
            k += VL;
        }
        if (k < K) {
            VM m = vfirst(K - k);
            V x1 = vmaskloadu(a + k, m);
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++)
                s1[r] = vfmadd(vmaskloadu(b[r] + k, m), x1, s1[r]);
        }
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++)
            out[j + r] = vhsum(vadd(s0[r], s1[r]));
    }
    for (; j < n; j++)
        out[j] = FN(dot_one)(K, a, B + j * ldb);
}

/* out[j] = Σ_k a[k]·B[k·ldb + j]: one FMA chain per output over ascending k;
 * blocks of 4 vectors of columns, then single vectors, the last one masked. */
static void FN(axpy_rows)(fnn_int n, fnn_int K, const T *a, const T *B, fnn_int ldb, T *out)
{
    fnn_int j = 0;
    for (; j + 4 * VL <= n; j += 4 * VL) {
        V c[4] = {vzero(), vzero(), vzero(), vzero()};
        for (fnn_int k = 0; k < K; k++) {
            V ak = vbcast(a + k);
            const T *b = B + k * ldb + j;
#pragma GCC unroll 4
            for (int q = 0; q < 4; q++)
                c[q] = vfmadd(ak, vloadu(b + q * VL), c[q]);
        }
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++)
            vstoreu(out + j + q * VL, c[q]);
    }
    for (; j < n; j += VL) {
        VM m = vfirst(n - j);
        V c0 = vzero();
        for (fnn_int k = 0; k < K; k++)
            c0 = vfmadd(vbcast(a + k), vmaskloadu(B + k * ldb + j, m), c0);
        vmaskstoreu(out + j, m, c0);
    }
}

#undef TILE_EPI
#undef KER_NR
