"""Threads and build information."""
from __future__ import annotations

import os
import platform
import warnings

from typing import Any

from . import _C, _dist


def set_num_threads(n: int) -> None:
    """Let fastnn's kernels use up to ``n`` threads, from every Python thread
    of the process (the count is process-wide, not per thread).

    ``n`` is a ceiling, not a promise: a call runs on at most
    ``min(n, usable CPUs)`` threads (the CPUs of this process's affinity mask,
    within its cgroup CPU quota; more threads than CPUs would only take turns),
    and on fewer when its work is too small to share (about 0.5 MFLOP per
    thread). Results do not depend on the thread count: every kernel gives the
    same bits for any ``n``. ``threadpoolctl.threadpool_limits`` still caps it
    in the thread that applies the limit.

    Parameters
    ----------
    n : int
        The thread ceiling, an int >= 1 (values above 65536 are taken as 65536).

    Raises
    ------
    TypeError
        If ``n`` is not an int (a bool is refused too).
    ValueError
        If ``n`` < 1.
    """
    _C.set_num_threads(n)


def get_num_threads() -> int:
    """The thread ceiling of fastnn's kernels.

    It is the one set by :func:`set_num_threads` (else the default:
    ``OMP_NUM_THREADS`` or the usable CPUs), capped by OpenMP's own setting in
    this thread, so ``threadpoolctl.threadpool_limits`` applies.

    Returns
    -------
    int
        The ceiling, >= 1.
    """
    return _C.get_num_threads()


def usable_cpus() -> int:
    """The number of CPUs this process may run on.

    That is its affinity mask within its cgroup CPU quota, measured again now
    (``os.sched_setaffinity`` or a new quota take effect).

    Returns
    -------
    int
        The usable CPUs, >= 1.
    """
    return _C.usable_cpus(True)


def info() -> dict[str, Any]:
    """Build and runtime facts as a dict.

    The facts: version, the kernel-table entry in use (``simd``), the entries
    built and those this CPU runs, whether OpenMP is on (fastnn reads its
    thread limits; the kernels run on fastnn's own pool), the thread ceiling,
    the usable CPUs and the largest team a call gets now (``max_team``),
    compiler and compile flags.

    Returns
    -------
    dict of str to Any
        ``version`` (str), ``distribution`` (the installed distribution
        that provides the ``fastnn`` package, as ``name version``, and the
        others that claim it too, if any), ``simd`` (str,
        e.g. ``'avx2'``), ``simd_built`` and ``simd_runnable`` (lists of
        str, best first), ``avx2_supported``, ``openmp`` (bool),
        ``num_threads``, ``usable_cpus``, ``max_team`` (int), ``compiler``,
        ``compile_flags``, ``python``, ``machine`` (str).
    """
    return {
        "version": _dist.this().version,
        "distribution": _dist.describe(),
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


def _apply_environment() -> None:
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
