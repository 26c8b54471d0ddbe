# Runtime controls: which SIMD path runs, how many threads, how it was built.

import numbers
import os

import warnings


def _raise_simd_warning():
    """Turn the kernel table's pending message (an entry that failed its
    self-check, or a FASTNN_SIMD that could not be honoured) into a warning."""
    cdef char buf[512]
    if fnn_simd_take_warning(buf, sizeof(buf)):
        warnings.warn(buf.decode(), RuntimeWarning, stacklevel=3)


def simd_entries(include_tests=True):
    """Names of the kernel-table entries this build has, best first.

    For example 'avx512', 'avx2', 'generic'; with include_tests, also the
    test-only entries ('avx512_on_avx2': the AVX-512 tiles on AVX2; 'faulty':
    an entry that fails its self-check on purpose).

    Parameters
    ----------
    include_tests : bool, default True
        List the test-only entries too.

    Returns
    -------
    list of str
        The entries, best first, whether or not this CPU runs them.
    """
    cdef int test_only = 0
    names = []
    for i in range(fnn_simd_count()):
        name = fnn_simd_entry(i, &test_only)
        if include_tests or not test_only:
            names.append(name.decode())
    return names


cdef bytes _entry_name(name):
    if not isinstance(name, str) or name not in simd_entries():
        raise ValueError(f"name must be one of {simd_entries()}, got {name!r}")
    return name.encode()


def get_simd():
    """Name of the kernel-table entry in use, e.g. 'avx2' or 'generic'.

    Returns
    -------
    str
        One of simd_entries().
    """
    return fnn_simd_current().decode()


def simd_supported(name):
    """True if this build has the entry `name` and this CPU (and OS) can run it.

    Parameters
    ----------
    name : str
        One of simd_entries().

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If `name` is not an entry of this build.
    """
    return bool(fnn_simd_supported(_entry_name(name)))


def set_simd(name):
    """Switch the kernels to the entry `name`.

    An entry that fails its self-check on first use is disabled: a
    RuntimeWarning says so and the best working entry is used.

    Parameters
    ----------
    name : str
        One of simd_entries() that this CPU runs (simd_supported(name)).

    Raises
    ------
    ValueError
        If there is no such entry or this CPU lacks it.
    """
    cdef int r = fnn_simd_set(_entry_name(name))
    if r == -2:
        raise ValueError(f"name={name!r}: this CPU cannot run those kernels")
    _raise_simd_warning()


def openmp_enabled():
    """True if built with OpenMP, whose thread limits (threadpoolctl) fastnn then honours.

    Returns
    -------
    bool
    """
    return bool(fnn_openmp_enabled())


def set_num_threads(n):
    """Use `n` threads (an int >= 1) in every kernel from now on.

    Parameters
    ----------
    n : int
        The thread ceiling, >= 1 (values above 65536 are taken as 65536).

    Raises
    ------
    TypeError
        If `n` is not an int (a bool is refused too).
    ValueError
        If `n` < 1.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    fnn_set_num_threads(<int>min(int(n), 1 << 16))


def get_num_threads():
    """The thread ceiling the kernels use (what set_num_threads set, else the default).

    Returns
    -------
    int
        The ceiling, >= 1.
    """
    return fnn_get_num_threads()


def team_ceiling():
    """Most threads one kernel call uses now: min(get_num_threads(), usable_cpus()).

    Returns
    -------
    int
    """
    return fnn_get_team_ceiling()


def _team_now():
    """Tests only: the team a large call gets now (the ceiling, or half of it
    while the pool finds that extra threads do not help)."""
    return fnn_get_team_now()


def cpu_caches():
    """The CPU's data caches as the GEMM sizes its blocks by them.

    Returns
    -------
    dict
        ``l1d`` and ``l2``: one core's, in bytes; ``l3``: one CPU's share of
        the last level, in bytes (0 where unknown); ``source``: ``"sysfs"``,
        ``"cpuid"``, ``"FASTNN_CACHES"`` or ``"none"``.
    """
    cdef const fnn_caches *c = fnn_cpu_caches()
    return {"l1d": int(c.l1d), "l2": int(c.l2), "l3": int(c.l3),
            "source": c.source.decode("ascii")}


def gemm_blocks(dtype="float32"):
    """The packed GEMM's cache blocks on this CPU with the current kernel
    entry: ``{"mc": rows, "kc": depth, "nc": columns}`` for ``dtype``
    ``"float32"`` or ``"float64"``."""
    cdef fnn_int mc = 0, kc = 0, nc = 0
    name = np.dtype(dtype).name
    if name == "float32":
        fnn_gemm_blocks_s(&mc, &kc, &nc)
    elif name == "float64":
        fnn_gemm_blocks_d(&mc, &kc, &nc)
    else:
        raise TypeError(f"dtype must be float32 or float64, got {name}")
    return {"mc": int(mc), "kc": int(kc), "nc": int(nc)}


def ukernel_gflops(dtype="float32", kc=256, seconds=0.05):
    """The current kernel entry's GEMM micro-kernel alone, in GFLOP/s: whole
    register tiles of depth ``kc`` on packed panels held in the caches, for
    about ``seconds`` (the bench sets it beside the FMA peak)."""
    name = np.dtype(dtype).name
    if name not in ("float32", "float64"):
        raise TypeError(f"dtype must be float32 or float64, got {name}")
    if isinstance(kc, bool) or not isinstance(kc, numbers.Integral) or not 1 <= kc <= 1 << 16:
        raise ValueError(f"kc must be an integer in [1, 65536], got {kc!r}")
    cdef int dbl = name == "float64"
    cdef fnn_int depth = kc
    cdef long reps = 64
    cdef double t = 0, flops = 0
    while True:
        with nogil:
            t = (fnn_ukernel_seconds_d(depth, reps, &flops) if dbl
                 else fnn_ukernel_seconds_s(depth, reps, &flops))
        if t < 0:
            raise MemoryError("no memory for the micro-kernel's panels")
        if t >= seconds or reps > (1 << 40):
            break
        reps *= 2 if t <= 0 else max(2, min(100, int(seconds / t) + 1))
    return flops / t / 1e9


def team_stats(reset=False):
    """The pool's team decisions since the last reset (for the bench).

    Parameters
    ----------
    reset : bool, default False
        Zero the counts after reading them.

    Returns
    -------
    dict
        ``calls``: kernel calls whose work warranted 2 or more threads;
        ``halved``: those of them run on fewer threads because the pool's
        review found that extra threads did not help; ``contended``: times
        a spinning thread found its CPU taken (idle threads then sleep at
        once for a while instead of spinning); ``waited``: reviewed calls
        in which one of the team's threads had spent a quarter or more of
        its runnable time queued for a CPU another thread held (only such
        calls can halve the team); ``moved``: times a worker found itself
        on the calling thread's CPU call after call and moved to another
        CPU of the process's set.
    """
    cdef fnn_team_counts c
    fnn_team_stats(&c, 1 if reset else 0)
    return {"calls": int(c.calls), "halved": int(c.halved), "contended": int(c.contended),
            "waited": int(c.waited), "moved": int(c.moved)}


def usable_cpus(refresh=False):
    """CPUs this process may run on: its affinity mask within its cgroup CPU quota.

    Parameters
    ----------
    refresh : bool, default False
        Measure again (after os.sched_setaffinity or a new quota) instead of
        returning the count measured before.

    Returns
    -------
    int
        The usable CPUs, >= 1.
    """
    if refresh:
        fnn_refresh_usable_cpus()
    return fnn_get_usable_cpus()


def _cgroup_cpus(proc_file, root):
    """Tests only: the CPU quota of the cgroup that `proc_file` (a copy of
    /proc/self/cgroup) lists, under the hierarchy at `root` (0: no quota)."""
    p = os.fsencode(proc_file)
    r = os.fsencode(root)
    return fnn_cgroup_cpus(p, r)


def _set_usable_cpus(n):
    """Tests only: pretend the process may use `n` CPUs (0: measure again)."""
    fnn_set_usable_cpus(<int>max(0, min(int(n), 1 << 16)))
    if n == 0:
        fnn_refresh_usable_cpus()


def compiler():
    """The compiler that built the kernels, with its version.

    Returns
    -------
    str
    """
    return fnn_compiler().decode()


def build_flags():
    """The compile flags the kernels were built with.

    Returns
    -------
    str
    """
    return fnn_build_flags().decode()
