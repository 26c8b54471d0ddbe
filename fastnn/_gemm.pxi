# Bindings of csrc/gemm.c: matmul, linear, linear_backward (each one C call
# after the argument checks).

# Up to this many rows a GEMM takes its row-by-row path, whose results may
# differ in the last bits from the same rows in a bigger call (fastnn.h).
GEMM_SMALL_M = FNN_GEMM_SMALL_M


cdef int _gemm(bint ta, bint tb, fnn_int M, fnn_int N, fnn_int K,
               cnp.ndarray a, fnn_int lda, cnp.ndarray b, fnn_int ldb, double beta,
               cnp.ndarray c, fnn_int ldc, const fnn_epilogue *ep) except -1:
    cdef void *pa = cnp.PyArray_DATA(a)
    cdef void *pb = cnp.PyArray_DATA(b)
    cdef void *pc = cnp.PyArray_DATA(c)
    cdef fnn_dtype t = _dtype(c)
    cdef fnn_status st
    with nogil:
        st = fnn_gemm(t, ta, tb, M, N, K, pa, lda, pb, ldb, beta, pc, ldc, ep)
    return _check_status(st)


def matmul(a, b, transpose_a=False, transpose_b=False, out=None, beta=0.0):
    """Matrix product ``out = op(a) @ op(b) + beta * out``.

    Parameters
    ----------
    a : ndarray, float32 or float64, shape (M, K), or (K, M) with transpose_a
    b : ndarray, same dtype as a, shape (K, N), or (N, K) with transpose_b
    transpose_a, transpose_b : bool
        Use the transpose of the operand (no copy is made).
    out : ndarray (M, N), same dtype, C-contiguous, not overlapping a or b
        Written in place; allocated when None.
    beta : float
        Scale of the previous contents of ``out`` (needs ``out``). With
        beta = 0 they are never read.

    Returns
    -------
    out : ndarray (M, N)

    Raises
    ------
    TypeError
        If a or b is not float32 or float64, their dtypes differ, or ``out``
        is not a numpy array of their dtype.
    ValueError
        If a or b is not 2-D, their inner dimensions differ, beta is not
        finite or is not 0 without ``out``, or ``out`` has another shape, is
        not C-contiguous and aligned, is read-only or overlaps a or b.

    Inputs of any layout are accepted: row strides and transposed
    (Fortran-ordered) arrays are used as they are, other layouts are copied.
    """
    cdef cnp.ndarray A = _float_array(a, "a")
    cdef cnp.ndarray B = _float_array(b, "b")
    _same_dtype(B, "b", A, "a")
    if A.ndim != 2:
        raise ValueError(f"a must be a 2-D array, got shape {_shp(A)}")
    if B.ndim != 2:
        raise ValueError(f"b must be a 2-D array, got shape {_shp(B)}")
    cdef bint ta = bool(transpose_a), tb = bool(transpose_b)
    cdef fnn_int M = A.shape[1] if ta else A.shape[0]
    cdef fnn_int K = A.shape[0] if ta else A.shape[1]
    cdef fnn_int Kb = B.shape[1] if tb else B.shape[0]
    cdef fnn_int N = B.shape[0] if tb else B.shape[1]
    if Kb != K:
        raise ValueError(f"a and b do not agree: op(a) is {M}x{K} but op(b) is {Kb}x{N} "
                         f"(transpose_a={ta}, transpose_b={tb})")
    cdef double bt = _finite(beta, "beta")
    cdef cnp.ndarray C
    if out is None:
        if bt != 0:
            raise ValueError(f"beta={bt} needs out= to accumulate into")
        C = cnp.PyArray_EMPTY(2, [M, N], cnp.PyArray_TYPE(A), 0)
    else:
        C = _check_out(out, "out", (M, N), A, (A, B), ("a", "b"))
    cdef Layout la, lb
    A = _rowmajor(A, &la, True)
    B = _rowmajor(B, &lb, True)
    _gemm(ta ^ la.flipped, tb ^ lb.flipped, M, N, K, A, la.ld, B, lb.ld, bt, C, max(N, 1), NULL)
    return C


cdef fnn_int _rows(cnp.ndarray x, str name, fnn_int features, str features_of) except -1:
    """The product of x's leading dims, checking that its last is `features`
    (C-level: no tuples on the common path)."""
    if x.ndim < 1:
        raise ValueError(f"{name} must have at least 1 dimension, got a scalar")
    if x.shape[x.ndim - 1] != features:
        raise ValueError(f"{name} has {x.shape[x.ndim - 1]} features in its last dimension "
                         f"(shape {_shp(x)}) but {features_of} expects {features}")
    cdef fnn_int rows = 1
    cdef int d
    for d in range(x.ndim - 1):
        rows *= x.shape[d]
    return rows


cdef cnp.ndarray _empty_like_rows(cnp.ndarray x, fnn_int last):
    """An empty C-ordered array shaped like x but with `last` as its last dim
    (any number of dims: numpy allows 64)."""
    cdef cnp.npy_intp dims[8]
    cdef int d, nd = x.ndim
    if nd > 8:
        return np.empty(_shp(x)[:nd - 1] + (last,), dtype=x.dtype)
    for d in range(nd - 1):
        dims[d] = x.shape[d]
    dims[nd - 1] = last
    return cnp.PyArray_EMPTY(nd, dims, cnp.PyArray_TYPE(x), 0)


cdef bint _same_leading(cnp.ndarray a, cnp.ndarray b):
    if a.ndim != b.ndim:
        return False
    cdef int d
    for d in range(a.ndim - 1):
        if a.shape[d] != b.shape[d]:
            return False
    return True


cdef cnp.ndarray _as_matrix(cnp.ndarray x, fnn_int rows, fnn_int cols):
    """x (*, cols) viewed as rows×cols; no Python call when x is already 2-D."""
    if x.ndim == 2:
        return x
    return x.reshape(rows, cols)


def linear(x, weight, bias=None, activation=None, negative_slope=0.01, out=None):
    """Fused fully connected layer ``act(x @ weight.T + bias)`` in one kernel.

    Parameters
    ----------
    x : ndarray, float32 or float64, shape (*, in_features)
    weight : ndarray, same dtype, shape (out_features, in_features) as in PyTorch
    bias : ndarray (out_features,), same dtype, or None
    activation : None, 'identity', 'relu', 'leaky_relu', 'sigmoid' or 'tanh'
        Applied to each output while it is still in registers.
    negative_slope : float
        Slope of 'leaky_relu' for negative inputs.
    out : ndarray (*, out_features), same dtype, C-contiguous, or None

    Returns
    -------
    out : ndarray (*, out_features)

    Raises
    ------
    TypeError
        If an operand is not float32 or float64, the dtypes differ, or
        ``out`` is not a numpy array of their dtype.
    ValueError
        If weight is not 2-D, x's last dimension is not in_features, bias is
        not (out_features,), activation is unknown, negative_slope is not
        finite, or ``out`` has another shape, is not C-contiguous and
        aligned, is read-only or overlaps an input.
    """
    cdef cnp.ndarray X = _float_array(x, "x")
    cdef cnp.ndarray W = _float_array(weight, "weight")
    _same_dtype(W, "weight", X, "x")
    if W.ndim != 2:
        raise ValueError(f"weight must be a 2-D array (out_features, in_features), got shape {_shp(W)}")
    cdef fnn_int N = W.shape[0], K = W.shape[1]
    cdef fnn_int M = _rows(X, "x", K, "weight")
    cdef fnn_epilogue ep
    ep.mode = FNN_EPI_FORWARD
    ep.act = _activation(activation, "activation")
    ep.slope = _finite(negative_slope, "negative_slope")
    ep.bias = NULL
    ep.saved = NULL
    ep.lds = 0
    cdef cnp.ndarray Bv = None
    if bias is not None:
        Bv = _float_array(bias, "bias")
        _same_dtype(Bv, "bias", X, "x")
        if Bv.ndim != 1 or Bv.shape[0] != N:
            raise ValueError(f"bias must have shape ({N},), got {_shp(Bv)}")
        Bv = _c_order(Bv)
        ep.bias = cnp.PyArray_DATA(Bv)
    cdef cnp.ndarray C
    if out is None:
        C = _empty_like_rows(X, N)
    else:
        C = _check_out(out, "out", _shp(X)[:X.ndim - 1] + (N,), X, (X, W, Bv), ("x", "weight", "bias"))
    cdef Layout lx, lw
    X = _rowmajor(_as_matrix(X, M, K), &lx, True)
    W = _rowmajor(W, &lw, True)
    # Y = X · Wᵀ: W is stored N×K, so op(B) is its transpose
    _gemm(lx.flipped, 1 ^ lw.flipped, M, N, K, X, lx.ld, W, lw.ld, 0.0, C, max(N, 1), &ep)
    return C


cdef double _slope_for_grad(fnn_act act, value, str name) except? -1.0:
    cdef double s = _finite(value, name)
    if act == FNN_ACT_LEAKY_RELU and s < 0:
        raise ValueError(f"{name} must be >= 0 for the derivative of leaky_relu taken from its "
                         f"output (a negative slope makes the output's sign ambiguous), got {s}")
    return s


def linear_backward(grad_out, x, weight, saved=None, activation=None, negative_slope=0.01,
                    need_input_grad=True, input_activation=None, input_negative_slope=0.01,
                    grad_weight=None, grad_bias=None, accumulate=False):
    """Gradients of the layer ``y = act(x @ weight.T + bias)``.

    Parameters
    ----------
    grad_out : ndarray (*, out_features), float32 or float64
        dL/dy, the gradient with respect to the layer's output after its activation.
    x : ndarray (*, in_features), same dtype and leading shape
    weight : ndarray (out_features, in_features)
    saved : ndarray shaped like grad_out, or None
        The layer's output y; needed when ``activation`` is not None (its
        derivative is taken from y: relu' = [y>0], leaky_relu' = 1 if y>0 else
        negative_slope, sigmoid' = y(1-y), tanh' = 1-y²).
    activation, negative_slope
        The layer's activation (None, 'identity', 'relu', 'leaky_relu',
        'sigmoid', 'tanh'); a leaky slope must be >= 0 here.
    need_input_grad : bool
        Compute grad_x (skip it for the first layer).
    input_activation, input_negative_slope
        Activation that produced ``x`` in the layer below (x is its output):
        grad_x is multiplied by its derivative in the same kernel, giving the
        gradient before that activation. None: plain dL/dx.
    grad_weight : ndarray (out_features, in_features) or None
    grad_bias : ndarray (out_features,) or None
        Output buffers (allocated when None).
    accumulate : bool
        Add into grad_weight and grad_bias (both must be given) instead of
        overwriting them, as PyTorch accumulates .grad.

    Returns
    -------
    (grad_x or None, grad_weight, grad_bias)
        grad_x = (dz @ weight) ⊙ input_activation'(x) shaped like x,
        grad_weight = dzᵀ @ x, grad_bias = Σ_rows dz, where dz = grad_out ⊙ act'(y).

    Raises
    ------
    TypeError
        If an operand is not float32 or float64, the dtypes differ, or a
        given grad_weight or grad_bias is not a numpy array of their dtype.
    ValueError
        If the shapes do not agree, an activation is unknown, a slope is not
        finite (or is negative for 'leaky_relu'), saved is missing while
        activation is not None or 'identity', accumulate is set without
        both buffers, or a buffer has another shape, is not C-contiguous
        and aligned, is read-only or overlaps an operand.
    """
    cdef cnp.ndarray G = _float_array(grad_out, "grad_out")
    cdef cnp.ndarray X = _float_array(x, "x")
    cdef cnp.ndarray X0 = X
    cdef cnp.ndarray W = _float_array(weight, "weight")
    _same_dtype(X, "x", G, "grad_out")
    _same_dtype(W, "weight", G, "grad_out")
    if W.ndim != 2:
        raise ValueError(f"weight must be a 2-D array (out_features, in_features), got shape {_shp(W)}")
    cdef fnn_int N = W.shape[0], K = W.shape[1]
    cdef fnn_int M = _rows(X, "x", K, "weight")
    _rows(G, "grad_out", N, "weight")
    if not _same_leading(X, G):
        raise ValueError(f"grad_out {_shp(G)} and x {_shp(X)} must have the same leading dimensions")
    cdef fnn_act act = _activation(activation, "activation")
    cdef fnn_act iact = _activation(input_activation, "input_activation")
    cdef double slope = _slope_for_grad(act, negative_slope, "negative_slope")
    cdef double islope = _slope_for_grad(iact, input_negative_slope, "input_negative_slope")
    cdef bint acc = bool(accumulate)
    if acc and (grad_weight is None or grad_bias is None):
        raise ValueError("accumulate=True needs both grad_weight and grad_bias buffers to add into")

    cdef cnp.ndarray S = None
    if act != FNN_ACT_IDENTITY:
        if saved is None:
            raise ValueError(f"saved (the layer's output) is required when activation={activation!r}")
        S = _float_array(saved, "saved")
        _same_dtype(S, "saved", G, "grad_out")
        if _shp(S) != _shp(G):
            raise ValueError(f"saved must have the shape of grad_out {_shp(G)}, got {_shp(S)}")

    inputs = (G, X, W, S)
    names = ("grad_out", "x", "weight", "saved")
    cdef cnp.ndarray dW, db
    if grad_weight is None:
        dW = cnp.PyArray_EMPTY(2, [N, K], cnp.PyArray_TYPE(G), 0)
    else:
        dW = _check_out(grad_weight, "grad_weight", (N, K), G, inputs, names)
    if grad_bias is None:
        db = cnp.PyArray_EMPTY(1, [N], cnp.PyArray_TYPE(G), 0)
    else:
        db = _check_out(grad_bias, "grad_bias", (N,), G, inputs + (dW,), names + ("grad_weight",))

    return _linear_backward_run(M, G, X, W, S, act, slope, iact, islope, need_input_grad, dW, db,
                                acc, X0)


cdef tuple _linear_backward_run(fnn_int M, cnp.ndarray G, cnp.ndarray X, cnp.ndarray W,
                                cnp.ndarray S,
                                fnn_act act, double slope, fnn_act iact, double islope,
                                bint need_input_grad, cnp.ndarray dW, cnp.ndarray db, bint acc,
                                cnp.ndarray X0):
    """The C call of linear_backward on checked operands: X (M, K) or (*, K),
    G (M, N) likewise, W (N, K), S like G or None; dW (N, K) and db (N,)
    C-contiguous outputs."""
    cdef fnn_int N = W.shape[0], K = W.shape[1]
    cdef Layout ly, lg, lx, lw
    cdef fnn_linear_grad a
    G = _rowmajor(_as_matrix(G, M, N), &lg, False)
    X = _rowmajor(_as_matrix(X, M, K), &lx, False)
    W = _rowmajor(W, &lw, True)
    a.M, a.N, a.K = M, N, K
    a.lddy, a.ldx, a.ldw, a.w_trans = lg.ld, lx.ld, lw.ld, lw.flipped
    a.act, a.x_act, a.slope, a.x_slope = act, iact, slope, islope
    a.ldy = 1
    cdef void *py = NULL
    if S is not None:
        S = _rowmajor(_as_matrix(S, M, N), &ly, False)
        a.ldy = ly.ld
        py = cnp.PyArray_DATA(S)
    cdef cnp.ndarray gx = None
    cdef void *pgx = NULL
    if need_input_grad:
        gx = cnp.PyArray_EMPTY(2, [M, K], cnp.PyArray_TYPE(G), 0)
        pgx = cnp.PyArray_DATA(gx)
    cdef void *pg = cnp.PyArray_DATA(G)
    cdef void *px = cnp.PyArray_DATA(X)
    cdef void *pw = cnp.PyArray_DATA(W)
    cdef void *pdw = cnp.PyArray_DATA(dW)
    cdef void *pdb = cnp.PyArray_DATA(db)
    cdef double beta = 1.0 if acc else 0.0
    cdef fnn_dtype t = _dtype(G)
    cdef fnn_status st
    with nogil:
        st = fnn_linear_backward(t, &a, pg, py, px, pw, beta, pdw, pdb, pgx)
    _check_status(st)
    if gx is not None and X0.ndim != 2:
        gx = gx.reshape(_shp(X0))
    return gx, dW, db


def linear_backward_into(cnp.ndarray grad_out, cnp.ndarray x, cnp.ndarray weight, saved,
                         activation, double negative_slope, bint need_input_grad,
                         cnp.ndarray grad_weight, cnp.ndarray grad_bias, bint accumulate):
    """linear_backward for fastnn's own autograd (LinearBackward), the
    trusted form: the weight and bias gradients go into grad_weight and
    grad_bias (filled, or added into with accumulate), buffers the backward
    engine owns (a .grad, or a parameter's home in the arena), and the
    operands come from the layer's own forward. It skips what the public
    function checks for a user's arrays (overlaps, array-likes, layouts of
    outputs) and keeps the checks that keep memory safe: one float dtype,
    shapes that agree, C-contiguous writeable outputs. Returns grad_x (or
    None without need_input_grad)."""
    cdef int t = cnp.PyArray_TYPE(grad_out)
    if (t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64) or cnp.PyArray_TYPE(x) != t or \
            cnp.PyArray_TYPE(weight) != t or cnp.PyArray_TYPE(grad_weight) != t or \
            cnp.PyArray_TYPE(grad_bias) != t:
        raise TypeError("linear_backward_into: operands of one float dtype expected")
    if weight.ndim != 2 or x.ndim < 1 or grad_out.ndim != x.ndim:
        raise ValueError("linear_backward_into: weight must be 2-D, grad_out shaped like x")
    cdef fnn_int N = weight.shape[0], K = weight.shape[1]
    if x.shape[x.ndim - 1] != K or grad_out.shape[x.ndim - 1] != N or \
            _shp(x)[:x.ndim - 1] != _shp(grad_out)[:x.ndim - 1]:
        raise ValueError("linear_backward_into: shapes of grad_out, x and weight do not agree")
    if grad_weight.ndim != 2 or grad_weight.shape[0] != N or grad_weight.shape[1] != K or \
            grad_bias.ndim != 1 or grad_bias.shape[0] != N:
        raise ValueError("linear_backward_into: grad_weight (N, K) and grad_bias (N,) expected")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(grad_weight) and cnp.PyArray_ISWRITEABLE(grad_weight) and
            cnp.PyArray_IS_C_CONTIGUOUS(grad_bias) and cnp.PyArray_ISWRITEABLE(grad_bias) and
            cnp.PyArray_ISALIGNED(grad_weight) and cnp.PyArray_ISALIGNED(grad_bias)):
        raise ValueError("linear_backward_into: outputs must be C-contiguous, aligned, writeable")
    cdef fnn_act act = _activation(activation, "activation")
    cdef cnp.ndarray S = None
    if act != FNN_ACT_IDENTITY:
        S = saved
        if cnp.PyArray_TYPE(S) != t or _shp(S) != _shp(grad_out):
            raise ValueError("linear_backward_into: saved must be shaped like grad_out")
    if act == FNN_ACT_LEAKY_RELU and negative_slope < 0:
        raise ValueError("linear_backward_into: negative_slope must be >= 0")
    cdef fnn_int M = 1, i
    for i in range(x.ndim - 1):
        M *= x.shape[i]
    return _linear_backward_run(M, grad_out, x, weight, S, act, negative_slope, FNN_ACT_IDENTITY,
                                0.01, need_input_grad, grad_weight, grad_bias, accumulate, x)[0]
