"""fastnn.ops — the kernels as plain numpy functions (numpy in, numpy out, no
autograd). Each is one fused C call; see each function for shapes and dtypes.

- ``matmul(a, b, transpose_a=False, transpose_b=False, out=None, beta=0.0)``
- ``linear(x, weight, bias=None, activation=None, negative_slope=0.01, out=None)``
- ``linear_backward(grad_out, x, weight, saved=None, activation=None, ...)``

Every operand must be float32 or float64, all of one dtype (TypeError
otherwise); shapes that do not agree raise ValueError naming the argument.
Inputs may have any layout (non-contiguous ones are copied, transposed views
are used as they are); ``out`` buffers must be C-contiguous and must not
overlap an input.
"""
from ._C import linear, linear_backward, matmul

__all__ = ["matmul", "linear", "linear_backward"]
