/* linear_chain_impl.h — linear_chain.c for one element type (T, FN). */

fnn_status FN(fnn_linear_chain_forward)(const fnn_linear_chain *c, const T *x,
                                        const T *const *W, const T *const *b, T *const *y)
{
    const fnn_int M = c->M;
    const T *in = x;
    for (int l = 0; l < c->layers; l++) {
        const fnn_int K = c->dims[l], N = c->dims[l + 1];
        /* y_l = act_l(x_l · W_lᵀ + b_l): W_l is stored N×K, so op(B) is its transpose */
        const fnn_epilogue ep = {.mode = FNN_EPI_FORWARD, .act = c->acts[l],
                                 .slope = c->slopes[l], .bias = b[l], .saved = NULL, .lds = 0};
        fnn_status st = FN(fnn_gemm)(0, 1, M, N, K, in, K, W[l], K, 0, y[l], N, &ep);
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
        const fnn_int K = c->dims[l], N = c->dims[l + 1];
        const fnn_linear_grad g = {.M = M, .N = N, .K = K, .lddy = N, .ldy = N, .ldx = K,
                                   .ldw = K, .w_trans = 0, .act = c->acts[l],
                                   .x_act = FNN_ACT_IDENTITY, .slope = c->slopes[l],
                                   .x_slope = 0.01};
        /* the gradient of x_l: the layer below's output, or the chain's input */
        T *below = dx;
        if (l > 0) {
            below = fnn_scratch(l % 2 ? FNN_SCRATCH_CHAIN_A : FNN_SCRATCH_CHAIN_B,
                                (size_t)M * K * sizeof(T));
            if (!below)
                return FNN_ENOMEM;
        }
        fnn_status st = FN(fnn_linear_backward)(&g, grad, y[l], l > 0 ? y[l - 1] : x, W[l],
                                                (T)beta[l], dW[l], db[l], below);
        if (st != FNN_OK)
            return st;
        grad = below;
    }
    return FNN_OK;
}
