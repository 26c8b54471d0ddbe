"""fastnn.ops.linear_backward: against a float64 numpy reference, against
finite differences of fastnn.ops.linear in float64, and across thread counts."""
import numpy as np
import pytest

import fastnn
from fastnn import ops

from conftest import (ACTIVATIONS, DTYPES, act_grad_from_output, act_grad_scale, act_ref, assert_close_scaled,
                      two_threads_available)

SHAPES = [(1, 1, 1), (1, 784, 256), (2, 3, 5), (5, 7, 3), (6, 16, 16), (7, 17, 15),
          (13, 29, 31), (64, 100, 65), (97, 513, 23), (256, 256, 10), (1023, 11, 3)]


def forward(rng, M, K, N, dtype, activation, input_activation=None):
    """A layer's forward data: x (the output of input_activation), w, y, grad_out."""
    x = rng.standard_normal((M, K))
    if input_activation is not None:
        x = act_ref(x, input_activation)
    x = x.astype(dtype)
    w = (rng.standard_normal((N, K)) / np.sqrt(K)).astype(dtype)
    b = rng.standard_normal(N).astype(dtype)
    y = ops.linear(x, w, b, activation=activation)
    g = rng.standard_normal((M, N)).astype(dtype)
    return x, w, y, g


def reference(g, x, w, y, activation, input_activation=None, slope=0.01, islope=0.01):
    G, X, W, Y = (a.astype(np.float64) for a in (g, x, w, y))
    dz = G * act_grad_from_output(Y, activation, slope)
    gx = (dz @ W) * act_grad_from_output(X, input_activation, islope)
    gw = dz.T @ X
    gb = dz.sum(axis=0)
    scale_z = np.abs(G) * act_grad_scale(Y, activation, slope)
    scale_x = (scale_z @ np.abs(W)) * act_grad_scale(X, input_activation, islope)
    return (gx, scale_x), (gw, scale_z.T @ np.abs(X)), \
           (gb, scale_z.sum(axis=0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M,K,N", SHAPES)
def test_linear_backward(simd, threads, rng, M, K, N, activation, dtype):
    x, w, y, g = forward(rng, M, K, N, dtype, activation)
    gx, gw, gb = ops.linear_backward(g, x, w, saved=y, activation=activation)
    assert gx.dtype == gw.dtype == gb.dtype == dtype
    assert gx.shape == (M, K) and gw.shape == (N, K) and gb.shape == (N,)
    (rx, sx), (rw, sw), (rb, sb) = reference(g, x, w, y, activation)
    assert_close_scaled(gx, rx, sx, dtype)
    assert_close_scaled(gw, rw, sw, dtype)
    assert_close_scaled(gb, rb, sb, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("input_activation", ACTIVATIONS)
@pytest.mark.parametrize("M,K,N", [(1, 1, 1), (3, 5, 7), (37, 41, 19), (130, 257, 64)])
def test_linear_backward_input_activation(simd, rng, M, K, N, input_activation, dtype):
    """grad_x multiplied in the GEMM epilogue by the derivative of the
    activation that produced x."""
    x, w, y, g = forward(rng, M, K, N, dtype, "relu", input_activation)
    gx, gw, gb = ops.linear_backward(g, x, w, saved=y, activation="relu",
                                     input_activation=input_activation)
    (rx, sx), (rw, sw), (rb, sb) = reference(g, x, w, y, "relu", input_activation)
    assert_close_scaled(gx, rx, sx, dtype)
    assert_close_scaled(gw, rw, sw, dtype)
    assert_close_scaled(gb, rb, sb, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("slope", [0.0, 0.1, 2.0])
def test_linear_backward_leaky_slopes(simd, rng, slope, dtype):
    x, w, _, g = forward(rng, 17, 23, 11, dtype, None, "leaky_relu")
    x = np.where(x > 0, x, x / 0.01 * slope).astype(dtype)    # an output of leaky_relu(slope)
    y = ops.linear(x, w, activation="leaky_relu", negative_slope=slope)
    gx, gw, gb = ops.linear_backward(g, x, w, saved=y, activation="leaky_relu",
                                     negative_slope=slope, input_activation="leaky_relu",
                                     input_negative_slope=slope)
    (rx, sx), (rw, sw), (rb, sb) = reference(g, x, w, y, "leaky_relu", "leaky_relu", slope, slope)
    assert_close_scaled(gx, rx, sx * max(1, slope), dtype)
    assert_close_scaled(gw, rw, sw, dtype)
    assert_close_scaled(gb, rb, sb, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_backward_without_input_grad(simd, rng, dtype):
    x, w, y, g = forward(rng, 29, 31, 7, dtype, "sigmoid")
    gx, gw, gb = ops.linear_backward(g, x, w, saved=y, activation="sigmoid", need_input_grad=False)
    assert gx is None
    _, (rw, sw), (rb, sb) = reference(g, x, w, y, "sigmoid")
    assert_close_scaled(gw, rw, sw, dtype)
    assert_close_scaled(gb, rb, sb, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_backward_accumulates(simd, rng, dtype):
    """accumulate=True adds into the given buffers, as PyTorch accumulates .grad."""
    x, w, y, g = forward(rng, 45, 33, 21, dtype, "tanh")
    gw0 = rng.standard_normal((21, 33)).astype(dtype)
    gb0 = rng.standard_normal(21).astype(dtype)
    gw, gb = gw0.copy(), gb0.copy()
    _, rgw, rgb = ops.linear_backward(g, x, w, saved=y, activation="tanh", grad_weight=gw,
                                      grad_bias=gb, accumulate=True)
    assert rgw is gw and rgb is gb
    _, (rw, sw), (rb, sb) = reference(g, x, w, y, "tanh")
    assert_close_scaled(gw, rw + gw0, sw + np.abs(gw0), dtype)
    assert_close_scaled(gb, rb + gb0, sb + np.abs(gb0), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_backward_overwrites_buffers(simd, rng, dtype):
    x, w, y, g = forward(rng, 9, 8, 7, dtype, None)
    gw = np.full((7, 8), np.nan, dtype)
    gb = np.full(7, np.nan, dtype)
    ops.linear_backward(g, x, w, grad_weight=gw, grad_bias=gb)
    _, (rw, sw), (rb, sb) = reference(g, x, w, y, None)
    assert_close_scaled(gw, rw, sw, dtype)
    assert_close_scaled(gb, rb, sb, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_backward_leading_dimensions(simd, rng, dtype):
    x = rng.standard_normal((2, 3, 6)).astype(dtype)
    w = rng.standard_normal((4, 6)).astype(dtype)
    y = ops.linear(x, w, activation="relu")
    g = rng.standard_normal((2, 3, 4)).astype(dtype)
    gx, gw, gb = ops.linear_backward(g, x, w, saved=y, activation="relu")
    assert gx.shape == (2, 3, 6)
    (rx, sx), (rw, sw), (rb, sb) = reference(g.reshape(6, 4), x.reshape(6, 6), w,
                                             y.reshape(6, 4), "relu")
    assert_close_scaled(gx.reshape(6, 6), rx, sx, dtype)
    assert_close_scaled(gw, rw, sw, dtype)
    assert_close_scaled(gb, rb, sb, dtype)


def numeric_grad(f, a, eps=1e-6):
    """Central differences of the scalar f() with respect to every element of a."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        hi = f()
        a[i] = old - eps
        lo = f()
        a[i] = old
        grad[i] = (hi - lo) / (2 * eps)
    return grad


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("input_activation", [None, "sigmoid", "tanh", "leaky_relu"])
def test_linear_backward_matches_finite_differences(simd, rng, activation, input_activation):
    """float64: L = sum(R * act(act_in(z) @ w.T + b)); the analytic gradients in
    z, w and b equal central differences of the forward kernel."""
    M, K, N = 4, 5, 3
    z = rng.standard_normal((M, K))
    z[np.abs(z) < 1e-3] = 0.5            # keep away from the kinks of relu-like functions
    w = rng.standard_normal((N, K))
    b = rng.standard_normal(N)
    r = rng.standard_normal((M, N))

    def loss():
        x = act_ref(z, input_activation)
        return float(np.sum(r * ops.linear(x, w, b, activation=activation)))

    if activation in ("relu", "leaky_relu"):
        pre = act_ref(z, input_activation) @ w.T + b
        assert np.min(np.abs(pre)) > 1e-4, "test data too close to a kink"
    x = act_ref(z, input_activation)
    y = ops.linear(x, w, b, activation=activation)
    gz, gw, gb = ops.linear_backward(r, x, w, saved=y, activation=activation,
                                     input_activation=input_activation)
    np.testing.assert_allclose(gz, numeric_grad(loss, z), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gw, numeric_grad(loss, w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, numeric_grad(loss, b), rtol=1e-6, atol=1e-8)


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("M,K,N", [(1, 784, 256), (3, 500, 700), (64, 784, 256),
                                   (256, 784, 256), (1001, 300, 10)])
def test_linear_backward_bitwise_same_for_any_thread_count(simd, restore_threads, rng, M, K, N,
                                                           dtype):
    x, w, y, g = forward(rng, M, K, N, dtype, "relu", "tanh")
    results = []
    for n in (1, 2):
        fastnn.set_num_threads(n)
        results.append(ops.linear_backward(g, x, w, saved=y, activation="relu",
                                           input_activation="tanh"))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
