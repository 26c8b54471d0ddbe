# Argument checks shared by the bindings. Every error names the argument.

from libc.math cimport isfinite

cdef dict _ACTIVATIONS = {
    "identity": FNN_ACT_IDENTITY,
    "relu": FNN_ACT_RELU,
    "leaky_relu": FNN_ACT_LEAKY_RELU,
    "sigmoid": FNN_ACT_SIGMOID,
    "tanh": FNN_ACT_TANH,
}


cdef inline fnn_dtype _dtype(cnp.ndarray a):
    """The kernels' tag for a float32 or float64 array (checked before)."""
    return FNN_FLOAT32 if cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT32 else FNN_FLOAT64


cdef inline tuple _shp(cnp.ndarray a):
    """The shape of `a` as a Python tuple."""
    return (<object>a).shape


cdef cnp.ndarray _as_array(obj, str name):
    """`obj` as an ndarray; an array-like numpy cannot convert (ragged lists,
    objects) is a TypeError naming the argument."""
    if cnp.PyArray_Check(obj):
        return obj
    try:
        return np.asarray(obj)
    except (ValueError, TypeError) as e:
        raise TypeError(f"{name} must be an array or nested lists of numbers of one shape: {e}") from None


cdef cnp.ndarray _float_array(obj, str name):
    """`obj` as a float32 or float64 ndarray (array-likes are converted)."""
    cdef cnp.ndarray a = _as_array(obj, name)
    cdef int t = cnp.PyArray_TYPE(a)
    if t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64:
        raise TypeError(f"{name} must be a float32 or float64 array, got dtype {a.dtype}")
    return a


cdef int _same_dtype(cnp.ndarray a, str name, cnp.ndarray ref, str ref_name) except -1:
    if cnp.PyArray_TYPE(a) != cnp.PyArray_TYPE(ref):
        raise TypeError(f"{name} has dtype {a.dtype} but {ref_name} has dtype {ref.dtype}; "
                        f"all operands must have the same dtype")
    return 0


cdef fnn_act _activation(activation, str name) except *:
    if activation is None:
        return FNN_ACT_IDENTITY
    if isinstance(activation, str) and activation in _ACTIVATIONS:
        return _ACTIVATIONS[activation]
    raise ValueError(f"{name} must be None, 'identity', 'relu', 'leaky_relu', 'sigmoid' "
                     f"or 'tanh', got {activation!r}")


cdef double _finite(value, str name) except? -1.0:
    cdef double v
    if type(value) is float:                  # the common case, without a Python call
        v = <double>value
        if not isfinite(v):
            raise ValueError(f"{name} must be finite, got {v}")
        return v
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    except OverflowError:                     # an int beyond float range
        raise ValueError(f"{name} must be finite, got an int of {value.bit_length()} bits")
    if not isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


cdef object _int_arg(value, str name, object lo, object hi):
    """`value` as a Python int in [lo, hi]; TypeError or ValueError naming the
    argument otherwise (never OverflowError: the range is checked before any
    conversion to a C integer)."""
    if type(value) is int:                    # the common case
        v = value
    elif isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    else:
        v = int(value)
    if v < lo or v > hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {v}")
    return v


cdef struct Layout:
    fnn_int ld          # elements between the starts of two stored rows
    bint flipped        # the array is the transpose of the stored row-major matrix


cdef cnp.ndarray _c_order(cnp.ndarray a):
    """`a` as a C-contiguous, aligned array: itself when it is one, else a
    copy. (np.ascontiguousarray would hand back a contiguous view at an odd
    byte offset as it is, and the kernels' loads assume aligned elements.)"""
    if cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a):
        return a
    return np.array(a, order="C", copy=True)


cdef cnp.ndarray _rowmajor(cnp.ndarray a, Layout *lay, bint allow_flip):
    """Describe the 2-D array `a` for the kernels: rows with unit column stride
    and a row stride of `ld` elements, or (allow_flip) the transpose of such a
    matrix, as a.T of a C-contiguous array is. Any other layout is copied to a
    C-contiguous array."""
    cdef fnn_int r = a.shape[0], c = a.shape[1], isz = a.itemsize
    cdef fnn_int s0 = a.strides[0], s1 = a.strides[1]
    if cnp.PyArray_ISALIGNED(a):
        if (c <= 1 or s1 == isz) and (r <= 1 or (s0 % isz == 0 and s0 >= c * isz)):
            lay.ld = s0 // isz if r > 1 else max(c, 1)
            lay.flipped = False
            return a
        if allow_flip and (r <= 1 or s0 == isz) and (c <= 1 or (s1 % isz == 0 and s1 >= r * isz)):
            lay.ld = s1 // isz if c > 1 else max(r, 1)
            lay.flipped = True
            return a
    a = _c_order(a)
    lay.ld = max(c, 1)
    lay.flipped = False
    return a


cdef void _extent(cnp.ndarray a, size_t *lo, size_t *hi):
    """Byte range [lo, hi) that `a` can touch."""
    cdef size_t base = <size_t>cnp.PyArray_DATA(a)
    cdef Py_ssize_t low = 0, high = 0, step
    cdef int d
    for d in range(a.ndim):
        if a.shape[d] == 0:
            lo[0] = base
            hi[0] = base
            return
        step = (a.shape[d] - 1) * a.strides[d]
        if step < 0:
            low += step
        else:
            high += step
    lo[0] = base + low
    hi[0] = base + high + a.itemsize


cdef bint _overlap(cnp.ndarray a, cnp.ndarray b):
    cdef size_t alo, ahi, blo, bhi
    _extent(a, &alo, &ahi)
    _extent(b, &blo, &bhi)
    return alo < bhi and blo < ahi and alo < ahi and blo < bhi


cdef cnp.ndarray _check_out(out, str name, tuple shape, cnp.ndarray like, tuple inputs,
                            tuple input_names):
    """`out` if it can receive a result of `shape` and like's dtype: an ndarray,
    same dtype, that shape, C-contiguous, writeable, sharing no memory with any
    of `inputs`."""
    if not cnp.PyArray_Check(out):
        raise TypeError(f"{name} must be a numpy array, got {type(out).__name__}")
    cdef cnp.ndarray o = out
    if cnp.PyArray_TYPE(o) != cnp.PyArray_TYPE(like):
        raise TypeError(f"{name} must have dtype {like.dtype}, got {o.dtype}")
    cdef Py_ssize_t i, nd = len(shape)
    cdef bint same = cnp.PyArray_NDIM(o) == nd
    i = 0
    while same and i < nd:
        same = cnp.PyArray_DIM(o, <int>i) == <cnp.npy_intp>shape[i]
        i += 1
    if not same:
        raise ValueError(f"{name} must have shape {shape}, got {_shp(o)}")
    if not (cnp.PyArray_IS_C_CONTIGUOUS(o) and cnp.PyArray_ISALIGNED(o)):
        raise ValueError(f"{name} must be C-contiguous and aligned")
    if not cnp.PyArray_ISWRITEABLE(o):
        raise ValueError(f"{name} is read-only")
    for i in range(len(inputs)):
        arr = inputs[i]
        if arr is not None and _overlap(o, <cnp.ndarray>arr):
            raise ValueError(f"{name} overlaps {input_names[i]}; pass a separate buffer")
    return o


cdef int _check_status(fnn_status st) except -1:
    if st == FNN_ENOMEM:
        raise MemoryError("fastnn: could not allocate a kernel workspace")
    if st != FNN_OK:
        raise RuntimeError(f"fastnn: kernel rejected its arguments (status {<int>st})")
    return 0
