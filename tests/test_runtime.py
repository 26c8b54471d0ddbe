"""Threads, SIMD dispatch, build information and the command line."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastnn
from fastnn import _C


def run_python(code, **env):
    """Run `code` in a fresh interpreter with extra environment variables."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("FASTNN_NUM_THREADS", "FASTNN_SIMD", "OMP_NUM_THREADS")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True,
                          text=True, timeout=120)


def test_info_keys_and_types():
    info = fastnn.info()
    assert info["version"] == fastnn.__version__
    assert info["simd"] in _C.simd_entries(include_tests=False)
    assert info["simd"] in info["simd_runnable"]
    assert set(info["simd_runnable"]) <= set(info["simd_built"])
    assert "generic" in info["simd_runnable"]
    assert isinstance(info["openmp"], bool)
    assert isinstance(info["num_threads"], int) and info["num_threads"] >= 1
    assert info["compiler"] and isinstance(info["compile_flags"], str)
    assert "-O3" in info["compile_flags"] or "-fsanitize" in info["compile_flags"]
    assert "-march=native" not in info["compile_flags"]
    if info["simd"] == "avx2":
        assert info["avx2_supported"]


def test_set_and_get_num_threads(restore_threads):
    fastnn.set_num_threads(1)
    assert fastnn.get_num_threads() == 1
    if _C.openmp_enabled() and os.cpu_count() >= 2:
        fastnn.set_num_threads(2)
        assert fastnn.get_num_threads() == 2


@pytest.mark.parametrize("value,exc", [(0, ValueError), (-3, ValueError), (1.5, TypeError),
                                       ("2", TypeError), (True, TypeError), (None, TypeError)])
def test_set_num_threads_rejects(restore_threads, value, exc):
    with pytest.raises(exc, match="n must be"):
        fastnn.set_num_threads(value)


@pytest.mark.parametrize("name", ["avx9", "", None, 3])
def test_set_simd_rejects_unknown_entry(name):
    with pytest.raises(ValueError, match="name must be one of"):
        _C.set_simd(name)


@pytest.mark.slow
def test_environment_num_threads():
    r = run_python("import fastnn; print(fastnn.get_num_threads())", FASTNN_NUM_THREADS="1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"


@pytest.mark.slow
def test_environment_omp_num_threads():
    r = run_python("import fastnn; print(fastnn.get_num_threads())", OMP_NUM_THREADS="1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"


@pytest.mark.slow
def test_environment_bad_num_threads_warns():
    r = run_python("import fastnn; print(fastnn.get_num_threads())", FASTNN_NUM_THREADS="lots")
    assert r.returncode == 0, r.stderr
    assert "FASTNN_NUM_THREADS='lots' is not a positive integer" in r.stderr
    assert int(r.stdout.strip()) >= 1


@pytest.mark.slow
def test_environment_forces_generic_path():
    r = run_python("import fastnn; print(fastnn.info()['simd'])", FASTNN_SIMD="generic")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "generic"


@pytest.mark.slow
def test_command_line_info():
    r = subprocess.run([sys.executable, "-m", "fastnn", "info"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    for key in ("version", "simd", "openmp", "num_threads", "compiler", "compile_flags",
                "self-check"):
        assert key in r.stdout


def test_kernels_usable_from_python_threads(rng):
    """Calls from several Python threads at once (the GIL is released around
    each kernel) give each caller its own right answer."""
    from concurrent.futures import ThreadPoolExecutor
    xs = [rng.standard_normal((60, 70)).astype(np.float32) for _ in range(8)]
    w = rng.standard_normal((50, 70)).astype(np.float32)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda x: fastnn.ops.linear(x, w, activation="relu"), xs))
    for x, y in zip(xs, outs):
        np.testing.assert_array_equal(y, fastnn.ops.linear(x, w, activation="relu"))
