/* linear_backward_impl.h — a Linear layer's weight gradient and backward on
 * the GEMM (gemm_impl.h includes it, once per element type). */

fnn_status FN(fnn_linear_grad_weight)(fnn_int M, fnn_int N, fnn_int K, const T *dY,
                                     fnn_int lddy, const T *X, fnn_int ldx, T beta,
                                     T *dW, fnn_int lddw, T *db)
{
    /* dW (N×K) = dYᵀ (N×M) · X (M×K): op(A) = dYᵀ, summed over the batch M;
     * db is the row sum of op(A), taken while it is packed. */
    FN(gemm_job) job = {.ta = 1, .tb = 0, .M = N, .N = K, .K = M, .A = dY, .lda = lddy,
                       .B = X, .ldb = ldx, .beta = beta, .C = dW, .ldc = lddw, .rowsum = db};
    if (K <= 0 && db) {         /* no columns to tile: the bias gradient alone */
        for (fnn_int j = 0; j < N; j++) {
            T s = beta != 0 ? beta * db[j] : 0, acc = 0;
            for (fnn_int i = 0; i < M; i++)
                acc += dY[i * lddy + j];
            db[j] = s + acc;
        }
        return FNN_OK;
    }
    return FN(gemm_run)(&job);
}

/* Backward of a Linear layer y = act(x·Wᵀ + b), one call:
 *   dz = dy ⊙ act'(y)                 (dz = dy when act is identity)
 *   dW = dzᵀ·x + beta·dW,  db = Σ_rows dz + beta·db     (db may be NULL)
 *   dx = (dz·W) ⊙ x_act'(x)           (when dx is not NULL; x_act is the
 *                                      activation whose output x is)
 * dz lives in this thread's scratch, reused call after call. */
fnn_status FN(fnn_linear_backward)(const fnn_linear_grad *g, const T *dy, const T *y,
                                  const T *x, const T *W, T beta, T *dW, T *db,
                                  T *dx)
{
    const fnn_int M = g->M, N = g->N, K = g->K;
    if (g->act < FNN_ACT_IDENTITY || g->act > FNN_ACT_TANH || g->x_act < FNN_ACT_IDENTITY ||
        g->x_act > FNN_ACT_TANH || M < 0 || N < 0 || K < 0 ||
        (g->act == FNN_ACT_LEAKY_RELU && g->slope < 0) ||
        (g->x_act == FNN_ACT_LEAKY_RELU && g->x_slope < 0))
        return FNN_EINVAL;      /* act' is read from outputs: a negative slope hides the sign */
    const T *dz = dy;
    fnn_int lddz = g->lddy;
    if (g->act != FNN_ACT_IDENTITY && M > 0 && N > 0) {
        T *buf = fnn_scratch(FNN_SCRATCH_LINEAR_DZ, (size_t)M * N * sizeof(T));
        if (!buf)
            return FNN_ENOMEM;
        const fnn_act_param p = {.slope = g->slope, .beta = 1.0, .threshold = 20.0};
        fnn_status st = FNN_OK;
        if (g->lddy == N && g->ldy == N)
            st = FN(fnn_act_backward)(g->act, &p, 0, M * N, dy, y, buf);
        else
            for (fnn_int i = 0; i < M && st == FNN_OK; i++)
                st = FN(fnn_act_backward)(g->act, &p, 0, N, dy + i * g->lddy, y + i * g->ldy,
                                         buf + i * N);
        if (st != FNN_OK)
            return st;
        dz = buf;
        lddz = N;
    }
    fnn_status st = FN(fnn_linear_grad_weight)(M, N, K, dz, lddz > 0 ? lddz : 1, x, g->ldx, beta,
                                              dW, K > 0 ? K : 1, db);
    if (st != FNN_OK || !dx)
        return st;
    const fnn_epilogue ep = {.mode = FNN_EPI_GRAD, .act = g->x_act, .slope = g->x_slope,
                             .bias = NULL, .saved = x, .lds = g->ldx};
    return FN(fnn_gemm)(0, g->w_trans, M, K, N, dz, lddz > 0 ? lddz : 1, W, g->ldw, 0, dx,
                       K > 0 ? K : 1, &ep);
}
