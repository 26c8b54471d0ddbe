"""Shared fixtures: the SIMD path and thread count under test, and float64
references. Every test that takes `simd` runs once per path this CPU has
(the portable C path always, AVX2+FMA where supported).

The suite runs against whatever `import fastnn` finds: an editable install
in the checkout, or an installed wheel with this folder copied anywhere.
Tests that need the source checkout (the example scripts) skip off it.
The `slow` marker (subprocesses, fresh interpreters, the example scripts, the
benchmark run) is registered here; `-m "not slow"` leaves those out."""
import math
import os
import zlib

import numpy as np
import pytest

import fastnn
from fastnn import _C

# every kernel-table entry this CPU runs, the test-only avx512_on_avx2 (the
# AVX-512 entry's tiles and masked edges on AVX2) included; not "faulty",
# which fails its self-check on purpose (test_arch.py)
SIMD_PATHS = [name for name in _C.simd_entries() if name != "faulty" and _C.simd_supported(name)]


@pytest.fixture(params=SIMD_PATHS)
def simd(request):
    """Run the test on one kernel-table entry, restoring the previous one afterwards."""
    before = _C.get_simd()
    _C.set_simd(request.param)
    yield request.param
    _C.set_simd(before)


@pytest.fixture(params=[1, 2])
def threads(request):
    """Run the test with 1 and with 2 kernel threads."""
    before = fastnn.get_num_threads()
    fastnn.set_num_threads(request.param)
    yield request.param
    fastnn.set_num_threads(before)


@pytest.fixture
def restore_simd():
    """Put back the kernel-table entry in use before the test."""
    before = _C.get_simd()
    yield
    _C.set_simd(before)


@pytest.fixture
def restore_threads():
    before = fastnn.get_num_threads()
    yield
    fastnn.set_num_threads(before)


# the examples/ folder of the source checkout next to this tests/ folder, or None
EXAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
if not os.path.isfile(os.path.join(EXAMPLES_DIR, "_common.py")):
    EXAMPLES_DIR = None


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs subprocesses, fresh interpreters or whole "
                                       "scripts (deselect with -m 'not slow')")


def name_seed(request):
    """A seed from the test's own name (module file name, class, test and its
    parameters), the same wherever the tests folder lies."""
    node = request.node
    parts = [os.path.basename(str(node.path)), node.cls.__name__ if node.cls else "", node.name]
    return zlib.crc32("::".join(parts).encode())


@pytest.fixture
def rng(request):
    """A generator seeded from the test's name: fresh data per test, reproducible,
    independent of the folder the suite runs from."""
    return np.random.default_rng(name_seed(request))


class CountingC:
    """Stands in for the kernels module that nn.functional calls, counting
    the calls of each kernel."""

    def __init__(self, real):
        self.real, self.calls = real, {}

    def __getattr__(self, name):
        fn = getattr(self.real, name)

        def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            return fn(*args, **kwargs)
        return counted


def two_threads_available():
    """True if a kernel call can really run on 2 threads here (2 usable CPUs;
    tests/test_threads.py covers more teams by pretending more CPUs)."""
    before = fastnn.get_num_threads()
    try:
        fastnn.set_num_threads(2)
        return fastnn.info()["max_team"] >= 2
    finally:
        fastnn.set_num_threads(before)


# Tolerances relative to the scale of the exact result, sum_k |a_ik| |b_kj|:
# a correct kernel's rounding error is far below these; one wrong or missing
# term is far above them.
RTOL = {np.float32: 2e-6, np.float64: 1e-14}
# Absolute slack for the vectorised exp/tanh in the activations.
ATOL_ACT = {np.float32: 2e-6, np.float64: 1e-13}


def assert_close_scaled(got, ref, scale, dtype, atol=0.0):
    """|got - ref| <= rtol * scale + atol elementwise, with a message that
    says where and how far it is off."""
    dtype = np.dtype(dtype).type
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape, f"shape {got.shape} != reference {ref.shape}"
    assert np.all(np.isfinite(got)), "result has non-finite values"
    bound = RTOL[dtype] * scale + atol + np.finfo(dtype).tiny
    err = np.abs(got - ref)
    bad = err > bound
    if bad.any():
        i = np.unravel_index(np.argmax(err - bound), err.shape)
        raise AssertionError(f"{bad.sum()} of {err.size} elements off; worst at {i}: "
                             f"got {got[i]!r}, want {ref[i]!r}, |err| {err[i]:.3g} > {bound[i]:.3g}")


def act_ref(z, activation, slope=0.01):
    """float64 reference activations."""
    if activation in (None, "identity"):
        return z
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if activation == "sigmoid":
        e = np.exp(-np.abs(z))             # stable for either sign
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if activation == "tanh":
        return np.tanh(z)
    raise ValueError(activation)


def act_grad_from_output(y, activation, slope=0.01):
    """float64 reference derivative act'(z) expressed through y = act(z)."""
    if activation in (None, "identity"):
        return np.ones_like(y)
    if activation == "relu":
        return (y > 0).astype(np.float64)
    if activation == "leaky_relu":
        return np.where(y > 0, 1.0, slope)
    if activation == "sigmoid":
        return y * (1.0 - y)
    if activation == "tanh":
        return 1.0 - y * y
    raise ValueError(activation)


def act_grad_scale(y, activation, slope=0.01):
    """Magnitude of the terms in act'(y) as computed from y (1 - y*y has terms
    1 and y*y): what rounding errors in the derivative scale with."""
    if activation == "sigmoid":
        return np.abs(y) * (1.0 + np.abs(y))
    if activation == "tanh":
        return 1.0 + y * y
    return np.abs(act_grad_from_output(y, activation, slope))


ACTIVATIONS = [None, "relu", "leaky_relu", "sigmoid", "tanh"]
DTYPES = [np.float32, np.float64]


def optim_reference(kind, kw, p0, grads, dtype=None):
    """The update formulas of torch.optim's single-tensor algorithms in
    float64 numpy: p0 moved by each gradient of `grads` in turn (None: a step
    without a gradient, which moves nothing). Used by test_optim and the fuzz
    suite. With `dtype` (the parameters' dtype), a decayed gradient or a
    second-moment term beyond that dtype's range becomes inf, as it does in
    the dtype's own arithmetic (PyTorch's float32 too): the fuzz suite's huge
    options reach it."""
    fmax = np.finfo(dtype).max if dtype is not None else np.inf

    def sat(x):
        with np.errstate(invalid="ignore"):
            return np.where(np.abs(x) > fmax, np.copysign(np.inf, x), x)
    kw = {k: (tuple(float(b) for b in v) if k == "betas" else
              v if isinstance(v, bool) else float(v)) for k, v in kw.items()}   # numpy scalars: in float64
    p = np.asarray(p0, dtype=np.float64).copy()
    st_ = {}
    t = 0
    wd = kw.get("weight_decay", 1e-2 if kind == "AdamW" else 0.0)
    for g0 in grads:
        if g0 is None:
            continue
        t += 1
        g = np.array(g0, dtype=np.float64)
        g = -g if kw.get("maximize") else g
        lr = kw["lr"]
        if kind == "SGD":
            mu, damp = kw.get("momentum", 0), kw.get("dampening", 0)
            if wd:
                g = g + wd * p
            if mu:
                st_["b"] = g.copy() if "b" not in st_ else mu * st_["b"] + (1 - damp) * g
                g = g + mu * st_["b"] if kw.get("nesterov") else st_["b"]
            p = p - lr * g
        elif kind in ("Adam", "AdamW"):
            b1, b2 = kw.get("betas", (0.9, 0.999))
            e = kw.get("eps", 1e-8)
            if kind == "AdamW":
                p = p * (1 - lr * wd)
            elif wd:
                g = sat(g + wd * p)
            m = st_.setdefault("m", np.zeros_like(p))
            v = st_.setdefault("v", np.zeros_like(p))
            st_["m"] = m + (1 - b1) * (g - m)
            st_["v"] = sat(v * b2 + sat((1 - b2) * g * g))
            v = st_["v"]
            if kw.get("amsgrad"):
                st_["vmax"] = np.maximum(st_.get("vmax", np.zeros_like(p)), st_["v"])
                v = st_["vmax"]
            denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + e
            p = p - lr / (1 - b1 ** t) * (st_["m"] / denom)
        elif kind == "Adagrad":
            if wd:
                g = sat(g + wd * p)
            s = st_.setdefault("s", np.full_like(p, kw.get("initial_accumulator_value", 0.0)))
            st_["s"] = sat(s + sat(g * g))
            clr = lr / (1 + (t - 1) * kw.get("lr_decay", 0.0))
            p = p - clr * (g / (np.sqrt(st_["s"]) + kw.get("eps", 1e-10)))
        else:
            alpha, e, mu = kw.get("alpha", 0.99), kw.get("eps", 1e-8), kw.get("momentum", 0)
            if wd:
                g = sat(g + wd * p)
            st_["sq"] = sat(st_.get("sq", np.zeros_like(p)) * alpha + sat((1 - alpha) * g * g))
            if kw.get("centered"):
                st_["ga"] = st_.get("ga", np.zeros_like(p))
                st_["ga"] = st_["ga"] + (1 - alpha) * (g - st_["ga"])
                avg = np.sqrt(st_["sq"] - st_["ga"] ** 2) + e
            else:
                avg = np.sqrt(st_["sq"]) + e
            if mu > 0:
                st_["b"] = st_.get("b", np.zeros_like(p)) * mu + g / avg
                p = p - lr * st_["b"]
            else:
                p = p - lr * (g / avg)
    return p
