"""fastnn.ops.linear (fused x @ weight.T + bias, then the activation) against
a float64 numpy reference."""
import numpy as np
import pytest

import fastnn
from fastnn import ops

from conftest import (ACTIVATIONS, ATOL_ACT, DTYPES, act_ref, assert_close_scaled,
                      two_threads_available)

# (M, in_features, out_features)
SHAPES = [(1, 1, 1), (1, 784, 256), (2, 3, 5), (4, 13, 17), (5, 31, 7), (6, 16, 16),
          (7, 17, 15), (13, 29, 31), (33, 257, 9), (64, 100, 65), (97, 513, 23),
          (128, 255, 129), (1023, 11, 3)]


def reference(x, w, b, activation, slope=0.01):
    X = x.astype(np.float64).reshape(-1, x.shape[-1])
    W = w.astype(np.float64)
    z = X @ W.T
    scale = np.abs(X) @ np.abs(W.T)
    if b is not None:
        z = z + b.astype(np.float64)
        scale = scale + np.abs(b.astype(np.float64))
    y = act_ref(z, activation, slope)
    lead = x.shape[:-1]
    return y.reshape(lead + (w.shape[0],)), scale.reshape(lead + (w.shape[0],))


def data(rng, M, K, N, dtype, bias=True):
    x = rng.standard_normal((M, K)).astype(dtype)
    w = (rng.standard_normal((N, K)) / np.sqrt(K)).astype(dtype)
    b = rng.standard_normal(N).astype(dtype) if bias else None
    return x, w, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("M,K,N", SHAPES)
def test_linear(simd, threads, rng, M, K, N, bias, activation, dtype):
    x, w, b = data(rng, M, K, N, dtype, bias)
    y = ops.linear(x, w, b, activation=activation)
    assert y.dtype == dtype and y.shape == (M, N)
    ref, scale = reference(x, w, b, activation)
    assert_close_scaled(y, ref, scale, dtype, atol=ATOL_ACT[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.5, -0.3])
def test_linear_leaky_relu_slope(simd, rng, slope, dtype):
    x, w, b = data(rng, 37, 41, 19, dtype)
    y = ops.linear(x, w, b, activation="leaky_relu", negative_slope=slope)
    ref, scale = reference(x, w, b, "leaky_relu", slope)
    assert_close_scaled(y, ref, scale * max(1.0, abs(slope)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_identity_equals_none(simd, rng, dtype):
    x, w, b = data(rng, 9, 10, 11, dtype)
    np.testing.assert_array_equal(ops.linear(x, w, b), ops.linear(x, w, b, activation="identity"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lead", [(), (3,), (2, 5), (2, 1, 3)])
def test_linear_leading_dimensions(simd, rng, lead, dtype):
    """x may be (*, in_features), as torch.nn.functional.linear takes it."""
    x = rng.standard_normal(lead + (12,)).astype(dtype)
    w = rng.standard_normal((7, 12)).astype(dtype)
    b = rng.standard_normal(7).astype(dtype)
    y = ops.linear(x, w, b, activation="tanh")
    assert y.shape == lead + (7,)
    ref, scale = reference(x, w, b, "tanh")
    assert_close_scaled(y, ref, scale, dtype, atol=ATOL_ACT[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_out_buffer(simd, rng, dtype):
    x, w, b = data(rng, 21, 30, 17, dtype)
    out = np.full((21, 17), np.nan, dtype=dtype)
    got = ops.linear(x, w, b, activation="relu", out=out)
    assert got is out
    ref, scale = reference(x, w, b, "relu")
    assert_close_scaled(out, ref, scale, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_noncontiguous_inputs(simd, rng, dtype):
    """Transposed weight views and strided x are accepted (used in place or copied)."""
    x_big = rng.standard_normal((30, 50)).astype(dtype)
    wt = rng.standard_normal((25, 13)).astype(dtype)       # weight = wt.T, F-ordered view
    b_big = rng.standard_normal(26).astype(dtype)
    for x in (x_big[2:20, 3:28], x_big[::2, ::2][:, :25]):
        y = ops.linear(x, wt.T, b_big[::2], activation="sigmoid")
        ref, scale = reference(x, wt.T, b_big[::2], "sigmoid")
        assert_close_scaled(y, ref, scale, dtype, atol=ATOL_ACT[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_linear_saturating_activations_stay_finite(simd, activation, dtype):
    """Pre-activations of +-1000 give 0/1 (sigmoid) and -1/1 (tanh), never NaN."""
    x = np.array([[1.0], [-1.0], [0.0]], dtype=dtype)
    w = np.array([[1000.0], [-1000.0], [1e-3]], dtype=dtype)
    y = ops.linear(x, w, activation=activation)
    ref = act_ref(x.astype(np.float64) @ w.T.astype(np.float64), activation)
    np.testing.assert_allclose(y, ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_activation_accuracy_over_range(simd, activation, dtype):
    """The vectorised sigmoid/tanh across [-30, 30], including tiny inputs."""
    z = np.concatenate([np.linspace(-30, 30, 6001), np.geomspace(1e-9, 1, 200),
                        -np.geomspace(1e-9, 1, 200)]).astype(dtype)
    x = z.reshape(-1, 1)
    y = ops.linear(x, np.ones((1, 1), dtype), activation=activation)[:, 0]
    ref = act_ref(z.astype(np.float64), activation)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(y, ref, rtol=8 * eps, atol=4 * eps * 1e-2)


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M,K,N", [(1, 784, 256), (3, 784, 700), (64, 784, 256),
                                   (257, 300, 129), (1000, 784, 10)])
def test_linear_bitwise_same_for_any_thread_count(simd, restore_threads, rng, M, K, N,
                                                  activation, dtype):
    x, w, b = data(rng, M, K, N, dtype)
    results = []
    for n in (1, 2):
        fastnn.set_num_threads(n)
        results.append(ops.linear(x, w, b, activation=activation))
    np.testing.assert_array_equal(results[0], results[1])
