"""fastnn — CPU neural networks for Python: fused C kernels on a thread pool
of their own, under a PyTorch-shaped API.

Environment read at import:
  FASTNN_NUM_THREADS  threads for the kernels (else OMP_NUM_THREADS, else all cores)
  FASTNN_SIMD=<name>  use that kernel-table entry (avx512, avx2, generic, ...)
                      instead of the best one this CPU runs
"""
from __future__ import annotations

from typing import TYPE_CHECKING

# Names that are public but not in __all__ are imported as "X as X", which
# marks them re-exported for type checkers (the package ships its types).
from . import ops
from ._config import _apply_environment, get_num_threads, info, set_num_threads, usable_cpus
from .autograd import enable_grad, is_grad_enabled, no_grad
from .serialization import load, save
from .tensor_base import Size as Size
from .tensor import (BoolTensor as BoolTensor, ByteTensor as ByteTensor,
                     DoubleTensor as DoubleTensor, FloatTensor as FloatTensor,
                     IntTensor as IntTensor, LongTensor as LongTensor, Tensor, arange, as_tensor,
                     bool as bool, default_generator as default_generator, double as double,
                     empty, eye as eye, float as float, float32, float64, from_numpy, full,
                     full_like as full_like, int32 as int32, int64, linspace, long as long,
                     manual_seed, normal, numel as numel, ones, ones_like, rand,
                     rand_like as rand_like, randint, randn, randn_like as randn_like, tensor,
                     uint8 as uint8, zeros, zeros_like)
from .tensor_ops import (abs, add as add, argmax as argmax, argmin as argmin, clamp, clip as clip,
                         div as div, exp, flatten as flatten, log, matmul, max, maximum, mean,
                         min as min, minimum, mm, mul as mul, neg as neg, norm as norm,
                         permute as permute, pow as pow, relu, reshape, sigmoid,
                         softmax as softmax, log_softmax as log_softmax, sqrt as sqrt,
                         square as square, squeeze as squeeze, std as std, sub as sub, sum, tanh,
                         transpose as transpose, unsqueeze as unsqueeze, var as var,
                         where as where)
from . import nn  # noqa: E402  (nn builds on the names above)
from . import optim  # noqa: E402
from . import data, datasets, distributed as distributed, train, utils as utils  # noqa: E402
from . import onnx as onnx  # noqa: E402  (fastnn.onnx.export; the onnx package loads on first use)
from .plan import compile as compile, compile_step as compile_step  # noqa: E402
from . import _threadpoolctl  # noqa: E402

if TYPE_CHECKING:
    import builtins
    from typing import Sequence

    from .tensor_base import TensorLike

_apply_environment()
_threadpoolctl.register()      # fastnn's pool listed and limited by threadpoolctl (when installed)


def __getattr__(name: str) -> str:
    """``fastnn.__version__``: the installed distribution's version, read
    from its metadata on first use (fastnn/_dist.py)."""
    if name == "__version__":
        from . import _dist
        return _dist.this().version
    raise AttributeError(f"module 'fastnn' has no attribute {name!r}")


def is_tensor(obj: object) -> builtins.bool:
    """True if `obj` is a fastnn Tensor, as torch.is_tensor.

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool
        ``isinstance(obj, fastnn.Tensor)``.
    """
    return isinstance(obj, Tensor)


def equal(a: TensorLike, b: TensorLike) -> builtins.bool:
    """True if a and b have the same shape and the same values (torch.equal).

    Parameters
    ----------
    a, b : Tensor or array_like
        Any shapes and dtypes (values compare as numpy compares them: 1 == 1.0).

    Returns
    -------
    bool
        False for different shapes; NaN is never equal to NaN.
    """
    import numpy as _np
    A, B = (t._data if isinstance(t, Tensor) else _np.asarray(t) for t in (a, b))
    return A.shape == B.shape and _np.array_equal(A, B) is True


def cat(tensors: Sequence[TensorLike], dim: builtins.int = 0) -> Tensor:
    """Concatenate tensors along dim (no gradient through it).

    As torch.cat, but the result is outside the graph.

    Parameters
    ----------
    tensors : sequence of Tensor or array_like
        At least one; the same shape except along `dim`, and one ndim.
    dim : int
        The dim to join along (negative counts from the end).

    Returns
    -------
    Tensor
        The shapes joined along `dim`; numpy's common dtype of the inputs.

    Raises
    ------
    ValueError
        If `tensors` is empty or the shapes do not agree.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    """
    import numpy as _np
    return Tensor._make(_np.concatenate([t._data if isinstance(t, Tensor) else _np.asarray(t)
                                         for t in tensors], axis=dim))


def stack(tensors: Sequence[TensorLike], dim: builtins.int = 0) -> Tensor:
    """Stack tensors of one shape along a new dim (no gradient through it).

    As torch.stack, but the result is outside the graph.

    Parameters
    ----------
    tensors : sequence of Tensor or array_like
        At least one; all of one shape.
    dim : int
        Where the new dim goes, in [-ndim - 1, ndim].

    Returns
    -------
    Tensor
        The common shape with ``len(tensors)`` inserted at `dim`; numpy's
        common dtype of the inputs.

    Raises
    ------
    ValueError
        If `tensors` is empty or the shapes differ.
    numpy.exceptions.AxisError
        If `dim` is out of range.
    """
    import numpy as _np
    return Tensor._make(_np.stack([t._data if isinstance(t, Tensor) else _np.asarray(t)
                                   for t in tensors], axis=dim))


__all__ = ["ops", "nn", "optim", "data", "datasets", "train", "info", "set_num_threads", "get_num_threads", "usable_cpus", "__version__",
           "Tensor", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "zeros_like",
           "ones_like", "full", "empty", "randn", "rand", "randint", "normal", "arange",
           "linspace", "manual_seed", "no_grad", "enable_grad", "is_grad_enabled", "save", "load",
           "float32", "float64", "int64", "matmul", "mm", "exp", "log", "relu", "sigmoid", "tanh",
           "sum", "mean", "reshape", "maximum", "minimum", "max", "clamp", "abs", "cat", "stack",
           "compile", "compile_step"]
