"""fastnn.Tensor: a numpy array with an autograd record, and the functions
that make tensors (tensor, from_numpy, zeros, ones, randn, rand, normal,
arange, ...).

Dtypes: float32 by default (Python floats and lists become float32, as in
PyTorch), float64 when asked (``dtype=fastnn.float64``) or when built from a
float64 numpy array; integer data becomes int64. Float32 and float64 tensors
never mix silently: an op on both raises TypeError.
"""
import builtins
import numbers

import numpy as np

from . import autograd as _ag

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
    if isinstance(data, Tensor):
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


class Tensor:
    """An n-dimensional array with autograd.

    ``Tensor(data)`` copies like ``fastnn.tensor``. The array is available as
    ``.numpy()`` (no copy) and through ``np.asarray(t)``.
    """
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

    @classmethod
    def _make(cls, data, node=None):
        """Wrap an array without copying (node: the op that produced it)."""
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        t = object.__new__(cls)
        t._data = data
        t.grad = None
        t._node = node
        t._retain = False
        t.requires_grad = node is not None
        return t

    # ---- what it is ------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

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
            return self._data.shape
        d = _ops._dim(dim, self._data.ndim)
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
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (float32, int64, bool):
            extra += f", dtype=fastnn.{self._data.dtype}"
        if self._node is not None:
            extra += f", grad_fn=<{self._node.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

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

    def __hash__(self):
        return id(self)

    # ---- autograd ----------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Mark this leaf to receive gradients (floating dtypes only)."""
        if requires_grad and self._data.dtype not in _FLOATS:
            raise TypeError(f"only float32/float64 tensors can require gradients, not {self.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        self.requires_grad = builtin_bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep .grad on this non-leaf tensor after backward."""
        if self._node is not None:
            self._retain = True
        return self

    def detach(self):
        """A tensor sharing this one's data, cut from the graph."""
        return Tensor._make(self._data)

    def backward(self, gradient=None, retain_graph=False):
        """Backpropagate from this tensor. A scalar needs no `gradient`; any
        other shape needs one of its own shape (as PyTorch)."""
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
        return Tensor._make(self._data)

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
        b = other._data if isinstance(other, Tensor) else other
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

    # ---- conversions -------------------------------------------------------
    def type(self, dtype=None):
        """This tensor in `dtype` (a copy unless it already is), or its type name."""
        if dtype is None:
            return f"fastnn.{self.dtype}"
        return _ops.cast(self, _as_dtype(dtype))

    def to(self, dtype=None, *args, **kwargs):
        if isinstance(dtype, str) and dtype == "cpu":
            return self
        return self if dtype is None else self.type(dtype)

    def float(self):
        return self.type(float32)

    def double(self):
        return self.type(float64)

    def long(self):
        return self.type(int64)

    def int(self):
        return self.type(int32)

    def bool(self):
        return Tensor._make(self._data.astype(np.bool_))

    def clone(self):
        return _ops.cast(self, self.dtype, copy=True)

    def cpu(self):
        return self

    # ---- operators (fastnn.tensor_ops does the work) ------------------------
    def __add__(self, o):
        return _ops.add(self, o)

    def __radd__(self, o):
        return _ops.add(o, self)

    def __sub__(self, o):
        return _ops.sub(self, o)

    def __rsub__(self, o):
        return _ops.sub(o, self)

    def __mul__(self, o):
        return _ops.mul(self, o)

    def __rmul__(self, o):
        return _ops.mul(o, self)

    def __truediv__(self, o):
        return _ops.div(self, o)

    def __rtruediv__(self, o):
        return _ops.div(o, self)

    def __pow__(self, o):
        return _ops.pow(self, o)

    def __rpow__(self, o):
        return _ops.pow(o, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __matmul__(self, o):
        return _ops.matmul(self, o)

    def __rmatmul__(self, o):
        return _ops.matmul(o, self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        self._check_inplace()
        v = value._data if isinstance(value, Tensor) else value
        self._data[_ops.plain_index(index)] = v

    def __eq__(self, o):
        return _ops.compare(self, o, np.equal)

    def __ne__(self, o):
        return _ops.compare(self, o, np.not_equal)

    def __lt__(self, o):
        return _ops.compare(self, o, np.less)

    def __le__(self, o):
        return _ops.compare(self, o, np.less_equal)

    def __gt__(self, o):
        return _ops.compare(self, o, np.greater)

    def __ge__(self, o):
        return _ops.compare(self, o, np.greater_equal)

    # ---- methods, as PyTorch's ---------------------------------------------
    def matmul(self, o):
        return _ops.matmul(self, o)

    def mm(self, o):
        return _ops.matmul(self, o)

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _ops.sum(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _ops.mean(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        return _ops.reshape(self, *shape)

    def view(self, *shape):
        return _ops.reshape(self, *shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _ops.unsqueeze(self, dim)

    def transpose(self, dim0, dim1):
        return _ops.transpose(self, dim0, dim1)

    def t(self):
        return _ops.transpose(self, 0, 1) if self.ndim == 2 else self

    @property
    def T(self):
        return _ops.permute(self, tuple(reversed(range(self.ndim))))

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def abs(self):
        return _ops.abs(self)

    def sqrt(self):
        return _ops.pow(self, 0.5)

    def relu(self):
        return _ops.relu(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def tanh(self):
        return _ops.tanh(self)

    def clamp(self, min=None, max=None):
        return _ops.clamp(self, min, max)

    def maximum(self, o):
        return _ops.maximum(self, o)

    def max(self, dim=None, keepdim=False):
        return _ops.max(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False, *, axis=None):
        return _ops.argmax(self, dim if axis is None else axis, keepdim)

    def norm(self):
        return _ops.pow(_ops.sum(_ops.mul(self, self)), 0.5)


builtin_float = builtins.float
builtin_bool = builtins.bool


# ---- making tensors ---------------------------------------------------------

def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, builtin_bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"size must be non-negative ints, got {size}")
    return tuple(int(s) for s in size)


def _leaf(arr, requires_grad):
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of `data` (list, number, numpy array or
    tensor). Python floats give float32, ints give int64; numpy arrays keep
    their float32/float64 dtype."""
    return _leaf(np.array(_to_array(data, dtype), copy=True), requires_grad)


def as_tensor(data, dtype=None):
    """`data` as a tensor, sharing memory where it can."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _as_dtype(dtype)):
        return data
    return Tensor._make(_to_array(data, dtype))


def from_numpy(array):
    """A tensor sharing `array`'s memory (no copy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy array, got {type(array).__name__}")
    if array.dtype.kind not in "biuf" or array.dtype == np.float16:
        raise TypeError(f"from_numpy: unsupported dtype {array.dtype}")
    return Tensor._make(array)


def zeros(*size, dtype=None, requires_grad=False):
    return _leaf(np.zeros(_size(size), dtype=_as_dtype(dtype) or float32), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _leaf(np.ones(_size(size), dtype=_as_dtype(dtype) or float32), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    return _leaf(np.full(_size((size,)), fill_value, dtype=_as_dtype(dtype) or float32), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _leaf(np.empty(_size(size), dtype=_as_dtype(dtype) or float32), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _leaf(np.zeros(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _leaf(np.ones(t.shape, dtype=_as_dtype(dtype) or t.dtype), requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Samples of N(0, 1) from fastnn's generator (see manual_seed)."""
    d = _float_dtype(dtype)
    return _leaf(default_generator().standard_normal(_size(size), dtype=d), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Samples of U[0, 1) from fastnn's generator."""
    d = _float_dtype(dtype)
    return _leaf(default_generator().random(_size(size), dtype=d), requires_grad)


def randint(low, high, size, dtype=None):
    return _leaf(default_generator().integers(low, high, _size((size,)), dtype=_as_dtype(dtype) or int64), False)


def normal(mean, std, size, dtype=None, requires_grad=False):
    """Samples of N(mean, std²) of shape `size` (as torch.normal(mean, std, size))."""
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    d = _float_dtype(dtype)
    return _leaf(default_generator().normal(mean, std, _size((size,))).astype(d), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values from start to end (exclusive) by step; int64 for int
    arguments, float32 otherwise (as torch.arange)."""
    if end is None:
        start, end = 0, start
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    d = _as_dtype(dtype) or (int64 if ints else float32)
    return _leaf(np.arange(start, end, step).astype(d), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _leaf(np.linspace(start, end, steps).astype(_as_dtype(dtype) or float32), requires_grad)


from . import tensor_ops as _ops  # noqa: E402  (the operators above call into it)
