/* linear_chain_impl.h — linear_chain.c for one element type (T, FN). */

/* y = act(x · Wᵀ + b), one layer (internal.h): W is stored N×K, so op(B) is its
 * transpose; the call a single Linear makes. */
fnn_status FN(fnn_linear_layer_forward)(fnn_int M, fnn_int N, fnn_int K, fnn_act act,
                                        double slope, const T *x, const T *W, const T *b, T *y)
{
    const fnn_epilogue ep = {.mode = FNN_EPI_FORWARD, .act = act, .slope = slope, .bias = b,
                             .saved = NULL, .lds = 0};
    return FN(fnn_gemm)(0, 1, M, N, K, x, K, W, K, 0, y, N, &ep);
}

/* Its backward (internal.h): dz = dy ⊙ act'(y); dW = dzᵀ·x + beta·dW, db
 * likewise; dx = dz·W unless dx is NULL. */
fnn_status FN(fnn_linear_layer_backward)(fnn_int M, fnn_int N, fnn_int K, fnn_act act,
                                         double slope, const T *dy, const T *y, const T *x,
                                         const T *W, T beta, T *dW, T *db, T *dx)
{
    const fnn_linear_grad g = {.M = M, .N = N, .K = K, .lddy = N, .ldy = N, .ldx = K, .ldw = K,
                               .w_trans = 0, .act = act, .x_act = FNN_ACT_IDENTITY,
                               .slope = slope, .x_slope = 0.01};
    return FN(fnn_linear_backward)(&g, dy, y, x, W, beta, dW, db, dx);
}

fnn_status FN(fnn_linear_chain_forward)(const fnn_linear_chain *c, const T *x,
                                        const T *const *W, const T *const *b, T *const *y)
{
    const T *in = x;
    for (int l = 0; l < c->layers; l++) {
        fnn_status st = FN(fnn_linear_layer_forward)(c->M, c->dims[l + 1], c->dims[l],
                                                     c->acts[l], c->slopes[l], in, W[l], b[l],
                                                     y[l]);
        if (st != FNN_OK)
            return st;
        in = y[l];
    }
    return FNN_OK;
}

fnn_status FN(fnn_linear_chain_backward)(const fnn_linear_chain *c, const T *dy, const T *x,
                                         const T *const *W, const T *const *y,
                                         const double *beta, T *const *dW, T *const *db, T *dx)
{
    const fnn_int M = c->M;
    const T *grad = dy;          /* the gradient of layer l's output */
    for (int l = c->layers - 1; l >= 0; l--) {
        const fnn_int K = c->dims[l];
        /* the gradient of x_l: the layer below's output, or the chain's input */
        T *below = dx;
        if (l > 0) {
            below = fnn_scratch(l % 2 ? FNN_SCRATCH_CHAIN_A : FNN_SCRATCH_CHAIN_B,
                                (size_t)M * K * sizeof(T));
            if (!below)
                return FNN_ENOMEM;
        }
        fnn_status st = FN(fnn_linear_layer_backward)(M, c->dims[l + 1], K, c->acts[l],
                                                      c->slopes[l], grad, y[l],
                                                      l > 0 ? y[l - 1] : x, W[l], (T)beta[l],
                                                      dW[l], db[l], below);
        if (st != FNN_OK)
            return st;
        grad = below;
    }
    return FNN_OK;
}
