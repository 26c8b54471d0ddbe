"""fastnn.Tensor: a numpy array with an autograd record (TensorBase, in
fastnn.tensor_base) plus PyTorch's operators and methods, which call the
differentiable ops of fastnn.tensor_ops; and the functions that make tensors
(tensor, from_numpy, zeros, ones, randn, rand, normal, arange, ...).

``bool``, ``float``, ``int`` and the like are fastnn's dtypes or Tensor's
methods here, as in PyTorch: the annotations name the Python types as
``builtins.bool``, ``builtins.float`` and ``builtins.int``.
"""
from __future__ import annotations

import builtins
import math
import numbers
import platform
import typing
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Sequence, Tuple, Union, overload

import numpy as np

from . import _C
from . import tensor_ops as _ops
# the dtypes and the generator are fastnn.tensor's names too ("X as X": re-exported)
from .tensor_base import (_FLOATS, TensorBase, _as_dtype, _float_dtype, _to_array,  # noqa: F401
                          bool as bool, builtin_bool, default_generator as default_generator,
                          double as double, float as float, float32 as float32,
                          float64 as float64, int32 as int32, int64 as int64, long as long,
                          manual_seed as manual_seed, register_result_type, uint8 as uint8)

if TYPE_CHECKING:
    import numpy.typing as npt

    from .tensor_base import Scalar, TensorLike
    from .tensor_ops import Dims, _MaxResult

    # a size given as separate ints (zeros(2, 3)) or one sequence (zeros((2, 3)))
    SizeArg = Union[builtins.int, Sequence[builtins.int]]


class Tensor(TensorBase):
    """An n-dimensional array with autograd.

    ``Tensor(data)`` copies data as float32 and ``Tensor(*size)`` makes zeros
    of that shape, as PyTorch's legacy constructor (``fastnn.tensor`` keeps
    the data's kind: ints stay int64). The array is available as
    ``.numpy()`` (no copy) and through ``np.asarray(t)``.

    Parameters
    ----------
    *args : data, or ints
        One argument: the data (a number, nested lists, a numpy array or a
        tensor), copied. Ints only: the shape of a tensor of zeros. No
        argument: an empty 1-D tensor.
    dtype : dtype or None
        The dtype to make (float32 when None), e.g. ``fastnn.float64``.
    requires_grad : bool
        Record ops on the tensor and accumulate its ``.grad`` (float dtypes only).

    Raises
    ------
    TypeError
        If more than one argument is given and they are not all ints, if the
        data is not numbers of one shape, or requires_grad is asked of a
        non-float dtype.
    """
    __slots__ = ()

    def __init__(self, *args: TensorLike, dtype: npt.DTypeLike | None = None,
                 requires_grad: builtins.bool = False) -> None:
        d = _as_dtype(dtype) or float32
        if args and builtins.all(isinstance(a, numbers.Integral) and
                                 not isinstance(a, builtins.bool) for a in args):
            arr = np.zeros(typing.cast("Tuple[builtins.int, ...]", args), d)   # ints, checked
        elif len(args) == 1:
            arr = np.array(_to_array(args[0]), dtype=d, copy=True)
        elif not args:
            arr = np.zeros(0, d)
        else:
            raise TypeError(f"Tensor(data) or Tensor(*size): got {len(args)} arguments")
        self._set_leaf(arr, requires_grad)

    # ---- conversions -------------------------------------------------------
    @overload
    def type(self, dtype: None = None) -> str: ...

    @overload
    def type(self, dtype: npt.DTypeLike) -> Tensor: ...

    def type(self, dtype: npt.DTypeLike | None = None) -> Union[str, Tensor]:
        """This tensor in `dtype` (a copy unless it already is), or its type name.

        Parameters
        ----------
        dtype : dtype or None
            The dtype wanted (``fastnn.float64``, ``'float64'``, ...); None to
            ask for the type name.

        Returns
        -------
        Tensor or str
            This tensor's shape in `dtype` (itself if it already has it; a
            float-to-float conversion passes the gradient back), or, without
            `dtype`, a name such as ``'fastnn.float32'``.

        Raises
        ------
        TypeError
            If `dtype` is not a dtype.
        """
        if dtype is None:
            return f"fastnn.{self.dtype}"
        return _ops.cast(self, _as_dtype(dtype))

    def to(self, dtype: npt.DTypeLike | None = None, *args: Any, **kwargs: Any) -> Tensor:
        """This tensor in `dtype`, as Tensor.type(dtype); ``'cpu'`` or None: itself.

        fastnn runs on the CPU only: ``t.to('cpu')`` returns t.

        Parameters
        ----------
        dtype : dtype, 'cpu' or None
            The dtype wanted, or the device ``'cpu'``.
        *args, **kwargs
            Accepted and ignored (PyTorch's device, non_blocking, copy, ...).

        Returns
        -------
        Tensor
            This tensor's shape in `dtype` (itself if it already has it).
        """
        if isinstance(dtype, str) and dtype == "cpu":
            return self
        return self if dtype is None else self.type(dtype)

    def float(self) -> Tensor:
        """This tensor as float32 (itself if it already is), as Tensor.float.

        Returns
        -------
        Tensor
            This tensor's shape, float32.
        """
        return self.type(float32)

    def double(self) -> Tensor:
        """This tensor as float64 (itself if it already is), as Tensor.double.

        Returns
        -------
        Tensor
            This tensor's shape, float64.
        """
        return self.type(float64)

    def long(self) -> Tensor:
        """This tensor as int64 (itself if it already is; floats truncate toward 0).

        Returns
        -------
        Tensor
            This tensor's shape, int64; no gradient.
        """
        return self.type(int64)

    def int(self) -> Tensor:
        """This tensor as int32 (itself if it already is; floats truncate toward 0).

        Returns
        -------
        Tensor
            This tensor's shape, int32; no gradient.
        """
        return self.type(int32)

    def bool(self) -> Tensor:
        """This tensor as bool (nonzero is True), a new tensor.

        Returns
        -------
        Tensor
            This tensor's shape, bool; no gradient.
        """
        return Tensor._make(self._data.astype(np.bool_))

    def clone(self) -> Tensor:
        """A copy of this tensor; the gradient flows back to this one.

        Returns
        -------
        Tensor
            This tensor's shape and dtype, new memory.
        """
        return _ops.cast(self, self.dtype, copy=True)

    def cpu(self) -> Tensor:
        """This tensor itself (fastnn's tensors are always on the CPU).

        Returns
        -------
        Tensor
            self.
        """
        return self

    # ---- operators (fastnn.tensor_ops does the work) ------------------------
    def __add__(self, o: TensorLike) -> Tensor:
        return _ops.add(self, o)

    def __radd__(self, o: TensorLike) -> Tensor:
        return _ops.add(o, self)

    def __sub__(self, o: TensorLike) -> Tensor:
        return _ops.sub(self, o)

    def __rsub__(self, o: TensorLike) -> Tensor:
        return _ops.sub(o, self)

    def __mul__(self, o: TensorLike) -> Tensor:
        return _ops.mul(self, o)

    def __rmul__(self, o: TensorLike) -> Tensor:
        return _ops.mul(o, self)

    def __truediv__(self, o: TensorLike) -> Tensor:
        return _ops.div(self, o)

    def __rtruediv__(self, o: TensorLike) -> Tensor:
        return _ops.div(o, self)

    def __pow__(self, o: TensorLike) -> Tensor:
        return _ops.pow(self, o)

    def __rpow__(self, o: TensorLike) -> Tensor:
        return _ops.pow(o, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __matmul__(self, o: TensorLike) -> Tensor:
        return _ops.matmul(self, o)

    def __rmatmul__(self, o: TensorLike) -> Tensor:
        return _ops.matmul(o, self)

    def __getitem__(self, index: Any) -> Tensor:
        """self[index] with numpy's indexing (ints, slices, None, Ellipsis,
        bool masks, int arrays, tensors); differentiable."""
        return _ops.getitem(self, index)

    def __setitem__(self, index: Any, value: TensorLike) -> None:
        """self[index] = value in place (refused on a tensor that requires
        grad while recording is on)."""
        self._check_inplace()
        v = value._data if isinstance(value, Tensor) else value
        self._data[_ops.plain_index(index)] = v

    # comparisons return a bool tensor, not a bool, as numpy's and PyTorch's do
    def __eq__(self, o: TensorLike) -> Tensor:  # type: ignore[override]  # elementwise, not a bool
        return _ops.compare(self, o, np.equal)

    def __ne__(self, o: TensorLike) -> Tensor:  # type: ignore[override]  # elementwise, not a bool
        return _ops.compare(self, o, np.not_equal)

    def __lt__(self, o: TensorLike) -> Tensor:
        return _ops.compare(self, o, np.less)

    def __le__(self, o: TensorLike) -> Tensor:
        return _ops.compare(self, o, np.less_equal)

    def __gt__(self, o: TensorLike) -> Tensor:
        return _ops.compare(self, o, np.greater)

    def __ge__(self, o: TensorLike) -> Tensor:
        return _ops.compare(self, o, np.greater_equal)

    # defining __eq__ drops the inherited hash: tensors hash by identity
    def __hash__(self) -> builtins.int:
        return id(self)

    # ---- methods, as PyTorch's ---------------------------------------------
    def matmul(self, o: TensorLike) -> Tensor:
        """Matrix product ``self @ o``, as fastnn.matmul.

        Parameters
        ----------
        o : Tensor or array_like
            (k,), (k, m) or (..., k, m), for self (n,), (n, k) or (..., n, k).

        Returns
        -------
        Tensor
            (..., n, m), less the dims of 1-D operands; the common dtype.

        Raises
        ------
        ValueError
            If the inner dimensions differ.
        TypeError
            If one operand is float32 and the other float64.
        """
        return _ops.matmul(self, o)

    def mm(self, o: TensorLike) -> Tensor:
        """Matrix product ``self @ o``, as matmul (any ranks numpy's matmul takes).

        Parameters
        ----------
        o : Tensor or array_like
            (k, m) for self (n, k).

        Returns
        -------
        Tensor
            (n, m), the common dtype.

        Raises
        ------
        ValueError
            If the inner dimensions differ.
        TypeError
            If one operand is float32 and the other float64.
        """
        return _ops.matmul(self, o)

    def sum(self, dim: Dims = None, keepdim: builtins.bool = False, *, axis: Dims = None,
            keepdims: Optional[builtins.bool] = None) -> Tensor:
        """Sum over `dim` (all when None), as fastnn.sum.

        Parameters
        ----------
        dim : int, tuple of int, list of int or None
            The dims to sum over; None: all.
        keepdim : bool
            Keep the summed dims, with length 1.
        axis, keepdims
            numpy's names for dim and keepdim; they win when given.

        Returns
        -------
        Tensor
            The shape less the summed dims (or 1 there, keepdim); this dtype
            (int64 for integers and bool).
        """
        return _ops.sum(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mean(self, dim: Dims = None, keepdim: builtins.bool = False, *, axis: Dims = None,
             keepdims: Optional[builtins.bool] = None) -> Tensor:
        """Mean over `dim` (all when None), as fastnn.mean (float tensors only).

        Parameters
        ----------
        dim : int, tuple of int, list of int or None
            The dims to average over; None: all.
        keepdim : bool
            Keep the averaged dims, with length 1.
        axis, keepdims
            numpy's names for dim and keepdim; they win when given.

        Returns
        -------
        Tensor
            The shape less the averaged dims (or 1 there, keepdim); this dtype.

        Raises
        ------
        TypeError
            If this tensor is not float32 or float64.
        """
        return _ops.mean(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: SizeArg) -> Tensor:
        """The same elements in a new shape, as fastnn.reshape.

        Parameters
        ----------
        *shape : int, or one tuple or list of int
            The new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``); one
            dim may be -1.

        Returns
        -------
        Tensor
            `shape`, this dtype (a view when numpy can make one).

        Raises
        ------
        ValueError
            If the number of elements differs.
        """
        return _ops.reshape(self, *shape)

    def view(self, *shape: SizeArg) -> Tensor:
        """The same elements in a new shape, as reshape.

        Parameters
        ----------
        *shape : int, or one tuple or list of int
            The new shape; one dim may be -1.

        Returns
        -------
        Tensor
            `shape`, this dtype (a view when numpy can make one, else a copy;
            PyTorch's view would refuse instead).

        Raises
        ------
        ValueError
            If the number of elements differs.
        """
        return _ops.reshape(self, *shape)

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Dims start_dim to end_dim merged into one, as fastnn.flatten.

        Parameters
        ----------
        start_dim, end_dim : int
            The first and last dims merged (inclusive).

        Returns
        -------
        Tensor
            The shape with those dims replaced by their product; this dtype.
        """
        return _ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Optional[builtins.int] = None) -> Tensor:
        """This tensor without its dims of length 1 (only `dim`, if given).

        Parameters
        ----------
        dim : int or None
            The one dim to drop if its length is 1; None: every such dim.

        Returns
        -------
        Tensor
            The shape less those dims; this dtype.
        """
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """This tensor with a new dim of length 1 at `dim`.

        Parameters
        ----------
        dim : int
            Where the new dim goes, in [-ndim - 1, ndim].

        Returns
        -------
        Tensor
            ndim + 1 dims; this dtype.
        """
        return _ops.unsqueeze(self, dim)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """This tensor with dims dim0 and dim1 swapped (a view).

        Parameters
        ----------
        dim0, dim1 : int
            The two dims.

        Returns
        -------
        Tensor
            The shape with those two lengths swapped; this dtype.
        """
        return _ops.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        """The transpose of a 2-D tensor; a 0-D or 1-D tensor itself.

        Returns
        -------
        Tensor
            (m, n) for a tensor (n, m); this dtype.
        """
        return _ops.transpose(self, 0, 1) if self.ndim == 2 else self

    @property
    def T(self) -> Tensor:
        """This tensor with its dims reversed (the transpose of a matrix)."""
        return _ops.permute(self, tuple(reversed(range(self.ndim))))

    def exp(self) -> Tensor:
        """Elementwise e^x, as fastnn.exp.

        Returns
        -------
        Tensor
            This shape, the float dtype (float32 for integers).
        """
        return _ops.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm, as fastnn.log.

        Returns
        -------
        Tensor
            This shape, the float dtype (float32 for integers).
        """
        return _ops.log(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value, as fastnn.abs.

        Returns
        -------
        Tensor
            This shape and dtype.
        """
        return _ops.abs(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root (computed as x ** 0.5).

        Returns
        -------
        Tensor
            This shape and dtype (an integer tensor gives float64, numpy's rule
            for an int to the power of a float).
        """
        return _ops.pow(self, 0.5)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0), as fastnn.relu.

        Returns
        -------
        Tensor
            This shape, the float dtype (float32 for integers).
        """
        return _ops.relu(self)

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e^-x), as fastnn.sigmoid.

        Returns
        -------
        Tensor
            This shape, the float dtype (float32 for integers).
        """
        return _ops.sigmoid(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent, as fastnn.tanh.

        Returns
        -------
        Tensor
            This shape, the float dtype (float32 for integers).
        """
        return _ops.tanh(self)

    def clamp(self, min: Optional[Scalar] = None,  # noqa: A002 - PyTorch's argument names
              max: Optional[Scalar] = None) -> Tensor:
        """min(max(x, min), max), as fastnn.clamp.

        Parameters
        ----------
        min, max : number or None
            The bounds (at least one).

        Returns
        -------
        Tensor
            This shape and dtype.

        Raises
        ------
        ValueError
            If both bounds are None.
        """
        return _ops.clamp(self, min, max)

    def maximum(self, o: TensorLike) -> Tensor:
        """Elementwise maximum with `o`, as fastnn.maximum.

        Parameters
        ----------
        o : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, the common dtype.
        """
        return _ops.maximum(self, o)

    @overload
    def max(self, dim: None = None, keepdim: builtins.bool = False) -> Tensor: ...

    @overload
    def max(self, dim: builtins.int, keepdim: builtins.bool = False) -> _MaxResult: ...

    @overload
    def max(self, dim: Union[TensorBase, npt.NDArray[Any], builtins.float],
            keepdim: builtins.bool = False) -> Tensor: ...

    def max(self,
            dim: Union[builtins.int, TensorBase, npt.NDArray[Any], builtins.float, None] = None,
            keepdim: builtins.bool = False) -> Union[Tensor, _MaxResult]:
        """The largest element, (values, indices) along `dim`, or the
        elementwise maximum with a tensor, as fastnn.max.

        Parameters
        ----------
        dim : int, Tensor, numpy.ndarray, float or None
            None: the largest element; an int: the dim to reduce; a tensor,
            array or float: the other operand of maximum.
        keepdim : bool
            With an int `dim`: keep it, with length 1.

        Returns
        -------
        Tensor or (Tensor, Tensor)
            A 0-d tensor; a named pair ``(values, indices)`` (indices int64)
            for an int `dim`; or the elementwise maximum.
        """
        return _ops.max(self, dim, keepdim)

    def argmax(self, dim: Optional[builtins.int] = None, keepdim: builtins.bool = False, *,
               axis: Optional[builtins.int] = None) -> Tensor:
        """The index of the largest element (the first one), as fastnn.argmax.

        Parameters
        ----------
        dim : int or None
            The dim to search along; None: over the flattened tensor.
        keepdim : bool
            Keep `dim`, with length 1.
        axis : int or None
            numpy's name for `dim`; it wins when given.

        Returns
        -------
        Tensor
            int64: 0-d when `dim` is None, else the shape less `dim`.
        """
        return _ops.argmax(self, dim if axis is None else axis, keepdim)

    def norm(self, p: Union[str, builtins.float] = "fro", dim: Dims = None,
             keepdim: builtins.bool = False, dtype: npt.DTypeLike | None = None) -> Tensor:
        """The p-norm over `dim` (all elements when None), as fastnn.norm.

        Parameters
        ----------
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
            The shape less the reduced dims (or 1 there, keepdim); the float dtype.

        Raises
        ------
        ValueError
            If `p` is not 'fro' or a number > 0.
        TypeError
            If the tensor is not float32 or float64.
        """
        return _ops.norm(self, p, dim, keepdim, dtype)

    def pow(self, exponent: TensorLike) -> Tensor:
        """Elementwise ``self ** exponent``, as fastnn.pow.

        Parameters
        ----------
        exponent : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, the common dtype.
        """
        return _ops.pow(self, exponent)

    def square(self) -> Tensor:
        """Elementwise x², as fastnn.square.

        Returns
        -------
        Tensor
            This shape and dtype.
        """
        return _ops.square(self)

    @overload
    def min(self, dim: None = None, keepdim: builtins.bool = False) -> Tensor: ...

    @overload
    def min(self, dim: builtins.int, keepdim: builtins.bool = False) -> _MaxResult: ...

    @overload
    def min(self, dim: Union[TensorBase, npt.NDArray[Any], builtins.float],
            keepdim: builtins.bool = False) -> Tensor: ...

    def min(self,
            dim: Union[builtins.int, TensorBase, npt.NDArray[Any], builtins.float, None] = None,
            keepdim: builtins.bool = False) -> Union[Tensor, _MaxResult]:
        """The smallest element, (values, indices) along `dim`, or the
        elementwise minimum with a tensor, as fastnn.min.

        Parameters
        ----------
        dim : int, Tensor, numpy.ndarray, float or None
            None: the smallest element; an int: the dim to reduce; a tensor,
            array or float: the other operand of minimum.
        keepdim : bool
            With an int `dim`: keep it, with length 1.

        Returns
        -------
        Tensor or (Tensor, Tensor)
            A 0-d tensor; a named pair ``(values, indices)`` (indices int64)
            for an int `dim`; or the elementwise minimum.
        """
        return _ops.min(self, dim, keepdim)

    def minimum(self, o: TensorLike) -> Tensor:
        """Elementwise minimum with `o`, as fastnn.minimum.

        Parameters
        ----------
        o : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, the common dtype.
        """
        return _ops.minimum(self, o)

    def argmin(self, dim: Optional[builtins.int] = None, keepdim: builtins.bool = False) -> Tensor:
        """The index of the smallest element (the first one), as fastnn.argmin.

        Parameters
        ----------
        dim : int or None
            The dim to search along; None: over the flattened tensor.
        keepdim : bool
            Keep `dim`, with length 1.

        Returns
        -------
        Tensor
            int64: 0-d when `dim` is None, else the shape less `dim`.
        """
        return _ops.argmin(self, dim, keepdim)

    def var(self, dim: Dims = None, unbiased: Optional[builtins.bool] = None,
            keepdim: builtins.bool = False, *, correction: Optional[builtins.int] = None) -> Tensor:
        """Variance over `dim` (all when None), correction 1 by default, as fastnn.var.

        Parameters
        ----------
        dim : int, tuple of int, list of int or None
            The dims to reduce; None: all.
        unbiased : bool or None
            False: correction 0; True or None: correction 1 (unless `correction`).
        keepdim : bool
            Keep the reduced dims, with length 1.
        correction : int or None
            The number subtracted from N.

        Returns
        -------
        Tensor
            The shape less the reduced dims (or 1 there, keepdim); this dtype.

        Raises
        ------
        ValueError
            If both unbiased and correction are given.
        TypeError
            If the tensor is not float32 or float64.
        """
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: Dims = None, unbiased: Optional[builtins.bool] = None,
            keepdim: builtins.bool = False, *, correction: Optional[builtins.int] = None) -> Tensor:
        """Standard deviation over `dim` (the square root of var), as fastnn.std.

        Parameters
        ----------
        dim : int, tuple of int, list of int or None
            The dims to reduce; None: all.
        unbiased : bool or None
            False: correction 0; True or None: correction 1 (unless `correction`).
        keepdim : bool
            Keep the reduced dims, with length 1.
        correction : int or None
            The number subtracted from N.

        Returns
        -------
        Tensor
            The shape less the reduced dims (or 1 there, keepdim); this dtype.

        Raises
        ------
        ValueError
            If both unbiased and correction are given.
        TypeError
            If the tensor is not float32 or float64.
        """
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def permute(self, *dims: SizeArg) -> Tensor:
        """This tensor with its dims reordered (a view), as fastnn.permute.

        Parameters
        ----------
        *dims : int, or one tuple or list of int
            A permutation of the dims (``t.permute(1, 0)`` or ``t.permute((1, 0))``).

        Returns
        -------
        Tensor
            ``tuple(self.shape[d] for d in dims)``; this dtype.

        Raises
        ------
        ValueError
            If `dims` is not a permutation of the dims.
        """
        return _ops.permute(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list))
                            else typing.cast("Tuple[builtins.int, ...]", dims))

    def add(self, other: TensorLike) -> Tensor:
        """``self + other``, as fastnn.add.

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, the common dtype.
        """
        return _ops.add(self, other)

    def sub(self, other: TensorLike) -> Tensor:
        """``self - other``, as fastnn.sub.

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, the common dtype.
        """
        return _ops.sub(self, other)

    def mul(self, other: TensorLike) -> Tensor:
        """``self * other``, as fastnn.mul.

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, the common dtype.
        """
        return _ops.mul(self, other)

    def div(self, other: TensorLike) -> Tensor:
        """``self / other``, as fastnn.div.

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, the float dtype (float32 for integers).
        """
        return _ops.div(self, other)

    def neg(self) -> Tensor:
        """``-self``, as fastnn.neg.

        Returns
        -------
        Tensor
            This shape and dtype.
        """
        return _ops.neg(self)

    def softmax(self, dim: Optional[builtins.int], dtype: npt.DTypeLike | None = None) -> Tensor:
        """exp(x) / Σ exp(x) along `dim`, as fastnn.softmax.

        Parameters
        ----------
        dim : int or None
            The dim to normalise along; None: the last.
        dtype : dtype or None
            fastnn.float32 or fastnn.float64 to compute in.

        Returns
        -------
        Tensor
            This shape, the float dtype.

        Raises
        ------
        TypeError
            If the tensor is not float32 or float64.
        """
        return _ops.softmax(self, dim, dtype)

    def log_softmax(self, dim: Optional[builtins.int],
                    dtype: npt.DTypeLike | None = None) -> Tensor:
        """log(softmax(x)) along `dim`, computed stably, as fastnn.log_softmax.

        Parameters
        ----------
        dim : int or None
            The dim to normalise along; None: the last.
        dtype : dtype or None
            fastnn.float32 or fastnn.float64 to compute in.

        Returns
        -------
        Tensor
            This shape, the float dtype.

        Raises
        ------
        TypeError
            If the tensor is not float32 or float64.
        """
        return _ops.log_softmax(self, dim, dtype)

    # comparisons as methods (no gradient), as PyTorch has them
    def eq(self, other: TensorLike) -> Tensor:
        """``self == other`` elementwise (no gradient).

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, bool.
        """
        return self == other

    def ne(self, other: TensorLike) -> Tensor:
        """``self != other`` elementwise (no gradient).

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, bool.
        """
        return self != other

    def lt(self, other: TensorLike) -> Tensor:
        """``self < other`` elementwise (no gradient).

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, bool.
        """
        return self < other

    def le(self, other: TensorLike) -> Tensor:
        """``self <= other`` elementwise (no gradient).

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, bool.
        """
        return self <= other

    def gt(self, other: TensorLike) -> Tensor:
        """``self > other`` elementwise (no gradient).

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, bool.
        """
        return self > other

    def ge(self, other: TensorLike) -> Tensor:
        """``self >= other`` elementwise (no gradient).

        Parameters
        ----------
        other : Tensor, array_like or number
            A shape that broadcasts with this one.

        Returns
        -------
        Tensor
            The broadcast shape, bool.
        """
        return self >= other

    def all(self, dim: Optional[builtins.int] = None) -> Tensor:
        """True where every element (along `dim`) is nonzero.

        Parameters
        ----------
        dim : int or None
            The dim to reduce; None: all.

        Returns
        -------
        Tensor
            bool: 0-d when `dim` is None, else the shape less `dim`.
        """
        return Tensor._make(np.asarray(np.all(self._data, axis=dim)))

    def any(self, dim: Optional[builtins.int] = None) -> Tensor:
        """True where some element (along `dim`) is nonzero.

        Parameters
        ----------
        dim : int or None
            The dim to reduce; None: all.

        Returns
        -------
        Tensor
            bool: 0-d when `dim` is None, else the shape less `dim`.
        """
        return Tensor._make(np.asarray(np.any(self._data, axis=dim)))




register_result_type(Tensor)


# ---- making tensors ---------------------------------------------------------

def _size(size: Tuple[Any, ...]) -> Tuple[builtins.int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, builtin_bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"size must be non-negative ints, got {size}")
    return tuple(int(s) for s in size)


def _leaf(arr: npt.NDArray[Any], requires_grad: builtins.bool) -> Tensor:
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data: TensorLike, dtype: npt.DTypeLike | None = None,
           requires_grad: builtins.bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (list, number, numpy array or
    tensor). Python floats give float32, ints give int64; numpy arrays keep
    their float32/float64 dtype.

    As torch.tensor. Bool data stays bool; a float16 or longdouble array
    becomes float32, integer data from Python int64 (a numpy integer array
    keeps its dtype).

    Parameters
    ----------
    data : number, nested lists of numbers, numpy.ndarray or Tensor
        The values, of one shape (no ragged lists).
    dtype : dtype or None
        The dtype to make (``fastnn.float64``, ...); None: by the rules above.
    requires_grad : bool
        Record ops on the tensor and accumulate its ``.grad`` (float dtypes only).

    Returns
    -------
    Tensor
        data's shape; new memory.

    Raises
    ------
    TypeError
        If data is not numbers of one shape, dtype is not a dtype, or
        requires_grad is asked of a non-float dtype.
    """
    return _leaf(np.array(_to_array(data, dtype), copy=True), requires_grad)


def _legacy(dtype: npt.DTypeLike, name: str) -> Callable[..., Tensor]:
    def make(*args: Any) -> Tensor:
        return Tensor(*args, dtype=dtype)
    make.__name__ = make.__qualname__ = name
    dt = np.dtype(dtype).name
    make.__doc__ = (f"{name}(data) copies data as {dt}; {name}(*size) is a "
                    f"tensor of that shape (zeros here; PyTorch's is uninitialised). The legacy "
                    f"constructor course notes still use; fastnn.tensor(data, dtype=...) is the "
                    f"current one.\n\n"
                    f"Parameters\n----------\n*args : data, or ints\n"
                    f"    One argument: a number, nested lists, an array or a tensor (copied). "
                    f"Ints only: the shape.\n\n"
                    f"Returns\n-------\nTensor\n    data's shape, or the given shape; {dt}.\n")
    return make


FloatTensor = _legacy(float32, "FloatTensor")
"""``FloatTensor(data)`` copies data as float32; ``FloatTensor(*size)`` is a float32 tensor of
zeros of that shape (PyTorch's legacy constructor; see ``fastnn.tensor``)."""
DoubleTensor = _legacy(float64, "DoubleTensor")
"""``DoubleTensor(data)`` copies data as float64; ``DoubleTensor(*size)`` is a float64 tensor of
zeros of that shape (PyTorch's legacy constructor; see ``fastnn.tensor``)."""
LongTensor = _legacy(int64, "LongTensor")
"""``LongTensor(data)`` copies data as int64; ``LongTensor(*size)`` is an int64 tensor of
zeros of that shape (PyTorch's legacy constructor; see ``fastnn.tensor``)."""
IntTensor = _legacy(int32, "IntTensor")
"""``IntTensor(data)`` copies data as int32; ``IntTensor(*size)`` is an int32 tensor of
zeros of that shape (PyTorch's legacy constructor; see ``fastnn.tensor``)."""
ByteTensor = _legacy(uint8, "ByteTensor")
"""``ByteTensor(data)`` copies data as uint8; ``ByteTensor(*size)`` is a uint8 tensor of
zeros of that shape (PyTorch's legacy constructor; see ``fastnn.tensor``)."""
BoolTensor = _legacy(np.bool_, "BoolTensor")
"""``BoolTensor(data)`` copies data as bool; ``BoolTensor(*size)`` is a bool tensor of
zeros of that shape (PyTorch's legacy constructor; see ``fastnn.tensor``)."""


def as_tensor(data: TensorLike, dtype: npt.DTypeLike | None = None) -> Tensor:
    """`data` as a tensor, sharing memory where it can.

    As torch.as_tensor: a tensor of that dtype comes back as it is; a numpy
    array of a dtype fastnn keeps is wrapped without a copy.

    Parameters
    ----------
    data : number, nested lists of numbers, numpy.ndarray or Tensor
        The values.
    dtype : dtype or None
        The dtype wanted (a conversion copies); None: fastnn's rules (see
        ``tensor``).

    Returns
    -------
    Tensor
        data's shape; requires_grad False unless `data` is that tensor itself.

    Raises
    ------
    TypeError
        If data is not numbers of one shape.
    """
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _as_dtype(dtype)):
        return data
    return Tensor._make(_to_array(data, dtype))


def from_numpy(array: npt.NDArray[Any]) -> Tensor:
    """A tensor sharing `array`'s memory (no copy).

    Parameters
    ----------
    array : numpy.ndarray
        Any shape; bool, integer or float dtype (not float16). Its dtype is kept.

    Returns
    -------
    Tensor
        array's shape and dtype; writing to one changes the other.

    Raises
    ------
    TypeError
        If `array` is not a numpy array, or of an unsupported dtype.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy array, got {type(array).__name__}")
    if array.dtype.kind not in "biuf" or array.dtype == np.float16:
        raise TypeError(f"from_numpy: unsupported dtype {array.dtype}")
    return Tensor._make(array)


def zeros(*size: SizeArg, dtype: npt.DTypeLike | None = None,
          requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of zeros, as torch.zeros.

    Parameters
    ----------
    *size : int, or one tuple or list of int
        The shape (``zeros(2, 3)`` or ``zeros((2, 3))``).
    dtype : dtype or None
        float32 when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        `size`, `dtype`.

    Raises
    ------
    ValueError
        If a dim is not a non-negative int.
    """
    return _leaf(np.zeros(_size(size), dtype=_as_dtype(dtype) or float32), requires_grad)


def ones(*size: SizeArg, dtype: npt.DTypeLike | None = None,
         requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of ones, as torch.ones.

    Parameters
    ----------
    *size : int, or one tuple or list of int
        The shape (``ones(2, 3)`` or ``ones((2, 3))``).
    dtype : dtype or None
        float32 when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        `size`, `dtype`.

    Raises
    ------
    ValueError
        If a dim is not a non-negative int.
    """
    return _leaf(np.ones(_size(size), dtype=_as_dtype(dtype) or float32), requires_grad)


def full(size: SizeArg, fill_value: Scalar, dtype: npt.DTypeLike | None = None,
         requires_grad: builtins.bool = False) -> Tensor:
    """A tensor filled with `fill_value`, as torch.full.

    Parameters
    ----------
    size : int, or tuple or list of int
        The shape.
    fill_value : number
        The value of every element (converted to `dtype`).
    dtype : dtype or None
        float32 when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        `size`, `dtype`.

    Raises
    ------
    ValueError
        If a dim is not a non-negative int.
    """
    return _leaf(np.full(_size((size,)), fill_value, dtype=_as_dtype(dtype) or float32), requires_grad)


def empty(*size: SizeArg, dtype: npt.DTypeLike | None = None,
          requires_grad: builtins.bool = False) -> Tensor:
    """A tensor whose values are not set, as torch.empty.

    Parameters
    ----------
    *size : int, or one tuple or list of int
        The shape (``empty(2, 3)`` or ``empty((2, 3))``).
    dtype : dtype or None
        float32 when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        `size`, `dtype`; any values.

    Raises
    ------
    ValueError
        If a dim is not a non-negative int.
    """
    return _leaf(np.empty(_size(size), dtype=_as_dtype(dtype) or float32), requires_grad)


def zeros_like(t: Union[TensorBase, npt.NDArray[Any]], dtype: npt.DTypeLike | None = None,
               requires_grad: builtins.bool = False) -> Tensor:
    """Zeros shaped like `t`, as torch.zeros_like.

    Parameters
    ----------
    t : Tensor or numpy.ndarray
        Gives the shape (and the dtype, unless `dtype`).
    dtype : dtype or None
        t's dtype when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        t's shape; `dtype` or t's.
    """
    return _leaf(np.zeros(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def ones_like(t: Union[TensorBase, npt.NDArray[Any]], dtype: npt.DTypeLike | None = None,
              requires_grad: builtins.bool = False) -> Tensor:
    """Ones shaped like `t`, as torch.ones_like.

    Parameters
    ----------
    t : Tensor or numpy.ndarray
        Gives the shape (and the dtype, unless `dtype`).
    dtype : dtype or None
        t's dtype when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        t's shape; `dtype` or t's.
    """
    return _leaf(np.ones(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def full_like(t: TensorLike, fill_value: Scalar, dtype: npt.DTypeLike | None = None,
              requires_grad: builtins.bool = False) -> Tensor:
    """`fill_value` everywhere, shaped like `t`, as torch.full_like.

    Parameters
    ----------
    t : Tensor or array_like
        Gives the shape (and the dtype, unless `dtype`).
    fill_value : number
        The value of every element.
    dtype : dtype or None
        t's dtype when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        t's shape; `dtype` or t's.
    """
    a = _to_array(t)
    return _leaf(np.full(a.shape, fill_value, dtype=_as_dtype(dtype) or a.dtype), requires_grad)


def rand_like(t: TensorLike, dtype: npt.DTypeLike | None = None,
              requires_grad: builtins.bool = False) -> Tensor:
    """Uniform [0, 1) samples shaped like t (t's float dtype unless given).

    Parameters
    ----------
    t : Tensor or array_like
        Gives the shape (and the dtype, if float).
    dtype : dtype or None
        float32 or float64; None: t's if it is a float dtype, else float32.
    requires_grad : bool
        Record ops on the tensor.

    Returns
    -------
    Tensor
        t's shape, the float dtype.

    Raises
    ------
    TypeError
        If `dtype` is not float32 or float64.
    """
    a = _to_array(t)
    return rand(*a.shape, dtype=dtype or (a.dtype if a.dtype in _FLOATS else None),
                requires_grad=requires_grad)


def randn_like(t: TensorLike, dtype: npt.DTypeLike | None = None,
               requires_grad: builtins.bool = False) -> Tensor:
    """N(0, 1) samples shaped like t (t's float dtype unless given).

    Parameters
    ----------
    t : Tensor or array_like
        Gives the shape (and the dtype, if float).
    dtype : dtype or None
        float32 or float64; None: t's if it is a float dtype, else float32.
    requires_grad : bool
        Record ops on the tensor.

    Returns
    -------
    Tensor
        t's shape, the float dtype.

    Raises
    ------
    TypeError
        If `dtype` is not float32 or float64.
    """
    a = _to_array(t)
    return randn(*a.shape, dtype=dtype or (a.dtype if a.dtype in _FLOATS else None),
                 requires_grad=requires_grad)


def eye(n: builtins.int, m: Optional[builtins.int] = None, dtype: npt.DTypeLike | None = None,
        requires_grad: builtins.bool = False) -> Tensor:
    """The n×m identity (m = n by default), float32 unless dtype.

    Parameters
    ----------
    n : int
        The number of rows.
    m : int or None
        The number of columns; n when None.
    dtype : dtype or None
        float32 when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        (n, m), ones on the diagonal, `dtype`.
    """
    return _leaf(np.eye(n, m, dtype=_as_dtype(dtype) or float32), requires_grad)


def numel(t: TensorLike) -> builtins.int:
    """The number of elements of t.

    Parameters
    ----------
    t : Tensor or array_like
        Any shape.

    Returns
    -------
    int
        The product of t's dims.
    """
    return int(_to_array(t).size)


def randn(*size: SizeArg, dtype: npt.DTypeLike | None = None,
          requires_grad: builtins.bool = False) -> Tensor:
    """Samples of N(0, 1) from fastnn's generator (see manual_seed).

    Parameters
    ----------
    *size : int, or one tuple or list of int
        The shape (``randn(2, 3)`` or ``randn((2, 3))``).
    dtype : dtype or None
        float32 (when None) or float64.
    requires_grad : bool
        Record ops on the tensor.

    Returns
    -------
    Tensor
        `size`, `dtype`.

    Raises
    ------
    TypeError
        If `dtype` is not float32 or float64.
    ValueError
        If a dim is not a non-negative int.
    """
    d = _float_dtype(dtype)
    return _leaf(default_generator().standard_normal(_size(size), dtype=d), requires_grad)


def rand(*size: SizeArg, dtype: npt.DTypeLike | None = None,
         requires_grad: builtins.bool = False) -> Tensor:
    """Samples of U[0, 1) from fastnn's generator.

    Parameters
    ----------
    *size : int, or one tuple or list of int
        The shape (``rand(2, 3)`` or ``rand((2, 3))``).
    dtype : dtype or None
        float32 (when None) or float64.
    requires_grad : bool
        Record ops on the tensor.

    Returns
    -------
    Tensor
        `size`, `dtype`.

    Raises
    ------
    TypeError
        If `dtype` is not float32 or float64.
    ValueError
        If a dim is not a non-negative int.
    """
    d = _float_dtype(dtype)
    return _leaf(default_generator().random(_size(size), dtype=d), requires_grad)


def randint(low: builtins.int, high: builtins.int, size: SizeArg,
            dtype: npt.DTypeLike | None = None) -> Tensor:
    """Random integers in [low, high) from fastnn's generator, as torch.randint(low, high, size).

    Parameters
    ----------
    low : int
        The smallest value.
    high : int
        One above the largest value.
    size : int, or tuple or list of int
        The shape.
    dtype : dtype or None
        int64 when None.

    Returns
    -------
    Tensor
        `size`, `dtype`.

    Raises
    ------
    ValueError
        If high <= low, or a dim is not a non-negative int.
    """
    return _leaf(default_generator().integers(low, high, _size((size,)), dtype=_as_dtype(dtype) or int64), False)


def normal(mean: builtins.float, std: builtins.float, size: SizeArg,
           dtype: npt.DTypeLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """Samples of N(mean, std²) of shape `size` (as torch.normal(mean, std, size)).

    Parameters
    ----------
    mean : float
        The mean.
    std : float
        The standard deviation, >= 0.
    size : int, or tuple or list of int
        The shape.
    dtype : dtype or None
        float32 (when None) or float64.
    requires_grad : bool
        Record ops on the tensor.

    Returns
    -------
    Tensor
        `size`, `dtype`.

    Raises
    ------
    ValueError
        If std < 0, or a dim is not a non-negative int.
    TypeError
        If `dtype` is not float32 or float64.
    """
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    d = _float_dtype(dtype)
    return _leaf(default_generator().normal(mean, std, _size((size,))).astype(d), requires_grad)


_LANES: Dict[np.dtype[Any], Tuple[builtins.int, builtins.bool]] = {}


def _torch_lanes(dtype: np.dtype[Any]) -> Tuple[builtins.int, builtins.bool]:
    """(lanes, fused) of PyTorch's CPU kernels for float `dtype` on this
    machine: the width of its vectors (8 floats, 4 doubles) and whether its
    compiler fused the multiply-adds (where the CPU has FMA). On x86 the
    width is 8 floats / 4 doubles with AVX2 and with AVX-512 alike (PyTorch
    2.13's arange kernel on an AVX-512 CPU, whose capability it reports as
    AVX512, gives the 256-bit blocks' values); both are checked against
    PyTorch in the tests. aarch64 follows PyTorch's vector width without a
    machine here to compare on."""
    if dtype not in _LANES:
        x86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")
        built = _C.simd_entries(include_tests=False)
        lanes = 8
        fused = (not x86) or ("avx2" in built and _C.simd_supported("avx2"))
        _LANES[dtype] = (lanes if dtype == float32 else lanes // 2, fused)
    return _LANES[dtype]


def _arg(v: Any, name: str) -> Any:
    """`v` (a real number, or a one-element tensor) checked finite, as it is."""
    if isinstance(v, TensorBase):
        v = v.item()
    if isinstance(v, builtins.bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(v).__name__}")
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def arange(start: Union[Scalar, TensorBase], end: Union[Scalar, TensorBase, None] = None,
           step: Union[Scalar, TensorBase] = 1, dtype: npt.DTypeLike | None = None,
           requires_grad: builtins.bool = False) -> Tensor:
    """Values from start to end (exclusive) by step, as torch.arange: int64
    for int arguments, float32 otherwise; a float tensor holds PyTorch's
    values bit for bit (its CPU kernel's order of operations, see
    csrc/arange.c), not numpy's.

    ``arange(end)`` starts at 0. With an integer dtype the bounds and step
    are truncated to ints first.

    Parameters
    ----------
    start : number or one-element Tensor
        The first value (the end, when `end` is None).
    end : number, one-element Tensor or None
        The bound, not included.
    step : number or one-element Tensor
        The spacing, nonzero, of the sign of end - start.
    dtype : dtype or None
        int64 when every argument is an int, else float32.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        1-D, ceil((end - start) / step) values; `dtype`.

    Raises
    ------
    TypeError
        If an argument is not a real number (a bool is refused).
    ValueError
        If an argument is not finite, step is 0 (also after truncation to an
        integer dtype), or step's sign does not lead from start to end.
    """
    if end is None:
        start, end = 0, start
    # checked real numbers from here on (Python or numpy ints and floats)
    lo, hi, st = _arg(start, "start"), _arg(end, "end"), _arg(step, "step")
    if st == 0:
        raise ValueError("step must be nonzero")
    if (hi - lo) * st < 0:
        raise ValueError(f"upper bound and larger bound inconsistent with step sign: start "
                         f"{lo}, end {hi}, step {st}")
    ints = all(isinstance(v, numbers.Integral) for v in (lo, hi, st))
    d = _as_dtype(dtype) or (int64 if ints else float32)
    if d not in _FLOATS:           # an integer dtype: the bounds and step truncated first
        lo, hi, st = int(lo), int(hi), int(st)
        if st == 0:
            raise ValueError("step must be nonzero (an integer dtype truncates it)")
        return _leaf(np.arange(lo, hi, st, dtype=np.int64).astype(d), requires_grad)
    if ints:
        n = len(range(lo, hi, st))
    else:
        n = int(math.ceil((builtins.float(hi) - builtins.float(lo)) / builtins.float(st)))
    lanes, fused = _torch_lanes(d)
    values = _C.arange(builtins.float(lo), builtins.float(st), n, d, lanes, fused)
    return _leaf(values, requires_grad)


def linspace(start: builtins.float, end: builtins.float, steps: builtins.int,
             dtype: npt.DTypeLike | None = None, requires_grad: builtins.bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end (both included), as torch.linspace.

    Parameters
    ----------
    start : float
        The first value.
    end : float
        The last value.
    steps : int
        The number of values, >= 0.
    dtype : dtype or None
        float32 when None.
    requires_grad : bool
        Record ops on the tensor (float dtypes only).

    Returns
    -------
    Tensor
        (steps,), `dtype` (computed in float64, then converted).

    Raises
    ------
    ValueError
        If steps < 0.
    """
    return _leaf(np.linspace(start, end, steps).astype(_as_dtype(dtype) or float32), requires_grad)
