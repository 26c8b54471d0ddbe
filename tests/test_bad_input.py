"""Bad input to every binding: a clear TypeError or ValueError naming the
argument, never a crash and never a silently wrong result."""
import numpy as np
import pytest

from fastnn import ops

f32 = np.float32
f64 = np.float64


def arr(*shape, dtype=f32):
    return np.ones(shape, dtype=dtype)


MATMUL_CASES = [
    # (args, kwargs, exception, pattern the message must contain)
    ((arr(2, 3, dtype=np.int64), arr(3, 2)), {}, TypeError, "a must be a float32 or float64"),
    ((arr(2, 3), arr(3, 2, dtype=np.int32)), {}, TypeError, "b must be a float32 or float64"),
    ((arr(2, 3), arr(3, 2, dtype=f64)), {}, TypeError, "b has dtype float64 but a has dtype float32"),
    ((arr(2, 3, dtype=np.float16), arr(3, 2)), {}, TypeError, "a must be"),
    ((arr(2, 3, dtype=np.complex64), arr(3, 2)), {}, TypeError, "a must be"),
    ((np.array([["x"]]), arr(1, 1)), {}, TypeError, "a must be"),
    ((None, arr(1, 1)), {}, TypeError, "a must be"),
    ((arr(2, 3, 4), arr(3, 2)), {}, ValueError, "a must be a 2-D array"),
    ((arr(3), arr(3, 2)), {}, ValueError, "a must be a 2-D array"),
    ((arr(2, 3), arr(2)), {}, ValueError, "b must be a 2-D array"),
    ((arr(2, 3), arr(4, 2)), {}, ValueError, "a and b do not agree"),
    ((arr(2, 3), arr(3, 2)), {"transpose_a": True}, ValueError, "a and b do not agree"),
    ((arr(2, 3), arr(3, 2)), {"beta": 1.0}, ValueError, "beta=1.0 needs out="),
    ((arr(2, 3), arr(3, 2)), {"beta": float("nan"), "out": arr(2, 2)}, ValueError, "beta must be finite"),
    ((arr(2, 3), arr(3, 2)), {"beta": "x", "out": arr(2, 2)}, TypeError, "beta must be a real number"),
    ((arr(2, 3), arr(3, 2)), {"out": [[0.0, 0.0]]}, TypeError, "out must be a numpy array"),
    ((arr(2, 3), arr(3, 2)), {"out": arr(2, 2, dtype=f64)}, TypeError, "out must have dtype float32"),
    ((arr(2, 3), arr(3, 2)), {"out": arr(2, 3)}, ValueError, r"out must have shape \(2, 2\)"),
    ((arr(2, 3), arr(3, 2)), {"out": arr(2, 4)[:, ::2]}, ValueError, "out must be C-contiguous"),
]


@pytest.mark.parametrize("args,kwargs,exc,pattern", MATMUL_CASES)
def test_matmul_bad_input(args, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        ops.matmul(*args, **kwargs)


def test_matmul_read_only_out():
    out = arr(2, 2)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        ops.matmul(arr(2, 3), arr(3, 2), out=out)


def test_matmul_out_overlapping_an_input():
    buf = np.ones((4, 4), f32)
    with pytest.raises(ValueError, match="out overlaps a"):
        ops.matmul(buf, arr(4, 4), out=buf)
    with pytest.raises(ValueError, match="out overlaps b"):
        ops.matmul(arr(4, 4), buf[:, :], out=buf)
    big = np.ones(32, f32)
    with pytest.raises(ValueError, match="out overlaps a"):
        ops.matmul(big[:16].reshape(4, 4), arr(4, 4), out=big[8:24].reshape(4, 4))
    # adjacent but disjoint halves of one buffer are fine
    ops.matmul(big[:16].reshape(4, 4), arr(4, 4), out=big[16:].reshape(4, 4))


LINEAR_CASES = [
    ((arr(2, 3, dtype=np.int64), arr(4, 3)), {}, TypeError, "x must be a float32 or float64"),
    ((arr(2, 3), arr(4, 3, dtype=f64)), {}, TypeError, "weight has dtype float64 but x"),
    ((arr(2, 3), arr(4, 3)), {"bias": arr(4, dtype=f64)}, TypeError, "bias has dtype float64"),
    ((arr(2, 3), arr(4, 3)), {"bias": arr(4, dtype=np.int64)}, TypeError, "bias must be"),
    ((arr(2, 3), arr(12)), {}, ValueError, "weight must be a 2-D array"),
    ((arr(2, 3), arr(1, 4, 3)), {}, ValueError, "weight must be a 2-D array"),
    ((np.float32(1.0), arr(4, 3)), {}, ValueError, "x must have at least 1 dimension"),
    ((arr(2, 5), arr(4, 3)), {}, ValueError, "x has 5 features .* weight expects 3"),
    ((arr(2, 3), arr(4, 3)), {"bias": arr(3)}, ValueError, r"bias must have shape \(4,\)"),
    ((arr(2, 3), arr(4, 3)), {"bias": arr(1, 4)}, ValueError, r"bias must have shape \(4,\)"),
    ((arr(2, 3), arr(4, 3)), {"activation": "gelu"}, ValueError, "activation must be None, 'identity'"),
    ((arr(2, 3), arr(4, 3)), {"activation": "RELU"}, ValueError, "activation must be"),
    ((arr(2, 3), arr(4, 3)), {"activation": 1}, ValueError, "activation must be"),
    ((arr(2, 3), arr(4, 3)), {"activation": "leaky_relu", "negative_slope": float("inf")},
     ValueError, "negative_slope must be finite"),
    ((arr(2, 3), arr(4, 3)), {"negative_slope": None}, TypeError, "negative_slope must be a real"),
    ((arr(2, 3), arr(4, 3)), {"out": arr(4, 2)}, ValueError, r"out must have shape \(2, 4\)"),
    ((arr(2, 3), arr(4, 3)), {"out": arr(2, 4, dtype=f64)}, TypeError, "out must have dtype"),
]


@pytest.mark.parametrize("args,kwargs,exc,pattern", LINEAR_CASES)
def test_linear_bad_input(args, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        ops.linear(*args, **kwargs)


def test_linear_out_overlapping_an_input():
    x = np.ones((4, 4), f32)
    with pytest.raises(ValueError, match="out overlaps x"):
        ops.linear(x, arr(4, 4), out=x)
    b = np.ones(4, f32)
    with pytest.raises(ValueError, match="out overlaps bias"):
        ops.linear(arr(1, 4), arr(4, 4), bias=b, out=b.reshape(1, 4))


G = arr(5, 4)   # grad_out
X = arr(5, 3)   # x
W = arr(4, 3)   # weight
BACKWARD_CASES = [
    ((G.astype(np.int64), X, W), {}, TypeError, "grad_out must be a float32 or float64"),
    ((G, X.astype(f64), W), {}, TypeError, "x has dtype float64 but grad_out"),
    ((G, X, W.astype(f64)), {}, TypeError, "weight has dtype float64 but grad_out"),
    ((G, X, W), {"activation": "relu"}, ValueError, "saved .* is required when activation='relu'"),
    ((G, X, W), {"activation": "relu", "saved": arr(5, 3)}, ValueError, "saved must have the shape"),
    ((G, X, W), {"activation": "relu", "saved": arr(5, 4, dtype=f64)}, TypeError, "saved has dtype"),
    ((G, X, W), {"activation": "softmax", "saved": G}, ValueError, "activation must be"),
    ((G, X, W), {"input_activation": "swish"}, ValueError, "input_activation must be"),
    ((G, X, W), {"activation": "leaky_relu", "saved": G, "negative_slope": -0.1},
     ValueError, "negative_slope must be >= 0"),
    ((G, X, W), {"input_activation": "leaky_relu", "input_negative_slope": -1.0},
     ValueError, "input_negative_slope must be >= 0"),
    ((G, arr(6, 3), W), {}, ValueError, "must have the same leading dimensions"),
    ((G, arr(5, 2), W), {}, ValueError, "x has 2 features"),
    ((arr(5, 3), X, W), {}, ValueError, "grad_out has 3 features"),
    ((G, X, arr(4)), {}, ValueError, "weight must be a 2-D array"),
    ((G, X, W), {"accumulate": True}, ValueError, "accumulate=True needs both"),
    ((G, X, W), {"accumulate": True, "grad_weight": arr(4, 3)}, ValueError, "accumulate=True needs"),
    ((G, X, W), {"grad_weight": arr(3, 4)}, ValueError, r"grad_weight must have shape \(4, 3\)"),
    ((G, X, W), {"grad_bias": arr(3)}, ValueError, r"grad_bias must have shape \(4,\)"),
    ((G, X, W), {"grad_bias": arr(4, dtype=f64)}, TypeError, "grad_bias must have dtype float32"),
    ((G, X, W), {"grad_weight": arr(4, 6)[:, ::2]}, ValueError, "grad_weight must be C-contiguous"),
]


@pytest.mark.parametrize("args,kwargs,exc,pattern", BACKWARD_CASES)
def test_linear_backward_bad_input(args, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        ops.linear_backward(*args, **kwargs)


def test_linear_backward_buffers_must_not_alias():
    gw = np.ones((4, 3), f32)
    with pytest.raises(ValueError, match="grad_weight overlaps weight"):
        ops.linear_backward(G, X, gw, grad_weight=gw)
    buf = np.ones(16, f32)
    with pytest.raises(ValueError, match="grad_bias overlaps grad_weight"):
        ops.linear_backward(G, X, W, grad_weight=buf[:12].reshape(4, 3), grad_bias=buf[8:12])


def test_failed_call_leaves_out_untouched():
    """A rejected call writes nothing: the caller's buffer keeps its contents."""
    out = np.full((2, 4), 7.0, f32)
    with pytest.raises(ValueError):
        ops.linear(arr(2, 3), arr(4, 3), activation="bogus", out=out)
    assert np.all(out == 7.0)
