"""The tensor's data and autograd record (TensorBase), fastnn's dtypes and
random generator, and how Python data becomes an array under fastnn's dtype
rules. No operators here: fastnn.tensor.Tensor adds them on top, and the
differentiable ops (fastnn.tensor_ops) build on this module alone.

Dtypes: float32 by default (Python floats and lists become float32, as in
PyTorch), float64 when asked (``dtype=fastnn.float64``) or when built from a
float64 numpy array; integer data becomes int64. Float32 and float64 tensors
never mix silently: an op on both raises TypeError.

The type aliases the annotations use (``TensorLike``, ``Scalar``) exist for the
type checker only; ``Tensor`` is imported for it too (fastnn.tensor imports
this module, so the import stays under ``TYPE_CHECKING``).
"""
from __future__ import annotations

import builtins
import numbers
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, TypeVar, Union, overload

import numpy as np

from . import autograd as _ag
from ._format import tensor_repr

if TYPE_CHECKING:
    import numpy.typing as npt

    from .tensor import Tensor

    # A Python number or a numpy scalar.
    Scalar = Union[builtins.int, builtins.float, builtins.bool, np.number[Any], np.bool_]
    # What the ops take as an operand: a tensor, or data a tensor can be made
    # of (a number, nested lists of numbers, a numpy array).
    TensorLike = Union["TensorBase", npt.ArrayLike]

_Self = TypeVar("_Self", bound="TensorBase")

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float = float32            # noqa: A001 - PyTorch's alias
double = float64
int64 = np.dtype(np.int64)
long = int64
int32 = np.dtype(np.int32)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001

_FLOATS = (float32, float64)
# made on first use: `import fastnn` does not load numpy.random
_rng: dict[str, Optional[np.random.Generator]] = {"gen": None}


def manual_seed(seed: builtins.int) -> np.random.Generator:
    """Seed fastnn's random numbers, as torch.manual_seed.

    The seed governs randn, rand, normal, init, dropout and DataLoader
    shuffling.

    Parameters
    ----------
    seed : int
        Any Python or numpy integer (a numpy bool is refused).

    Returns
    -------
    numpy.random.Generator
        The new generator behind fastnn's random numbers.

    Raises
    ------
    TypeError
        If `seed` is not an int.
    """
    if isinstance(seed, np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    gen = _rng["gen"] = np.random.default_rng(int(seed))
    return gen


def default_generator() -> np.random.Generator:
    """The numpy Generator behind fastnn's random numbers.

    It is seeded from the operating system until ``manual_seed`` is called.

    Returns
    -------
    numpy.random.Generator
        The generator (the same object until the next ``manual_seed``).
    """
    gen = _rng["gen"]
    if gen is None:
        gen = _rng["gen"] = np.random.default_rng()
    return gen


@overload
def _as_dtype(dtype: None, name: str = "dtype") -> None: ...


@overload
def _as_dtype(dtype: npt.DTypeLike, name: str = "dtype") -> np.dtype[Any]: ...


def _as_dtype(dtype: npt.DTypeLike | None, name: str = "dtype") -> Optional[np.dtype[Any]]:
    if dtype is None:
        return None
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a dtype such as fastnn.float32, got {dtype!r}")
    return d


def _float_dtype(dtype: npt.DTypeLike | None) -> np.dtype[Any]:
    d = _as_dtype(dtype)
    if d is None:
        return float32
    if d not in _FLOATS:
        raise TypeError(f"dtype must be fastnn.float32 or fastnn.float64 here, got {d}")
    return d


def _to_array(data: TensorLike, dtype: npt.DTypeLike | None = None) -> npt.NDArray[Any]:
    """numpy array for `data` under fastnn's dtype rules."""
    arr: npt.NDArray[Any]
    if isinstance(data, TensorBase):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as e:
            raise TypeError(f"data must be a number, an array or nested lists of numbers of one "
                            f"shape: {e}") from None
        if arr.dtype == np.float64 and dtype is None:
            arr = arr.astype(np.float32)       # Python floats: float32 by default
    if dtype is not None:
        arr = arr.astype(_as_dtype(dtype), copy=False)
    elif arr.dtype.kind == "f" and arr.dtype not in _FLOATS:
        arr = arr.astype(np.float32)           # float16 and longdouble are not kept
    elif arr.dtype.kind in "iu" and arr.dtype != int64 and not isinstance(data, np.ndarray):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"a tensor holds numbers, got data of dtype {arr.dtype}")
    return arr



def _dim(d: Union[builtins.int, np.integer[Any]], ndim: builtins.int,
         name: str = "dim") -> builtins.int:
    """`d` as a dimension index of a tensor with `ndim` dims (negative counts
    from the end), as PyTorch takes it; TypeError, or numpy's AxisError (a
    ValueError and an IndexError), naming the argument otherwise."""
    if isinstance(d, builtins.bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(d).__name__}")
    n = builtins.max(ndim, 1)
    if not -n <= d < n:
        raise np.exceptions.AxisError(f"{name}={d} is out of range: expected a dimension in "
                                      f"[{-n}, {n - 1}] for a tensor of {ndim} dimension(s)")
    return int(d) % n


class Size(tuple[builtins.int, ...]):
    """A tensor's shape: a tuple of ints that prints as PyTorch's torch.Size
    does (``fastnn.Size([2, 3])``), with numel()."""
    __slots__ = ()

    def __repr__(self) -> str:
        return f"fastnn.Size({list(self)})"

    def numel(self) -> builtins.int:
        """The number of elements of a tensor of this shape.

        Returns
        -------
        int
            The product of the dims (1 for ``Size([])``).
        """
        n = 1
        for d in self:
            n *= d
        return n


# The class the ops return: fastnn.Tensor, registered by fastnn.tensor when
# it is defined (the ops are imported by it, so they cannot import it).
_result_type: List[Any] = [None]


def register_result_type(cls: type[Tensor]) -> None:
    """Make `cls` (fastnn.Tensor) the type that TensorBase._make returns."""
    _result_type[0] = cls


class TensorBase:
    """What every tensor holds: its array (``_data``), ``grad``, ``requires_grad``
    and the node that produced it (``_node``); the read-only views of them,
    numpy interop, backward() and the in-place setters. fastnn.Tensor is the
    one subclass users see."""
    __slots__ = ("_data", "grad", "requires_grad", "_node", "_retain", "__weakref__")
    __array_priority__ = 1000
    _data: npt.NDArray[Any]
    grad: Optional[Tensor]
    """The gradient backward() accumulated into this tensor (its shape and
    dtype), or None; kept on leaves that require grad and on tensors that
    called retain_grad()."""
    requires_grad: builtins.bool
    """Whether ops on this tensor are recorded for backward (float dtypes only)."""
    _node: Optional[_ag.Node]
    _retain: builtins.bool

    def __init__(self, data: TensorLike, dtype: npt.DTypeLike | None = None,
                 requires_grad: builtins.bool = False) -> None:
        self._set_leaf(np.array(_to_array(data, dtype), copy=True), requires_grad)

    def _set_leaf(self, array: npt.NDArray[Any], requires_grad: builtins.bool) -> None:
        self._data = array
        self.grad = None
        self._node = None
        self._retain = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: npt.ArrayLike, node: Optional[_ag.Node] = None) -> Tensor:
        """A fastnn.Tensor wrapping an array without copying (node: the op that
        produced it)."""
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        t: Tensor = object.__new__(_result_type[0])
        t._data = data
        t.grad = None
        t._node = node
        t._retain = False
        t.requires_grad = node is not None
        return t

    # ---- what it is ------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The shape as a Size (a tuple that prints as PyTorch's torch.Size)."""
        return Size(self._data.shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype: fastnn.float32, float64, int64, int32, uint8 or bool (numpy dtypes)."""
        return self._data.dtype

    @property
    def ndim(self) -> builtins.int:
        """The number of dimensions (0 for a scalar)."""
        return self._data.ndim

    def dim(self) -> builtins.int:
        """The number of dimensions (0 for a scalar), as ``ndim``.

        Returns
        -------
        int
            ``len(self.shape)``.
        """
        return self._data.ndim

    @overload
    def size(self, dim: None = None) -> Size: ...

    @overload
    def size(self, dim: builtins.int) -> builtins.int: ...

    def size(self, dim: Optional[builtins.int] = None) -> Union[Size, builtins.int]:
        """The shape, or its length along `dim`.

        Parameters
        ----------
        dim : int or None
            A dimension, negative counting from the end; None for the whole shape.

        Returns
        -------
        Size or int
            The shape (a Size) when `dim` is None, else the length along `dim`.

        Raises
        ------
        TypeError
            If `dim` is not an int.
        numpy.exceptions.AxisError
            If `dim` is out of range, or the tensor is 0-dimensional (a
            ValueError and an IndexError).
        """
        if dim is None:
            return Size(self._data.shape)
        d = _dim(dim, self._data.ndim)
        if self._data.ndim == 0:
            raise np.exceptions.AxisError(f"dim={dim}: a 0-dimensional tensor has no dimensions")
        n: builtins.int = self._data.shape[d]
        return n

    def numel(self) -> builtins.int:
        """The number of elements.

        Returns
        -------
        int
            The product of the shape's dims (1 for a scalar).
        """
        return self._data.size

    @property
    def is_leaf(self) -> builtins.bool:
        """True for a tensor no recorded op produced (made by the user, or
        outside the graph)."""
        return self._node is None

    @property
    def grad_fn(self) -> Optional[_ag.Node]:
        """The autograd node that produced this tensor, or None for a leaf."""
        return self._node

    @property
    def device(self) -> str:
        """Always ``'cpu'``: fastnn runs on the CPU."""
        return "cpu"

    def __len__(self) -> builtins.int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        n: builtins.int = self._data.shape[0]
        return n

    def __repr__(self) -> str:
        """PyTorch's format (see fastnn._format): 4 decimals, aligned columns,
        then dtype, grad_fn or requires_grad as PyTorch shows them."""
        node = self._node
        return tensor_repr(self._data, node.torch_name if node is not None else None,
                           self.requires_grad)

    # ---- numpy interop -----------------------------------------------------
    def numpy(self) -> npt.NDArray[Any]:
        """The underlying numpy array (shared, not copied).

        Returns
        -------
        numpy.ndarray
            The tensor's shape and dtype; writing to it changes the tensor.
        """
        return self._data

    def __array__(self, dtype: npt.DTypeLike | None = None,
                  copy: Optional[builtins.bool] = None) -> npt.NDArray[Any]:
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self) -> Union[builtins.int, builtins.float, builtins.bool]:
        """The value of a one-element tensor as a Python number.

        Returns
        -------
        int, float or bool
            The element, as the Python type of the tensor's dtype.

        Raises
        ------
        ValueError
            If the tensor does not have exactly one element.
        """
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        value: Union[builtins.int, builtins.float, builtins.bool] = self._data.reshape(()).item()
        return value

    def tolist(self) -> Any:
        """The values as nested Python lists (a Python number for a 0-d tensor).

        Returns
        -------
        list or int or float or bool
            Lists nested ``ndim`` deep holding Python numbers.
        """
        return self._data.tolist()

    def __float__(self) -> builtins.float:
        return builtin_float(self.item())

    def __int__(self) -> builtins.int:
        return int(self.item())

    def __bool__(self) -> builtins.bool:
        if self._data.size != 1:
            raise RuntimeError("the truth value of a tensor with more than one element is ambiguous")
        return builtin_bool(self._data.reshape(()).item())

    def __index__(self) -> builtins.int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self._data.reshape(()).item())

    # ---- autograd ----------------------------------------------------------
    def requires_grad_(self: _Self, requires_grad: builtins.bool = True) -> _Self:
        """Mark this leaf to receive gradients (floating dtypes only).

        Parameters
        ----------
        requires_grad : bool
            True to record ops on this tensor and accumulate its ``.grad``;
            False to stop (leaf tensors only).

        Returns
        -------
        Tensor
            This tensor.

        Raises
        ------
        TypeError
            If True is asked of a tensor that is not float32 or float64.
        RuntimeError
            If False is asked of a non-leaf tensor (use detach()).
        """
        if requires_grad and self._data.dtype not in _FLOATS:
            raise TypeError(f"only float32/float64 tensors can require gradients, not {self.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        self.requires_grad = builtin_bool(requires_grad)
        return self

    def _grad_home(self) -> Optional[npt.NDArray[Any]]:
        """Where the engine puts this tensor's first gradient: None (a new
        array); nn.Parameter answers with its home in the parameter arena."""
        return None

    def retain_grad(self: _Self) -> _Self:
        """Keep .grad on this non-leaf tensor after backward (a leaf keeps its
        own anyway).

        Returns
        -------
        Tensor
            This tensor.
        """
        if self._node is not None:
            self._retain = True
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph.

        Returns
        -------
        Tensor
            The same array (not a copy), no grad_fn, requires_grad False.
        """
        return TensorBase._make(self._data)

    def backward(self, gradient: Optional[TensorLike] = None,
                 retain_graph: Optional[builtins.bool] = None,
                 create_graph: builtins.bool = False,
                 inputs: Optional[Sequence[TensorBase]] = None) -> None:
        """Backpropagate from this tensor, accumulating into the leaves' ``.grad``.

        A scalar needs no `gradient`; any other shape needs one of its own
        shape (as PyTorch). retain_graph keeps the graph for another backward.
        Not supported: create_graph=True (no higher derivatives) and inputs=
        (gradients go to every leaf).

        Parameters
        ----------
        gradient : Tensor, array_like or None
            The gradient of the final result with respect to this tensor: this
            tensor's shape (converted to its dtype); None for a one-element tensor
            (a gradient of 1).
        retain_graph : bool or None
            Keep the graph's saved values for another backward; None is False.
        create_graph : bool
            Must be False.
        inputs : None
            Must be None.

        Raises
        ------
        RuntimeError
            If this tensor does not require grad, if `gradient` is None for a
            tensor of more than one element, or if the graph was freed by an
            earlier backward without retain_graph.
        ValueError
            If `gradient`'s shape differs from this tensor's.
        NotImplementedError
            If create_graph is True or inputs is given.
        """
        if create_graph:
            raise NotImplementedError("create_graph=True: fastnn computes first derivatives only")
        if inputs is not None:
            raise NotImplementedError("inputs=: fastnn accumulates into every leaf of the graph; "
                                      "leave inputs=None")
        retain_graph = True if retain_graph else False      # None: False, as PyTorch
        if not self.requires_grad:
            raise RuntimeError("this tensor does not require grad and has no grad_fn: nothing "
                               "to backpropagate (did you forget requires_grad=True?)")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs; "
                                   f"pass gradient= of shape {self.shape}")
            g = np.ones(self._data.shape, dtype=self._data.dtype)
        else:
            g = _to_array(gradient).astype(self._data.dtype, copy=False)
            if g.shape != self._data.shape:
                raise ValueError(f"gradient has shape {g.shape} but the tensor has {self.shape}")
        _ag.run_backward(self, g, retain_graph)

    @property
    def data(self) -> Tensor:
        """This tensor's values as a tensor outside the graph (shares memory):
        ``w.data -= lr * w.grad`` updates w in place.

        Assigning ``t.data = value`` replaces the array (no copy of a tensor's
        or a numpy array's); a float32 tensor cannot take float64 data or the
        reverse (TypeError).
        """
        return TensorBase._make(self._data)

    @data.setter
    def data(self, value: TensorLike) -> None:
        arr = _to_array(value)
        if arr is self._data:
            return
        if self._data.dtype in _FLOATS and arr.dtype in _FLOATS and arr.dtype != self._data.dtype:
            raise TypeError(f"cannot assign {arr.dtype} data to a {self.dtype} tensor")
        self._data = arr

    # ---- in-place value setters --------------------------------------------
    def _check_inplace(self) -> None:
        if _ag.is_grad_enabled() and self.requires_grad:
            raise RuntimeError("a leaf tensor that requires grad is being used in an in-place "
                               "operation; do it under fastnn.no_grad() or on .data")

    def zero_(self: _Self) -> _Self:
        """Fill with zeros, in place.

        Returns
        -------
        Tensor
            This tensor.

        Raises
        ------
        RuntimeError
            If the tensor requires grad and recording is on (use ``fastnn.no_grad()``
            or ``.data``).
        """
        self._check_inplace()
        self._data[...] = 0
        return self

    def fill_(self: _Self, value: Union[Scalar, TensorBase]) -> _Self:
        """Fill with `value`, in place.

        Parameters
        ----------
        value : number or Tensor
            A number, or a one-element tensor; converted to this tensor's dtype.

        Returns
        -------
        Tensor
            This tensor.

        Raises
        ------
        RuntimeError
            If the tensor requires grad and recording is on.
        """
        self._check_inplace()
        self._data[...] = value
        return self

    def normal_(self: _Self, mean: builtins.float = 0.0, std: builtins.float = 1.0) -> _Self:
        """Fill with N(mean, std²) samples from fastnn's generator.

        Parameters
        ----------
        mean : float
            The mean.
        std : float
            The standard deviation, >= 0.

        Returns
        -------
        Tensor
            This tensor (the samples cast to its dtype).

        Raises
        ------
        RuntimeError
            If the tensor requires grad and recording is on.
        """
        self._check_inplace()
        self._data[...] = default_generator().normal(mean, std, self._data.shape)
        return self

    def uniform_(self: _Self, a: builtins.float = 0.0, b: builtins.float = 1.0) -> _Self:
        """Fill with U(a, b) samples from fastnn's generator.

        Parameters
        ----------
        a, b : float
            The bounds of the interval [a, b).

        Returns
        -------
        Tensor
            This tensor (the samples cast to its dtype).

        Raises
        ------
        RuntimeError
            If the tensor requires grad and recording is on.
        """
        self._check_inplace()
        self._data[...] = default_generator().uniform(a, b, self._data.shape)
        return self

    def copy_(self: _Self, src: TensorLike) -> _Self:
        """Copy `src`'s values into this tensor, in place.

        Parameters
        ----------
        src : Tensor or array_like
            Values that broadcast to this tensor's shape; converted to its dtype.

        Returns
        -------
        Tensor
            This tensor.

        Raises
        ------
        RuntimeError
            If the tensor requires grad and recording is on.
        ValueError
            If `src` does not broadcast to this tensor's shape.
        """
        self._check_inplace()
        arr = _to_array(src)
        self._data[...] = np.broadcast_to(arr, self._data.shape)
        return self

    def _inplace(self: _Self, other: TensorLike, op: np.ufunc) -> _Self:
        self._check_inplace()
        b = other._data if isinstance(other, TensorBase) else other
        if isinstance(b, np.ndarray) and b.dtype in _FLOATS and self._data.dtype in _FLOATS \
                and b.dtype != self._data.dtype:
            raise TypeError(f"cannot mix {self.dtype} and {b.dtype} in place")
        op(self._data, b, out=self._data, casting="same_kind")
        return self

    def __iadd__(self: _Self, other: TensorLike) -> _Self:
        return self._inplace(other, np.add)

    def __isub__(self: _Self, other: TensorLike) -> _Self:
        return self._inplace(other, np.subtract)

    def __imul__(self: _Self, other: TensorLike) -> _Self:
        return self._inplace(other, np.multiply)

    def __itruediv__(self: _Self, other: TensorLike) -> _Self:
        return self._inplace(other, np.true_divide)



builtin_float = builtins.float
builtin_bool = builtins.bool
