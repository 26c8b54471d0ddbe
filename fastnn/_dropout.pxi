# Bindings of csrc/dropout.c: inverted dropout whose mask is recomputed from
# (seed, offset), so backward needs no stored mask.

cdef tuple _dropout_args(p, seed, offset):
    cdef double pv = _finite(p, "p")
    if pv < 0 or pv > 1:
        raise ValueError(f"p must be in [0, 1], got {pv}")
    return (pv, _int_arg(seed, "seed", 0, 2 ** 64 - 1),
            _int_arg(offset, "offset", 0, 2 ** 64 - 1))


cdef _dropout_apply(x, str name, p, seed, offset, out):
    pv, s, o = _dropout_args(p, seed, offset)
    cdef double pd = pv
    cdef uint64_t sd = s, od = o
    cdef cnp.ndarray X = _float_array(x, name)
    cdef cnp.ndarray Y = _elementwise_out(out, "out", X, (X,), (name,))
    X = _c_order(X)
    cdef fnn_int n = cnp.PyArray_SIZE(X)
    cdef void *px = cnp.PyArray_DATA(X)
    cdef void *py = cnp.PyArray_DATA(Y)
    cdef fnn_dtype t = _dtype(X)
    cdef fnn_status st
    with nogil:
        st = fnn_dropout(t, n, pd, sd, od, px, py, NULL)
    _check_status(st)
    return Y


def dropout(x, p, seed, offset=0, out=None):
    """Inverted dropout: zero each element with probability p, scale the others.

    Each element is zeroed with probability p and the others scaled by
    1/(1 − p) (p = 0 copies, p = 1 gives zeros).

    The mask is a pure function of (seed, offset + element index), the same
    for any thread count; dropout_backward(grad_out, p, seed, offset)
    recomputes it. Use a fresh offset (e.g. advanced by x.size) per call.

    Parameters
    ----------
    x : array_like, float32 or float64, any shape
        Any layout (a non-contiguous x is copied first; elements are indexed
        in C order).
    p : float
        The probability of zeroing an element, in [0, 1].
    seed : int
        In [0, 2**64); with offset, it fixes the mask.
    offset : int, default 0
        In [0, 2**64): element i draws the number of index offset + i.
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
        If x is not float32 or float64 (or not an array of numbers), p is not
        a real number, seed or offset is not an int, or ``out`` is not a
        numpy array of x's dtype.
    ValueError
        If p is not in [0, 1], seed or offset is outside [0, 2**64), or
        ``out`` has another shape, is not C-contiguous and aligned, is
        read-only or partly overlaps x.
    """
    return _dropout_apply(x, "x", p, seed, offset, out)


def dropout_backward(grad_out, p, seed, offset=0, out=None):
    """The gradient of dropout(x, p, seed, offset), from the same mask.

    grad_out goes through the same mask (recomputed from seed and offset),
    scaled by 1/(1 − p).

    Parameters
    ----------
    grad_out : array_like, float32 or float64, shaped like the forward's x
        dL/dy, the gradient with respect to dropout's output.
    p : float
        The forward's p, in [0, 1].
    seed : int
        The forward's seed, in [0, 2**64).
    offset : int, default 0
        The forward's offset, in [0, 2**64).
    out : ndarray or None
        Shaped like grad_out, its dtype, C-contiguous, aligned and writeable;
        it may be grad_out itself (in place) but must not partly overlap it.
        Allocated when None.

    Returns
    -------
    out : ndarray
        dL/dx, shaped like grad_out, its dtype (``out`` itself when given).

    Raises
    ------
    TypeError
        If grad_out is not float32 or float64 (or not an array of numbers), p
        is not a real number, seed or offset is not an int, or ``out`` is not
        a numpy array of grad_out's dtype.
    ValueError
        If p is not in [0, 1], seed or offset is outside [0, 2**64), or
        ``out`` has another shape, is not C-contiguous and aligned, is
        read-only or partly overlaps grad_out.
    """
    return _dropout_apply(grad_out, "grad_out", p, seed, offset, out)


def dropout_mask(shape, p, seed, offset=0):
    """The keep-mask dropout(x, p, seed, offset) uses for an x of `shape`, as a bool array.

    Parameters
    ----------
    shape : int or tuple of int
        The shape of x (non-negative sizes).
    p : float
        The probability of zeroing an element, in [0, 1].
    seed : int
        In [0, 2**64), as in dropout.
    offset : int, default 0
        In [0, 2**64), as in dropout.

    Returns
    -------
    mask : ndarray of bool, shape `shape`
        True where dropout keeps (and scales) the element, False where it
        zeroes it.

    Raises
    ------
    TypeError
        If shape is not an int or a tuple of ints, p is not a real number, or
        seed or offset is not an int.
    ValueError
        If shape has a negative size (or is too large for numpy), p is not in
        [0, 1], or seed or offset is outside [0, 2**64).
    """
    pv, s, o = _dropout_args(p, seed, offset)
    cdef double pd = pv
    cdef uint64_t sd = s, od = o
    try:
        M = np.empty(shape, dtype=np.bool_)
    except (TypeError, ValueError, OverflowError) as e:
        raise (TypeError if isinstance(e, TypeError) else ValueError)(
            f"shape must be a tuple of non-negative ints that numpy can allocate: {e}") from None
    cdef fnn_int n = cnp.PyArray_SIZE(<cnp.ndarray>M)
    cdef uint8_t *pm = <uint8_t *>cnp.PyArray_DATA(<cnp.ndarray>M)
    cdef fnn_status st
    with nogil:
        st = fnn_dropout(FNN_FLOAT32, n, pd, sd, od, NULL, NULL, pm)
    _check_status(st)
    return M
