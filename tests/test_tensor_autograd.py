"""fastnn.Tensor and autograd: constructors, dtype rules, every differentiable
op against central finite differences in float64, and the engine's rules
(accumulation, retain_grad, freed graphs, no_grad, in-place on leaves)."""
import numpy as np
import pytest

import fastnn as fnn


def finite_difference_check(fn, *arrays, eps=1e-6, rtol=1e-6, atol=1e-8):
    """fn(*tensors) -> scalar tensor; compare autograd with central differences."""
    tensors = [fnn.tensor(a, dtype=fnn.float64, requires_grad=True) for a in arrays]
    fn(*tensors).backward()
    for t, a in zip(tensors, arrays):
        a = np.array(a, dtype=np.float64)
        num = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            hi, lo = a.copy(), a.copy()
            hi[i] += eps
            lo[i] -= eps
            args_hi = [fnn.tensor(hi if u is t else np.asarray(u._data), dtype=fnn.float64) for u in tensors]
            args_lo = [fnn.tensor(lo if u is t else np.asarray(u._data), dtype=fnn.float64) for u in tensors]
            num[i] = (fn(*args_hi).item() - fn(*args_lo).item()) / (2 * eps)
        assert t.grad is not None, "no gradient reached an input"
        np.testing.assert_allclose(t.grad.numpy(), num, rtol=rtol, atol=atol)


R = np.random.default_rng(7)
A34 = R.standard_normal((3, 4))
B34 = R.standard_normal((3, 4))
B14 = R.standard_normal((1, 4))
B4 = R.standard_normal(4)
P34 = R.uniform(0.5, 2.0, (3, 4))

CASES = {
    "add broadcast": (lambda a, b: ((a + b) * (a + b)).sum(), (A34, B14)),
    "sub broadcast": (lambda a, b: ((a - b) ** 2).sum(), (A34, B4)),
    "mul": (lambda a, b: (a * b).sum(), (A34, B34)),
    "div": (lambda a, b: (a / b).sum(), (A34, P34)),
    "pow scalar": (lambda a: (a ** 3).sum(), (A34,)),
    "pow tensor": (lambda a, b: (a ** b).sum(), (P34, B34)),
    "rpow": (lambda a: (2.0 ** a).sum(), (A34,)),
    "neg, radd, rsub, rmul, rdiv": (lambda a: (-a + 1 - (2 - a) * 3 + 1 / (a * a + 1)).sum(), (A34,)),
    "matmul 2-D": (lambda a, b: (a @ b).sum(), (A34, R.standard_normal((4, 5)))),
    "matmul 1-D": (lambda a, b: (a @ b).sum(), (A34, B4)),
    "matmul vec-mat": (lambda a, b: (a @ b).sum(), (B4, R.standard_normal((4, 2)))),
    "mm": (lambda a, b: fnn.mm(a, b).sum(), (A34, A34.T.copy())),
    "sum axis": (lambda a: (a.sum(0) ** 2).sum() + (a.sum(axis=1, keepdims=True) ** 2).sum(), (A34,)),
    "mean": (lambda a: (a.mean(1) ** 2).sum() + a.mean() * 3, (A34,)),
    "reshape, view, T": (lambda a: (a.reshape(2, 6).view(6, 2).T ** 2 * fnn.arange(12.0).reshape(2, 6).double()).sum(), (A34,)),
    "exp, log": (lambda a: (fnn.exp(a * 0.5) + fnn.log(a * a + 1)).sum(), (A34,)),
    "relu, sigmoid, tanh": (lambda a: (fnn.relu(a) * 2 + a.sigmoid() + fnn.tanh(a) * a).sum(), (A34,)),
    "maximum": (lambda a, b: fnn.maximum(a, b).sum() + fnn.max(a, b).sum(), (A34, B34)),
    "max, dim": (lambda a: fnn.max(a, 1).values.sum() + a.max(), (A34,)),
    "clamp": (lambda a: (a.clamp(-0.5, 0.7) * a).sum() + fnn.clamp(a, min=0.1).sum(), (A34,)),
    "abs, sqrt": (lambda a: (abs(a) + (a * a + 1).sqrt()).sum(), (A34,)),
    "advanced indexing": (lambda a: fnn.log(fnn.exp(a)[range(3), fnn.tensor([0, 3, 3])]).sum(), (A34,)),
    "slicing": (lambda a: (a[1:, ::2] ** 2).sum() + a[0, 1] * 3, (A34,)),
    "flatten, squeeze, unsqueeze, transpose": (lambda a: (a.unsqueeze(0).flatten(1).squeeze(0).reshape(3, 4).transpose(0, 1) ** 2 * fnn.arange(12.0).reshape(4, 3).double()).sum(), (A34,)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_finite_differences(name):
    fn, arrays = CASES[name]
    finite_difference_check(fn, *arrays)


def test_constructors_and_dtypes():
    assert fnn.tensor([1.0, 2.0]).dtype == fnn.float32
    assert fnn.tensor([1, 2]).dtype == fnn.int64
    assert fnn.tensor(np.zeros(2)).dtype == fnn.float64          # numpy float64 stays
    assert fnn.tensor([1.0], dtype=fnn.float64).dtype == np.float64
    assert fnn.zeros(2, 3).shape == (2, 3) and fnn.zeros((2, 3)).dtype == fnn.float32
    assert fnn.ones(4, dtype=fnn.float64).dtype == fnn.float64
    assert fnn.arange(5).dtype == fnn.int64 and fnn.arange(0, 1, 0.25).dtype == fnn.float32
    assert fnn.randn(3, 2, requires_grad=True).requires_grad
    assert fnn.normal(0, 0.01, (3, 4)).shape == (3, 4)
    assert fnn.zeros_like(fnn.ones(2, dtype=fnn.float64)).dtype == fnn.float64
    a = np.arange(6.0).reshape(2, 3)
    t = fnn.from_numpy(a)
    t[0, 0] = 42
    assert a[0, 0] == 42                       # zero-copy
    assert np.shares_memory(np.asarray(t), a)
    assert fnn.tensor(3.5).item() == 3.5 and float(fnn.tensor([2.0])) == 2.0
    with pytest.raises(TypeError, match="only float32/float64 tensors can require"):
        fnn.tensor([1, 2], requires_grad=True)
    with pytest.raises(ValueError, match="size must be non-negative"):
        fnn.zeros(-1)


def test_manual_seed_reproduces():
    fnn.manual_seed(3)
    a = fnn.randn(5).numpy().copy()
    fnn.manual_seed(3)
    np.testing.assert_array_equal(a, fnn.randn(5).numpy())


def test_no_silent_float_mixing():
    with pytest.raises(TypeError, match="does not mix float32 and float64"):
        fnn.ones(2) + fnn.ones(2, dtype=fnn.float64)
    assert (fnn.ones(2) + 1.5).dtype == fnn.float32           # Python numbers mix
    assert (fnn.ones(2) * fnn.tensor([1, 2])).dtype == fnn.float32  # ints take the float dtype


def test_gradients_accumulate_and_zero():
    w = fnn.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2 + 3, 4 + 3])
    w.grad.zero_()
    assert not w.grad.numpy().any()


def test_retain_grad_and_non_leaf_grads():
    x = fnn.tensor([1.0, -2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    h2 = x + 1
    h2.retain_grad()
    z = y + (h2 * 1).sum()
    z.backward()
    assert h.grad is None and h2.grad is not None
    np.testing.assert_allclose(h2.grad.numpy(), [1, 1])
    np.testing.assert_allclose(x.grad.numpy(), [8 * 1 + 1, 8 * -2 + 1])


def test_backward_rules():
    x = fnn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        y.backward()
    y.backward(fnn.ones(2))
    np.testing.assert_allclose(x.grad.numpy(), [2, 2])
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()
    w = (x * x).sum()
    w.backward(retain_graph=True)
    w.backward()                               # allowed after retain_graph
    with pytest.raises(RuntimeError, match="does not require grad"):
        fnn.ones(2).sum().backward()


def test_no_grad_context_and_decorator():
    x = fnn.ones(2, requires_grad=True)
    with fnn.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @fnn.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad
    assert fnn.is_grad_enabled()


def test_in_place_updates_on_leaves():
    """The chapters' hand-written sgd: param -= lr * grad under no_grad."""
    w = fnn.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match="in-place operation"):
        w -= 0.1 * w.grad
    with fnn.no_grad():
        w -= 0.1 * w.grad
        w *= 2
        w /= 2
        w += 0
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-6)
    w.data -= 0.5 * w.grad                    # through .data, as d2l does
    np.testing.assert_allclose(w.numpy(), [0.8 - 1.0, 1.6 - 2.0], rtol=1e-6)
    w.data.normal_(0, 0.01)
    w.data.fill_(0)
    assert not w.numpy().any()
    assert w.requires_grad and w.is_leaf


def test_detach_and_numpy_share_memory():
    x = fnn.randn(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), x.numpy())


def test_comparisons_and_accuracy_idiom():
    y_hat = fnn.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = fnn.tensor([1, 0, 0])
    cmp = y_hat.argmax(axis=1).type(y.dtype) == y
    assert float(cmp.type(y.dtype).sum()) == 2.0


def test_matmul_shape_mismatch_is_clear():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not agree"):
        fnn.ones(2, 3) @ fnn.ones(4, 5)


def test_float32_autograd_matches_float64():
    a = R.standard_normal((5, 6))
    b = R.standard_normal((6, 3))
    grads = []
    for dt in (fnn.float32, fnn.float64):
        x = fnn.tensor(a, dtype=dt, requires_grad=True)
        w = fnn.tensor(b, dtype=dt, requires_grad=True)
        (fnn.tanh(x @ w) ** 2).mean().backward()
        grads.append((x.grad.numpy(), w.grad.numpy()))
    for g32, g64 in zip(*grads):
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("op", ["maximum", "max", "clamp", "abs", "div", "pow", "where"])
def test_float32_gradients_stay_float32(op):
    """No op turns a float32 gradient into float64 (it would break the next kernel)."""
    x = fnn.randn(4, 3, requires_grad=True)
    z = fnn.zeros(4, 3)
    out = {"maximum": lambda: fnn.maximum(x, z), "max": lambda: fnn.max(x, z),
           "clamp": lambda: x.clamp(-0.5, 0.5), "abs": lambda: abs(x),
           "div": lambda: x / (x * x + 1), "pow": lambda: (x * x + 1) ** 0.5,
           "where": lambda: fnn.where(x > 0, x, z)}[op]()
    (out @ fnn.ones(3, 2)).sum().backward()
    assert x.grad.dtype == fnn.float32
