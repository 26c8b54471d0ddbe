/* kernel_types_impl.h — the per-type kernel interfaces of internal.h, for one
 * element type (T, SFX): the GEMM pieces of a kernel-table entry, one
 * activation call, softmax's row operations. */

typedef struct {
    FNN_CAT(fnn_ukernel, SFX) kernel;
    void (*interleave)(int w, const T *src, fnn_int ld, fnn_int kc, T *dst);
    void (*dot_rows)(fnn_int n, fnn_int K, const T *a, const T *B, fnn_int ldb, T *out);
    void (*axpy_rows)(fnn_int n, fnn_int K, const T *a, const T *B, fnn_int ldb, T *out);
    int mr, nr;
    fnn_int mc, kc, nc;
    int vl;                      /* lanes of a vector (columns rounding) */
    /* the micro-kernel reading MR rows of A in place (row i at A + i·lda,
     * all MR readable), for products with few columns (n <= nr); B's panel
     * is then round_up(n, vl) columns wide */
    void (*kernel_rows)(fnn_int kc, const T *A, fnn_int lda, const T *Bp, T *C, fnn_int ldc,
                        int load_c, T beta, const FNN_CAT(fnn_tile_epi, SFX) *ep, int m, int n);
} FNN_CAT(fnn_gemm_arch, SFX);

/* One activation call: forward (dy == NULL) y = act(x); backward y = dy ⊙
 * act'(x), where x is the activation's input (from_input) or output. */
typedef struct {
    fnn_act act;
    const fnn_act_param *p;
    int from_input;
    fnn_int n;
    const T *x;
    const T *dy;
    T *y;
} FNN_CAT(fnn_act_job, SFX);

/* the activations over elements [i0, i1) of a job */
typedef void (*FNN_CAT(fnn_act_range_fn, SFX))(const FNN_CAT(fnn_act_job, SFX) *job, fnn_int i0,
                                               fnn_int i1);

/* Softmax's rows: max(C, x), the row's maximum (NaN if it holds one);
 * exp(C, x, m, e): e_j = exp(x_j − m) for x_j <= m, returning Σ_j e_j. */
typedef struct {
    T (*max)(fnn_int C, const T *x);
    T (*exp)(fnn_int C, const T *x, T m, T *e);
} FNN_CAT(fnn_rowops, SFX);
