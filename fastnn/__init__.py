"""fastnn — CPU neural networks for Python: fused C kernels on a thread pool
of their own, under a PyTorch-shaped API.

Environment read at import:
  FASTNN_NUM_THREADS  threads for the kernels (else OMP_NUM_THREADS, else all cores)
  FASTNN_SIMD=<name>  use that kernel-table entry (avx512, avx2, generic, ...)
                      instead of the best one this CPU runs
"""
from . import ops
from ._config import (__version__, _apply_environment, get_num_threads, info, set_num_threads,
                      usable_cpus)
from .autograd import enable_grad, is_grad_enabled, no_grad
from .serialization import load, save
from .tensor_base import Size
from .tensor import (BoolTensor, ByteTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor,
                     Tensor, arange, as_tensor, bool, default_generator, double, empty, eye,
                     float, float32, float64, from_numpy, full, full_like, int32, int64,
                     linspace, long, manual_seed, normal, numel, ones, ones_like, rand,
                     rand_like, randint, randn, randn_like, tensor, uint8, zeros, zeros_like)
from .tensor_ops import (abs, add, argmax, argmin, clamp, clip, div, exp, flatten, log, matmul,
                         max, maximum, mean, min, minimum, mm, mul, neg, norm, permute, pow, relu,
                         reshape, sigmoid, softmax, log_softmax, sqrt, square, squeeze, std, sub,
                         sum, tanh, transpose, unsqueeze, var, where)
from . import nn  # noqa: E402  (nn builds on the names above)
from . import optim  # noqa: E402
from . import data, datasets, distributed, train, utils  # noqa: E402

_apply_environment()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def equal(a, b):
    """True if a and b have the same shape and the same values (torch.equal)."""
    import numpy as _np
    A, B = (t._data if isinstance(t, Tensor) else _np.asarray(t) for t in (a, b))
    return A.shape == B.shape and _np.array_equal(A, B) is True


def cat(tensors, dim=0):
    """Concatenate tensors along dim (no gradient through it)."""
    import numpy as _np
    return Tensor._make(_np.concatenate([t._data if isinstance(t, Tensor) else _np.asarray(t)
                                         for t in tensors], axis=dim))


def stack(tensors, dim=0):
    import numpy as _np
    return Tensor._make(_np.stack([t._data if isinstance(t, Tensor) else _np.asarray(t)
                                   for t in tensors], axis=dim))


__all__ = ["ops", "nn", "optim", "data", "datasets", "train", "info", "set_num_threads", "get_num_threads", "usable_cpus", "__version__",
           "Tensor", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "zeros_like",
           "ones_like", "full", "empty", "randn", "rand", "randint", "normal", "arange",
           "linspace", "manual_seed", "no_grad", "enable_grad", "is_grad_enabled", "save", "load",
           "float32", "float64", "int64", "matmul", "mm", "exp", "log", "relu", "sigmoid", "tanh",
           "sum", "mean", "reshape", "maximum", "minimum", "max", "clamp", "abs", "cat", "stack"]
