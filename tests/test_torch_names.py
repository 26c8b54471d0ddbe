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
    ("norm", (float("inf"), 1)), ("norm", (float("inf"), (0, 1))), ("norm", (float("inf"), (1, 0), True)),
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


# ---- torch.utils.data and torch.nn.utils -----------------------------------------------

def test_utils_data_has_pytorchs_names():
    from fastnn.utils.data import (DataLoader, Dataset, DistributedSampler, Subset,  # noqa: F401
                                   TensorDataset, random_split)
    assert fnn.utils.data.DataLoader is fnn.data.DataLoader


def test_a_map_style_dataset_is_collated_as_pytorch_does():
    """Samples one by one, stacked per field: tensors stacked, Python ints
    int64 and floats float64 (PyTorch's default_collate)."""
    from fastnn.utils.data import DataLoader, Dataset

    class Squares(Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return fnn.tensor([float(i), float(i * i)]), i % 3, i / 2

    batches = list(DataLoader(Squares(), batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    X, y, h = batches[1]
    assert X.shape == (4, 2) and X.dtype == fnn.float32 and X.numpy()[:, 1].tolist() == [16, 25, 36, 49]
    assert y.dtype == fnn.int64 and y.numpy().tolist() == [1, 2, 0, 1]
    assert h.dtype == fnn.float64 and h.numpy().tolist() == [2.0, 2.5, 3.0, 3.5]
    if torch is not None:
        from torch.utils.data import default_collate
        samples = [(torch.tensor([1.0]), 2, 0.5), (torch.tensor([3.0]), 4, 1.5)]
        theirs = default_collate(samples)
        ours = fnn.data._collate([(fnn.tensor([1.0]), 2, 0.5), (fnn.tensor([3.0]), 4, 1.5)])
        for o, t in zip(ours, theirs):
            assert o.numpy().tolist() == t.numpy().tolist()
            assert o.dtype.name == str(t.dtype).split(".")[1]


def test_random_split_gives_subsets_that_gather_fast():
    from fastnn.utils.data import DataLoader, Subset, TensorDataset, random_split
    X, y = np.arange(20.0).reshape(10, 2).astype(np.float32), np.arange(10)
    a, b = random_split(TensorDataset(X, y), [7, 3], seed=0)
    assert isinstance(a, Subset) and len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    got = np.concatenate([yb.numpy() for _, yb in DataLoader(b, batch_size=2)])
    assert got.tolist() == b.indices
    Xi, yi = a[0]
    assert yi.item() == a.indices[0] and Xi.numpy().tolist() == X[a.indices[0]].tolist()


def test_parameters_to_vector_and_back():
    from fastnn.nn.utils import parameters_to_vector, vector_to_parameters
    net = fnn.nn.Linear(3, 2)
    vec = parameters_to_vector(net.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.numpy()[:6], net.weight.numpy().reshape(-1))
    vector_to_parameters(vec * 2, net.parameters())
    np.testing.assert_array_equal(net.bias.numpy(), vec.numpy()[6:] * 2)
    with pytest.raises(ValueError, match="elements"):
        vector_to_parameters(fnn.zeros(3), net.parameters())


# ---- a plain PyTorch script with its imports changed -----------------------------

def _ported(source):
    """The script with only its imports changed to fastnn's."""
    lines = source.splitlines()
    swap = {"import torch": "import fastnn as torch", "from torch import nn": "from fastnn import nn"}
    out = []
    for line in lines:
        if line in swap:
            line = swap[line]
        elif line.startswith("from torch.utils.data import"):
            line = line.replace("from torch.utils.data", "from fastnn.utils.data")
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.slow
def test_a_plain_pytorch_mlp_script_runs_with_its_imports_changed(tmp_path):
    import os
    import re
    import subprocess
    import sys
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts", "torch_mlp.py")
    with open(here) as f:
        source = f.read()
    ported = tmp_path / "fastnn_mlp.py"
    ported.write_text(_ported(source))
    changed = [a for a, b in zip(source.splitlines(), _ported(source).splitlines()) if a != b]
    assert len(changed) == 3 and all("import" in line for line in changed)   # imports only

    def run(script):
        out = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True,
                             text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        acc = float(re.search(r"test accuracy ([0-9.]+)", out.stdout).group(1))
        return out.stdout, acc

    text, acc = run(ported)
    assert "reloaded model agrees: True" in text and "weights: 420" in text
    assert text.count("epoch ") == 6 and "lr 0.0250" in text      # StepLR halved it twice
    assert acc > 0.6                                                # 4 classes: chance is 0.25
    if torch is not None:
        _, theirs = run(here)
        assert acc >= theirs - 0.08, (acc, theirs)


def test_shape_prints_as_pytorchs_size():
    x = fnn.zeros(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and isinstance(x.shape, tuple)
    assert repr(x.shape) == "fastnn.Size([2, 3])" and x.shape.numel() == 6
    if torch is not None:
        assert repr(x.shape).replace("fastnn.", "torch.") == repr(torch.zeros(2, 3).shape)


def test_samples_of_different_shapes_are_refused_with_a_message():
    from fastnn.utils.data import DataLoader, Dataset

    class Ragged(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return fnn.zeros(i + 1)

    with pytest.raises(ValueError, match="one shape to be stacked"):
        list(DataLoader(Ragged(), batch_size=2))
    batches = list(DataLoader(Ragged(), batch_size=2, collate_fn=lambda s: [t.shape for t in s]))
    assert batches == [[(1,), (2,)], [(3,), (4,)]]
