# Binding of csrc/arange.c: torch.arange's floating-point values, bit for bit.

def arange(double start, double step, n, dtype, int lanes, bint fused):
    """n values start + i·step computed as PyTorch's CPU kernel does (see
    csrc/arange.c): dtype float32 or float64, lanes the width of PyTorch's
    vectors for that dtype (0: element by element), fused whether its
    multiply-adds are fmas. Returns a new 1-D array."""
    if not (start == start and step == step) or start in (float("inf"), float("-inf")) or \
            step in (float("inf"), float("-inf")):
        raise ValueError("arange: start and step must be finite")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"arange: n must be an int >= 0, got {n!r}")
    if lanes not in (0, 2, 4, 8, 16):
        raise ValueError(f"arange: lanes must be 0, 2, 4, 8 or 16, got {lanes}")
    d = np.dtype(dtype)
    if d != np.float32 and d != np.float64:
        raise TypeError(f"arange: dtype must be float32 or float64, got {d}")
    cdef cnp.ndarray out = np.empty(n, d)
    cdef fnn_dtype dt = _dtype(out)
    cdef fnn_int count = n
    cdef void *p = cnp.PyArray_DATA(out)
    with nogil:
        fnn_arange(dt, count, start, step, lanes, fused, p)
    return out
