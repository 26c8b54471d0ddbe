"""The differentiable tensor operations: one autograd Node per op, numpy (or a
fastnn kernel) for the arithmetic. Tensor's operators and methods and the
functions fastnn.exp, fastnn.matmul, ... all come here.

Inputs are recognised as TensorBase and results are made
by TensorBase._make, which returns fastnn.Tensor: this module does not import
fastnn.tensor (whose operators call into it).

Binary ops broadcast as numpy does; their gradients are summed back to each
input's shape. Python numbers mix with any tensor; an integer tensor with a
float one takes the float dtype; float32 with float64 raises TypeError.
"""
import builtins
import math

import numpy as np

from . import _C
from .autograd import Node, needs_grad
from .tensor_base import _FLOATS, TensorBase, _dim, _to_array

_make = TensorBase._make


# ---- operands ---------------------------------------------------------------



def _array(x):
    if isinstance(x, TensorBase):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    return _to_array(x)


def _pair(a, b):
    """The arrays of a binary op under fastnn's dtype rules."""
    A = a._data if isinstance(a, TensorBase) else a
    B = b._data if isinstance(b, TensorBase) else b
    ta = isinstance(A, np.ndarray)
    tb = isinstance(B, np.ndarray)
    if ta and tb:
        da, db = A.dtype, B.dtype
        if da != db:
            if da in _FLOATS and db in _FLOATS:
                raise TypeError(f"operands have dtypes {da} and {db}: fastnn does not mix float32 "
                                "and float64 silently; convert one with .float() or .double()")
            if da in _FLOATS:
                B = B.astype(da)
            elif db in _FLOATS:
                A = A.astype(db)
    elif ta and not isinstance(B, (int, float, builtins.bool, np.number)):
        B = _pair(a, _to_array(B))[1]
    elif tb and not isinstance(A, (int, float, builtins.bool, np.number)):
        A = _pair(_to_array(A), b)[0]
    elif not ta and not tb:
        A = _to_array(A)
    return A, B


def _unbroadcast(g, shape):
    """Sum g over the dimensions that broadcasting added or stretched."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _grad_inputs(*xs):
    """The tensors among xs that need gradients, None in the other places."""
    return tuple(x if isinstance(x, TensorBase) and x.requires_grad else None for x in xs)


# ---- arithmetic ---------------------------------------------------------------

class AddBackward(Node):
    __slots__ = ("sa", "sb")

    def backward(self, g):
        return (_unbroadcast(g, self.sa) if self.inputs[0] is not None else None,
                _unbroadcast(g, self.sb) if self.inputs[1] is not None else None)


class SubBackward(AddBackward):
    __slots__ = ()

    def backward(self, g):
        return (_unbroadcast(g, self.sa) if self.inputs[0] is not None else None,
                _unbroadcast(-g, self.sb) if self.inputs[1] is not None else None)


def add(a, b):
    A, B = _pair(a, b)
    out = A + B
    if not needs_grad(a, b):
        return _make(out)
    node = AddBackward(_grad_inputs(a, b))
    node.sa, node.sb = np.shape(A), np.shape(B)
    return _make(out, node)


def sub(a, b):
    A, B = _pair(a, b)
    out = A - B
    if not needs_grad(a, b):
        return _make(out)
    node = SubBackward(_grad_inputs(a, b))
    node.sa, node.sb = np.shape(A), np.shape(B)
    return _make(out, node)


class MulBackward(Node):
    __slots__ = ("A", "B")

    def backward(self, g):
        A, B = self.A, self.B
        return (_unbroadcast(g * B, np.shape(A)) if self.inputs[0] is not None else None,
                _unbroadcast(g * A, np.shape(B)) if self.inputs[1] is not None else None)


def mul(a, b):
    A, B = _pair(a, b)
    out = A * B
    if not needs_grad(a, b):
        return _make(out)
    node = MulBackward(_grad_inputs(a, b))
    node.A, node.B = A, B
    return _make(out, node)


class DivBackward(Node):
    __slots__ = ("A", "B")

    def backward(self, g):
        A, B = self.A, self.B
        ga = _unbroadcast(g / B, np.shape(A)) if self.inputs[0] is not None else None
        gb = _unbroadcast(-g * A / (B * B), np.shape(B)) if self.inputs[1] is not None else None
        return ga, gb


def div(a, b):
    A, B = _pair(a, b)
    out = A / B
    if isinstance(out, np.ndarray) and out.dtype not in _FLOATS:
        out = out.astype(np.float32)          # int / int: a float32 result, as torch
    if not needs_grad(a, b):
        return _make(out)
    node = DivBackward(_grad_inputs(a, b))
    node.A, node.B = A, B
    return _make(out, node)


class PowBackward(Node):
    __slots__ = ("A", "B", "out")

    def backward(self, g):
        A, B = self.A, self.B
        ga = gb = None
        if self.inputs[0] is not None:
            ga = _unbroadcast(g * B * np.power(A, B - 1), np.shape(A))
        if self.inputs[1] is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                logA = np.where(A > 0, np.log(np.where(A > 0, A, 1)), 0)
            gb = _unbroadcast(g * self.out * logA, np.shape(B))
        return ga, gb


def pow(a, b):  # noqa: A001 - PyTorch's name
    A, B = _pair(a, b)
    out = np.power(A, B)
    if not needs_grad(a, b):
        return _make(out)
    node = PowBackward(_grad_inputs(a, b))
    node.A, node.B, node.out = A, B, out
    return _make(out, node)


class NegBackward(Node):
    __slots__ = ()

    def backward(self, g):
        return (-g,)


def neg(a):
    out = -_array(a)
    return _make(out, NegBackward((a,))) if needs_grad(a) else _make(out)


class AbsBackward(Node):
    __slots__ = ("A",)

    def backward(self, g):
        return (g * np.sign(self.A),)


def abs(a):  # noqa: A001
    A = _array(a)
    if not needs_grad(a):
        return _make(np.abs(A))
    node = AbsBackward((a,))
    node.A = A
    return _make(np.abs(A), node)


# ---- matrix product -----------------------------------------------------------

def _mm(A, B):
    if A.ndim == 2 and B.ndim == 2 and A.dtype == B.dtype and A.dtype in _FLOATS:
        return _C.matmul(A, B)
    return np.matmul(A, B)


class MatMulBackward(Node):
    TORCH_NAME = "MmBackward0"
    __slots__ = ("A", "B")

    def backward(self, g):
        A, B = self.A, self.B
        ga = gb = None
        if A.ndim == 2 and B.ndim == 2:
            if self.inputs[0] is not None:
                ga = _C.matmul(g, B, transpose_b=True) if g.dtype in _FLOATS else g @ B.T
            if self.inputs[1] is not None:
                gb = _C.matmul(A, g, transpose_a=True) if g.dtype in _FLOATS else A.T @ g
            return ga, gb
        A2 = A[None, :] if A.ndim == 1 else A
        B2 = B[:, None] if B.ndim == 1 else B
        g2 = g
        if A.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if B.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if self.inputs[0] is not None:
            ga = _unbroadcast(np.matmul(g2, np.swapaxes(B2, -1, -2)), A2.shape).reshape(A.shape)
        if self.inputs[1] is not None:
            gb = _unbroadcast(np.matmul(np.swapaxes(A2, -1, -2), g2), B2.shape).reshape(B.shape)
        return ga, gb


def matmul(a, b):
    """Matrix product with numpy's rules for 1-D and batched operands; 2-D
    float operands run fastnn's GEMM."""
    A, B = _pair(a, b)
    if np.ndim(A) == 0 or np.ndim(B) == 0:
        raise ValueError("matmul needs operands with at least 1 dimension")
    K1 = A.shape[-1]
    K2 = B.shape[0] if B.ndim == 1 else B.shape[-2]
    if K1 != K2:
        raise ValueError(f"matmul: shapes {A.shape} and {B.shape} do not agree "
                         f"({K1} columns against {K2} rows)")
    out = _mm(A, B)
    if not needs_grad(a, b):
        return _make(out)
    node = MatMulBackward(_grad_inputs(a, b))
    node.A, node.B = A, B
    return _make(out, node)


mm = matmul


# ---- reductions and shapes ------------------------------------------------------

def _axes(dim, keepdim, axis, keepdims):
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, list):
        dim = tuple(dim)
    return dim, builtins.bool(keepdim)


def _dims(dim, ndim):
    """None, one dim or a tuple of dims, each checked by _dim."""
    if dim is None:
        return None
    if isinstance(dim, tuple):
        return tuple(_dim(d, ndim) for d in dim)
    return _dim(dim, ndim)


class SumBackward(Node):
    __slots__ = ("shape", "dim", "keepdim", "scale")

    def backward(self, g):
        if self.dim is not None and not self.keepdim:
            g = np.expand_dims(g, self.dim)
        g = np.broadcast_to(g, self.shape)
        if self.scale != 1:
            g = g * self.scale
        return (g,)


def _reduce(a, dim, keepdim, axis, keepdims, mean):
    A = _array(a)
    dim, keepdim = _axes(dim, keepdim, axis, keepdims)
    dim = _dims(dim, A.ndim)
    if mean:
        if A.dtype not in _FLOATS:
            raise TypeError(f"mean needs a float tensor, got {A.dtype}")
        out = np.asarray(A.mean(axis=dim, keepdims=keepdim), dtype=A.dtype)
        count = A.size // builtins.max(out.size, 1) if A.size else 1
    else:
        out = np.asarray(A.sum(axis=dim, keepdims=keepdim))
        count = 1
    if not needs_grad(a):
        return _make(out)
    node = SumBackward((a,))
    node.shape, node.dim, node.keepdim = A.shape, dim, keepdim
    node.scale = A.dtype.type(1.0 / count) if mean else 1
    return _make(out, node)


def sum(a, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Sum over `dim` (int or tuple; all when None)."""
    return _reduce(a, dim, keepdim, axis, keepdims, False)


def mean(a, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean over `dim` (int or tuple; all when None)."""
    return _reduce(a, dim, keepdim, axis, keepdims, True)


class ReshapeBackward(Node):
    TORCH_NAME = "ViewBackward0"
    __slots__ = ("shape",)

    def backward(self, g):
        return (g.reshape(self.shape),)


def reshape(a, *shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    A = _array(a)
    try:
        out = A.reshape(shape)
    except ValueError:
        raise ValueError(f"cannot reshape a tensor of shape {A.shape} ({A.size} elements) "
                         f"into {shape}") from None
    if not needs_grad(a):
        return _make(out)
    node = ReshapeBackward((a,))
    node.shape = A.shape
    return _make(out, node)


view = reshape


def flatten(a, start_dim=0, end_dim=-1):
    shape = _array(a).shape
    n = len(shape)
    if n == 0:
        return reshape(a, 1)
    s, e = _dim(start_dim, n, "start_dim"), _dim(end_dim, n, "end_dim")
    if e == s:
        return a if isinstance(a, TensorBase) else _make(_array(a))
    new = shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]
    return reshape(a, new)


def squeeze(a, dim=None):
    A = _array(a)
    d = None if dim is None else _dim(dim, A.ndim)
    shape = tuple(n for i, n in enumerate(A.shape) if not (n == 1 and (d is None or i == d)))
    return reshape(a, shape)


def unsqueeze(a, dim):
    A = _array(a)
    d = _dim(dim, A.ndim + 1)
    return reshape(a, A.shape[:d] + (1,) + A.shape[d:])


class PermuteBackward(Node):
    __slots__ = ("inverse",)

    def backward(self, g):
        return (np.transpose(g, self.inverse),)


def permute(a, dims):
    A = _array(a)
    dims = tuple(_dim(d, A.ndim, "dims") for d in dims)
    if sorted(dims) != list(range(A.ndim)):
        raise ValueError(f"dims must be a permutation of the {A.ndim} dimensions, got {dims}")
    out = np.transpose(A, dims)
    if not needs_grad(a):
        return _make(out)
    node = PermuteBackward((a,))
    node.inverse = tuple(np.argsort(dims))
    return _make(out, node)


def transpose(a, dim0, dim1):
    n = _array(a).ndim
    dims = list(range(n))
    dim0, dim1 = _dim(dim0, n, "dim0"), _dim(dim1, n, "dim1")
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(a, tuple(dims))


# ---- elementwise functions ----------------------------------------------------------

class UnaryBackward(Node):
    """dx = g ⊙ f'(saved), f' computed by `grad_fn` from the saved array."""
    __slots__ = ("saved", "grad_fn")

    def backward(self, g):
        return (self.grad_fn(g, self.saved),)


def _unary(a, forward, grad_fn, save_output):
    A = _array(a)
    if A.dtype not in _FLOATS:
        A = A.astype(np.float32)
    out = forward(A)
    if not needs_grad(a):
        return _make(out)
    node = UnaryBackward((a,))
    node.saved = out if save_output else A
    node.grad_fn = grad_fn
    return _make(out, node)


def exp(a):
    return _unary(a, np.exp, lambda g, y: g * y, True)


def log(a):
    return _unary(a, np.log, lambda g, x: g / x, False)


def sqrt(a):
    return _unary(a, np.sqrt, lambda g, y: g / (2 * y), True)


def relu(a):
    return _unary(a, _C.relu, lambda g, y: _C.relu_backward(g, y), True)


def sigmoid(a):
    return _unary(a, _C.sigmoid, lambda g, y: _C.sigmoid_backward(g, y), True)


def tanh(a):
    return _unary(a, _C.tanh, lambda g, y: _C.tanh_backward(g, y), True)


class ClampBackward(Node):
    __slots__ = ("mask",)

    def backward(self, g):
        return (g * self.mask,)


def clamp(a, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """min(max(a, min), max); the gradient passes where min <= a <= max."""
    if min is None and max is None:
        raise ValueError("clamp needs min or max")
    A = _array(a)
    out = np.clip(A, min, max)
    if not needs_grad(a):
        return _make(out)
    mask = np.ones(A.shape, dtype=A.dtype)
    if min is not None:
        mask *= A >= min
    if max is not None:
        mask *= A <= max
    node = ClampBackward((a,))
    node.mask = mask
    return _make(out, node)


clip = clamp


class MaximumBackward(Node):
    __slots__ = ("A", "B")

    def backward(self, g):
        A, B = self.A, self.B
        # ties split the gradient equally, as PyTorch does (weights in g's dtype)
        half = g.dtype.type(0.5)
        wa = (A > B).astype(g.dtype) + half * (A == B)
        ga = _unbroadcast(g * wa, np.shape(A)) if self.inputs[0] is not None else None
        gb = _unbroadcast(g * (1 - wa), np.shape(B)) if self.inputs[1] is not None else None
        return ga, gb


def maximum(a, b):
    A, B = _pair(a, b)
    out = np.maximum(A, B)
    if not needs_grad(a, b):
        return _make(out)
    node = MaximumBackward(_grad_inputs(a, b))
    node.A, node.B = A, B
    return _make(out, node)


def minimum(a, b):
    return neg(maximum(neg(a), neg(b)))


class MaxBackward(Node):
    __slots__ = ("shape", "index", "dim", "keepdim")

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        if self.dim is None:
            out.flat[self.index] = g.reshape(())
        else:
            idx = self.index if self.keepdim else np.expand_dims(self.index, self.dim)
            gk = g if self.keepdim else np.expand_dims(g, self.dim)
            np.put_along_axis(out, idx, gk, axis=self.dim)
        return (out,)


class _MaxResult(tuple):
    """(values, indices), as torch.max(x, dim) returns."""
    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def max(a, dim=None, keepdim=False):  # noqa: A001
    """max(x): the largest element; max(x, dim): (values, indices) along dim;
    max(x, other): the elementwise maximum (as torch.max)."""
    if isinstance(dim, (TensorBase, np.ndarray, float)):
        return maximum(a, dim)
    A = _array(a)
    if dim is not None:
        dim = _dim(dim, A.ndim)
    if dim is None:
        index = int(np.argmax(A))
        out = A.reshape(-1)[index].copy().reshape(())
    else:
        index = np.argmax(A, axis=dim)
        out = np.take_along_axis(A, np.expand_dims(index, dim), axis=dim)
        if not keepdim:
            out = out.squeeze(dim)
        else:
            index = np.expand_dims(index, dim)
    node = None
    if needs_grad(a):
        node = MaxBackward((a,))
        node.shape, node.index, node.dim, node.keepdim = A.shape, index, dim, keepdim
    values = _make(np.asarray(out), node)
    return values if dim is None else _MaxResult((values, _make(np.asarray(index, dtype=np.int64))))


def min(a, dim=None, keepdim=False):  # noqa: A001
    """min(x): the smallest element; min(x, dim): (values, indices) along dim
    (the first index of the smallest); min(x, other): the elementwise
    minimum (as torch.min). The gradient goes to the chosen element."""
    if isinstance(dim, (TensorBase, np.ndarray, float)):
        return minimum(a, dim)
    r = max(neg(a), dim, keepdim)
    if dim is None:
        return neg(r)
    return _MaxResult((neg(r[0]), r[1]))


def argmin(a, dim=None, keepdim=False):
    return argmax(neg(_make(_array(a))), dim, keepdim)


def square(a):
    """x²; the gradient 2x·g (as torch.square)."""
    return mul(a, a)


def _reduced_count(A, dim):
    if dim is None:
        return A.size
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return int(np.prod([A.shape[_dim(d, A.ndim)] for d in dims], dtype=np.int64))


def var(a, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over `dim` (all when None): Σ(x − mean)² / (N − correction),
    correction 1 by default (unbiased, as torch.var); unbiased=False is
    correction 0. N − correction <= 0 gives inf or nan, as in PyTorch."""
    if unbiased is not None and correction is not None:
        raise ValueError("var: give unbiased or correction, not both")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    A = _array(a)
    if A.dtype not in _FLOATS:
        raise TypeError(f"var needs a float tensor, got {A.dtype}")
    d = sub(a, mean(a, dim, keepdim=True))
    n = _reduced_count(A, dim) - c
    with np.errstate(divide="ignore", invalid="ignore"):
        return div(sum(mul(d, d), dim, keepdim), builtins.float(builtins.max(n, 0)))


def std(a, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of var (same arguments)."""
    return sqrt(var(a, dim, unbiased, keepdim, correction=correction))


class Norm2Backward(Node):
    """dx = g · x / ‖x‖, and 0 where ‖x‖ = 0 (PyTorch's choice: no NaN)."""
    TORCH_NAME = "LinalgVectorNormBackward0"
    __slots__ = ("A", "r", "dims")

    def backward(self, g):
        r, g = self.r, np.asarray(g)
        if self.dims is not None:
            r, g = np.expand_dims(r, self.dims), np.expand_dims(g, self.dims)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(r == 0, 0, g / np.where(r == 0, 1, r))
        return ((self.A * scale).astype(self.A.dtype, copy=False),)


def _norm2(a, dim, keepdim):
    A = _array(a)
    if A.dtype not in _FLOATS:
        raise TypeError(f"norm needs a float tensor, got {A.dtype}")
    if dim is None:
        dims = None
        r = np.sqrt(np.sum(A * A, dtype=A.dtype))
        if keepdim:
            r = r.reshape((1,) * A.ndim)
    else:
        dims = tuple(sorted(_dim(d, A.ndim) for d in (dim if isinstance(dim, (tuple, list))
                                                      else (dim,))))
        r = np.sqrt(np.sum(A * A, axis=dims, keepdims=keepdim, dtype=A.dtype))
    r = np.asarray(r, dtype=A.dtype)
    if not needs_grad(a):
        return _make(r)
    node = Norm2Backward((a,))
    node.A, node.r = A, r
    node.dims = dims if (dims is not None and not keepdim) else None
    return _make(r, node)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm over `dim` (all elements when None), as torch.norm: 'fro'
    or 2 (√Σx²), 1 (Σ|x|), inf (max |x|), or any other p > 0; dtype: the
    float dtype to compute in (the input is cast first)."""
    a = input if dtype is None else cast(input, np.dtype(dtype))
    if p in ("fro", 2, 2.0):
        return _norm2(a, dim, keepdim)
    if isinstance(p, str) or not isinstance(p, (int, builtins.float)) or p <= 0:
        raise ValueError(f"norm: p must be 'fro' or a number > 0, got {p!r}")
    if p == 1:
        return sum(abs(a), dim, keepdim)
    if math.isinf(p):
        return max(abs(a)) if dim is None else max(abs(a), dim, keepdim)[0]
    return pow(sum(pow(abs(a), p), dim, keepdim), 1.0 / p)


class SoftmaxBackward(Node):
    """softmax: y·(g − Σ g·y); log_softmax: g − exp(y)·Σ g (csrc/softmax.c)."""
    __slots__ = ("y", "dim", "log")

    def backward(self, g):
        return (_C.softmax_backward(self.y, g.astype(self.y.dtype, copy=False), self.dim, self.log),)


def _softmax(input, dim, log):
    X = _array(input)
    if X.dtype not in _FLOATS:
        raise TypeError(f"softmax needs a float tensor, got {X.dtype}")
    if dim is None:
        dim = -1 if X.ndim != 0 else 0
    y = _C.log_softmax(X, dim) if log else _C.softmax(X, dim)
    if not needs_grad(input):
        return _make(y)
    node = SoftmaxBackward((input,))
    node.y, node.dim, node.log = y, dim, log
    return _make(y, node)


def softmax(input, dim=None, dtype=None):
    """exp(x) / Σ exp(x) along dim (stable; the last dim when None); dtype:
    the float dtype to compute in (the input is cast first)."""
    return _softmax(input if dtype is None else cast(input, np.dtype(dtype)), dim, False)


def log_softmax(input, dim=None, dtype=None):
    """log(softmax(x)) along dim, computed stably in one pass."""
    return _softmax(input if dtype is None else cast(input, np.dtype(dtype)), dim, True)


def argmax(a, dim=None, keepdim=False):
    A = _array(a)
    if dim is not None:
        dim = _dim(dim, A.ndim)
    out = np.argmax(A, axis=dim, keepdims=keepdim) if dim is not None else np.argmax(A)
    return _make(np.asarray(out, dtype=np.int64))


def compare(a, b, op):
    A, B = _pair(a, b)
    return _make(np.asarray(op(A, B)))


def cast(a, dtype, copy=False):
    """`a` converted to dtype; the gradient flows back converted (float to float)."""
    A = _array(a)
    if A.dtype == dtype and not copy:
        return a if isinstance(a, TensorBase) else _make(A)
    out = A.astype(dtype, copy=True)
    if dtype in _FLOATS and needs_grad(a):
        return _make(out, _CastBackward((a,), A.dtype))
    return _make(out)


class _CastBackward(Node):
    TORCH_NAME = "ToCopyBackward0"
    __slots__ = ("dtype",)

    def __init__(self, inputs, dtype):
        super().__init__(inputs)
        self.dtype = dtype

    def backward(self, g):
        return (g.astype(self.dtype),)


# ---- indexing ----------------------------------------------------------------------

def plain_index(index):
    """An index with tensors replaced by their arrays (and ranges by arrays)."""
    if isinstance(index, tuple):
        return tuple(plain_index(i) for i in index)
    if isinstance(index, TensorBase):
        return index._data
    if isinstance(index, range):
        return np.arange(index.start, index.stop, index.step)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class IndexBackward(Node):
    __slots__ = ("shape", "dtype", "index")

    def backward(self, g):
        out = np.zeros(self.shape, dtype=self.dtype)
        np.add.at(out, self.index, g)
        return (out,)


def getitem(a, index):
    A = _array(a)
    idx = plain_index(index)
    try:
        out = A[idx]
    except IndexError as e:
        raise IndexError(f"index out of range for a tensor of shape {A.shape}: {e}") from None
    if not isinstance(out, np.ndarray):
        out = np.asarray(out)
    if not needs_grad(a):
        return _make(out)
    node = IndexBackward((a,))
    node.shape, node.dtype, node.index = A.shape, A.dtype, idx
    return _make(out, node)


def where(condition, a, b):
    C = _array(condition).astype(np.bool_)
    return add(mul(a, _make(C.astype(_array(a).dtype if isinstance(a, TensorBase) else np.float32))),
               mul(b, _make((~C).astype(_array(b).dtype if isinstance(b, TensorBase) else np.float32))))
