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
