"""The tensor's data and autograd record (TensorBase), fastnn's dtypes and
random generator, and how Python data becomes an array under fastnn's dtype
rules. No operators here: fastnn.tensor.Tensor adds them on top, and the
differentiable ops (fastnn.tensor_ops) build on this module alone.

Dtypes: float32 by default (Python floats and lists become float32, as in
PyTorch), float64 when asked (``dtype=fastnn.float64``) or when built from a
float64 numpy array; integer data becomes int64. Float32 and float64 tensors
never mix silently: an op on both raises TypeError.
"""
import builtins
import numbers

import numpy as np

from . import autograd as _ag
from ._format import tensor_repr

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
_rng = {"gen": None}      # made on first use: `import fastnn` does not load numpy.random


def manual_seed(seed):
    """Seed fastnn's random numbers (randn, rand, normal, init, dropout,
    DataLoader shuffling), as torch.manual_seed."""
    if isinstance(seed, np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    _rng["gen"] = np.random.default_rng(int(seed))
    return _rng["gen"]


def default_generator():
    """The numpy Generator behind fastnn's random numbers (seeded from the
    operating system until ``manual_seed`` is called)."""
    if _rng["gen"] is None:
        _rng["gen"] = np.random.default_rng()
    return _rng["gen"]


def _as_dtype(dtype, name="dtype"):
    if dtype is None:
        return None
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a dtype such as fastnn.float32, got {dtype!r}")
    return d


def _float_dtype(dtype):
    d = _as_dtype(dtype)
    if d is None:
        return float32
    if d not in _FLOATS:
        raise TypeError(f"dtype must be fastnn.float32 or fastnn.float64 here, got {d}")
    return d


def _to_array(data, dtype=None):
    """numpy array for `data` under fastnn's dtype rules."""
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



def _dim(d, ndim, name="dim"):
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


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as PyTorch's torch.Size
    does (``fastnn.Size([2, 3])``), with numel()."""
    __slots__ = ()

    def __repr__(self):
        return f"fastnn.Size({list(self)})"

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


# The class the ops return: fastnn.Tensor, registered by fastnn.tensor when
# it is defined (the ops are imported by it, so they cannot import it).
_result_type = [None]


def register_result_type(cls):
    """Make `cls` (fastnn.Tensor) the type that TensorBase._make returns."""
    _result_type[0] = cls


class TensorBase:
    """What every tensor holds: its array (``_data``), ``grad``, ``requires_grad``
    and the node that produced it (``_node``); the read-only views of them,
    numpy interop, backward() and the in-place setters. fastnn.Tensor is the
    one subclass users see."""
    __slots__ = ("_data", "grad", "requires_grad", "_node", "_retain", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, requires_grad=False):
        self._set_leaf(np.array(_to_array(data, dtype), copy=True), requires_grad)

    def _set_leaf(self, array, requires_grad):
        self._data = array
        self.grad = None
        self._node = None
        self._retain = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data, node=None):
        """A fastnn.Tensor wrapping an array without copying (node: the op that
        produced it)."""
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        t = object.__new__(_result_type[0])
        t._data = data
        t.grad = None
        t._node = node
        t._retain = False
        t.requires_grad = node is not None
        return t

    # ---- what it is ------------------------------------------------------
    @property
    def shape(self):
        """The shape as a Size (a tuple that prints as PyTorch's torch.Size)."""
        return Size(self._data.shape)

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def size(self, dim=None):
        """The shape, or its length along `dim`."""
        if dim is None:
            return Size(self._data.shape)
        d = _dim(dim, self._data.ndim)
        if self._data.ndim == 0:
            raise np.exceptions.AxisError(f"dim={dim}: a 0-dimensional tensor has no dimensions")
        return self._data.shape[d]

    def numel(self):
        return self._data.size

    @property
    def is_leaf(self):
        return self._node is None

    @property
    def grad_fn(self):
        return self._node

    @property
    def device(self):
        return "cpu"

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __repr__(self):
        """PyTorch's format (see fastnn._format): 4 decimals, aligned columns,
        then dtype, grad_fn or requires_grad as PyTorch shows them."""
        node = self._node
        return tensor_repr(self._data, node.torch_name if node is not None else None,
                           self.requires_grad)

    # ---- numpy interop -----------------------------------------------------
    def numpy(self):
        """The underlying numpy array (shared, not copied)."""
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return builtin_float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("the truth value of a tensor with more than one element is ambiguous")
        return builtin_bool(self._data.reshape(()).item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self._data.reshape(()).item())

    # ---- autograd ----------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Mark this leaf to receive gradients (floating dtypes only)."""
        if requires_grad and self._data.dtype not in _FLOATS:
            raise TypeError(f"only float32/float64 tensors can require gradients, not {self.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        self.requires_grad = builtin_bool(requires_grad)
        return self

    def _grad_home(self):
        """Where the engine puts this tensor's first gradient: None (a new
        array); nn.Parameter answers with its home in the parameter arena."""
        return None

    def retain_grad(self):
        """Keep .grad on this non-leaf tensor after backward."""
        if self._node is not None:
            self._retain = True
        return self

    def detach(self):
        """A tensor sharing this one's data, cut from the graph."""
        return TensorBase._make(self._data)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Backpropagate from this tensor. A scalar needs no `gradient`; any
        other shape needs one of its own shape (as PyTorch). retain_graph
        keeps the graph for another backward. Not supported: create_graph=True
        (no higher derivatives) and inputs= (gradients go to every leaf)."""
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
    def data(self):
        """This tensor's values as a tensor outside the graph (shares memory):
        ``w.data -= lr * w.grad`` updates w in place."""
        return TensorBase._make(self._data)

    @data.setter
    def data(self, value):
        arr = _to_array(value)
        if arr is self._data:
            return
        if self._data.dtype in _FLOATS and arr.dtype in _FLOATS and arr.dtype != self._data.dtype:
            raise TypeError(f"cannot assign {arr.dtype} data to a {self.dtype} tensor")
        self._data = arr

    # ---- in-place value setters --------------------------------------------
    def _check_inplace(self):
        if _ag.is_grad_enabled() and self.requires_grad:
            raise RuntimeError("a leaf tensor that requires grad is being used in an in-place "
                               "operation; do it under fastnn.no_grad() or on .data")

    def zero_(self):
        self._check_inplace()
        self._data[...] = 0
        return self

    def fill_(self, value):
        self._check_inplace()
        self._data[...] = value
        return self

    def normal_(self, mean=0.0, std=1.0):
        """Fill with N(mean, std²) samples from fastnn's generator."""
        self._check_inplace()
        self._data[...] = default_generator().normal(mean, std, self._data.shape)
        return self

    def uniform_(self, a=0.0, b=1.0):
        """Fill with U(a, b) samples from fastnn's generator."""
        self._check_inplace()
        self._data[...] = default_generator().uniform(a, b, self._data.shape)
        return self

    def copy_(self, src):
        self._check_inplace()
        arr = _to_array(src)
        self._data[...] = np.broadcast_to(arr, self._data.shape)
        return self

    def _inplace(self, other, op):
        self._check_inplace()
        b = other._data if isinstance(other, TensorBase) else other
        if isinstance(b, np.ndarray) and b.dtype in _FLOATS and self._data.dtype in _FLOATS \
                and b.dtype != self._data.dtype:
            raise TypeError(f"cannot mix {self.dtype} and {b.dtype} in place")
        op(self._data, b, out=self._data, casting="same_kind")
        return self

    def __iadd__(self, other):
        return self._inplace(other, np.add)

    def __isub__(self, other):
        return self._inplace(other, np.subtract)

    def __imul__(self, other):
        return self._inplace(other, np.multiply)

    def __itruediv__(self, other):
        return self._inplace(other, np.true_divide)



builtin_float = builtins.float
builtin_bool = builtins.bool
