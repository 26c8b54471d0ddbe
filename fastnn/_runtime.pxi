# Runtime controls: which SIMD path runs, how many threads, how it was built.

import numbers
import os

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
    """True if built with OpenMP, whose thread limits (threadpoolctl) fastnn then honours."""
    return bool(fnn_openmp_enabled())


def set_num_threads(n):
    """Use `n` threads (an int >= 1) in every kernel from now on."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    fnn_set_num_threads(<int>min(int(n), 1 << 16))


def get_num_threads():
    """The thread ceiling the kernels use (what set_num_threads set, else the default)."""
    return fnn_get_num_threads()


def team_ceiling():
    """Most threads one kernel call uses now: min(get_num_threads(), usable_cpus())."""
    return fnn_get_team_ceiling()


def _team_now():
    """Tests only: the team a large call gets now (the ceiling, or half of it
    while the pool finds that extra threads do not help)."""
    return fnn_get_team_now()


def usable_cpus(refresh=False):
    """CPUs this process may run on: its affinity mask within its cgroup CPU quota."""
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
    """The compiler that built the kernels, with its version."""
    return fnn_compiler().decode()


def build_flags():
    """The compile flags the kernels were built with."""
    return fnn_build_flags().decode()
