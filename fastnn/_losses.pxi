# Bindings of csrc/softmax.c and csrc/losses.c: softmax, log_softmax,
# softmax cross-entropy and the elementwise losses, each returning the loss
# and its gradient from one pass.

cdef dict _REDUCTIONS = {"none": FNN_REDUCTION_NONE, "mean": FNN_REDUCTION_MEAN,
                         "sum": FNN_REDUCTION_SUM}


cdef fnn_reduction _reduction(value) except *:
    if isinstance(value, str) and value in _REDUCTIONS:
        return _REDUCTIONS[value]
    raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got {value!r}")


cdef cnp.ndarray _index_array(obj, str name):
    """`obj` as a C-contiguous int64 array; floats and bools are refused."""
    cdef cnp.ndarray a = _as_array(obj, name)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers (class indices), got dtype {a.dtype}")
    if a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} has values beyond the int64 range")
    if cnp.PyArray_TYPE(a) != cnp.NPY_INT64:
        return np.array(a, dtype=np.int64, order="C")
    return _c_order(a)


cdef int _check_indices(cnp.ndarray idx, str name, int64_t upper, int64_t allowed,
                        str what) except -1:
    cdef fnn_int n = cnp.PyArray_SIZE(idx)
    cdef const int64_t *p = <const int64_t *>cnp.PyArray_DATA(idx)
    cdef fnn_int bad
    with nogil:
        bad = fnn_find_bad_index(n, p, upper, allowed)
    if bad >= 0:
        raise ValueError(f"{name}[{bad}] = {p[bad]} is out of range: {what}")
    return 0


cdef _softmax_impl(x, dim, out, int log):
    cdef cnp.ndarray X = _float_array(x, "x")
    if X.ndim < 1:
        raise ValueError("x must have at least 1 dimension, got a scalar")
    cdef int d = _int_arg(dim, "dim", -X.ndim, X.ndim - 1)
    if d < 0:
        d += X.ndim
    cdef cnp.ndarray Y = _elementwise_out(out, "out", X, (X,), ("x",))
    cdef cnp.ndarray Xm = _c_order(np.moveaxis(X, d, -1))
    cdef bint direct = d == X.ndim - 1
    cdef cnp.ndarray R = Y if direct else cnp.PyArray_EMPTY(Xm.ndim, Xm.shape, cnp.PyArray_TYPE(Xm), 0)
    cdef fnn_int C = X.shape[d]
    cdef fnn_int M = cnp.PyArray_SIZE(X) // C if C > 0 else 0
    cdef void *px = cnp.PyArray_DATA(Xm)
    cdef void *py = cnp.PyArray_DATA(R)
    cdef fnn_dtype t = _dtype(X)
    cdef fnn_status st
    with nogil:
        st = fnn_softmax(t, log, M, C, px, py)
    _check_status(st)
    if not direct:
        Y[...] = np.moveaxis(R, -1, d)
    return Y


def softmax(x, dim=-1, out=None):
    """exp(x) / Σ exp(x) along `dim`, stable: the maximum is subtracted first.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape with at least 1 dimension
        Any layout (a non-contiguous x is copied first).
    dim : int, default -1
        The dimension normalised, in [-x.ndim, x.ndim).
    out : ndarray or None
        Shaped like x, x's dtype, C-contiguous, aligned and writeable; it may
        be x itself (in place) but must not partly overlap it. Allocated when
        None.

    Returns
    -------
    out : ndarray
        Shaped like x, x's dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If x is not float32 or float64 (or not an array of numbers), dim is
        not an int, or ``out`` is not a numpy array of x's dtype.
    ValueError
        If x is 0-d, dim is out of range, or ``out`` has another shape, is not
        C-contiguous and aligned, is read-only or partly overlaps x.
    """
    return _softmax_impl(x, dim, out, 0)


def log_softmax(x, dim=-1, out=None):
    """x − log Σ exp(x) along `dim`, stable for any finite x.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape with at least 1 dimension
        Any layout (a non-contiguous x is copied first).
    dim : int, default -1
        The dimension normalised, in [-x.ndim, x.ndim).
    out : ndarray or None
        Shaped like x, x's dtype, C-contiguous, aligned and writeable; it may
        be x itself (in place) but must not partly overlap it. Allocated when
        None.

    Returns
    -------
    out : ndarray
        Shaped like x, x's dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If x is not float32 or float64 (or not an array of numbers), dim is
        not an int, or ``out`` is not a numpy array of x's dtype.
    ValueError
        If x is 0-d, dim is out of range, or ``out`` has another shape, is not
        C-contiguous and aligned, is read-only or partly overlaps x.
    """
    return _softmax_impl(x, dim, out, 1)


def softmax_backward(y, dy, dim=-1, log=False):
    """Gradient of softmax (or log_softmax, log=True) along `dim`, from the output.

    From the forward's output y and the output's gradient dy: y·(dy − Σ dy·y)
    for softmax, dy − exp(y)·Σ dy for log_softmax (sums along `dim`).

    Parameters
    ----------
    y : array_like, float32 or float64, any shape with at least 1 dimension
        The forward's output: softmax(x, dim), or log_softmax(x, dim) with
        log=True.
    dy : array_like, shaped like y, same dtype
        dL/dy, the gradient with respect to y.
    dim : int, default -1
        The dimension the forward normalised, in [-y.ndim, y.ndim).
    log : bool, default False
        y is the output of log_softmax (else of softmax).

    Returns
    -------
    grad_x : ndarray
        dL/dx, a new C-contiguous array shaped like y, its dtype.

    Raises
    ------
    TypeError
        If y or dy is not float32 or float64 (or not an array of numbers), or
        dim is not an int.
    ValueError
        If dy differs from y in shape or dtype (two float dtypes), y is 0-d,
        or dim is out of range.
    """
    cdef cnp.ndarray Y = _float_array(y, "y")
    cdef cnp.ndarray G = _float_array(dy, "dy")
    if Y.ndim < 1:
        raise ValueError("y must have at least 1 dimension, got a scalar")
    ys, gs = (<object>Y).shape, (<object>G).shape
    if gs != ys or G.dtype != Y.dtype:
        raise ValueError(f"dy must match y in shape and dtype: {G.dtype}{gs} vs {Y.dtype}{ys}")
    cdef int d = _int_arg(dim, "dim", -Y.ndim, Y.ndim - 1)
    if d < 0:
        d += Y.ndim
    cdef cnp.ndarray Ym = _c_order(np.moveaxis(Y, d, -1))
    cdef cnp.ndarray Gm = _c_order(np.moveaxis(G, d, -1))
    cdef cnp.ndarray R = cnp.PyArray_EMPTY(Ym.ndim, Ym.shape, cnp.PyArray_TYPE(Ym), 0)
    cdef fnn_int C = Y.shape[d]
    cdef fnn_int M = cnp.PyArray_SIZE(Y) // C if C > 0 else 0
    cdef void *py = cnp.PyArray_DATA(Ym)
    cdef void *pg = cnp.PyArray_DATA(Gm)
    cdef void *pr = cnp.PyArray_DATA(R)
    cdef int lg = 1 if log else 0
    cdef fnn_dtype t = _dtype(Y)
    cdef fnn_status st
    with nogil:
        st = fnn_softmax_backward(t, lg, M, C, py, pg, pr)
    _check_status(st)
    return R if d == Y.ndim - 1 else np.ascontiguousarray(np.moveaxis(R, -1, d))


def softmax_cross_entropy(logits, target, reduction="mean", label_smoothing=0.0, weight=None,
                          ignore_index=-100, need_grad=True):
    """Cross-entropy of softmax(logits) and its gradient in one pass per row,
    with the arguments and definitions of torch.nn.functional.cross_entropy.

    Parameters
    ----------
    logits : float32 or float64 array (N, C)
    target : int array (N,) of class indices in [0, C) (or ignore_index), or a
        float array (N, C) of class probabilities, same dtype as logits
    reduction : 'none' | 'mean' | 'sum'
        'mean' divides by the summed weights w[target] of the rows not ignored
        (class indices; NaN if every row is ignored) or by N (probabilities).
    label_smoothing : float in [0, 1]
    weight : float array (C,) of class weights, same dtype, or None
    ignore_index : int; rows with this target add nothing (class indices only)
    need_grad : bool; False skips the gradient (returns None for it)

    Returns
    -------
    (loss, grad_logits) : loss is a scalar of logits' dtype ('mean'/'sum') or an
        array (N,) ('none'); grad_logits (N, C) is the gradient of that loss
        (for 'none', row i holds the gradient of loss[i]).

    Raises
    ------
    TypeError
        If logits is not float32 or float64; target holds floats but is 1-D
        (class indices must be integers), or holds neither integers nor
        logits' dtype; weight is not of logits' dtype; or ignore_index is
        not an int.
    ValueError
        If logits is not 2-D or has no class; target or weight has the wrong
        shape; a class index is outside [0, C) and is not ignore_index;
        reduction is unknown; or label_smoothing is not in [0, 1].
    """
    cdef cnp.ndarray X = _float_array(logits, "logits")
    if X.ndim != 2:
        raise ValueError(f"logits must be a 2-D array (N, C), got shape {_shp(X)}")
    cdef fnn_int N = X.shape[0], C = X.shape[1]
    if C < 1:
        raise ValueError("logits must have at least one class (C >= 1)")
    cdef fnn_reduction red = _reduction(reduction)
    cdef double eps = _finite(label_smoothing, "label_smoothing")
    if eps < 0 or eps > 1:
        raise ValueError(f"label_smoothing must be in [0, 1], got {eps}")
    cdef int64_t ignore = _int_arg(ignore_index, "ignore_index", -2 ** 63, 2 ** 63 - 1)
    X = _c_order(X)

    cdef cnp.ndarray T = _as_array(target, "target")
    cdef cnp.ndarray idx = None, Q = None
    if T.dtype.kind == "f":
        if T.ndim == 1:
            raise TypeError(f"target holds floats with shape {_shp(T)}: class indices must be "
                            f"integers (N,), probabilities must be (N, C) = ({N}, {C})")
        _same_dtype(T, "target", X, "logits")
        if _shp(T) != (N, C):
            raise ValueError(f"target probabilities must have the shape of logits ({N}, {C}), "
                             f"got {_shp(T)}")
        Q = _c_order(T)
    else:
        idx = _index_array(T, "target")
        if idx.ndim != 1 or idx.shape[0] != N:
            raise ValueError(f"target must have shape ({N},) to match logits, got {_shp(idx)}")
        _check_indices(idx, "target", C, ignore,
                       f"class indices must be in [0, {C}) or ignore_index={ignore}")

    cdef cnp.ndarray W = None
    if weight is not None:
        W = _float_array(weight, "weight")
        _same_dtype(W, "weight", X, "logits")
        if W.ndim != 1 or W.shape[0] != C:
            raise ValueError(f"weight must have shape ({C},), got {_shp(W)}")
        W = _c_order(W)

    cdef int typ = cnp.PyArray_TYPE(X)
    cdef cnp.ndarray rows = cnp.PyArray_EMPTY(1, [N], typ, 0)
    cdef cnp.ndarray roww = cnp.PyArray_EMPTY(1, [N], typ, 0)
    cdef cnp.ndarray G = cnp.PyArray_EMPTY(2, [N, C], typ, 0) if need_grad else None
    cdef void *px = cnp.PyArray_DATA(X)
    cdef const int64_t *pt = NULL if idx is None else <const int64_t *>cnp.PyArray_DATA(idx)
    cdef void *pq = NULL if Q is None else cnp.PyArray_DATA(Q)
    cdef void *pw = NULL if W is None else cnp.PyArray_DATA(W)
    cdef void *pr = cnp.PyArray_DATA(rows)
    cdef void *prw = cnp.PyArray_DATA(roww)
    cdef void *pg = NULL if G is None else cnp.PyArray_DATA(G)
    cdef double total = 0
    cdef fnn_dtype t = _dtype(X)
    cdef fnn_status st
    with nogil:
        st = fnn_softmax_xent(t, N, C, px, pt, pq, pw, eps, ignore, red, pr, prw, &total, pg)
    _check_status(st)
    loss = rows if red == FNN_REDUCTION_NONE else X.dtype.type(total)
    return loss, G


cdef dict _LOSS_NAMES = {FNN_LOSS_MSE: "mse_loss", FNN_LOSS_L1: "l1_loss",
                         FNN_LOSS_HUBER: "huber_loss",
                         FNN_LOSS_BCE_LOGITS: "binary_cross_entropy_with_logits",
                         FNN_LOSS_POISSON: "poisson_nll_loss"}


cdef tuple _pointwise(fnn_loss kind, input, target, reduction, double delta, weight, pos_weight,
                      bint need_grad):
    cdef cnp.ndarray X = _float_array(input, "input")
    cdef cnp.ndarray Y = _float_array(target, "target")
    _same_dtype(Y, "target", X, "input")
    if _shp(Y) != _shp(X):
        raise ValueError(f"target must have the shape of input {_shp(X)}, got {_shp(Y)}")
    cdef fnn_reduction red = _reduction(reduction)
    X = _c_order(X)
    Y = _c_order(Y)
    cdef cnp.ndarray Wt = None, P = None
    cdef fnn_int C = X.shape[X.ndim - 1] if X.ndim > 0 else 1
    if weight is not None:
        Wt = _float_array(weight, "weight")
        _same_dtype(Wt, "weight", X, "input")
        try:
            Wt = _c_order(np.broadcast_to(Wt, _shp(X)))
        except ValueError:
            raise ValueError(f"weight of shape {_shp(Wt)} does not broadcast to input {_shp(X)}")
    if pos_weight is not None:
        P = _float_array(pos_weight, "pos_weight")
        _same_dtype(P, "pos_weight", X, "input")
        try:
            P = _c_order(np.broadcast_to(P, (C,)))
        except ValueError:
            raise ValueError(f"pos_weight of shape {_shp(P)} does not broadcast to the last "
                             f"dimension of input ({C},)")
    cdef int typ = cnp.PyArray_TYPE(X)
    cdef fnn_int n = cnp.PyArray_SIZE(X)
    cdef cnp.ndarray L = cnp.PyArray_EMPTY(X.ndim, X.shape, typ, 0) if red == FNN_REDUCTION_NONE else None
    cdef cnp.ndarray G = cnp.PyArray_EMPTY(X.ndim, X.shape, typ, 0) if need_grad else None
    cdef void *px = cnp.PyArray_DATA(X)
    cdef void *py = cnp.PyArray_DATA(Y)
    cdef void *pw = NULL if Wt is None else cnp.PyArray_DATA(Wt)
    cdef void *pp = NULL if P is None else cnp.PyArray_DATA(P)
    cdef void *pl = NULL if L is None else cnp.PyArray_DATA(L)
    cdef void *pg = NULL if G is None else cnp.PyArray_DATA(G)
    cdef double total = 0
    cdef fnn_dtype t = _dtype(X)
    cdef fnn_status st
    with nogil:
        st = fnn_elementwise_loss(t, kind, n, px, py, pw, pp, C, delta, red, pl, &total, pg)
    _check_status(st)
    return (L if L is not None else X.dtype.type(total)), G


def mse_loss(input, target, reduction="mean", need_grad=True):
    """Mean squared error (input − target)² and its gradient in input.

    input and target: float arrays of one shape and dtype; the loss and the
    gradient come from one pass.

    Parameters
    ----------
    input : array_like, float32 or float64, any shape
        Any layout (a non-contiguous input is copied first).
    target : array_like, shaped like input, same dtype
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        'mean' averages the elements' losses, 'sum' adds them, 'none' keeps
        each one.
    need_grad : bool, default True
        False skips the gradient (None is returned for it).

    Returns
    -------
    loss : numpy scalar or ndarray
        A scalar of input's dtype ('mean', 'sum') or an array shaped like
        input ('none').
    grad : ndarray or None
        The gradient of `loss` with respect to input, shaped like input, its
        dtype: 2·(input − target), divided by input.size for 'mean'; for
        'none', element i holds the gradient of loss[i]. None with
        need_grad=False.

    Raises
    ------
    TypeError
        If input or target is not float32 or float64 (or not an array of
        numbers), or their dtypes differ.
    ValueError
        If target's shape differs from input's, or reduction is not 'mean',
        'sum' or 'none'.
    """
    return _pointwise(FNN_LOSS_MSE, input, target, reduction, 0.0, None, None, need_grad)


def l1_loss(input, target, reduction="mean", need_grad=True):
    """|input − target| and its gradient sign(input − target) (0 where equal).

    Parameters
    ----------
    input : array_like, float32 or float64, any shape
        Any layout (a non-contiguous input is copied first).
    target : array_like, shaped like input, same dtype
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        'mean' averages the elements' losses, 'sum' adds them, 'none' keeps
        each one.
    need_grad : bool, default True
        False skips the gradient (None is returned for it).

    Returns
    -------
    loss : numpy scalar or ndarray
        A scalar of input's dtype ('mean', 'sum') or an array shaped like
        input ('none').
    grad : ndarray or None
        The gradient of `loss` with respect to input, shaped like input, its
        dtype: sign(input − target) (0 where equal), divided by input.size
        for 'mean'; for 'none', element i holds the gradient of loss[i].
        None with need_grad=False.

    Raises
    ------
    TypeError
        If input or target is not float32 or float64 (or not an array of
        numbers), or their dtypes differ.
    ValueError
        If target's shape differs from input's, or reduction is not 'mean',
        'sum' or 'none'.
    """
    return _pointwise(FNN_LOSS_L1, input, target, reduction, 0.0, None, None, need_grad)


def huber_loss(input, target, reduction="mean", delta=1.0, need_grad=True):
    """Huber loss and its gradient in input, as torch.nn.functional.huber_loss.

    Quadratic below delta, linear above: with d = input − target, d²/2 where
    |d| < delta, else delta·(|d| − delta/2). delta > 0.

    Parameters
    ----------
    input : array_like, float32 or float64, any shape
        Any layout (a non-contiguous input is copied first).
    target : array_like, shaped like input, same dtype
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        'mean' averages the elements' losses, 'sum' adds them, 'none' keeps
        each one.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; finite and > 0.
    need_grad : bool, default True
        False skips the gradient (None is returned for it).

    Returns
    -------
    loss : numpy scalar or ndarray
        A scalar of input's dtype ('mean', 'sum') or an array shaped like
        input ('none').
    grad : ndarray or None
        The gradient of `loss` with respect to input, shaped like input, its
        dtype: d where |d| < delta, else delta·sign(d), divided by
        input.size for 'mean'; for 'none', element i holds the gradient of
        loss[i]. None with need_grad=False.

    Raises
    ------
    TypeError
        If input or target is not float32 or float64 (or not an array of
        numbers), their dtypes differ, or delta is not a real number.
    ValueError
        If target's shape differs from input's, delta is not finite or is
        <= 0, or reduction is not 'mean', 'sum' or 'none'.
    """
    cdef double d = _finite(delta, "delta")
    if d <= 0:
        raise ValueError(f"delta must be > 0, got {d}")
    return _pointwise(FNN_LOSS_HUBER, input, target, reduction, d, None, None, need_grad)


def poisson_nll_loss(input, target, weight=None, reduction="mean", need_grad=True):
    """Poisson negative log-likelihood of counts target at log-rates input.

    Each element's loss is exp(x) − y·x (PyTorch's poisson_nll_loss with
    log_input=True, full=False), times its weight; the gradient exp(x) − y.

    Parameters
    ----------
    input : array_like, float32 or float64, any shape
        The log-rates; any layout (a non-contiguous input is copied first).
    target : array_like, shaped like input, same dtype
        The counts (not checked).
    weight : array_like or None, input's dtype
        A weight per element, broadcast to input's shape. None: 1.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    need_grad : bool, default True
        False skips the gradient (None is returned for it).

    Returns
    -------
    loss : numpy scalar or ndarray
        A scalar of input's dtype ('mean', 'sum') or an array shaped like
        input ('none').
    grad : ndarray or None
        weight·(exp(x) − y), divided by input.size for 'mean'.

    Raises
    ------
    TypeError, ValueError
        As binary_cross_entropy_with_logits.
    """
    return _pointwise(FNN_LOSS_POISSON, input, target, reduction, 0.0, weight, None, need_grad)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None, need_grad=True):
    """Binary cross-entropy of sigmoid(input) against target, from the logits.

    Computed from the logits without overflow, as PyTorch's function of that
    name: with x = input, y = target and p = pos_weight, each element's loss
    is p·y·softplus(−x) + (1 − y)·softplus(x), times its weight. weight
    broadcasts to input; pos_weight to its last dimension.

    Parameters
    ----------
    input : array_like, float32 or float64, any shape
        The logits; any layout (a non-contiguous input is copied first).
    target : array_like, shaped like input, same dtype
        Probabilities in [0, 1] (not checked).
    weight : array_like or None, input's dtype
        A weight per element, broadcast to input's shape; it multiplies the
        loss and the gradient. None: 1.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        'mean' averages the elements' losses, 'sum' adds them, 'none' keeps
        each one.
    pos_weight : array_like or None, input's dtype
        The weight of the positive term, broadcast to (C,) with C input's
        last dimension (1 for a 0-d input), as PyTorch's per-class
        pos_weight. None: 1.
    need_grad : bool, default True
        False skips the gradient (None is returned for it).

    Returns
    -------
    loss : numpy scalar or ndarray
        A scalar of input's dtype ('mean', 'sum') or an array shaped like
        input ('none').
    grad : ndarray or None
        The gradient of `loss` with respect to input, shaped like input, its
        dtype: weight·((1 − y)·sigmoid(x) − p·y·sigmoid(−x)), divided by
        input.size for 'mean'; for 'none', element i holds the gradient of
        loss[i]. None with need_grad=False.

    Raises
    ------
    TypeError
        If input, target, weight or pos_weight is not float32 or float64 (or
        not an array of numbers), or their dtypes differ.
    ValueError
        If target's shape differs from input's, weight does not broadcast to
        input's shape or pos_weight to its last dimension, or reduction is not
        'mean', 'sum' or 'none'.
    """
    return _pointwise(FNN_LOSS_BCE_LOGITS, input, target, reduction, 0.0, weight, pos_weight,
                      need_grad)
