"""Threads and build information."""
import os
import platform
import warnings

from . import _C

__version__ = "0.1.0"


def set_num_threads(n):
    """Let fastnn's kernels use up to ``n`` threads (int >= 1), from every
    Python thread of the process (the count is process-wide, not per thread).

    ``n`` is a ceiling, not a promise: a call runs on at most
    ``min(n, usable CPUs)`` threads (the CPUs of this process's affinity mask,
    within its cgroup CPU quota; more threads than CPUs would only take turns),
    and on fewer when its work is too small to share (about 0.5 MFLOP per
    thread). Results do not depend on the thread count: every kernel gives the
    same bits for any ``n``. ``threadpoolctl.threadpool_limits`` still caps it
    in the thread that applies the limit.
    """
    _C.set_num_threads(n)


def get_num_threads():
    """The thread ceiling set by :func:`set_num_threads` (else the default:
    ``OMP_NUM_THREADS`` or the usable CPUs), capped by OpenMP's own setting in
    this thread, so ``threadpoolctl.threadpool_limits`` applies."""
    return _C.get_num_threads()


def usable_cpus():
    """CPUs this process may run on: its affinity mask within its cgroup CPU
    quota, measured again now (``os.sched_setaffinity`` or a new quota take
    effect)."""
    return _C.usable_cpus(True)


def info():
    """Build and runtime facts as a dict: version, the kernel-table entry in
    use (``simd``), the entries built and those this CPU runs, whether
    OpenMP is on (fastnn reads its thread limits; the kernels run on fastnn's
    own pool), the thread ceiling, the usable CPUs and the largest team a call
    gets now (``max_team``), compiler and compile flags."""
    return {
        "version": __version__,
        "simd": _C.get_simd(),
        "simd_built": _C.simd_entries(include_tests=False),
        "simd_runnable": [n for n in _C.simd_entries(include_tests=False) if _C.simd_supported(n)],
        "avx2_supported": _C.simd_supported("avx2") if "avx2" in _C.simd_entries() else False,
        "openmp": _C.openmp_enabled(),
        "num_threads": _C.get_num_threads(),
        "usable_cpus": _C.usable_cpus(),
        "max_team": _C.team_ceiling(),
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
