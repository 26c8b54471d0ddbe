"""Elementwise activations and their gradients (fastnn.ops.relu ... softplus)
against float64 references, finite differences and PyTorch."""
import math

import numpy as np
import pytest

import fastnn
from fastnn import ops

from conftest import DTYPES, two_threads_available

SQRT_2_PI = math.sqrt(2.0 / math.pi)
_erfc = np.vectorize(math.erfc)


def gelu_ref(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(SQRT_2_PI * (x + 0.044715 * x ** 3)))
    return 0.5 * x * _erfc(-x / math.sqrt(2.0))


def softplus_ref(x, beta=1.0, threshold=20.0):
    z = beta * x
    soft = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
    return np.where(z > threshold, x, soft)


def sigmoid_ref(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# name -> (forward(x, **kw), reference(x64, **kw), kwargs)
FORWARD = {
    "relu": (ops.relu, lambda x: np.maximum(x, 0.0), {}),
    "leaky_relu": (ops.leaky_relu, lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
                   {"negative_slope": 0.07}),
    "sigmoid": (ops.sigmoid, sigmoid_ref, {}),
    "tanh": (ops.tanh, np.tanh, {}),
    "gelu": (ops.gelu, lambda x, approximate: gelu_ref(x, approximate), {"approximate": "none"}),
    "gelu_tanh": (ops.gelu, lambda x, approximate: gelu_ref(x, approximate),
                  {"approximate": "tanh"}),
    "softplus": (ops.softplus, softplus_ref, {"beta": 1.0, "threshold": 20.0}),
    "softplus_beta": (ops.softplus, softplus_ref, {"beta": 2.5, "threshold": 3.0}),
}

# Relative tolerance in units of the dtype's epsilon, plus an absolute floor
# (vectorised exp/tanh and libm differ by a few ulp).
ULPS = 16


def check(got, ref, dtype, terms=None):
    """|got - ref| <= ULPS·eps·max(|ref|, terms) + a tiny floor, where `terms`
    is the size of the terms the formula cancels (gelu_tanh's 1 + tanh(u) on
    the negative side cancels to far below x/2)."""
    eps = np.finfo(dtype).eps
    got = np.asarray(got, np.float64)
    size = np.abs(ref) if terms is None else np.maximum(np.abs(ref), terms)
    bound = ULPS * eps * size + ULPS * np.finfo(dtype).tiny   # results below the normal range may flush
    bad = np.abs(got - ref) > bound
    assert not bad.any(), (f"{bad.sum()} elements off, e.g. got {got[bad][:3]}, "
                           f"want {ref[bad][:3]}")


def terms_of(name, x):
    x = x.astype(np.float64)
    if name == "gelu_tanh":
        return np.abs(x)
    if name == "gelu":     # erfc(z) turns the rounding of z = -x/√2 into a relative error 2z²·eps
        return np.abs(gelu_ref(x, "none")) * (1 + x * x)
    if name.startswith("softplus"):   # e^z turns the rounding of z = beta·x into |z|·eps
        return np.abs(softplus_ref(x, 2.5, 3.0 if name == "softplus_beta" else 20.0)) * (1 + 2.5 * np.abs(x))
    return None


def sample(rng, n, dtype, spread=4.0):
    x = rng.standard_normal(n) * spread
    x[: min(n, 4)] = [0.0, -0.0, 1e-30, -1e-6][: min(n, 4)]
    return x.astype(dtype)


SIZES = [1, 7, 8, 9, 31, 1000, 2049, 70001]   # odd, vector width ± 1, several blocks


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", list(FORWARD))
def test_forward(simd, threads, rng, name, n, dtype):
    fn, ref, kw = FORWARD[name]
    x = sample(rng, n, dtype)
    y = fn(x, **kw)
    assert y.dtype == dtype and y.shape == x.shape
    check(y, ref(x.astype(np.float64), **kw), dtype, terms_of(name, x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FORWARD))
def test_forward_shapes_layouts_and_in_place(simd, rng, name, dtype):
    fn, ref, kw = FORWARD[name]
    x = sample(rng, 6 * 35, dtype).reshape(6, 5, 7)
    want = ref(x.astype(np.float64), **kw)
    t = terms_of(name, x)
    check(fn(x, **kw), want, dtype, t)
    check(fn(x[:, ::2, 1:], **kw), want[:, ::2, 1:], dtype,            # strided: copied
          None if t is None else t[:, ::2, 1:])
    check(fn(np.asfortranarray(x), **kw), want, dtype, t)
    out = np.empty_like(x)
    assert fn(x, **kw, out=out) is out
    check(out, want, dtype, t)
    y = x.copy()
    assert fn(y, **kw, out=y) is y                                     # in place
    check(y, want, dtype, t)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh"])
def test_in_place_variants(simd, rng, name, dtype):
    fn, ref, kw = FORWARD[name]
    inplace = getattr(ops, name + "_")
    x = sample(rng, 1001, dtype)
    want = ref(x.astype(np.float64), **kw)
    assert inplace(x, **kw) is x
    check(x, want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FORWARD))
def test_forward_extremes(simd, name, dtype):
    """±1000 and beyond: saturate, never NaN or overflow."""
    fn, ref, kw = FORWARD[name]
    x = np.array([-1e4, -1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0, 1e4] * 2, dtype=dtype)
    y = fn(x, **kw)
    assert np.all(np.isfinite(y)), y
    check(y, ref(x.astype(np.float64), **kw), dtype, terms_of(name, x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FORWARD))
def test_nan_propagates(simd, name, dtype):
    fn, _, kw = FORWARD[name]
    x = np.full(19, np.nan, dtype)
    assert np.all(np.isnan(fn(x, **kw)))


# name -> (backward(grad_out, saved, **kw), saved is "output" or "x", derivative(x64, **kw))
def _gelu_grad(x, approximate):
    if approximate == "tanh":
        t = np.tanh(SQRT_2_PI * (x + 0.044715 * x ** 3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
    return 0.5 * _erfc(-x / math.sqrt(2.0)) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


BACKWARD = {
    "relu": (ops.relu_backward, "output", lambda x: (x > 0).astype(float)),
    "leaky_relu": (ops.leaky_relu_backward, "x",
                   lambda x, negative_slope: np.where(x > 0, 1.0, negative_slope)),
    "sigmoid": (ops.sigmoid_backward, "output", lambda x: sigmoid_ref(x) * (1 - sigmoid_ref(x))),
    "tanh": (ops.tanh_backward, "output", lambda x: 1 - np.tanh(x) ** 2),
    "gelu": (ops.gelu_backward, "x", _gelu_grad),
    "gelu_tanh": (ops.gelu_backward, "x", _gelu_grad),
    "softplus": (ops.softplus_backward, "x",
                 lambda x, beta, threshold: np.where(beta * x > threshold, 1.0, sigmoid_ref(beta * x))),
    "softplus_beta": (ops.softplus_backward, "x",
                      lambda x, beta, threshold: np.where(beta * x > threshold, 1.0,
                                                          sigmoid_ref(beta * x))),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", list(BACKWARD))
def test_backward(simd, threads, rng, name, n, dtype):
    fwd, _, kw = FORWARD[name]
    bwd, saved_kind, deriv = BACKWARD[name]
    x = sample(rng, n, dtype)
    g = rng.standard_normal(n).astype(dtype)
    y = fwd(x, **kw)
    saved = y if saved_kind == "output" else x
    got = bwd(g, saved, **kw)
    assert got.dtype == dtype and got.shape == x.shape
    if saved_kind == "output":
        # the derivative is a function of the stored output: reference from it
        Y = y.astype(np.float64)
        d = {"relu": lambda: (Y > 0) * 1.0, "sigmoid": lambda: Y * (1 - Y),
             "tanh": lambda: 1 - Y * Y}[name]()
        scale = np.abs(g) * (1 + Y * Y)
    else:
        X = x.astype(np.float64)
        d = deriv(X, **kw)
        # the derivative's condition: rounding x moves tanh/erfc/exp terms by ~x²·eps
        scale = np.abs(g) * (1 + np.abs(d)) * (1 + X * X)
    want = g.astype(np.float64) * d
    eps = np.finfo(dtype).eps
    assert np.all(np.abs(got - want) <= ULPS * eps * scale + 1e-300), \
        np.max(np.abs(got - want) / (scale + 1e-300))


@pytest.mark.parametrize("name", list(FORWARD))
def test_backward_matches_finite_differences(simd, rng, name):
    """float64: the gradient kernels are the derivatives of the forward kernels."""
    fwd, _, kw = FORWARD[name]
    bwd, saved_kind, _ = BACKWARD[name]
    x = rng.standard_normal(41) * 3
    x = x[np.abs(x) > 1e-3]                      # away from relu's kink
    if "softplus" in name:
        x = x[np.abs(kw["beta"] * x - kw["threshold"]) > 1e-3]
    h = 1e-6
    numeric = (fwd(x + h, **kw) - fwd(x - h, **kw)) / (2 * h)
    saved = fwd(x, **kw) if saved_kind == "output" else x
    analytic = bwd(np.ones_like(x), saved, **kw)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.skipif(not two_threads_available(), reason="needs 2 usable CPUs")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FORWARD))
def test_bitwise_same_for_any_thread_count(simd, restore_threads, rng, name, dtype):
    fwd, _, kw = FORWARD[name]
    bwd, saved_kind, _ = BACKWARD[name]
    x = sample(rng, 300_007, dtype)
    g = rng.standard_normal(x.size).astype(dtype)
    results = []
    for n in (1, 2):
        fastnn.set_num_threads(n)
        y = fwd(x, **kw)
        results.append((y, bwd(g, y if saved_kind == "output" else x, **kw)))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


BAD = [
    (lambda: ops.relu(np.arange(3)), TypeError, "x must be a float32 or float64"),
    (lambda: ops.relu([1, 2]), TypeError, "x must be a float32 or float64"),
    (lambda: ops.relu(np.ones(3, np.float32), out=np.ones(4, np.float32)), ValueError,
     r"out must have shape \(3,\)"),
    (lambda: ops.relu(np.ones(3, np.float32), out=np.ones(3)), TypeError, "out must have dtype"),
    (lambda: ops.relu_([1.0, 2.0]), TypeError, "x must be a numpy array"),
    (lambda: ops.relu_(np.ones((3, 4))[:, ::2]), ValueError, "x must be C-contiguous"),
    (lambda: ops.gelu(np.ones(3), approximate="fast"), ValueError, "approximate must be"),
    (lambda: ops.softplus(np.ones(3), beta=0), ValueError, "beta must be > 0"),
    (lambda: ops.softplus(np.ones(3), threshold=float("nan")), ValueError, "threshold must be finite"),
    (lambda: ops.leaky_relu(np.ones(3), negative_slope="a"), TypeError, "negative_slope must be"),
    (lambda: ops.relu_backward(np.ones(3), np.ones(4)), ValueError, "output must have the shape"),
    (lambda: ops.tanh_backward(np.ones(3), np.ones(3, np.float32)), TypeError, "output has dtype"),
    (lambda: ops.gelu_backward(np.ones(3, np.int8), np.ones(3)), TypeError, "grad_out must be"),
]


@pytest.mark.parametrize("call,exc,pattern", BAD)
def test_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_partial_overlap_is_refused():
    buf = np.ones(20)
    with pytest.raises(ValueError, match="out overlaps x"):
        ops.relu(buf[:10], out=buf[5:15])
    with pytest.raises(ValueError, match="out overlaps output"):
        ops.relu_backward(np.ones(10), buf[:10], out=buf[5:15])



@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tail_stores_stay_inside_the_output(dtype):
    """The last partial vector of an elementwise kernel is stored lane by
    lane: the elements right after the output keep their values."""
    for n in range(1, 18):
        x = np.linspace(-2, 2, n).astype(dtype)
        buf = np.full(n + 24, 123.0, dtype)
        ops.relu(x, out=buf[:n])
        np.testing.assert_array_equal(buf[:n], np.maximum(x, 0))
        ops.relu_backward(np.ones(n, dtype), x, out=buf[:n])
        np.testing.assert_array_equal(buf[:n], (x > 0).astype(dtype))
        assert (buf[n:] == 123.0).all(), n

torch = None
try:
    import torch
except ImportError:
    pass


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FORWARD))
def test_matches_torch(simd, rng, name, dtype):
    import torch.nn.functional as F
    fwd, _, kw = FORWARD[name]
    bwd, saved_kind, _ = BACKWARD[name]
    tfn = {"relu": F.relu, "leaky_relu": F.leaky_relu, "sigmoid": torch.sigmoid,
           "tanh": torch.tanh, "gelu": F.gelu, "gelu_tanh": F.gelu, "softplus": F.softplus,
           "softplus_beta": F.softplus}[name]
    x = sample(rng, 1003, dtype)
    g = rng.standard_normal(x.size).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = tfn(tx, **kw)
    ty.backward(torch.from_numpy(g))
    y = fwd(x, **kw)
    gx = bwd(g, y if saved_kind == "output" else x, **kw)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    if name == "gelu_tanh" and dtype == np.float32:
        tol["atol"] = 1e-5   # PyTorch's 1 + tanh(u) cancels to 0 where ours keeps ~-3e-6
    np.testing.assert_allclose(y, ty.detach().numpy(), **tol)
    np.testing.assert_allclose(gx, tx.grad.numpy(), **tol)
