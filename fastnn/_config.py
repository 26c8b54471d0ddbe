"""Threads and build information."""
import os
import platform
import warnings

from . import _C

__version__ = "0.1.0"


def set_num_threads(n):
    """Use ``n`` threads (int >= 1) in every fastnn kernel, from every Python
    thread of the process (the count is process-wide, not per thread).

    Results do not depend on the thread count: every kernel gives the same bits
    for any ``n``. ``threadpoolctl.threadpool_limits`` still caps it in the
    thread that applies the limit.
    """
    _C.set_num_threads(n)


def get_num_threads():
    """Number of threads fastnn's kernels use (capped by OpenMP's own setting,
    so ``threadpoolctl.threadpool_limits`` applies)."""
    return _C.get_num_threads()


def info():
    """Build and runtime facts as a dict: version, SIMD path in use, whether
    OpenMP is on, the thread count, compiler and compile flags."""
    return {
        "version": __version__,
        "simd": _C.get_simd(),
        "avx2_supported": _C.simd_supported("avx2"),
        "openmp": _C.openmp_enabled(),
        "num_threads": _C.get_num_threads(),
        "compiler": _C.compiler(),
        "compile_flags": _C.build_flags(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def _apply_environment():
    """Honour FASTNN_NUM_THREADS at import (OMP_NUM_THREADS is OpenMP's own).
    A value that is not a positive integer is ignored with a warning. OpenMP's
    default thread count is read here, in the importing thread, before any
    other thread can have limited its own."""
    _C.get_num_threads()
    value = os.environ.get("FASTNN_NUM_THREADS")
    if value is None or value.strip() == "":
        return
    try:
        n = int(value)
        if n < 1:
            raise ValueError
    except ValueError:
        warnings.warn(f"FASTNN_NUM_THREADS={value!r} is not a positive integer; ignored",
                      RuntimeWarning, stacklevel=3)
        return
    _C.set_num_threads(n)
