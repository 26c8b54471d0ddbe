# linear_chain_forward, linear_chain_backward (csrc/linear_chain.c): the
# Linear(+activation) layers of a Sequential in one call each way. Trusted
# forms for nn.Sequential: the operands are the layers' own parameters and
# outputs; the checks here keep memory safe (one float dtype, shapes that
# chain, C-contiguous aligned arrays, writeable outputs), nothing more.

cdef enum:
    CHAIN_MAX = 64     # layers per call; a longer chain runs layer by layer


cdef int _chain_plan(cnp.ndarray x, list weights, list biases, list activations, list slopes,
                     list outs, int t, fnn_int *dims, fnn_act *acts, double *sl,
                     const void **W, const void **b, void **y) except -1:
    """Check a chain's operands and fill the C arrays of its description."""
    cdef int L = len(weights), l
    if L < 1 or L > CHAIN_MAX or len(biases) != L or len(activations) != L or \
            len(slopes) != L or len(outs) != L:
        raise ValueError(f"linear_chain: 1 to {CHAIN_MAX} layers, each with a weight, bias, "
                         "activation, slope and output, expected")
    if x.ndim != 2 or cnp.PyArray_TYPE(x) != t or not cnp.PyArray_IS_C_CONTIGUOUS(x) or \
            not cnp.PyArray_ISALIGNED(x):
        raise ValueError("linear_chain: x must be a C-contiguous 2-D array of the weights' dtype")
    cdef fnn_int M = x.shape[0]
    dims[0] = x.shape[1]
    cdef cnp.ndarray Wl, bl, yl
    for l in range(L):
        Wl = weights[l]
        if Wl.ndim != 2 or cnp.PyArray_TYPE(Wl) != t or not cnp.PyArray_IS_C_CONTIGUOUS(Wl) or \
                not cnp.PyArray_ISALIGNED(Wl) or Wl.shape[1] != dims[l] or Wl.shape[0] < 1 or \
                dims[l] < 1:
            raise ValueError(f"linear_chain: weight {l} must be C-contiguous ({Wl.shape[0]}, "
                             f"{dims[l]}) of one float dtype with the input")
        dims[l + 1] = Wl.shape[0]
        W[l] = cnp.PyArray_DATA(Wl)
        b[l] = NULL
        if biases[l] is not None:
            bl = biases[l]
            if bl.ndim != 1 or cnp.PyArray_TYPE(bl) != t or bl.shape[0] != dims[l + 1] or \
                    not cnp.PyArray_IS_C_CONTIGUOUS(bl) or not cnp.PyArray_ISALIGNED(bl):
                raise ValueError(f"linear_chain: bias {l} must be C-contiguous ({dims[l + 1]},)")
            b[l] = cnp.PyArray_DATA(bl)
        acts[l] = _activation(activations[l], "activation")
        sl[l] = slopes[l]
        if acts[l] == FNN_ACT_LEAKY_RELU and sl[l] < 0:
            raise ValueError("linear_chain: a leaky_relu slope must be >= 0")
        yl = outs[l]
        if yl.ndim != 2 or cnp.PyArray_TYPE(yl) != t or yl.shape[0] != M or \
                yl.shape[1] != dims[l + 1] or not cnp.PyArray_IS_C_CONTIGUOUS(yl) or \
                not cnp.PyArray_ISALIGNED(yl):
            raise ValueError(f"linear_chain: output {l} must be C-contiguous ({M}, {dims[l + 1]})")
        y[l] = cnp.PyArray_DATA(yl)
    return 0


def linear_chain_forward(cnp.ndarray x, list weights, list biases, list activations,
                         list slopes, list outs):
    """outs[l] = act_l(x_l @ weights[l].T + biases[l]) for each layer, x_0 = x
    and x_{l+1} = outs[l]: x (M, in) float32 or float64, weights[l] (N_l,
    N_{l-1}), biases[l] (N_l,) or None, activations[l] None, 'relu',
    'leaky_relu' (slopes[l] >= 0), 'sigmoid' or 'tanh', outs[l] (M, N_l)
    written in place (C-contiguous, writeable). The bits of linear() layer
    by layer."""
    cdef int t = cnp.PyArray_TYPE(x)
    if t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64:
        raise TypeError("linear_chain_forward: x must be float32 or float64")
    cdef fnn_int dims[CHAIN_MAX + 1]
    cdef fnn_act acts[CHAIN_MAX]
    cdef double sl[CHAIN_MAX]
    cdef const void *W[CHAIN_MAX]
    cdef const void *b[CHAIN_MAX]
    cdef void *y[CHAIN_MAX]
    _chain_plan(x, weights, biases, activations, slopes, outs, t, dims, acts, sl, W, b, y)
    for o in outs:
        if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>o):
            raise ValueError("linear_chain_forward: outputs must be writeable")
    cdef fnn_linear_chain c
    c.layers, c.M, c.dims, c.acts, c.slopes = len(weights), x.shape[0], dims, acts, sl
    cdef const void *px = cnp.PyArray_DATA(x)
    cdef fnn_dtype dt = _dtype(x)
    cdef fnn_status st
    with nogil:
        st = fnn_linear_chain_forward(dt, &c, px, W, b, y)
    _check_status(st)


def linear_chain_backward(cnp.ndarray grad_out, cnp.ndarray x, list weights, list outs,
                          list activations, list slopes, list betas, list grad_weights,
                          list grad_biases, grad_x):
    """The backward of linear_chain_forward in one call, top layer first:
    grad_weights[l] = dz_lᵀ x_l + betas[l]·grad_weights[l] and grad_biases[l]
    = Σ dz_l + betas[l]·grad_biases[l] (each C-contiguous, writeable; a spare
    (N_l,) buffer for a layer without bias), with dz_l the gradient of layer
    l's pre-activation; grad_x (M, in) = dz_0 @ weights[0] when not None.
    grad_out (M, N_last) is the gradient of outs[-1]."""
    cdef int t = cnp.PyArray_TYPE(x)
    if t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64:
        raise TypeError("linear_chain_backward: x must be float32 or float64")
    cdef fnn_int dims[CHAIN_MAX + 1]
    cdef fnn_act acts[CHAIN_MAX]
    cdef double sl[CHAIN_MAX]
    cdef double beta[CHAIN_MAX]
    cdef const void *W[CHAIN_MAX]
    cdef const void *b[CHAIN_MAX]
    cdef void *y[CHAIN_MAX]
    cdef void *dW[CHAIN_MAX]
    cdef void *db[CHAIN_MAX]
    cdef int L = len(weights), l
    _chain_plan(x, weights, [None] * L, activations, slopes, outs, t, dims, acts, sl, W, b, y)
    if len(betas) != L or len(grad_weights) != L or len(grad_biases) != L:
        raise ValueError("linear_chain_backward: one beta, grad_weight and grad_bias per layer")
    cdef fnn_int M = x.shape[0]
    cdef cnp.ndarray gw, gb, G = grad_out, GX
    if G.ndim != 2 or cnp.PyArray_TYPE(G) != t or G.shape[0] != M or G.shape[1] != dims[L] or \
            not cnp.PyArray_IS_C_CONTIGUOUS(G) or not cnp.PyArray_ISALIGNED(G):
        raise ValueError(f"linear_chain_backward: grad_out must be C-contiguous ({M}, {dims[L]})")
    for l in range(L):
        gw, gb = grad_weights[l], grad_biases[l]
        if gw.ndim != 2 or gw.shape[0] != dims[l + 1] or gw.shape[1] != dims[l] or \
                gb.ndim != 1 or gb.shape[0] != dims[l + 1] or cnp.PyArray_TYPE(gw) != t or \
                cnp.PyArray_TYPE(gb) != t or not cnp.PyArray_IS_C_CONTIGUOUS(gw) or \
                not cnp.PyArray_IS_C_CONTIGUOUS(gb) or not cnp.PyArray_ISWRITEABLE(gw) or \
                not cnp.PyArray_ISWRITEABLE(gb) or not cnp.PyArray_ISALIGNED(gw) or \
                not cnp.PyArray_ISALIGNED(gb):
            raise ValueError(f"linear_chain_backward: grad_weight {l} ({dims[l + 1]}, {dims[l]}) "
                             f"and grad_bias {l} ({dims[l + 1]},) must be C-contiguous, writeable")
        dW[l] = cnp.PyArray_DATA(gw)
        db[l] = cnp.PyArray_DATA(gb)
        beta[l] = 1.0 if betas[l] else 0.0
    cdef void *pgx = NULL
    if grad_x is not None:
        GX = grad_x
        if GX.ndim != 2 or cnp.PyArray_TYPE(GX) != t or GX.shape[0] != M or \
                GX.shape[1] != dims[0] or not cnp.PyArray_IS_C_CONTIGUOUS(GX) or \
                not cnp.PyArray_ISWRITEABLE(GX) or not cnp.PyArray_ISALIGNED(GX):
            raise ValueError(f"linear_chain_backward: grad_x must be C-contiguous ({M}, {dims[0]})")
        pgx = cnp.PyArray_DATA(GX)
    cdef fnn_linear_chain c
    c.layers, c.M, c.dims, c.acts, c.slopes = L, M, dims, acts, sl
    cdef const void *pg = cnp.PyArray_DATA(G)
    cdef const void *px = cnp.PyArray_DATA(x)
    cdef fnn_dtype dt = _dtype(x)
    cdef fnn_status st
    with nogil:
        st = fnn_linear_chain_backward(dt, &c, pg, px, W, <const void *const *>y, beta, dW, db,
                                       pgx)
    _check_status(st)
