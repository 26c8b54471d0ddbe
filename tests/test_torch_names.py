"""What learners meet in PyTorch course notes, as fastnn has it: printed
tensors in PyTorch's format, the legacy constructors, functions and methods
both ways, arange's values, torch.utils.data's and torch.nn.utils' names.
Compared with PyTorch itself where it is installed."""
import numpy as np
import pytest

import fastnn as fnn

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

REPR_CASES = [
    "t.tensor([[0.12345, 2.0], [3, 4]], requires_grad=True)",
    "t.tensor([1., 2., 3.])",
    "t.tensor([1e-5, 1.0])",
    "t.tensor([1e9, 1.0])",
    "t.tensor([-1.5, 100.25])",
    "t.tensor(3.14159)",
    "t.tensor([1, 2, 3])",
    "t.tensor([1, 2], dtype=t.int32)",
    "t.tensor([True, False])",
    "t.zeros(0)",
    "t.zeros(2, 0)",
    "t.tensor([1., 2.], dtype=t.float64)",
    "t.tensor([[1., 2.], [3., 4.]], dtype=t.float64, requires_grad=True)",
    "t.tensor([float('nan'), 1.5, float('inf')])",
    "t.tensor([[[1.5, 2], [3, 4]], [[5, 6], [7, 8]]])",
    "t.ones(30) * 0.123456",
    "t.tensor([0., 0.])",
    "t.arange(0, 2000).reshape(40, 50).float()",
    "t.arange(0, 1001).float() / 7",
    "(t.tensor([1., 2.], requires_grad=True) * 2).sum()",
]


@needs_torch
@pytest.mark.parametrize("expr", REPR_CASES)
def test_repr_is_pytorchs(expr):
    ours = repr(eval(expr, {"t": fnn}))
    theirs = repr(eval(expr, {"t": torch})).replace("torch.", "fastnn.")
    assert ours == theirs


def test_repr_format():
    """The format itself, where PyTorch is not installed to compare with."""
    x = fnn.tensor([[0.12345, 2.0], [3, 4]], requires_grad=True)
    assert repr(x) == "tensor([[0.1235, 2.0000],\n        [3.0000, 4.0000]], requires_grad=True)"
    assert repr((x * 2).sum()) == "tensor(18.2469, grad_fn=<SumBackward0>)"
    assert repr(fnn.tensor([1.0, 2.0], dtype=fnn.float64)) == \
        "tensor([1., 2.], dtype=fastnn.float64)"
    assert repr(fnn.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(fnn.zeros(2, 0)) == "tensor([], size=(2, 0))"
    long = repr(fnn.arange(0, 2000).float())
    assert "..." in long and long.startswith("tensor([0.0000e+00, 1.0000e+00")


def _arange_cases():
    rng = np.random.default_rng(1)
    cases = [(-8, 8, 0.1), (0, 1, 0.01), (-3.5, 7.25, 0.3), (1, 100, 0.7), (0, 5, 1 / 3),
             (10, 0, -0.3), (0, 10, 1), (0.5, 10, 1), (0, 0.1, 0.1), (5,), (2.5,)]
    for _ in range(60):
        a, s = float(rng.uniform(-10, 10)), float(rng.uniform(0.001, 1)) * rng.choice([-1, 1])
        cases.append((a, a + s * int(rng.integers(1, 3000)) + s * 0.5, s))
    return cases


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", None])
def test_arange_holds_pytorchs_values(dtype):
    """Bit for bit, float and integer dtypes, negative steps, and the same
    errors (an integer dtype truncates a fractional step to 0)."""
    for args in _arange_cases() + [(0, 5.5, 1), (0, 5, 1.5), (0.2, 3.7, 0.9), (3, 1), (0, 0)]:
        kw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
        fkw = {} if dtype is None else {"dtype": getattr(fnn, dtype)}
        try:
            want = torch.arange(*args, **kw).numpy()
        except (RuntimeError, ValueError):
            with pytest.raises(ValueError):
                fnn.arange(*args, **fkw)
            continue
        got = fnn.arange(*args, **fkw).numpy()
        assert got.dtype == want.dtype and np.array_equal(got, want), (args, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_arange_follows_the_kernels_order_of_operations(dtype):
    """Without PyTorch to compare with: each value is the one csrc/arange.c
    describes, recomputed here exactly (fractions) from the same lanes."""
    from fractions import Fraction
    from fastnn.tensor import _torch_lanes
    lanes, fused = _torch_lanes(np.dtype(dtype))

    def mul_add(a, b, c):
        return float(Fraction(a) * Fraction(b) + Fraction(c)) if fused else a * b + c

    for start, end, step in [(-8, 8, 0.1), (1, 100, 0.7), (-3.5, 7.25, 0.3)]:
        got = fnn.arange(start, end, step, dtype=dtype).numpy()
        n, vec_end = got.size, got.size - got.size % (2 * lanes)
        want = np.empty(n, dtype)
        for i0 in range(0, vec_end, lanes):
            base = float(dtype(mul_add(step, i0, start)))
            for k in range(lanes):
                want[i0 + k] = dtype(mul_add(k, step, base))
        for i in range(vec_end, n):
            want[i] = dtype(mul_add(step, i, start))
        assert np.array_equal(got, want)


@pytest.mark.parametrize("args,exc,pattern", [
    ((0, 5, 0), ValueError, "step must be nonzero"),
    ((0, 5, -1), ValueError, "inconsistent with step sign"),
    ((0, float("inf")), ValueError, "end must be finite"),
    (("a",), TypeError, "must be a number"),
])
def test_arange_bad_input(args, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fnn.arange(*args)


# ---- functions and methods, both ways --------------------------------------------

BOTH_WAYS = ["abs", "add", "sub", "mul", "div", "neg", "pow", "square", "sqrt", "exp", "log",
             "relu", "sigmoid", "tanh", "clamp", "sum", "mean", "max", "min", "argmax", "argmin",
             "maximum", "minimum", "norm", "var", "std", "reshape", "flatten", "squeeze",
             "unsqueeze", "transpose", "permute", "matmul", "mm", "softmax", "log_softmax",
             "numel"]


@pytest.mark.parametrize("name", BOTH_WAYS)
def test_each_op_is_a_function_and_a_method(name):
    assert callable(getattr(fnn, name)), f"fastnn.{name} is missing"
    assert callable(getattr(fnn.Tensor, name)), f"Tensor.{name} is missing"


OPS = [  # (name, extra arguments) applied as torch.name(x, *args) and x.name(*args)
    ("pow", (3,)), ("square", ()), ("sqrt", ()), ("exp", ()), ("log", ()), ("abs", ()),
    ("clamp", (0.3, 0.8)), ("sum", ()), ("sum", (1,)), ("mean", (0,)), ("norm", ()),
    ("norm", (1,)), ("norm", (2, 1)), ("norm", (3,)), ("norm", (float("inf"),)),
    ("var", ()), ("var", (1,)), ("std", ()), ("std", (0,)), ("min", ()), ("max", ()),
    ("softmax", (1,)), ("log_softmax", (1,)),
]


@needs_torch
@pytest.mark.parametrize("name,args", OPS, ids=[f"{n}{a}" for n, a in OPS])
def test_ops_match_pytorch_with_gradients(name, args):
    """Values and the gradient of their sum, float64, function and method."""
    x = np.random.default_rng(3).uniform(0.1, 1.0, (4, 5))
    for how in ("function", "method"):
        a = fnn.tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        ours = getattr(fnn, name)(a, *args) if how == "function" else getattr(a, name)(*args)
        theirs = getattr(torch, name)(t, *args) if how == "function" else getattr(t, name)(*args)
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_norm_of_zeros_has_a_zero_gradient():
    """As PyTorch: no NaN from 0/0 at the origin."""
    a = fnn.zeros(3, dtype=fnn.float64, requires_grad=True)
    a.norm().backward()
    assert a.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_min_along_a_dim_gives_values_and_first_indices():
    x = fnn.tensor([[1.0, 5.0, 1.0], [3.0, 2.0, 2.0]])
    values, indices = x.min(1)
    assert values.numpy().tolist() == [1.0, 2.0] and indices.numpy().tolist() == [0, 1]
    assert fnn.min(x).item() == 1.0 and x.argmin().item() == 0


# ---- the legacy constructors -------------------------------------------------------

def test_legacy_constructors():
    assert fnn.FloatTensor([1, 2]).dtype == fnn.float32
    assert fnn.DoubleTensor([1, 2]).dtype == fnn.float64
    assert fnn.LongTensor([1.7, -2.2]).numpy().tolist() == [1, -2]    # truncated, as PyTorch
    assert fnn.FloatTensor(2, 3).shape == (2, 3)
    assert fnn.Tensor([1, 2]).dtype == fnn.float32                    # the default dtype
    assert fnn.Tensor(2, 3).shape == (2, 3) and fnn.Tensor().shape == (0,)
    t = fnn.Tensor(np.arange(3.0))
    assert t.numpy().tolist() == [0.0, 1.0, 2.0] and t.dtype == fnn.float32
    with pytest.raises(TypeError, match="Tensor"):
        fnn.Tensor([1], [2])
    if torch is not None:
        for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor",
                     "BoolTensor"):
            data = [1.0, 0.0, 2.5]
            ours, theirs = getattr(fnn, name)(data), getattr(torch, name)(data)
            assert ours.numpy().tolist() == theirs.numpy().tolist(), name
            assert ours.dtype.name == str(theirs.dtype).split(".")[1], name
