# Bindings of csrc/activation.c: the elementwise activations and their
# derivatives, for arrays of any shape. Inputs of any layout are read (copied
# to C order when they are not); `out` must be C-contiguous and may be the
# input itself (in place) but must not partly overlap it.

cdef int _act_kernel(fnn_act act, double slope, double beta, double threshold,
                     cnp.ndarray s, cnp.ndarray dy, bint from_input,
                     cnp.ndarray out) except -1:
    """out = act(s) when dy is None, else out = dy ⊙ act'(s); C-contiguous
    arrays of one size and dtype."""
    cdef fnn_act_param p
    p.slope = slope
    p.beta = beta
    p.threshold = threshold
    cdef fnn_int n = cnp.PyArray_SIZE(out)
    cdef void *ps = cnp.PyArray_DATA(s)
    cdef void *pdy = NULL if dy is None else cnp.PyArray_DATA(dy)
    cdef void *po = cnp.PyArray_DATA(out)
    cdef fnn_dtype t = _dtype(out)
    cdef fnn_status st
    with nogil:
        if pdy == NULL:
            st = fnn_act_forward(t, act, &p, n, ps, po)
        else:
            st = fnn_act_backward(t, act, &p, from_input, n, pdy, ps, po)
    return _check_status(st)


cdef bint _same_buffer(cnp.ndarray a, cnp.ndarray b):
    """a and b are the very same C-contiguous memory (an in-place call)."""
    return (cnp.PyArray_DATA(a) == cnp.PyArray_DATA(b) and cnp.PyArray_SIZE(a) == cnp.PyArray_SIZE(b)
            and cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_IS_C_CONTIGUOUS(b))


cdef cnp.ndarray _elementwise_out(out, str name, cnp.ndarray like, tuple inputs, tuple names):
    """An output shaped like `like`: allocated, or `out` checked; `out` may be
    one of the inputs itself, but not overlap one partly."""
    if out is None:
        return cnp.PyArray_EMPTY(like.ndim, like.shape, cnp.PyArray_TYPE(like), 0)
    if cnp.PyArray_Check(out):
        keep = [(a, n) for a, n in zip(inputs, names) if not _same_buffer(<cnp.ndarray>out, a)]
        inputs = tuple(a for a, _ in keep)
        names = tuple(n for _, n in keep)
    return _check_out(out, name, _shp(like), like, inputs, names)


cdef _forward(x, fnn_act act, double slope, double beta, double threshold, out):
    cdef cnp.ndarray X = _float_array(x, "x")
    cdef cnp.ndarray Y = _elementwise_out(out, "out", X, (X,), ("x",))
    _act_kernel(act, slope, beta, threshold, _c_order(X), None, False, Y)
    return Y


cdef _backward(grad_out, saved, str saved_name, fnn_act act, double slope, double beta,
               double threshold, bint from_input, out):
    cdef cnp.ndarray G = _float_array(grad_out, "grad_out")
    cdef cnp.ndarray S = _float_array(saved, saved_name)
    _same_dtype(S, saved_name, G, "grad_out")
    if _shp(S) != _shp(G):
        raise ValueError(f"{saved_name} must have the shape of grad_out {_shp(G)}, got {_shp(S)}")
    cdef cnp.ndarray D = _elementwise_out(out, "out", G, (G, S), ("grad_out", saved_name))
    _act_kernel(act, slope, beta, threshold, _c_order(S), _c_order(G), from_input, D)
    return D


cdef cnp.ndarray _inplace_target(x):
    """x, checked as the buffer of an in-place op: an ndarray the kernel can
    write directly (C-contiguous, aligned, writeable)."""
    if not cnp.PyArray_Check(x):
        raise TypeError(f"x must be a numpy array to be modified in place, got {type(x).__name__}")
    cdef cnp.ndarray a = x
    if not (cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a)):
        raise ValueError("x must be C-contiguous and aligned to be modified in place "
                         "(use the out-of-place function and assign the result)")
    if not cnp.PyArray_ISWRITEABLE(a):
        raise ValueError("x is read-only and cannot be modified in place")
    return a


def relu(x, out=None):
    """max(x, 0) elementwise.

    NaN stays NaN.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape
        Any layout (a non-contiguous x is copied first).
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
        If x is not float32 or float64 (or not an array of numbers), or
        ``out`` is not a numpy array of x's dtype.
    ValueError
        If ``out`` has another shape, is not C-contiguous and aligned, is
        read-only or partly overlaps x.
    """
    return _forward(x, FNN_ACT_RELU, 0.0, 1.0, 20.0, out)


def relu_(x):
    """relu in place: x is overwritten with max(x, 0) and returned.

    Parameters
    ----------
    x : ndarray, float32 or float64, any shape
        C-contiguous, aligned and writeable: it is overwritten.

    Returns
    -------
    x : ndarray
        x itself.

    Raises
    ------
    TypeError
        If x is not a numpy array, or not float32 or float64.
    ValueError
        If x is not C-contiguous and aligned, or is read-only.
    """
    return _forward(x, FNN_ACT_RELU, 0.0, 1.0, 20.0, _inplace_target(x))


def leaky_relu(x, negative_slope=0.01, out=None):
    """x if x > 0 else negative_slope·x, elementwise.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape
        Any layout (a non-contiguous x is copied first).
    negative_slope : float, default 0.01
        The slope for x <= 0, finite (any sign).
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
        If x is not float32 or float64 (or not an array of numbers),
        ``out`` is not a numpy array of x's dtype, or negative_slope is not a
        real number.
    ValueError
        If negative_slope is not finite, or ``out`` has another shape, is not
        C-contiguous and aligned, is read-only or partly overlaps x.
    """
    return _forward(x, FNN_ACT_LEAKY_RELU, _finite(negative_slope, "negative_slope"), 1.0, 20.0, out)


def leaky_relu_(x, negative_slope=0.01):
    """leaky_relu in place: x is overwritten and returned.

    Parameters
    ----------
    x : ndarray, float32 or float64, any shape
        C-contiguous, aligned and writeable: it is overwritten.
    negative_slope : float, default 0.01
        The slope for x <= 0, finite (any sign).

    Returns
    -------
    x : ndarray
        x itself.

    Raises
    ------
    TypeError
        If x is not a numpy array, or not float32 or float64, or
        negative_slope is not a real number.
    ValueError
        If x is not C-contiguous and aligned, is read-only, or negative_slope
        is not finite.
    """
    return _forward(x, FNN_ACT_LEAKY_RELU, _finite(negative_slope, "negative_slope"), 1.0, 20.0,
                    _inplace_target(x))


def sigmoid(x, out=None):
    """1 / (1 + exp(-x)) elementwise, computed without overflow.

    x = ±1000 gives 1 and 0.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape
        Any layout (a non-contiguous x is copied first).
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
        If x is not float32 or float64 (or not an array of numbers), or
        ``out`` is not a numpy array of x's dtype.
    ValueError
        If ``out`` has another shape, is not C-contiguous and aligned, is
        read-only or partly overlaps x.
    """
    return _forward(x, FNN_ACT_SIGMOID, 0.0, 1.0, 20.0, out)


def sigmoid_(x):
    """sigmoid in place: x is overwritten and returned.

    Parameters
    ----------
    x : ndarray, float32 or float64, any shape
        C-contiguous, aligned and writeable: it is overwritten.

    Returns
    -------
    x : ndarray
        x itself.

    Raises
    ------
    TypeError
        If x is not a numpy array, or not float32 or float64.
    ValueError
        If x is not C-contiguous and aligned, or is read-only.
    """
    return _forward(x, FNN_ACT_SIGMOID, 0.0, 1.0, 20.0, _inplace_target(x))


def tanh(x, out=None):
    """tanh elementwise.

    x = ±1000 gives ±1.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape
        Any layout (a non-contiguous x is copied first).
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
        If x is not float32 or float64 (or not an array of numbers), or
        ``out`` is not a numpy array of x's dtype.
    ValueError
        If ``out`` has another shape, is not C-contiguous and aligned, is
        read-only or partly overlaps x.
    """
    return _forward(x, FNN_ACT_TANH, 0.0, 1.0, 20.0, out)


def tanh_(x):
    """tanh in place: x is overwritten and returned.

    Parameters
    ----------
    x : ndarray, float32 or float64, any shape
        C-contiguous, aligned and writeable: it is overwritten.

    Returns
    -------
    x : ndarray
        x itself.

    Raises
    ------
    TypeError
        If x is not a numpy array, or not float32 or float64.
    ValueError
        If x is not C-contiguous and aligned, or is read-only.
    """
    return _forward(x, FNN_ACT_TANH, 0.0, 1.0, 20.0, _inplace_target(x))


cdef fnn_act _gelu_kind(approximate) except *:
    if approximate == "none":
        return FNN_ACT_GELU
    if approximate == "tanh":
        return FNN_ACT_GELU_TANH
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu(x, approximate="none", out=None):
    """GELU elementwise, as torch.nn.functional.gelu.

    x·Φ(x) with the exact erf (approximate='none') or
    0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (approximate='tanh').

    Parameters
    ----------
    x : array_like, float32 or float64, any shape
        Any layout (a non-contiguous x is copied first).
    approximate : {'none', 'tanh'}, default 'none'
        The exact erf form, or the tanh approximation.
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
        If x is not float32 or float64 (or not an array of numbers), or
        ``out`` is not a numpy array of x's dtype.
    ValueError
        If approximate is not 'none' or 'tanh', or ``out`` has another shape,
        is not C-contiguous and aligned, is read-only or partly overlaps x.
    """
    return _forward(x, _gelu_kind(approximate), 0.0, 1.0, 20.0, out)


cdef tuple _softplus_args(beta, threshold):
    cdef double b = _finite(beta, "beta"), t = _finite(threshold, "threshold")
    if b <= 0:
        raise ValueError(f"beta must be > 0, got {b}")
    return b, t


def softplus(x, beta=1.0, threshold=20.0, out=None):
    """log(1 + exp(beta·x)) / beta elementwise, as torch.nn.functional.softplus.

    Where beta·x > threshold the result is x itself. beta > 0.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape
        Any layout (a non-contiguous x is copied first).
    beta : float, default 1.0
        Finite and > 0.
    threshold : float, default 20.0
        Finite; where beta·x > threshold the result is x itself (linear).
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
        If x is not float32 or float64 (or not an array of numbers),
        ``out`` is not a numpy array of x's dtype, or beta or threshold is
        not a real number.
    ValueError
        If beta <= 0, beta or threshold is not finite, or ``out`` has another
        shape, is not C-contiguous and aligned, is read-only or partly
        overlaps x.
    """
    b, t = _softplus_args(beta, threshold)
    return _forward(x, FNN_ACT_SOFTPLUS, 0.0, b, t, out)


def relu_backward(grad_out, output, out=None):
    """grad_out ⊙ [output > 0]: the gradient of relu from its output.

    Parameters
    ----------
    grad_out : array_like, float32 or float64, any shape
        dL/dy, the gradient with respect to the activation's output.
    output : array_like, shaped like grad_out, same dtype
        The relu forward's output y (the derivative is taken from it).
    out : ndarray or None
        Shaped like grad_out, its dtype, C-contiguous, aligned and writeable;
        it may be grad_out or output itself (in place) but must not partly
        overlap either. Allocated when None.

    Returns
    -------
    out : ndarray
        dL/dx, shaped like grad_out, its dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If grad_out or output is not float32 or float64, their dtypes differ,
        or ``out`` is not a numpy array of their dtype.
    ValueError
        If output has another shape than grad_out, or ``out`` has another
        shape, is not C-contiguous and aligned, is read-only or partly
        overlaps an input.
    """
    return _backward(grad_out, output, "output", FNN_ACT_RELU, 0.0, 1.0, 20.0, False, out)


def leaky_relu_backward(grad_out, x, negative_slope=0.01, out=None):
    """grad_out ⊙ (1 if x > 0 else negative_slope), from the input x.

    Any slope is accepted, as the derivative is taken from the input.

    Parameters
    ----------
    grad_out : array_like, float32 or float64, any shape
        dL/dy, the gradient with respect to the activation's output.
    x : array_like, shaped like grad_out, same dtype
        The forward's input (the derivative is taken from it).
    negative_slope : float, default 0.01
        The slope of the forward for x <= 0, finite (any sign: the
        derivative is taken from the input).
    out : ndarray or None
        Shaped like grad_out, its dtype, C-contiguous, aligned and writeable;
        it may be grad_out or x itself (in place) but must not partly
        overlap either. Allocated when None.

    Returns
    -------
    out : ndarray
        dL/dx, shaped like grad_out, its dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If grad_out or x is not float32 or float64, their dtypes differ,
        ``out`` is not a numpy array of their dtype, or negative_slope is not
        a real number.
    ValueError
        If x has another shape than grad_out, negative_slope is not finite,
        or ``out`` has another shape, is not C-contiguous and aligned, is
        read-only or partly overlaps an input.
    """
    return _backward(grad_out, x, "x", FNN_ACT_LEAKY_RELU,
                     _finite(negative_slope, "negative_slope"), 1.0, 20.0, True, out)


def sigmoid_backward(grad_out, output, out=None):
    """grad_out ⊙ output·(1 − output): the gradient of sigmoid from its output.

    Parameters
    ----------
    grad_out : array_like, float32 or float64, any shape
        dL/dy, the gradient with respect to the activation's output.
    output : array_like, shaped like grad_out, same dtype
        The sigmoid forward's output y (the derivative is taken from it).
    out : ndarray or None
        Shaped like grad_out, its dtype, C-contiguous, aligned and writeable;
        it may be grad_out or output itself (in place) but must not partly
        overlap either. Allocated when None.

    Returns
    -------
    out : ndarray
        dL/dx, shaped like grad_out, its dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If grad_out or output is not float32 or float64, their dtypes differ,
        or ``out`` is not a numpy array of their dtype.
    ValueError
        If output has another shape than grad_out, or ``out`` has another
        shape, is not C-contiguous and aligned, is read-only or partly
        overlaps an input.
    """
    return _backward(grad_out, output, "output", FNN_ACT_SIGMOID, 0.0, 1.0, 20.0, False, out)


def tanh_backward(grad_out, output, out=None):
    """grad_out ⊙ (1 − output²): the gradient of tanh from its output.

    Parameters
    ----------
    grad_out : array_like, float32 or float64, any shape
        dL/dy, the gradient with respect to the activation's output.
    output : array_like, shaped like grad_out, same dtype
        The tanh forward's output y (the derivative is taken from it).
    out : ndarray or None
        Shaped like grad_out, its dtype, C-contiguous, aligned and writeable;
        it may be grad_out or output itself (in place) but must not partly
        overlap either. Allocated when None.

    Returns
    -------
    out : ndarray
        dL/dx, shaped like grad_out, its dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If grad_out or output is not float32 or float64, their dtypes differ,
        or ``out`` is not a numpy array of their dtype.
    ValueError
        If output has another shape than grad_out, or ``out`` has another
        shape, is not C-contiguous and aligned, is read-only or partly
        overlaps an input.
    """
    return _backward(grad_out, output, "output", FNN_ACT_TANH, 0.0, 1.0, 20.0, False, out)


def gelu_backward(grad_out, x, approximate="none", out=None):
    """grad_out ⊙ gelu'(x), from the input x.

    Parameters
    ----------
    grad_out : array_like, float32 or float64, any shape
        dL/dy, the gradient with respect to the activation's output.
    x : array_like, shaped like grad_out, same dtype
        The forward's input (the derivative is taken from it).
    approximate : {'none', 'tanh'}, default 'none'
        The form the forward used, as in gelu.
    out : ndarray or None
        Shaped like grad_out, its dtype, C-contiguous, aligned and writeable;
        it may be grad_out or x itself (in place) but must not partly
        overlap either. Allocated when None.

    Returns
    -------
    out : ndarray
        dL/dx, shaped like grad_out, its dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If grad_out or x is not float32 or float64, their dtypes differ,
        or ``out`` is not a numpy array of their dtype.
    ValueError
        If x has another shape than grad_out, approximate is not 'none' or
        'tanh', or ``out`` has another shape, is not C-contiguous and
        aligned, is read-only or partly overlaps an input.
    """
    return _backward(grad_out, x, "x", _gelu_kind(approximate), 0.0, 1.0, 20.0, True, out)


def softplus_backward(grad_out, x, beta=1.0, threshold=20.0, out=None):
    """grad_out ⊙ sigmoid(beta·x), from the input x.

    grad_out itself where beta·x > threshold.

    Parameters
    ----------
    grad_out : array_like, float32 or float64, any shape
        dL/dy, the gradient with respect to the activation's output.
    x : array_like, shaped like grad_out, same dtype
        The forward's input (the derivative is taken from it).
    beta : float, default 1.0
        Finite and > 0, as in softplus.
    threshold : float, default 20.0
        Finite; where beta·x > threshold the derivative is 1 (grad_out passes
        through).
    out : ndarray or None
        Shaped like grad_out, its dtype, C-contiguous, aligned and writeable;
        it may be grad_out or x itself (in place) but must not partly
        overlap either. Allocated when None.

    Returns
    -------
    out : ndarray
        dL/dx, shaped like grad_out, its dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If grad_out or x is not float32 or float64, their dtypes differ,
        ``out`` is not a numpy array of their dtype, or beta or threshold is
        not a real number.
    ValueError
        If x has another shape than grad_out, beta <= 0, beta or threshold is
        not finite, or ``out`` has another shape, is not C-contiguous and
        aligned, is read-only or partly overlaps an input.
    """
    b, t = _softplus_args(beta, threshold)
    return _backward(grad_out, x, "x", FNN_ACT_SOFTPLUS, 0.0, b, t, True, out)
