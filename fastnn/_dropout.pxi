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
    """Inverted dropout: each element is zeroed with probability p and the
    others scaled by 1/(1 − p) (p = 0 copies, p = 1 gives zeros).

    The mask is a pure function of (seed, offset + element index), the same
    for any thread count; dropout_backward(grad_out, p, seed, offset)
    recomputes it. Use a fresh offset (e.g. advanced by x.size) per call.
    x: float32 or float64, any shape; seed, offset: ints in [0, 2**64).
    """
    return _dropout_apply(x, "x", p, seed, offset, out)


def dropout_backward(grad_out, p, seed, offset=0, out=None):
    """The gradient of dropout(x, p, seed, offset): grad_out through the same
    mask, scaled by 1/(1 − p)."""
    return _dropout_apply(grad_out, "grad_out", p, seed, offset, out)


def dropout_mask(shape, p, seed, offset=0):
    """The keep-mask dropout(x, p, seed, offset) uses for an x of `shape`, as a
    bool array."""
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
