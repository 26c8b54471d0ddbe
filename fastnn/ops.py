"""fastnn.ops — the kernels as plain numpy functions (numpy in, numpy out, no
autograd). Each is one fused C call; see each function for shapes and dtypes.

- ``matmul(a, b, transpose_a=False, transpose_b=False, out=None, beta=0.0)``
- ``linear(x, weight, bias=None, activation=None, negative_slope=0.01, out=None)``
- ``linear_backward(grad_out, x, weight, saved=None, activation=None, ...)``
- activations ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``gelu``,
  ``softplus`` (``out=`` may be the input; ``relu_`` etc. work in place) and
  their gradients ``relu_backward(grad_out, output)``, ``sigmoid_backward``,
  ``tanh_backward`` (from the output), ``leaky_relu_backward(grad_out, x)``,
  ``gelu_backward``, ``softplus_backward`` (from the input), as PyTorch's
  ``torch.ops.aten.*_backward`` take them

Every operand must be float32 or float64, all of one dtype (TypeError
otherwise); shapes that do not agree raise ValueError naming the argument.
Inputs may have any layout (non-contiguous ones are copied, transposed views
are used as they are); ``out`` buffers must be C-contiguous and must not
overlap an input.
"""
from ._C import (gelu, gelu_backward, leaky_relu, leaky_relu_, leaky_relu_backward, linear,
                 linear_backward, matmul, relu, relu_, relu_backward, sigmoid, sigmoid_,
                 sigmoid_backward, softplus, softplus_backward, tanh, tanh_, tanh_backward)

__all__ = [
    "matmul", "linear", "linear_backward",
    "relu", "relu_", "relu_backward", "leaky_relu", "leaky_relu_", "leaky_relu_backward",
    "sigmoid", "sigmoid_", "sigmoid_backward", "tanh", "tanh_", "tanh_backward",
    "gelu", "gelu_backward", "softplus", "softplus_backward",
]
