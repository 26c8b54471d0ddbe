"""The kernel table: one entry per instruction set (csrc/arch/<isa>/), the
self-check every entry passes before it is used, and the fallback when one
fails it (the test-only "faulty" entry, wrong on purpose)."""
import os
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import _C, ops

from conftest import SIMD_PATHS

CSRC = pathlib.Path(__file__).resolve().parent.parent / "csrc"


def run_python(code, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("FASTNN_SIMD",)}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True,
                          text=True, timeout=120)


def test_entries_best_first_and_generic_always_there():
    names = _C.simd_entries()
    assert "generic" in names and "faulty" in names
    assert len(set(names)) == len(names)
    default = _C.simd_entries(include_tests=False)
    assert "faulty" not in default and "avx512_on_avx2" not in default
    if "avx512" in default and "avx2" in default:
        assert default.index("avx512") < default.index("avx2") < default.index("generic")


def test_default_is_the_best_runnable_entry():
    r = run_python("import fastnn; print(fastnn.info()['simd'])")
    assert r.returncode == 0, r.stderr
    runnable = [n for n in _C.simd_entries(include_tests=False) if _C.simd_supported(n)]
    assert r.stdout.strip() == runnable[0]
    assert "RuntimeWarning" not in r.stderr


def test_faulty_entry_is_disabled_with_a_warning_and_falls_back(restore_simd):
    with pytest.warns(RuntimeWarning, match=r"faulty kernels failed their self-check \(gemm"):
        _C.set_simd("faulty")
    assert _C.get_simd() == _C.simd_entries(include_tests=False)[0] or _C.get_simd() in SIMD_PATHS
    assert _C.get_simd() != "faulty"
    # still disabled, and no second warning for the same entry
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _C.set_simd("faulty")
    assert _C.get_simd() != "faulty"
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(ops.matmul(a, a.T), a @ a.T)


def test_faulty_entry_from_the_environment_warns_at_import():
    r = run_python("import fastnn; print(fastnn.info()['simd'])", FASTNN_SIMD="faulty")
    assert r.returncode == 0, r.stderr
    assert "faulty kernels failed their self-check" in r.stderr
    assert r.stdout.strip() == [n for n in _C.simd_entries(include_tests=False)
                                if _C.simd_supported(n)][0]


@pytest.mark.parametrize("value", ["avx9", "AVX2"])
def test_unknown_entry_from_the_environment_warns(value):
    r = run_python("import fastnn; print(fastnn.info()['simd'])", FASTNN_SIMD=value)
    assert r.returncode == 0, r.stderr
    assert f"FASTNN_SIMD={value} names no kernel set" in r.stderr


@pytest.mark.parametrize("name", SIMD_PATHS)
def test_environment_picks_any_runnable_entry(name):
    r = run_python("import fastnn; print(fastnn.info()['simd'])", FASTNN_SIMD=name)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == name


@pytest.mark.parametrize("name", SIMD_PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("M,K,N", [(1, 1, 1), (13, 37, 33), (25, 300, 10), (12, 16, 32),
                                   (65, 129, 47)])
def test_every_entry_matches_float64_reference_at_odd_edges(restore_simd, rng, name, dtype, M, K, N):
    """Edge tiles of every entry's register tile (6x16, 12x32, 4x8 ...) go
    through lane masks: shapes around each tile size against float64 numpy."""
    _C.set_simd(name)
    x = rng.standard_normal((M, K)).astype(dtype)
    w = rng.standard_normal((N, K)).astype(dtype)
    b = rng.standard_normal(N).astype(dtype)
    y = ops.linear(x, w, b, activation="tanh")
    ref = np.tanh(x.astype(np.float64) @ w.astype(np.float64).T + b)
    tol = 2e-5 * np.sqrt(K) if dtype == np.float32 else 1e-12 * np.sqrt(K)
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)


def test_avx512_shaped_entry_matches_avx2_closely(restore_simd, rng):
    if not _C.simd_supported("avx512_on_avx2") or not _C.simd_supported("avx2"):
        pytest.skip("this CPU has no AVX2+FMA")
    x = rng.standard_normal((131, 77)).astype(np.float32)
    w = rng.standard_normal((45, 77)).astype(np.float32)
    out = {}
    for name in ("avx2", "avx512_on_avx2"):
        _C.set_simd(name)
        out[name] = ops.linear(x, w, activation="sigmoid")
    np.testing.assert_allclose(out["avx2"], out["avx512_on_avx2"], rtol=1e-5, atol=1e-6)


def _source(path):
    return path.read_text(encoding="utf-8")


needs_sources = pytest.mark.skipif(not CSRC.is_dir(), reason="the C sources are not beside the tests")


@needs_sources
def test_intrinsics_live_only_in_their_folder():
    for prefix, folder in (("_mm256_", "avx2"), ("_mm512_", "avx512")):
        users = {p.relative_to(CSRC).parts[:2] for p in CSRC.rglob("*.[ch]") if prefix in _source(p)}
        assert users <= {("arch", folder)}, (prefix, sorted(users))


@needs_sources
def test_no_multi_line_macro_kernels():
    """Kernels are *_impl.h templates included per type, not #define bodies
    continued over lines."""
    for p in CSRC.rglob("*.[ch]"):
        lines = _source(p).splitlines()
        continued = 0
        for line in lines:
            continued = continued + 1 if line.rstrip().endswith("\\") else 0
            assert continued < 3, f"{p.relative_to(CSRC)}: a macro of more than 3 lines"


@needs_sources
def test_an_entry_is_one_folder_and_one_line_of_the_list():
    """Every entry is a folder of csrc/arch/ plus one line of arch/entries.h,
    the list that both declares the entries and orders them; nothing else in
    the tree names an entry (the faulty test entry shows it)."""
    listed = re.findall(r"^FNN_ENTRY\((\w+)\)", _source(CSRC / "arch" / "entries.h"), flags=re.M)
    assert listed[-2:] == ["generic", "faulty"]
    for name in listed:
        folder = "avx2" if name == "avx512_on_avx2" else name
        assert (CSRC / "arch" / folder).is_dir(), name
    naming = [p.relative_to(CSRC).as_posix() for p in CSRC.rglob("*.[ch]")
              if "fnn_arch_faulty" in _source(p)]
    assert naming == ["arch/faulty/faulty.c"], naming


@pytest.mark.parametrize("name", SIMD_PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("M,K,N", [(5, 3, 1), (256, 256, 10), (37, 129, 16), (13, 1, 7), (100, 70, 33)])
def test_few_columns_path_matches_float64(restore_simd, restore_threads, rng, name, dtype,
                                          transpose_b, M, K, N):
    """Products with N no wider than a register tile read A in place (no
    packing): both layouts of B, beta, and the same bits on 1 and 2 threads."""
    _C.set_simd(name)
    a = rng.standard_normal((M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if transpose_b else (K, N)).astype(dtype)
    c0 = rng.standard_normal((M, N)).astype(dtype)
    ref = a.astype(np.float64) @ (b.T if transpose_b else b).astype(np.float64) + 0.5 * c0
    outs = []
    for threads in (1, 2):
        fastnn.set_num_threads(threads)
        out = c0.copy()
        ops.matmul(a, b, transpose_b=transpose_b, out=out, beta=0.5)
        outs.append(out)
    tol = 2e-5 * np.sqrt(K) if dtype == np.float32 else 1e-12 * np.sqrt(K)
    np.testing.assert_allclose(outs[0], ref, rtol=tol, atol=tol)
    np.testing.assert_array_equal(outs[0], outs[1])
