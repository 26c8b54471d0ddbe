# Bindings of csrc/data.c: batch gather, argmax and accuracy counts, and the
# sum of squares over many arrays.

from libc.stdlib cimport malloc, free


def gather_rows(src, index, out=None, scale=1.0, shift=0.0, dtype=None):
    """out[i] = src[index[i]] for a shuffled minibatch, every index checked.

    Parameters
    ----------
    src : array_like (N, ...), float32, float64 or uint8
        The rows to take from, at least 1-D (images kept as bytes); any
        layout (a non-contiguous src is copied first).
    index : array_like of int (B,)
        Row numbers with values in [0, N), of any integer dtype (floats and
        bools are refused).
    out : ndarray (B, ...) or None
        The output dtype, C-contiguous, aligned and writeable, not
        overlapping src or index. Allocated when None.
    scale : float, default 1.0
        For uint8 src, out = src·scale + shift (e.g. scale=1/255); a float
        src must leave it at 1.
    shift : float, default 0.0
        Added after the scaling, for uint8 src; a float src must leave it
        at 0.
    dtype : numpy dtype (float32 or float64) or None
        Output dtype for uint8 src (float32 by default); a float src is
        copied in its own dtype (dtype None or that same dtype).

    Returns
    -------
    out : ndarray (B, ...)
        The gathered rows, src's shape past its first dimension
        (``out`` itself when given).

    Raises
    ------
    TypeError
        If src is not float32, float64 or uint8; dtype is not float32 or
        float64, or differs from a float src's; index does not hold
        integers; or ``out`` is not a numpy array of the output dtype.
    ValueError
        If src is 0-d, index is not 1-D or has a value outside [0, N),
        scale or shift is not finite (or not 1 and 0 for a float src), or
        ``out`` has another shape, is not C-contiguous and aligned, is
        read-only or overlaps src or index.
    """
    cdef cnp.ndarray S = _as_array(src, "src")
    if S.ndim < 1:
        raise ValueError("src must have at least 1 dimension (rows), got a scalar")
    cdef int styp = cnp.PyArray_TYPE(S)
    cdef bint u8 = styp == cnp.NPY_UINT8
    if not u8 and styp != cnp.NPY_FLOAT32 and styp != cnp.NPY_FLOAT64:
        raise TypeError(f"src must be float32, float64 or uint8, got dtype {S.dtype}")
    cdef double sc = _finite(scale, "scale"), sh = _finite(shift, "shift")
    if not u8 and (sc != 1.0 or sh != 0.0):
        raise ValueError("scale and shift apply to uint8 src only")
    try:
        out_dtype = np.dtype(dtype) if dtype is not None else (np.dtype(np.float32) if u8 else S.dtype)
    except TypeError as e:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r} ({e})") from None
    if out_dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, got {out_dtype}")
    if not u8 and out_dtype != S.dtype:
        raise TypeError(f"dtype {out_dtype} differs from src's {S.dtype}; a float src is copied as it is")
    cdef cnp.ndarray I = _index_array(index, "index")
    if I.ndim != 1:
        raise ValueError(f"index must be 1-D, got shape {_shp(I)}")
    cdef fnn_int N = S.shape[0], B = I.shape[0]
    if N == 0 and B > 0:
        raise ValueError("index asks for rows of src, which has none")
    _check_indices(I, "index", N, 0, f"src has {N} rows")
    S = _c_order(S)
    cdef fnn_int cols = cnp.PyArray_SIZE(S) // N if N > 0 else 0
    shape = (B,) + _shp(S)[1:]
    cdef cnp.ndarray O
    like = np.empty((), dtype=out_dtype)
    if out is None:
        O = np.empty(shape, dtype=out_dtype)
    else:
        O = _check_out(out, "out", shape, like, (S, I), ("src", "index"))
    cdef void *ps = cnp.PyArray_DATA(S)
    cdef const int64_t *pi = <const int64_t *>cnp.PyArray_DATA(I)
    cdef void *po = cnp.PyArray_DATA(O)
    cdef fnn_dtype t = _dtype(O)
    with nogil:
        if u8:
            fnn_gather_rows_u8(t, B, cols, <const uint8_t *>ps, pi, sc, sh, po)
        else:
            fnn_gather_rows(t, B, cols, ps, pi, po)
    return O


cdef cnp.ndarray _logits_2d(x, str name):
    cdef cnp.ndarray X = _float_array(x, name)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (N, C), got shape {_shp(X)}")
    if X.shape[1] < 1:
        raise ValueError(f"{name} must have at least one column")
    return _c_order(X)


def argmax(x):
    """Index of each row's maximum (the first one).

    NaN counts as the maximum, as in numpy's argmax.

    Parameters
    ----------
    x : array_like, float32 or float64, shape (N, C) with C >= 1
        Any layout (a non-contiguous x is copied first).

    Returns
    -------
    index : ndarray of int64, shape (N,)
        Values in [0, C).

    Raises
    ------
    TypeError
        If x is not float32 or float64 (or not an array of numbers).
    ValueError
        If x is not 2-D or has no column.
    """
    cdef cnp.ndarray X = _logits_2d(x, "x")
    cdef fnn_int M = X.shape[0], C = X.shape[1]
    cdef cnp.ndarray O = cnp.PyArray_EMPTY(1, [M], cnp.NPY_INT64, 0)
    cdef void *px = cnp.PyArray_DATA(X)
    cdef int64_t *po = <int64_t *>cnp.PyArray_DATA(O)
    cdef fnn_dtype t = _dtype(X)
    with nogil:
        fnn_argmax_rows(t, M, C, px, po)
    return O


def count_correct(logits, labels):
    """How many rows of logits (N, C) have their argmax equal to labels (N,).

    The argmax is that of argmax (the first maximum; NaN counts as the
    maximum); a label outside [0, C) is never counted.

    Parameters
    ----------
    logits : array_like, float32 or float64, shape (N, C) with C >= 1
        Any layout (a non-contiguous array is copied first).
    labels : array_like of int, shape (N,)
        Class indices, of any integer dtype (floats and bools are refused).

    Returns
    -------
    count : int
        A Python int in [0, N].

    Raises
    ------
    TypeError
        If logits is not float32 or float64, or labels does not hold
        integers.
    ValueError
        If logits is not 2-D or has no column, or labels is not (N,) (or has
        values beyond the int64 range).
    """
    cdef cnp.ndarray X = _logits_2d(logits, "logits")
    cdef cnp.ndarray L = _index_array(labels, "labels")
    cdef fnn_int M = X.shape[0], C = X.shape[1]
    if L.ndim != 1 or L.shape[0] != M:
        raise ValueError(f"labels must have shape ({M},) to match logits, got {_shp(L)}")
    cdef void *px = cnp.PyArray_DATA(X)
    cdef const int64_t *pl = <const int64_t *>cnp.PyArray_DATA(L)
    cdef int64_t right
    cdef fnn_dtype t = _dtype(X)
    with nogil:
        right = fnn_count_correct(t, M, C, px, pl)
    return int(right)


def sum_squares(arrays):
    """Σ over the arrays of Σ x², in double precision and a fixed order.

    The same bits for any thread count; sqrt of the result is the gradient
    norm.

    Parameters
    ----------
    arrays : ndarray or iterable of array_like
        One array, or a sequence (any iterable) of float32 or float64 arrays
        of any shapes and layouts; the dtypes may differ from one array to
        the next.

    Returns
    -------
    total : float
        A Python float (0.0 for no array).

    Raises
    ------
    TypeError
        If arrays is a str or bytes or not iterable, or one of them is not a
        float32 or float64 array.
    MemoryError
        If the kernel's workspace cannot be allocated.
    """
    if cnp.PyArray_Check(arrays):
        arrays = [arrays]
    elif isinstance(arrays, (str, bytes)) or not hasattr(arrays, "__iter__"):
        raise TypeError(f"arrays must be an array or a sequence of arrays, got {type(arrays).__name__}")
    prepared = []
    for k, a in enumerate(arrays):
        A = _float_array(a, f"arrays[{k}]")
        prepared.append(_c_order(A))
    cdef double total = 0, part
    cdef const void *ptr
    cdef fnn_int n
    cdef fnn_dtype t
    for A in prepared:
        ptr = cnp.PyArray_DATA(<cnp.ndarray>A)
        n = cnp.PyArray_SIZE(<cnp.ndarray>A)
        t = _dtype(<cnp.ndarray>A)
        with nogil:
            part = fnn_sum_squares(t, 1, &ptr, &n)
        if part < 0:
            raise MemoryError("fastnn: could not allocate a kernel workspace")
        total += part
    return total
