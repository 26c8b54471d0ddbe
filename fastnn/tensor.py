"""fastnn.Tensor: a numpy array with an autograd record (TensorBase, in
fastnn.tensor_base) plus PyTorch's operators and methods, which call the
differentiable ops of fastnn.tensor_ops; and the functions that make tensors
(tensor, from_numpy, zeros, ones, randn, rand, normal, arange, ...).
"""
import builtins
import math
import numbers
import platform

import numpy as np

from . import _C
from . import tensor_ops as _ops
from .tensor_base import (_FLOATS, TensorBase, _as_dtype, _float_dtype, _to_array,  # noqa: F401
                          bool, builtin_bool, default_generator, double, float, float32,
                          float64, int32, int64, long, manual_seed, register_result_type, uint8)


class Tensor(TensorBase):
    """An n-dimensional array with autograd.

    ``Tensor(data)`` copies data as float32 and ``Tensor(*size)`` makes zeros
    of that shape, as PyTorch's legacy constructor (``fastnn.tensor`` keeps
    the data's kind: ints stay int64). The array is available as
    ``.numpy()`` (no copy) and through ``np.asarray(t)``.
    """
    __slots__ = ()

    def __init__(self, *args, dtype=None, requires_grad=False):
        d = _as_dtype(dtype) or float32
        if args and builtins.all(isinstance(a, numbers.Integral) and
                                 not isinstance(a, builtins.bool) for a in args):
            arr = np.zeros(args, d)
        elif len(args) == 1:
            arr = np.array(_to_array(args[0]), dtype=d, copy=True)
        elif not args:
            arr = np.zeros(0, d)
        else:
            raise TypeError(f"Tensor(data) or Tensor(*size): got {len(args)} arguments")
        self._set_leaf(arr, requires_grad)

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

    def __hash__(self):        # defining __eq__ drops the inherited hash: tensors hash by identity
        return id(self)

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

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _ops.norm(self, p, dim, keepdim, dtype)

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def square(self):
        return _ops.square(self)

    def min(self, dim=None, keepdim=False):
        return _ops.min(self, dim, keepdim)

    def minimum(self, o):
        return _ops.minimum(self, o)

    def argmin(self, dim=None, keepdim=False):
        return _ops.argmin(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def permute(self, *dims):
        return _ops.permute(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list))
                            else dims)

    def add(self, other):
        return _ops.add(self, other)

    def sub(self, other):
        return _ops.sub(self, other)

    def mul(self, other):
        return _ops.mul(self, other)

    def div(self, other):
        return _ops.div(self, other)

    def neg(self):
        return _ops.neg(self)

    def softmax(self, dim, dtype=None):
        return _ops.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _ops.log_softmax(self, dim, dtype)

    # comparisons as methods (no gradient), as PyTorch has them
    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def all(self, dim=None):
        return Tensor._make(np.asarray(np.all(self._data, axis=dim)))

    def any(self, dim=None):
        return Tensor._make(np.asarray(np.any(self._data, axis=dim)))




register_result_type(Tensor)


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


def _legacy(dtype, name):
    def make(*args):
        return Tensor(*args, dtype=dtype)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = (f"{name}(data) copies data as {np.dtype(dtype).name}; {name}(*size) is a "
                    f"tensor of that shape (zeros here; PyTorch's is uninitialised). The legacy "
                    f"constructor course notes still use; fastnn.tensor(data, dtype=...) is the "
                    f"current one.")
    return make


FloatTensor = _legacy(float32, "FloatTensor")
DoubleTensor = _legacy(float64, "DoubleTensor")
LongTensor = _legacy(int64, "LongTensor")
IntTensor = _legacy(int32, "IntTensor")
ByteTensor = _legacy(uint8, "ByteTensor")
BoolTensor = _legacy(np.bool_, "BoolTensor")


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


def full_like(t, fill_value, dtype=None, requires_grad=False):
    a = _to_array(t)
    return _leaf(np.full(a.shape, fill_value, dtype=_as_dtype(dtype) or a.dtype), requires_grad)


def rand_like(t, dtype=None, requires_grad=False):
    """Uniform [0, 1) samples shaped like t (t's float dtype unless given)."""
    a = _to_array(t)
    return rand(*a.shape, dtype=dtype or (a.dtype if a.dtype in _FLOATS else None),
                requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    """N(0, 1) samples shaped like t (t's float dtype unless given)."""
    a = _to_array(t)
    return randn(*a.shape, dtype=dtype or (a.dtype if a.dtype in _FLOATS else None),
                 requires_grad=requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    """The n×m identity (m = n by default), float32 unless dtype."""
    return _leaf(np.eye(n, m, dtype=_as_dtype(dtype) or float32), requires_grad)


def numel(t):
    """The number of elements of t."""
    return int(_to_array(t).size)


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


_LANES = {}


def _torch_lanes(dtype):
    """(lanes, fused) of PyTorch's CPU kernels for float `dtype` on this
    machine: the width of its vectors (AVX-512: 16 floats, 8 doubles; AVX2
    and the others: 8 and 4) and whether its compiler fused the
    multiply-adds (where the CPU has FMA). x86 with AVX2 is checked against
    PyTorch in the tests; AVX-512 and aarch64 follow PyTorch's vector widths
    without a machine here to compare on."""
    if dtype not in _LANES:
        x86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")
        built = _C.simd_entries(include_tests=False)
        if x86 and "avx512" in built and _C.simd_supported("avx512"):
            lanes, fused = 16, True
        else:
            lanes = 8
            fused = (not x86) or ("avx2" in built and _C.simd_supported("avx2"))
        _LANES[dtype] = (lanes if dtype == float32 else lanes // 2, fused)
    return _LANES[dtype]


def _arg(v, name):
    if isinstance(v, TensorBase):
        v = v.item()
    if isinstance(v, builtins.bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(v).__name__}")
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values from start to end (exclusive) by step, as torch.arange: int64
    for int arguments, float32 otherwise; a float tensor holds PyTorch's
    values bit for bit (its CPU kernel's order of operations, see
    csrc/arange.c), not numpy's."""
    if end is None:
        start, end = 0, start
    start, end, step = _arg(start, "start"), _arg(end, "end"), _arg(step, "step")
    if step == 0:
        raise ValueError("step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"upper bound and larger bound inconsistent with step sign: start "
                         f"{start}, end {end}, step {step}")
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    d = _as_dtype(dtype) or (int64 if ints else float32)
    if d not in _FLOATS:           # an integer dtype: the bounds and step truncated first
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero (an integer dtype truncates it)")
        return _leaf(np.arange(start, end, step, dtype=np.int64).astype(d), requires_grad)
    if ints:
        n = len(range(start, end, step))
    else:
        n = int(math.ceil((builtins.float(end) - builtins.float(start)) / builtins.float(step)))
    lanes, fused = _torch_lanes(d)
    values = _C.arange(builtins.float(start), builtins.float(step), n, d, lanes, fused)
    return _leaf(values, requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _leaf(np.linspace(start, end, steps).astype(_as_dtype(dtype) or float32), requires_grad)

