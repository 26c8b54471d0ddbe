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
