# Runtime controls: which SIMD path runs, how many threads, how it was built.

import numbers

_SIMD_PATHS = {"generic": FNN_SIMD_GENERIC, "avx2": FNN_SIMD_AVX2}


cdef fnn_simd _simd_path(name) except *:
    if not isinstance(name, str) or name not in _SIMD_PATHS:
        raise ValueError(f"name must be one of {sorted(_SIMD_PATHS)}, got {name!r}")
    return _SIMD_PATHS[name]


def get_simd():
    """Name of the SIMD path the kernels use: 'avx2' or 'generic'."""
    return fnn_simd_name(fnn_get_simd()).decode()


def simd_supported(name):
    """True if this CPU can run the SIMD path `name` ('avx2' or 'generic')."""
    return bool(fnn_simd_supported(_simd_path(name)))


def set_simd(name):
    """Switch the kernels to the SIMD path `name`; ValueError if this CPU lacks it."""
    if fnn_set_simd(_simd_path(name)) != 0:
        raise ValueError(f"name={name!r}: this CPU does not support that SIMD path")


def openmp_enabled():
    """True if the kernels were built with OpenMP (else they run single-threaded)."""
    return bool(fnn_openmp_enabled())


def set_num_threads(n):
    """Use `n` threads (an int >= 1) in every kernel from now on."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    fnn_set_num_threads(<int>min(int(n), 1 << 16))


def get_num_threads():
    """Number of threads the kernels use."""
    return fnn_get_num_threads()


def compiler():
    """The compiler that built the kernels, with its version."""
    return fnn_compiler().decode()


def build_flags():
    """The compile flags the kernels were built with."""
    return fnn_build_flags().decode()
