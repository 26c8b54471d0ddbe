"""The differentiable tensor operations: one autograd Node per op, numpy (or a
fastnn kernel) for the arithmetic. Tensor's operators and methods and the
functions fastnn.exp, fastnn.matmul, ... all come here.

Inputs are recognised as TensorBase and results are made
by TensorBase._make, which returns fastnn.Tensor: this module does not import
fastnn.tensor (whose operators call into it) other than for the type checker
(under ``TYPE_CHECKING``, never executed).

Binary ops broadcast as numpy does; their gradients are summed back to each
input's shape. Python numbers mix with any tensor; an integer tensor with a
float one takes the float dtype; float32 with float64 raises TypeError.
"""
from __future__ import annotations

import builtins
import math
import typing
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple, Union, overload

import numpy as np

from . import _C, _record
from .autograd import Node, needs_grad
from .tensor_base import _FLOATS, TensorBase, _dim, _to_array

if TYPE_CHECKING:
    import numpy.typing as npt

    from .tensor import Tensor
    from .tensor_base import Scalar, TensorLike

    Array = npt.NDArray[Any]
    Shape = Tuple[int, ...]
    # dims of a reduction: one, several, or None for all of them
    Dims = Union[int, Tuple[int, ...], List[int], None]

_make = TensorBase._make


# ---- operands ---------------------------------------------------------------



def _array(x: TensorLike) -> Array:
    if isinstance(x, TensorBase):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    return _to_array(x)


def _pair(a: TensorLike, b: TensorLike) -> Tuple[Any, Any]:
    """The arrays of a binary op under fastnn's dtype rules (a Python or
    numpy scalar operand stays a scalar)."""
    A: Any = a._data if isinstance(a, TensorBase) else a
    B: Any = b._data if isinstance(b, TensorBase) else b
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


def _unbroadcast(g: Array, shape: Shape) -> Array:
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


def _grad_inputs(*xs: object) -> Tuple[Optional[TensorBase], ...]:
    """The tensors among xs that need gradients, None in the other places."""
    return tuple(x if isinstance(x, TensorBase) and x.requires_grad else None for x in xs)


# ---- arithmetic ---------------------------------------------------------------

class AddBackward(Node):
    """The node of add: g for each input, summed back to its shape (sa, sb)."""
    __slots__ = ("sa", "sb")
    sa: Shape
    sb: Shape

    def backward(self, g: Array) -> Tuple[Optional[Array], Optional[Array]]:
        """The gradients of the two inputs.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of (numpy.ndarray or None)
            Per input, its gradient in its shape, or None where it needs none.
        """
        return (_unbroadcast(g, self.sa) if self.inputs[0] is not None else None,
                _unbroadcast(g, self.sb) if self.inputs[1] is not None else None)


class SubBackward(AddBackward):
    """The node of sub: g for a and -g for b, each summed back to its shape."""
    __slots__ = ()

    def backward(self, g: Array) -> Tuple[Optional[Array], Optional[Array]]:
        """The gradients of the two inputs.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of (numpy.ndarray or None)
            Per input, its gradient in its shape, or None where it needs none.
        """
        return (_unbroadcast(g, self.sa) if self.inputs[0] is not None else None,
                _unbroadcast(-g, self.sb) if self.inputs[1] is not None else None)


def add(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise sum ``a + b``, as torch.add.

    The operands broadcast as numpy's; the gradient is summed back to each
    operand's shape.

    Parameters
    ----------
    a : Tensor, array_like or number
        Any shape and dtype.
    b : Tensor, array_like or number
        A shape that broadcasts with a's. An integer operand with a float one
        takes the float dtype; a Python number takes the other operand's.

    Returns
    -------
    Tensor
        The broadcast shape, the operands' common dtype.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
    A, B = _pair(a, b)
    out = A + B
    if not needs_grad(a, b):
        return _make(out)
    node = AddBackward(_grad_inputs(a, b))
    node.sa, node.sb = np.shape(A), np.shape(B)
    return _make(out, node)


def sub(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise difference ``a - b``, as torch.sub (dtypes and shapes as add).

    Parameters
    ----------
    a : Tensor, array_like or number
        Any shape and dtype.
    b : Tensor, array_like or number
        A shape that broadcasts with a's.

    Returns
    -------
    Tensor
        The broadcast shape, the operands' common dtype.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
    A, B = _pair(a, b)
    out = A - B
    if not needs_grad(a, b):
        return _make(out)
    node = SubBackward(_grad_inputs(a, b))
    node.sa, node.sb = np.shape(A), np.shape(B)
    return _make(out, node)


class MulBackward(Node):
    """The node of mul: g·b for a and g·a for b, each summed back to its shape."""
    __slots__ = ("A", "B")
    A: Any
    B: Any

    def backward(self, g: Array) -> Tuple[Optional[Array], Optional[Array]]:
        """The gradients of the two inputs.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of (numpy.ndarray or None)
            Per input, its gradient in its shape, or None where it needs none.
        """
        A, B = self.A, self.B
        return (_unbroadcast(g * B, np.shape(A)) if self.inputs[0] is not None else None,
                _unbroadcast(g * A, np.shape(B)) if self.inputs[1] is not None else None)


def mul(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise product ``a * b``, as torch.mul (dtypes and shapes as add).

    Parameters
    ----------
    a : Tensor, array_like or number
        Any shape and dtype.
    b : Tensor, array_like or number
        A shape that broadcasts with a's.

    Returns
    -------
    Tensor
        The broadcast shape, the operands' common dtype.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
    A, B = _pair(a, b)
    out = A * B
    if not needs_grad(a, b):
        return _make(out)
    node = MulBackward(_grad_inputs(a, b))
    node.A, node.B = A, B
    return _make(out, node)


class DivBackward(Node):
    """The node of div: g/b for a and -g·a/b² for b, each summed back to its shape."""
    __slots__ = ("A", "B")
    A: Any
    B: Any

    def backward(self, g: Array) -> Tuple[Optional[Array], Optional[Array]]:
        """The gradients of the two inputs.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of (numpy.ndarray or None)
            Per input, its gradient in its shape, or None where it needs none.
        """
        A, B = self.A, self.B
        ga = _unbroadcast(g / B, np.shape(A)) if self.inputs[0] is not None else None
        gb = _unbroadcast(-g * A / (B * B), np.shape(B)) if self.inputs[1] is not None else None
        return ga, gb


def div(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise true division ``a / b``, as torch.div (shapes as add).

    An integer tensor divided by an integer gives float32, as in PyTorch.

    Parameters
    ----------
    a : Tensor, array_like or number
        Any shape and dtype.
    b : Tensor, array_like or number
        A shape that broadcasts with a's.

    Returns
    -------
    Tensor
        The broadcast shape; the operands' float dtype, float32 for integers.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
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
    """The node of pow: g·b·a^(b-1) for a and g·a^b·log(a) for b (0 where a <= 0)."""
    __slots__ = ("A", "B", "out")
    A: Any
    B: Any
    out: Any

    def backward(self, g: Array) -> Tuple[Optional[Array], Optional[Array]]:
        """The gradients of the two inputs.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of (numpy.ndarray or None)
            Per input, its gradient in its shape, or None where it needs none.
        """
        A, B = self.A, self.B
        ga = gb = None
        if self.inputs[0] is not None:
            ga = _unbroadcast(g * B * np.power(A, B - 1), np.shape(A))
        if self.inputs[1] is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                logA = np.where(A > 0, np.log(np.where(A > 0, A, 1)), 0)
            gb = _unbroadcast(g * self.out * logA, np.shape(B))
        return ga, gb


def pow(a: TensorLike, b: TensorLike) -> Tensor:  # noqa: A001 - PyTorch's name
    """Elementwise power ``a ** b``, as torch.pow (dtypes and shapes as add).

    The gradient in the exponent is taken as 0 where ``a <= 0``.

    Parameters
    ----------
    a : Tensor, array_like or number
        The base, any shape.
    b : Tensor, array_like or number
        The exponent, a shape that broadcasts with a's.

    Returns
    -------
    Tensor
        The broadcast shape, the operands' common dtype.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
    A, B = _pair(a, b)
    out = np.power(A, B)
    if not needs_grad(a, b):
        return _make(out)
    node = PowBackward(_grad_inputs(a, b))
    node.A, node.B, node.out = A, B, out
    return _make(out, node)


class NegBackward(Node):
    """The node of neg: -g."""
    __slots__ = ()

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (-g,)


def neg(a: TensorLike) -> Tensor:
    """Elementwise negation ``-a``, as torch.neg.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape, a numeric dtype other than bool.

    Returns
    -------
    Tensor
        a's shape and dtype.
    """
    out = -_array(a)
    return _make(out, NegBackward((a,))) if needs_grad(a) else _make(out)


class AbsBackward(Node):
    """The node of abs: g·sign(a)."""
    __slots__ = ("A",)
    A: Array

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (g * np.sign(self.A),)


def abs(a: TensorLike) -> Tensor:  # noqa: A001
    """Elementwise absolute value, as torch.abs (gradient sign(a), 0 at 0).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and numeric dtype.

    Returns
    -------
    Tensor
        a's shape and dtype.
    """
    A = _array(a)
    if not needs_grad(a):
        return _make(np.abs(A))
    node = AbsBackward((a,))
    node.A = A
    return _make(np.abs(A), node)


# ---- matrix product -----------------------------------------------------------

def _mm(A: Array, B: Array) -> Array:
    if A.ndim == 2 and B.ndim == 2 and A.dtype == B.dtype and A.dtype in _FLOATS:
        return _C.matmul(A, B)
    out: Array = np.matmul(A, B)
    return out


class MatMulBackward(Node):
    """The node of matmul: g @ bᵀ for a and aᵀ @ g for b (fastnn's GEMM for 2-D
    floats); 1-D and batched operands as numpy's matmul treats them."""
    TORCH_NAME = "MmBackward0"
    __slots__ = ("A", "B")
    A: Array
    B: Array

    def backward(self, g: Array) -> Tuple[Optional[Array], Optional[Array]]:
        """The gradients of the two inputs.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of (numpy.ndarray or None)
            Per input, its gradient in its shape, or None where it needs none.
        """
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


def matmul(a: TensorLike, b: TensorLike) -> Tensor:
    """Matrix product of two tensors, as torch.matmul.

    numpy's rules for 1-D and batched operands: a 1-D operand is a row
    (first) or a column (second) vector, dropped from the result; batched
    operands broadcast over their leading dims. 2-D float operands run
    fastnn's GEMM.

    Parameters
    ----------
    a : Tensor or array_like
        (n,), (n, k) or (..., n, k); any numeric dtype.
    b : Tensor or array_like
        (k,), (k, m) or (..., k, m); dtype rules as add (no float32 with float64).

    Returns
    -------
    Tensor
        (..., n, m), less the dims of 1-D operands; the common dtype.

    Raises
    ------
    ValueError
        If an operand is 0-dimensional, or the inner dimensions differ (the
        message names both shapes).
    TypeError
        If one operand is float32 and the other float64.
    """
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

def _axes(dim: Dims, keepdim: bool, axis: Dims,
          keepdims: Optional[bool]) -> Tuple[Union[int, Tuple[int, ...], None], bool]:
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, list):
        dim = tuple(dim)
    return dim, builtins.bool(keepdim)


@overload
def _dims(dim: None, ndim: int) -> None: ...


@overload
def _dims(dim: Union[int, Tuple[int, ...]], ndim: int) -> Union[int, Tuple[int, ...]]: ...


def _dims(dim: Union[int, Tuple[int, ...], None], ndim: int) -> Union[int, Tuple[int, ...], None]:
    """None, one dim or a tuple of dims, each checked by _dim."""
    if dim is None:
        return None
    if isinstance(dim, tuple):
        return tuple(_dim(d, ndim) for d in dim)
    return _dim(dim, ndim)


class SumBackward(Node):
    """The node of sum and mean: g broadcast back to the input's shape (times 1/N for mean)."""
    __slots__ = ("shape", "dim", "keepdim", "scale")
    shape: Shape
    dim: Union[int, Tuple[int, ...], None]
    keepdim: bool
    scale: Any

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        if self.dim is not None and not self.keepdim:
            g = np.expand_dims(g, self.dim)
        g = np.broadcast_to(g, self.shape)
        if self.scale != 1:
            g = g * self.scale
        return (g,)


def _reduce(a: TensorLike, dim: Dims, keepdim: bool, axis: Dims, keepdims: Optional[bool],
            mean: bool) -> Tensor:
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


def sum(a: TensorLike, dim: Dims = None, keepdim: bool = False, *,  # noqa: A001
        axis: Dims = None, keepdims: Optional[bool] = None) -> Tensor:
    """Sum over `dim` (int or tuple; all when None), as torch.sum.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and dtype.
    dim : int, tuple of int, list of int or None
        The dims to sum over (negative count from the end); None: all.
    keepdim : bool
        Keep the summed dims, with length 1.
    axis : int, tuple of int, list of int or None
        numpy's name for `dim`; it wins when given.
    keepdims : bool or None
        numpy's name for `keepdim`; it wins when not None.

    Returns
    -------
    Tensor
        a's shape less the summed dims (or with 1 there, keepdim); a's dtype
        (numpy's sum dtype for integers and bool: int64).

    Raises
    ------
    TypeError
        If a dim is not an int.
    numpy.exceptions.AxisError
        If a dim is out of range.
    """
    return _reduce(a, dim, keepdim, axis, keepdims, False)


def mean(a: TensorLike, dim: Dims = None, keepdim: bool = False, *,
         axis: Dims = None, keepdims: Optional[bool] = None) -> Tensor:
    """Mean over `dim` (int or tuple; all when None), as torch.mean.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64.
    dim : int, tuple of int, list of int or None
        The dims to average over (negative count from the end); None: all.
    keepdim : bool
        Keep the averaged dims, with length 1.
    axis : int, tuple of int, list of int or None
        numpy's name for `dim`; it wins when given.
    keepdims : bool or None
        numpy's name for `keepdim`; it wins when not None.

    Returns
    -------
    Tensor
        a's shape less the averaged dims (or with 1 there, keepdim); a's dtype.

    Raises
    ------
    TypeError
        If `a` is not a float tensor, or a dim is not an int.
    numpy.exceptions.AxisError
        If a dim is out of range.
    """
    return _reduce(a, dim, keepdim, axis, keepdims, True)


class ReshapeBackward(Node):
    """The node of reshape (and of the shape ops built on it): g in the input's shape."""
    TORCH_NAME = "ViewBackward0"
    __slots__ = ("shape",)
    shape: Shape

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (g.reshape(self.shape),)


def reshape(a: TensorLike, *shape: Union[int, Sequence[int]]) -> Tensor:
    """The same elements in a new shape, as torch.reshape (a view when numpy can make one).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and dtype.
    *shape : int, or one tuple or list of int
        The new shape, as separate ints (``reshape(a, 2, 3)``) or one
        sequence (``reshape(a, (2, 3))``); one dim may be -1 (inferred).

    Returns
    -------
    Tensor
        `shape`, a's dtype and number of elements.

    Raises
    ------
    ValueError
        If the number of elements differs (the message names both shapes).
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    A = _array(a)
    try:
        out = A.reshape(typing.cast("Shape", shape))   # ints by now (numpy refuses others)
    except ValueError:
        raise ValueError(f"cannot reshape a tensor of shape {A.shape} ({A.size} elements) "
                         f"into {shape}") from None
    if not needs_grad(a):
        result = _make(out)
    else:
        node = ReshapeBackward((a,))
        node.shape = A.shape
        result = _make(out, node)
    rec = _record.active[0]
    if rec is not None:
        rec.op("reshape", a, result)
    return result


view = reshape


def flatten(a: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims start_dim to end_dim (inclusive) merged into one, as torch.flatten.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and dtype; a 0-d tensor becomes shape (1,).
    start_dim : int
        The first dim merged (negative counts from the end).
    end_dim : int
        The last dim merged.

    Returns
    -------
    Tensor
        a's shape with those dims replaced by their product; a's dtype. `a`
        itself when there is nothing to merge.

    Raises
    ------
    TypeError
        If a dim is not an int.
    numpy.exceptions.AxisError
        If a dim is out of range.
    """
    shape = _array(a).shape
    n = len(shape)
    if n == 0:
        return reshape(a, 1)
    s, e = _dim(start_dim, n, "start_dim"), _dim(end_dim, n, "end_dim")
    if e == s:
        return typing.cast("Tensor", a) if isinstance(a, TensorBase) else _make(_array(a))
    new = shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]
    return reshape(a, new)


def squeeze(a: TensorLike, dim: Optional[int] = None) -> Tensor:
    """`a` without its dims of length 1 (only `dim`, if given), as torch.squeeze.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and dtype.
    dim : int or None
        The one dim to drop if its length is 1; None: every such dim.

    Returns
    -------
    Tensor
        a's shape less those dims; a's dtype.

    Raises
    ------
    TypeError
        If `dim` is not an int.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    """
    A = _array(a)
    d = None if dim is None else _dim(dim, A.ndim)
    shape = tuple(n for i, n in enumerate(A.shape) if not (n == 1 and (d is None or i == d)))
    return reshape(a, shape)


def unsqueeze(a: TensorLike, dim: int) -> Tensor:
    """`a` with a new dim of length 1 at `dim`, as torch.unsqueeze.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape (n dims) and dtype.
    dim : int
        Where the new dim goes, in [-n - 1, n].

    Returns
    -------
    Tensor
        n + 1 dims; a's dtype.

    Raises
    ------
    TypeError
        If `dim` is not an int.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    """
    A = _array(a)
    d = _dim(dim, A.ndim + 1)
    return reshape(a, A.shape[:d] + (1,) + A.shape[d:])


class PermuteBackward(Node):
    """The node of permute (and transpose): g permuted back."""
    __slots__ = ("inverse",)
    inverse: Tuple[Any, ...]

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (np.transpose(g, self.inverse),)


def permute(a: TensorLike, dims: Sequence[int]) -> Tensor:
    """`a` with its dims reordered, as torch.permute (a view).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape (n dims) and dtype.
    dims : sequence of int
        A permutation of the n dims (negative count from the end): result dim
        i is a's dim ``dims[i]``.

    Returns
    -------
    Tensor
        ``tuple(a.shape[d] for d in dims)``; a's dtype.

    Raises
    ------
    ValueError
        If `dims` is not a permutation of a's dims.
    TypeError
        If a dim is not an int.
    """
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


def transpose(a: TensorLike, dim0: int, dim1: int) -> Tensor:
    """`a` with dims dim0 and dim1 swapped, as torch.transpose (a view).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and dtype.
    dim0, dim1 : int
        The two dims (negative count from the end).

    Returns
    -------
    Tensor
        a's shape with those two lengths swapped; a's dtype.

    Raises
    ------
    TypeError
        If a dim is not an int.
    numpy.exceptions.AxisError
        If a dim is out of range.
    """
    n = _array(a).ndim
    dims = list(range(n))
    dim0, dim1 = _dim(dim0, n, "dim0"), _dim(dim1, n, "dim1")
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(a, tuple(dims))


# ---- elementwise functions ----------------------------------------------------------

class UnaryBackward(Node):
    """dx = g ⊙ f'(saved), f' computed by `grad_fn` from the saved array."""
    __slots__ = ("saved", "grad_fn")
    saved: Array
    grad_fn: Callable[[Array, Array], Array]

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (self.grad_fn(g, self.saved),)


def _unary(a: TensorLike, forward: Callable[[Array], Array],
           grad_fn: Callable[[Array, Array], Array], save_output: bool) -> Tensor:
    """forward(a) elementwise (a non-float `a` is taken as float32), recorded
    with grad_fn(g, saved): saved is the output (save_output) or the input."""
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


def exp(a: TensorLike) -> Tensor:
    """Elementwise e^a, as torch.exp.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64 (other dtypes are taken as float32).

    Returns
    -------
    Tensor
        a's shape, its float dtype.
    """
    return _unary(a, np.exp, lambda g, y: g * y, True)


def log(a: TensorLike) -> Tensor:
    """Elementwise natural logarithm, as torch.log (-inf at 0, nan below).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64 (other dtypes are taken as float32).

    Returns
    -------
    Tensor
        a's shape, its float dtype.
    """
    return _unary(a, np.log, lambda g, x: g / x, False)


def sqrt(a: TensorLike) -> Tensor:
    """Elementwise square root, as torch.sqrt (nan below 0).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64 (other dtypes are taken as float32).

    Returns
    -------
    Tensor
        a's shape, its float dtype.
    """
    return _unary(a, np.sqrt, lambda g, y: g / (2 * y), True)


def relu(a: TensorLike) -> Tensor:
    """Elementwise max(a, 0), as torch.relu (fastnn's kernel; NaN stays NaN).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64 (other dtypes are taken as float32).

    Returns
    -------
    Tensor
        a's shape, its float dtype.
    """
    out = _unary(a, _C.relu, lambda g, y: _C.relu_backward(g, y), True)
    rec = _record.active[0]
    if rec is not None:
        rec.op("relu", a, out)
    return out


def sigmoid(a: TensorLike) -> Tensor:
    """Elementwise 1 / (1 + e^-a), as torch.sigmoid, without overflow.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64 (other dtypes are taken as float32).

    Returns
    -------
    Tensor
        a's shape, its float dtype; values in [0, 1].
    """
    out = _unary(a, _C.sigmoid, lambda g, y: _C.sigmoid_backward(g, y), True)
    rec = _record.active[0]
    if rec is not None:
        rec.op("sigmoid", a, out)
    return out


def tanh(a: TensorLike) -> Tensor:
    """Elementwise hyperbolic tangent, as torch.tanh.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64 (other dtypes are taken as float32).

    Returns
    -------
    Tensor
        a's shape, its float dtype; values in [-1, 1].
    """
    out = _unary(a, _C.tanh, lambda g, y: _C.tanh_backward(g, y), True)
    rec = _record.active[0]
    if rec is not None:
        rec.op("tanh", a, out)
    return out


class ClampBackward(Node):
    """The node of clamp: g where min <= a <= max, 0 elsewhere."""
    __slots__ = ("mask",)
    mask: Array

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (g * self.mask,)


def clamp(a: TensorLike, min: Optional[Scalar] = None,  # noqa: A002 - PyTorch's argument names
          max: Optional[Scalar] = None) -> Tensor:
    """min(max(a, min), max); the gradient passes where min <= a <= max.

    As torch.clamp (``clip`` is the same function).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and numeric dtype.
    min : number or None
        The lower bound; None: no lower bound.
    max : number or None
        The upper bound; None: no upper bound.

    Returns
    -------
    Tensor
        a's shape and dtype.

    Raises
    ------
    ValueError
        If both bounds are None.
    """
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
    """The node of maximum: g to the larger input, split equally where they tie."""
    __slots__ = ("A", "B")
    A: Any
    B: Any

    def backward(self, g: Array) -> Tuple[Optional[Array], Optional[Array]]:
        """The gradients of the two inputs.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of (numpy.ndarray or None)
            Per input, its gradient in its shape, or None where it needs none.
        """
        A, B = self.A, self.B
        # ties split the gradient equally, as PyTorch does (weights in g's dtype)
        half = g.dtype.type(0.5)
        wa = (A > B).astype(g.dtype) + half * (A == B)
        ga = _unbroadcast(g * wa, np.shape(A)) if self.inputs[0] is not None else None
        gb = _unbroadcast(g * (1 - wa), np.shape(B)) if self.inputs[1] is not None else None
        return ga, gb


def maximum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise maximum of a and b, as torch.maximum (dtypes and shapes as add).

    Where a == b the gradient is split equally between them, as PyTorch does.

    Parameters
    ----------
    a : Tensor, array_like or number
        Any shape and dtype.
    b : Tensor, array_like or number
        A shape that broadcasts with a's.

    Returns
    -------
    Tensor
        The broadcast shape, the operands' common dtype.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
    A, B = _pair(a, b)
    out = np.maximum(A, B)
    if not needs_grad(a, b):
        return _make(out)
    node = MaximumBackward(_grad_inputs(a, b))
    node.A, node.B = A, B
    return _make(out, node)


def minimum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise minimum of a and b, as torch.minimum (as maximum, ties included).

    Parameters
    ----------
    a : Tensor, array_like or number
        Any shape and dtype.
    b : Tensor, array_like or number
        A shape that broadcasts with a's.

    Returns
    -------
    Tensor
        The broadcast shape, the operands' common dtype.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
    return neg(maximum(neg(a), neg(b)))


class MaxBackward(Node):
    """The node of max and min: g to the chosen element(s), 0 elsewhere."""
    __slots__ = ("shape", "index", "dim", "keepdim")
    shape: Shape
    index: Any
    dim: Optional[int]
    keepdim: bool

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        out = np.zeros(self.shape, dtype=g.dtype)
        if self.dim is None:
            out.flat[self.index] = g.reshape(())
        else:
            idx = self.index if self.keepdim else np.expand_dims(self.index, self.dim)
            gk = g if self.keepdim else np.expand_dims(g, self.dim)
            np.put_along_axis(out, idx, gk, axis=self.dim)
        return (out,)


class _MaxResult(tuple["Tensor", "Tensor"]):
    """(values, indices), as torch.max(x, dim) returns."""
    @property
    def values(self) -> Tensor:
        """The largest (smallest, for min) values along the dim."""
        return self[0]

    @property
    def indices(self) -> Tensor:
        """Their indices along the dim, int64."""
        return self[1]


@overload
def max(a: TensorLike, dim: None = None, keepdim: bool = False) -> Tensor: ...


@overload
def max(a: TensorLike, dim: int, keepdim: bool = False) -> _MaxResult: ...


@overload
def max(a: TensorLike, dim: Union[TensorBase, Array, float], keepdim: bool = False) -> Tensor: ...


def max(a: TensorLike, dim: Union[int, TensorBase, Array, float, None] = None,  # noqa: A001
        keepdim: bool = False) -> Union[Tensor, _MaxResult]:
    """max(x): the largest element; max(x, dim): (values, indices) along dim;
    max(x, other): the elementwise maximum (as torch.max).

    The gradient goes to the chosen element (the first index of the largest).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and numeric dtype.
    dim : int, Tensor, numpy.ndarray, float or None
        None: the largest element; an int: the dim to reduce (negative counts
        from the end); a tensor, array or float: the other operand of
        ``maximum(a, dim)``.
    keepdim : bool
        With an int `dim`: keep it, with length 1.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        None: a 0-d tensor of a's dtype. An int: a named pair ``(values,
        indices)``, a's shape less `dim` (or 1 there, keepdim), values of a's
        dtype and indices int64. Otherwise: as ``maximum``.

    Raises
    ------
    TypeError
        If `dim` is not one of the kinds above.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    ValueError
        If `a` is empty.
    """
    if isinstance(dim, (TensorBase, np.ndarray, float)):
        return maximum(a, dim)
    A = _array(a)
    if dim is not None:
        dim = _dim(dim, A.ndim)
    index: Union[int, Array]
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


@overload
def min(a: TensorLike, dim: None = None, keepdim: bool = False) -> Tensor: ...


@overload
def min(a: TensorLike, dim: int, keepdim: bool = False) -> _MaxResult: ...


@overload
def min(a: TensorLike, dim: Union[TensorBase, Array, float], keepdim: bool = False) -> Tensor: ...


def min(a: TensorLike, dim: Union[int, TensorBase, Array, float, None] = None,  # noqa: A001
        keepdim: bool = False) -> Union[Tensor, _MaxResult]:
    """min(x): the smallest element; min(x, dim): (values, indices) along dim
    (the first index of the smallest); min(x, other): the elementwise
    minimum (as torch.min). The gradient goes to the chosen element.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and numeric dtype.
    dim : int, Tensor, numpy.ndarray, float or None
        None: the smallest element; an int: the dim to reduce (negative
        counts from the end); a tensor, array or float: the other operand of
        ``minimum(a, dim)``.
    keepdim : bool
        With an int `dim`: keep it, with length 1.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        None: a 0-d tensor of a's dtype. An int: a named pair ``(values,
        indices)``, a's shape less `dim` (or 1 there, keepdim), values of a's
        dtype and indices int64. Otherwise: as ``minimum``.

    Raises
    ------
    TypeError
        If `dim` is not one of the kinds above.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    ValueError
        If `a` is empty.
    """
    if isinstance(dim, (TensorBase, np.ndarray, float)):
        return minimum(a, dim)
    r = max(neg(a), dim, keepdim)
    if dim is None:
        return neg(r)
    return _MaxResult((neg(r[0]), r[1]))


def argmin(a: TensorLike, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element (the first one), as torch.argmin.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and numeric dtype.
    dim : int or None
        The dim to search along; None: over the flattened tensor.
    keepdim : bool
        Keep `dim`, with length 1 (with an int `dim` only).

    Returns
    -------
    Tensor
        int64: 0-d when `dim` is None (an index into the flattened tensor),
        else a's shape less `dim` (or 1 there, keepdim). No gradient.

    Raises
    ------
    TypeError
        If `dim` is not an int.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    ValueError
        If `a` is empty.
    """
    return argmax(neg(_make(_array(a))), dim, keepdim)


def square(a: TensorLike) -> Tensor:
    """x²; the gradient 2x·g (as torch.square).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and numeric dtype.

    Returns
    -------
    Tensor
        a's shape and dtype.
    """
    return mul(a, a)


def _reduced_count(A: Array, dim: Dims) -> int:
    if dim is None:
        return A.size
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return int(np.prod([A.shape[_dim(d, A.ndim)] for d in dims], dtype=np.int64))


def var(a: TensorLike, dim: Dims = None, unbiased: Optional[bool] = None,
        keepdim: bool = False, *, correction: Optional[int] = None) -> Tensor:
    """Variance over `dim` (all when None): Σ(x − mean)² / (N − correction),
    correction 1 by default (unbiased, as torch.var); unbiased=False is
    correction 0. N − correction <= 0 gives inf or nan, as in PyTorch.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64.
    dim : int, tuple of int, list of int or None
        The dims to reduce; None: all.
    unbiased : bool or None
        False: correction 0; True or None: correction 1 (unless `correction`).
    keepdim : bool
        Keep the reduced dims, with length 1.
    correction : int or None
        The number subtracted from N; None: from `unbiased`.

    Returns
    -------
    Tensor
        a's shape less the reduced dims (or 1 there, keepdim); a's dtype.

    Raises
    ------
    ValueError
        If both unbiased and correction are given.
    TypeError
        If `a` is not a float tensor.
    """
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


def std(a: TensorLike, dim: Dims = None, unbiased: Optional[bool] = None,
        keepdim: bool = False, *, correction: Optional[int] = None) -> Tensor:
    """Standard deviation: the square root of var (same arguments), as torch.std.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape; float32 or float64.
    dim : int, tuple of int, list of int or None
        The dims to reduce; None: all.
    unbiased : bool or None
        False: correction 0; True or None: correction 1 (unless `correction`).
    keepdim : bool
        Keep the reduced dims, with length 1.
    correction : int or None
        The number subtracted from N; None: from `unbiased`.

    Returns
    -------
    Tensor
        a's shape less the reduced dims (or 1 there, keepdim); a's dtype.

    Raises
    ------
    ValueError
        If both unbiased and correction are given.
    TypeError
        If `a` is not a float tensor.
    """
    return sqrt(var(a, dim, unbiased, keepdim, correction=correction))


class Norm2Backward(Node):
    """dx = g · x / ‖x‖, and 0 where ‖x‖ = 0 (PyTorch's choice: no NaN)."""
    TORCH_NAME = "LinalgVectorNormBackward0"
    __slots__ = ("A", "r", "dims")
    A: Array
    r: Array
    dims: Optional[Tuple[int, ...]]

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        r, g = self.r, np.asarray(g)
        if self.dims is not None:
            r, g = np.expand_dims(r, self.dims), np.expand_dims(g, self.dims)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(r == 0, 0, g / np.where(r == 0, 1, r))
        return ((self.A * scale).astype(self.A.dtype, copy=False),)


def _norm2(a: TensorLike, dim: Dims, keepdim: bool) -> Tensor:
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


def norm(input: TensorLike, p: Union[str, float] = "fro", dim: Dims = None,  # noqa: A002
         keepdim: bool = False, dtype: npt.DTypeLike | None = None) -> Tensor:
    """The p-norm over `dim` (all elements when None), as torch.norm: 'fro'
    or 2 (√Σx²), 1 (Σ|x|), inf (max |x|), or any other p > 0; dtype: the
    float dtype to compute in (the input is cast first).

    At x = 0 the gradient of the 2-norm is 0 (PyTorch's choice: no NaN).

    Parameters
    ----------
    input : Tensor or array_like
        Any shape; float32 or float64.
    p : {'fro', 2, 1, inf} or float
        The order; any number > 0.
    dim : int, tuple of int, list of int or None
        The dims to reduce; None: all.
    keepdim : bool
        Keep the reduced dims, with length 1.
    dtype : dtype or None
        fastnn.float32 or fastnn.float64 to compute in.

    Returns
    -------
    Tensor
        input's shape less the reduced dims (or 1 there, keepdim); the float dtype.

    Raises
    ------
    ValueError
        If `p` is not 'fro' or a number > 0.
    TypeError
        If the tensor is not float32 or float64.
    """
    a = input if dtype is None else cast(input, np.dtype(dtype))
    if p in ("fro", 2, 2.0):
        return _norm2(a, dim, keepdim)
    if isinstance(p, str) or not isinstance(p, (int, builtins.float)) or p <= 0:
        raise ValueError(f"norm: p must be 'fro' or a number > 0, got {p!r}")
    if p == 1:
        return sum(abs(a), dim, keepdim)
    if math.isinf(p):
        if dim is None:
            return max(abs(a))
        dims = [dim] if isinstance(dim, int) else list(dim)
        out = abs(a)                    # max over each dim, the highest first: indices stay valid
        for d in sorted((_dim(d, out.ndim) for d in dims), reverse=True):
            out = max(out, d, keepdim)[0]
        return out
    return pow(sum(pow(abs(a), p), dim, keepdim), 1.0 / p)


class SoftmaxBackward(Node):
    """softmax: y·(g − Σ g·y); log_softmax: g − exp(y)·Σ g (csrc/softmax.c)."""
    __slots__ = ("y", "dim", "log")
    y: Array
    dim: int
    log: bool

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (_C.softmax_backward(self.y, g.astype(self.y.dtype, copy=False), self.dim, self.log),)


def _softmax(input: TensorLike, dim: Optional[int], log: bool) -> Tensor:  # noqa: A002
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


def softmax(input: TensorLike, dim: Optional[int] = None,  # noqa: A002
            dtype: npt.DTypeLike | None = None) -> Tensor:
    """exp(x) / Σ exp(x) along dim (stable; the last dim when None); dtype:
    the float dtype to compute in (the input is cast first).

    As torch.softmax, on fastnn's kernel.

    Parameters
    ----------
    input : Tensor or array_like
        At least 1-D; float32 or float64.
    dim : int or None
        The dim to normalise along; None: the last.
    dtype : dtype or None
        fastnn.float32 or fastnn.float64 to compute in.

    Returns
    -------
    Tensor
        input's shape and float dtype; each slice along `dim` sums to 1.

    Raises
    ------
    TypeError
        If the tensor is not float32 or float64, or `dim` is not an int.
    ValueError
        If `dim` is out of range, or the tensor is 0-dimensional.
    """
    return _softmax(input if dtype is None else cast(input, np.dtype(dtype)), dim, False)


def log_softmax(input: TensorLike, dim: Optional[int] = None,  # noqa: A002
                dtype: npt.DTypeLike | None = None) -> Tensor:
    """log(softmax(x)) along dim, computed stably in one pass.

    As torch.log_softmax, on fastnn's kernel.

    Parameters
    ----------
    input : Tensor or array_like
        At least 1-D; float32 or float64.
    dim : int or None
        The dim to normalise along; None: the last.
    dtype : dtype or None
        fastnn.float32 or fastnn.float64 to compute in.

    Returns
    -------
    Tensor
        input's shape and float dtype; values <= 0.

    Raises
    ------
    TypeError
        If the tensor is not float32 or float64, or `dim` is not an int.
    ValueError
        If `dim` is out of range, or the tensor is 0-dimensional.
    """
    return _softmax(input if dtype is None else cast(input, np.dtype(dtype)), dim, True)


def argmax(a: TensorLike, dim: Optional[int] = None, keepdim: bool = False) -> Tensor:
    """The index of the largest element (the first one), as torch.argmax.

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and numeric dtype.
    dim : int or None
        The dim to search along; None: over the flattened tensor.
    keepdim : bool
        Keep `dim`, with length 1 (with an int `dim` only).

    Returns
    -------
    Tensor
        int64: 0-d when `dim` is None (an index into the flattened tensor),
        else a's shape less `dim` (or 1 there, keepdim). No gradient.

    Raises
    ------
    TypeError
        If `dim` is not an int.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    ValueError
        If `a` is empty.
    """
    A = _array(a)
    if dim is not None:
        dim = _dim(dim, A.ndim)
    out = np.argmax(A, axis=dim, keepdims=keepdim) if dim is not None else np.argmax(A)
    return _make(np.asarray(out, dtype=np.int64))


def compare(a: TensorLike, b: TensorLike, op: np.ufunc) -> Tensor:
    """op(a, b) for a comparison ufunc (np.equal, np.less, ...): a bool
    tensor of the broadcast shape, outside the graph. The operands follow
    the dtype rules of add.

    Parameters
    ----------
    a, b : Tensor, array_like or number
        Shapes that broadcast together.
    op : numpy.ufunc
        A comparison: np.equal, np.not_equal, np.less, np.less_equal,
        np.greater or np.greater_equal.

    Returns
    -------
    Tensor
        The broadcast shape, bool; no gradient.

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    """
    A, B = _pair(a, b)
    return _make(np.asarray(op(A, B)))


def cast(a: TensorLike, dtype: np.dtype[Any], copy: bool = False) -> Tensor:
    """`a` converted to dtype; the gradient flows back converted (float to float).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and dtype.
    dtype : numpy.dtype
        The dtype wanted.
    copy : bool
        Copy even when `a` already has `dtype` (else `a` itself comes back).

    Returns
    -------
    Tensor
        a's shape, `dtype`.
    """
    A = _array(a)
    if A.dtype == dtype and not copy:
        return typing.cast("Tensor", a) if isinstance(a, TensorBase) else _make(A)
    out = A.astype(dtype, copy=True)
    if dtype in _FLOATS and needs_grad(a):
        return _make(out, _CastBackward((a,), A.dtype))
    return _make(out)


class _CastBackward(Node):
    """The node of cast: g converted back to the input's dtype."""
    TORCH_NAME = "ToCopyBackward0"
    __slots__ = ("dtype",)
    dtype: np.dtype[Any]

    def __init__(self, inputs: Tuple[Any, ...], dtype: np.dtype[Any]) -> None:
        super().__init__(inputs)
        self.dtype = dtype

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        return (g.astype(self.dtype),)


# ---- indexing ----------------------------------------------------------------------

def plain_index(index: Any) -> Any:
    """An index with tensors replaced by their arrays (and ranges by arrays).

    Parameters
    ----------
    index : Any
        An index as Tensor.__getitem__ takes it: an int, slice, None,
        Ellipsis, tensor, array, list, range, or a tuple of them.

    Returns
    -------
    Any
        The same index for numpy: tensors become their arrays, ranges and
        lists arrays, tuples are converted item by item.
    """
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
    """The node of indexing: g scattered into zeros of the input's shape
    (repeated indices add up)."""
    __slots__ = ("shape", "dtype", "index")
    shape: Shape
    dtype: np.dtype[Any]
    index: Any

    def backward(self, g: Array) -> Tuple[Array]:
        """The gradient of the input.

        Parameters
        ----------
        g : numpy.ndarray
            The gradient of the node's output (its shape and dtype).

        Returns
        -------
        tuple of numpy.ndarray
            One array, the input's shape and dtype.
        """
        out = np.zeros(self.shape, dtype=self.dtype)
        np.add.at(out, self.index, g)
        return (out,)


def getitem(a: TensorLike, index: Any) -> Tensor:
    """a[index] with numpy's indexing (ints, slices, None, Ellipsis, bool
    masks, int arrays, tensors and lists of them); the gradient is scattered
    back (repeated indices add up).

    Parameters
    ----------
    a : Tensor or array_like
        Any shape and dtype.
    index : Any
        An index (see plain_index).

    Returns
    -------
    Tensor
        numpy's result shape for that index (0-d for a single element); a's dtype.

    Raises
    ------
    IndexError
        If the index is out of range (the message names a's shape).
    """
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


def where(condition: TensorLike, a: TensorLike, b: TensorLike) -> Tensor:
    """a where condition is true, else b, as torch.where (differentiable in a and b).

    Computed as ``a * condition + b * ~condition``: a NaN or inf in the branch
    not taken still spreads (NaN * 0).

    Parameters
    ----------
    condition : Tensor or array_like
        Any shape that broadcasts with a's and b's; taken as bool.
    a : Tensor, array_like or number
        The values where condition holds.
    b : Tensor, array_like or number
        The values elsewhere.

    Returns
    -------
    Tensor
        The broadcast shape; a's and b's common dtype (a number operand with
        no tensor against it: float32).

    Raises
    ------
    TypeError
        If one operand is float32 and the other float64.
    ValueError
        If the shapes do not broadcast.
    """
    C = _array(condition).astype(np.bool_)
    return add(mul(a, _make(C.astype(_array(a).dtype if isinstance(a, TensorBase) else np.float32))),
               mul(b, _make((~C).astype(_array(b).dtype if isinstance(b, TensorBase) else np.float32))))
