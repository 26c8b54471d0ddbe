"""fastnn — CPU neural networks for Python: fused C kernels threaded with
OpenMP, under a PyTorch-shaped API.

Environment read at import:
  FASTNN_NUM_THREADS  threads for the kernels (else OMP_NUM_THREADS, else all cores)
  FASTNN_SIMD=generic force the portable C kernels instead of AVX2+FMA
"""
from . import ops
from ._config import __version__, _apply_environment, get_num_threads, info, set_num_threads

_apply_environment()

__all__ = ["ops", "info", "set_num_threads", "get_num_threads", "__version__"]
