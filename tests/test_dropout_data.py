"""dropout (counter-based masks), the batch gather, argmax / count_correct and
sum_squares."""
import numpy as np
import pytest

import fastnn
from fastnn import ops

from conftest import DTYPES, SIMD_PATHS, two_threads_available


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("n", [1, 7, 2049, 100_003])
def test_dropout_is_mask_times_scale(simd, threads, rng, n, p, dtype):
    x = rng.standard_normal(n).astype(dtype)
    y = ops.dropout(x, p, seed=123, offset=45)
    mask = ops.dropout_mask(x.shape, p, seed=123, offset=45)
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    want = np.where(mask, x.astype(np.float64) * dtype(scale), 0.0)
    np.testing.assert_array_equal(y, want.astype(dtype))
    if p == 0:
        np.testing.assert_array_equal(y, x)
        assert mask.all()
    if p == 1:
        assert not mask.any() and not y.any()
    g = rng.standard_normal(n).astype(dtype)
    gx = ops.dropout_backward(g, p, seed=123, offset=45)
    np.testing.assert_array_equal(gx, np.where(mask, g * dtype(scale), 0).astype(dtype))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_kept_fraction(p):
    """Over 10^6 elements the kept fraction is within 4 standard deviations of 1 − p."""
    n = 1_000_000
    for seed in (0, 1, 2**40 + 7):
        kept = ops.dropout_mask(n, p, seed=seed).mean()
        sd = np.sqrt(p * (1 - p) / n)
        assert abs(kept - (1 - p)) < 4 * sd, (seed, kept)


def test_dropout_masks_depend_on_seed_and_offset():
    a = ops.dropout_mask(10_000, 0.5, seed=1)
    assert not np.array_equal(a, ops.dropout_mask(10_000, 0.5, seed=2))
    assert not np.array_equal(a, ops.dropout_mask(10_000, 0.5, seed=1, offset=10_000))
    # offset shifts the counter: elements [5, 10000) of offset 0 are [0, 9995) of offset 5
    np.testing.assert_array_equal(a[5:], ops.dropout_mask(9_995, 0.5, seed=1, offset=5))
    # neighbouring draws are not correlated
    x = ops.dropout_mask(200_000, 0.5, seed=9).astype(float)
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 0.02


def test_dropout_in_place_and_shapes(rng):
    x = rng.standard_normal((3, 5, 7))
    want = ops.dropout(x, 0.3, seed=5)
    y = x.copy()
    assert ops.dropout(y, 0.3, seed=5, out=y) is y
    np.testing.assert_array_equal(y, want)
    np.testing.assert_array_equal(ops.dropout(np.asfortranarray(x), 0.3, seed=5), want)


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
def test_dropout_bitwise_same_for_any_thread_count_and_simd_path(restore_threads, rng):
    from fastnn import _C
    x = rng.standard_normal(300_001).astype(np.float32)
    results = []
    before = _C.get_simd()
    try:
        for path in SIMD_PATHS:
            _C.set_simd(path)
            for n in (1, 2):
                fastnn.set_num_threads(n)
                results.append(ops.dropout(x, 0.37, seed=77, offset=3))
    finally:
        _C.set_simd(before)
    for r in results[1:]:
        np.testing.assert_array_equal(results[0], r)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows,shape", [(1, ()), (5, (3,)), (300, (28, 28)), (60, (7, 1))])
def test_gather_rows_float(simd, threads, rng, rows, shape, dtype):
    src = rng.standard_normal((rows,) + shape).astype(dtype)
    idx = rng.integers(0, rows, 2 * rows + 1)
    np.testing.assert_array_equal(ops.gather_rows(src, idx), src[idx])
    out = np.empty((idx.size,) + shape, dtype)
    assert ops.gather_rows(src, idx, out=out) is out
    np.testing.assert_array_equal(out, src[idx])


@pytest.mark.parametrize("out_dtype", DTYPES)
def test_gather_rows_uint8_scaled(simd, threads, rng, out_dtype):
    src = rng.integers(0, 256, (1000, 28, 28), dtype=np.uint8)
    idx = rng.permutation(1000)[:256]
    got = ops.gather_rows(src, idx, scale=1 / 255, dtype=out_dtype)
    assert got.dtype == out_dtype and got.shape == (256, 28, 28)
    want = src[idx].astype(np.float64) / 255
    np.testing.assert_allclose(got, want, rtol=2 * np.finfo(out_dtype).eps)
    shifted = ops.gather_rows(src, idx, scale=2.0, shift=-1.0)
    np.testing.assert_allclose(shifted, src[idx] * 2.0 - 1.0, rtol=1e-7)


def test_gather_rows_accepts_other_int_dtypes(rng):
    src = rng.standard_normal((10, 3))
    for dt in (np.int8, np.int32, np.uint16, np.int64):
        idx = np.array([9, 0, 4], dtype=dt)
        np.testing.assert_array_equal(ops.gather_rows(src, idx), src[idx.astype(int)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_argmax_and_count_correct(simd, rng, dtype):
    x = rng.standard_normal((257, 10)).astype(dtype)
    x[3] = 1.0                                 # ties: the first index wins
    x[4, 6] = np.nan                           # NaN counts as the maximum
    want = np.argmax(x, axis=1)
    np.testing.assert_array_equal(ops.argmax(x), want)
    labels = rng.integers(0, 10, 257)
    labels[:50] = want[:50]
    assert ops.count_correct(x, labels) == int((want == labels).sum())
    assert ops.count_correct(x, labels.astype(np.int32)) == int((want == labels).sum())


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_squares(simd, threads, rng, dtype):
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(1,), (7, 3), (100_001,), (256, 784)]]
    want = sum(float(np.sum(a.astype(np.float64) ** 2)) for a in arrays)
    np.testing.assert_allclose(ops.sum_squares(arrays), want, rtol=1e-12)
    np.testing.assert_allclose(ops.sum_squares(arrays[2]), np.sum(arrays[2].astype(np.float64) ** 2),
                               rtol=1e-12)
    assert ops.sum_squares([]) == 0.0


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
def test_data_kernels_bitwise_same_for_any_thread_count(restore_threads, rng):
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(300_001,), (256, 784)]]
    src = rng.integers(0, 256, (5000, 784), dtype=np.uint8)
    idx = rng.integers(0, 5000, 4096)
    results = []
    for n in (1, 2):
        fastnn.set_num_threads(n)
        results.append((ops.sum_squares(arrays), ops.gather_rows(src, idx, scale=1 / 255)))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


BAD = [
    (lambda: ops.dropout(np.ones(3), 1.5, seed=0), ValueError, r"p must be in \[0, 1\]"),
    (lambda: ops.dropout(np.ones(3), -0.1, seed=0), ValueError, r"p must be in \[0, 1\]"),
    (lambda: ops.dropout(np.ones(3), float("nan"), seed=0), ValueError, "p must be finite"),
    (lambda: ops.dropout(np.ones(3), 0.5, seed=-1), ValueError, "seed must be in"),
    (lambda: ops.dropout(np.ones(3), 0.5, seed=1.5), TypeError, "seed must be an int"),
    (lambda: ops.dropout(np.ones(3), 0.5, seed=0, offset=2**64), ValueError, "offset must be in"),
    (lambda: ops.dropout(np.arange(3), 0.5, seed=0), TypeError, "x must be a float32"),
    (lambda: ops.gather_rows(np.ones((4, 2)), [0, 4]), ValueError, r"index\[1\] = 4 is out of range"),
    (lambda: ops.gather_rows(np.ones((4, 2)), [-1]), ValueError, r"index\[0\] = -1 is out of range"),
    (lambda: ops.gather_rows(np.ones((4, 2)), [0.0, 1.0]), TypeError, "index must hold integers"),
    (lambda: ops.gather_rows(np.ones((4, 2)), [[0, 1]]), ValueError, "index must be 1-D"),
    (lambda: ops.gather_rows(np.ones((4, 2), np.int32), [0]), TypeError, "src must be float32"),
    (lambda: ops.gather_rows(np.ones((4, 2)), [0], scale=2.0), ValueError, "scale and shift apply"),
    (lambda: ops.gather_rows(np.ones((0, 2)), [0]), ValueError, "index asks for rows"),
    (lambda: ops.gather_rows(np.ones((4, 2)), [0], out=np.ones((2, 2))), ValueError,
     r"out must have shape \(1, 2\)"),
    (lambda: ops.gather_rows(np.ones((4, 2), np.uint8), [0], dtype=np.int32), TypeError,
     "dtype must be float32 or float64"),
    (lambda: ops.count_correct(np.ones((3, 2)), [0, 1]), ValueError, r"labels must have shape \(3,\)"),
    (lambda: ops.count_correct(np.ones((3, 2)), [0.0, 1.0, 1.0]), TypeError, "labels must hold integers"),
    (lambda: ops.argmax(np.ones(3)), ValueError, "x must be a 2-D array"),
    (lambda: ops.sum_squares([np.ones(2), np.arange(3)]), TypeError, r"arrays\[1\] must be"),
]


@pytest.mark.parametrize("call,exc,pattern", BAD)
def test_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
