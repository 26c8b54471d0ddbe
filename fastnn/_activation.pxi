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
    """max(x, 0) elementwise. x: float32 or float64 array of any shape; out:
    same shape and dtype, C-contiguous (may be x). Returns out. NaN stays NaN."""
    return _forward(x, FNN_ACT_RELU, 0.0, 1.0, 20.0, out)


def relu_(x):
    """relu in place: x (C-contiguous, writeable) is overwritten and returned."""
    return _forward(x, FNN_ACT_RELU, 0.0, 1.0, 20.0, _inplace_target(x))


def leaky_relu(x, negative_slope=0.01, out=None):
    """x if x > 0 else negative_slope·x, elementwise (shapes as relu)."""
    return _forward(x, FNN_ACT_LEAKY_RELU, _finite(negative_slope, "negative_slope"), 1.0, 20.0, out)


def leaky_relu_(x, negative_slope=0.01):
    """leaky_relu in place."""
    return _forward(x, FNN_ACT_LEAKY_RELU, _finite(negative_slope, "negative_slope"), 1.0, 20.0,
                    _inplace_target(x))


def sigmoid(x, out=None):
    """1 / (1 + exp(-x)) elementwise, computed without overflow (x = ±1000
    gives 1 and 0)."""
    return _forward(x, FNN_ACT_SIGMOID, 0.0, 1.0, 20.0, out)


def sigmoid_(x):
    """sigmoid in place."""
    return _forward(x, FNN_ACT_SIGMOID, 0.0, 1.0, 20.0, _inplace_target(x))


def tanh(x, out=None):
    """tanh elementwise (x = ±1000 gives ±1)."""
    return _forward(x, FNN_ACT_TANH, 0.0, 1.0, 20.0, out)


def tanh_(x):
    """tanh in place."""
    return _forward(x, FNN_ACT_TANH, 0.0, 1.0, 20.0, _inplace_target(x))


cdef fnn_act _gelu_kind(approximate) except *:
    if approximate == "none":
        return FNN_ACT_GELU
    if approximate == "tanh":
        return FNN_ACT_GELU_TANH
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu(x, approximate="none", out=None):
    """GELU elementwise, as torch.nn.functional.gelu: x·Φ(x) with the exact
    erf (approximate='none') or 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))
    (approximate='tanh')."""
    return _forward(x, _gelu_kind(approximate), 0.0, 1.0, 20.0, out)


cdef tuple _softplus_args(beta, threshold):
    cdef double b = _finite(beta, "beta"), t = _finite(threshold, "threshold")
    if b <= 0:
        raise ValueError(f"beta must be > 0, got {b}")
    return b, t


def softplus(x, beta=1.0, threshold=20.0, out=None):
    """log(1 + exp(beta·x)) / beta elementwise, and x itself where beta·x >
    threshold, as torch.nn.functional.softplus. beta > 0."""
    b, t = _softplus_args(beta, threshold)
    return _forward(x, FNN_ACT_SOFTPLUS, 0.0, b, t, out)


def relu_backward(grad_out, output, out=None):
    """grad_out ⊙ [output > 0]: the gradient of relu from its output.
    grad_out, output: same shape and dtype. Returns out."""
    return _backward(grad_out, output, "output", FNN_ACT_RELU, 0.0, 1.0, 20.0, False, out)


def leaky_relu_backward(grad_out, x, negative_slope=0.01, out=None):
    """grad_out ⊙ (1 if x > 0 else negative_slope), from the input x (any slope)."""
    return _backward(grad_out, x, "x", FNN_ACT_LEAKY_RELU,
                     _finite(negative_slope, "negative_slope"), 1.0, 20.0, True, out)


def sigmoid_backward(grad_out, output, out=None):
    """grad_out ⊙ output·(1 − output): the gradient of sigmoid from its output."""
    return _backward(grad_out, output, "output", FNN_ACT_SIGMOID, 0.0, 1.0, 20.0, False, out)


def tanh_backward(grad_out, output, out=None):
    """grad_out ⊙ (1 − output²): the gradient of tanh from its output."""
    return _backward(grad_out, output, "output", FNN_ACT_TANH, 0.0, 1.0, 20.0, False, out)


def gelu_backward(grad_out, x, approximate="none", out=None):
    """grad_out ⊙ gelu'(x), from the input x (approximate as in gelu)."""
    return _backward(grad_out, x, "x", _gelu_kind(approximate), 0.0, 1.0, 20.0, True, out)


def softplus_backward(grad_out, x, beta=1.0, threshold=20.0, out=None):
    """grad_out ⊙ sigmoid(beta·x), and grad_out itself where beta·x > threshold,
    from the input x."""
    b, t = _softplus_args(beta, threshold)
    return _backward(grad_out, x, "x", FNN_ACT_SOFTPLUS, 0.0, b, t, True, out)
