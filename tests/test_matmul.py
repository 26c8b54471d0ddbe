"""fastnn.ops.matmul against a float64 numpy reference."""
import numpy as np
import pytest

import fastnn
from fastnn import ops

from conftest import DTYPES, assert_close_scaled, two_threads_available

# (M, N, K): 1x1x1, primes, 1023, and sizes one below / at / one above the
# register tiles (6x16 float and 6x8 double with AVX2, 4x8 and 4x4 portable)
# and the cache blocks (K 256 and 512, M 72 and 96).
SHAPES = [
    (1, 1, 1), (1, 7, 3), (2, 3, 5), (3, 1, 2), (4, 9, 11), (5, 17, 13),
    (6, 16, 8), (7, 15, 9), (5, 8, 4), (3, 4, 5), (13, 31, 29), (17, 33, 255),
    (6, 17, 256), (7, 16, 257), (11, 5, 511), (12, 24, 512), (5, 9, 513),
    (71, 23, 19), (72, 40, 31), (73, 9, 7), (95, 33, 3), (96, 16, 17), (97, 47, 23),
    (1023, 37, 19), (19, 1023, 37), (37, 19, 1023), (3, 4081, 5), (61, 127, 257),
]


def reference(a, b, ta, tb, c0=None, beta=0.0):
    A = a.astype(np.float64)
    B = b.astype(np.float64)
    A = A.T if ta else A
    B = B.T if tb else B
    ref = A @ B
    scale = np.abs(A) @ np.abs(B)
    if beta != 0.0:
        ref = ref + beta * c0.astype(np.float64)
        scale = scale + np.abs(beta * c0.astype(np.float64))
    return ref, scale


def operands(rng, M, N, K, ta, tb, dtype):
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
    return a, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("M,N,K", SHAPES)
def test_matmul_shapes(simd, threads, rng, M, N, K, dtype):
    a, b = operands(rng, M, N, K, False, False, dtype)
    c = ops.matmul(a, b)
    assert c.dtype == dtype and c.shape == (M, N) and c.flags.c_contiguous
    ref, scale = reference(a, b, False, False)
    assert_close_scaled(c, ref, scale, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("M,N,K", [(1, 1, 1), (1, 29, 31), (3, 17, 257), (7, 33, 13),
                                   (37, 23, 101), (97, 65, 513)])
def test_matmul_transposes(simd, rng, M, N, K, ta, tb, dtype):
    a, b = operands(rng, M, N, K, ta, tb, dtype)
    c = ops.matmul(a, b, transpose_a=ta, transpose_b=tb)
    ref, scale = reference(a, b, ta, tb)
    assert_close_scaled(c, ref, scale, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [1.0, -0.5, 2.0])
@pytest.mark.parametrize("M,N,K", [(1, 1, 1), (2, 5, 3), (7, 17, 9), (67, 41, 300)])
def test_matmul_beta_accumulates(simd, rng, M, N, K, beta, dtype):
    a, b = operands(rng, M, N, K, False, False, dtype)
    c0 = rng.standard_normal((M, N)).astype(dtype)
    out = c0.copy()
    got = ops.matmul(a, b, out=out, beta=beta)
    assert got is out
    ref, scale = reference(a, b, False, False, c0, beta)
    assert_close_scaled(out, ref, scale, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("M,N,K", [(1, 3, 2), (7, 17, 9), (67, 41, 300)])
def test_matmul_beta_zero_never_reads_out(simd, rng, M, N, K, dtype):
    """With beta = 0 the old contents (here NaN) must not leak into the result."""
    a, b = operands(rng, M, N, K, False, False, dtype)
    out = np.full((M, N), np.nan, dtype=dtype)
    ops.matmul(a, b, out=out)
    ref, scale = reference(a, b, False, False)
    assert_close_scaled(out, ref, scale, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_layouts(simd, rng, dtype):
    """Row-strided slices and Fortran-ordered arrays are used in place; other
    layouts (column steps, negative strides) are copied; all give the same answer."""
    big_a = rng.standard_normal((40, 70)).astype(dtype)
    big_b = rng.standard_normal((60, 50)).astype(dtype)
    cases = [
        (big_a[3:30, 5:38], big_b[:33, 7:20]),                    # row strides
        (np.asfortranarray(big_a[:27, :33]), big_b[:33, :13]),   # F-ordered a
        (big_a[:27, :33], np.asfortranarray(big_b[:33, :13])),   # F-ordered b
        (big_a[:27:1, ::2], big_b[:35, ::3]),                    # column steps (copied)
        (big_a[::-1, :33][:27], big_b[:33, ::-1][:, :13]),       # negative strides (copied)
        (big_a[:27, :33].T.copy().T, big_b[:33, :13]),
    ]
    for a, b in cases:
        c = ops.matmul(a, b)
        ref, scale = reference(a, b, False, False)
        assert_close_scaled(c, ref, scale, dtype)


def test_matmul_accepts_array_likes():
    c = ops.matmul([[1.0, 2.0]], [[3.0], [4.0]])
    assert c.dtype == np.float64
    assert c.tolist() == [[11.0]]


@pytest.mark.parametrize("shape_a,shape_b", [((0, 5), (5, 3)), ((4, 0), (0, 3)), ((4, 5), (5, 0))])
def test_matmul_empty(shape_a, shape_b):
    """Zero-sized operands behave as in numpy (K = 0 gives zeros)."""
    a = np.ones(shape_a, np.float32)
    b = np.ones(shape_b, np.float32)
    np.testing.assert_array_equal(ops.matmul(a, b), a @ b)


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("M,N,K", [(3, 700, 300), (64, 256, 784), (97, 131, 513),
                                   (256, 64, 1030), (301, 299, 67)])
def test_matmul_bitwise_same_for_any_thread_count(simd, restore_threads, rng, M, N, K,
                                                  ta, tb, dtype):
    a, b = operands(rng, M, N, K, ta, tb, dtype)
    results = []
    for n in (1, 2):
        fastnn.set_num_threads(n)
        results.append(ops.matmul(a, b, transpose_a=ta, transpose_b=tb))
    np.testing.assert_array_equal(results[0], results[1])


def test_simd_paths_agree_closely(rng):
    """The AVX2 and portable paths are both exact to rounding: they agree to
    within the float32 tolerance (not bitwise: the FMA rounds differently)."""
    from fastnn import _C
    if not _C.simd_supported("avx2"):
        pytest.skip("CPU has no AVX2+FMA")
    a, b = operands(rng, 50, 70, 300, False, False, np.float32)
    before = _C.get_simd()
    try:
        _C.set_simd("generic")
        g = ops.matmul(a, b)
        _C.set_simd("avx2")
        v = ops.matmul(a, b)
    finally:
        _C.set_simd(before)
    ref, scale = reference(a, b, False, False)
    assert_close_scaled(g, ref, scale, np.float32)
    assert_close_scaled(v, ref, scale, np.float32)


@pytest.mark.parametrize("dtype", DTYPES)
def test_edge_stores_stay_inside_the_output(dtype):
    """The partial vectors at a tile's edge (columns past the last whole
    vector, the last rows) are written lane by lane: the memory right after
    the output keeps its values, for every column count up to two vectors."""
    rng = np.random.default_rng(5)
    for N in range(1, 18):
        for M, K in ((1, 3), (5, 7), (13, 2)):
            a, b = operands(rng, M, N, K, False, False, dtype)
            buf = np.full(M * N + 24, 123.0, dtype)
            out = buf[:M * N].reshape(M, N)
            ops.matmul(a, b, out=out)
            ref, scale = reference(a, b, False, False)
            assert_close_scaled(out, ref, scale, dtype)
            assert (buf[M * N:] == 123.0).all(), (M, N, K)
