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
- ``softmax``, ``log_softmax``, ``softmax_backward(y, dy, dim, log)``
  (their gradient from the output) and ``softmax_cross_entropy(logits, target,
  reduction, label_smoothing, weight, ignore_index)`` returning ``(loss,
  grad_logits)`` from one pass; ``mse_loss``, ``l1_loss``, ``huber_loss``,
  ``poisson_nll_loss``, ``binary_cross_entropy_with_logits`` likewise return ``(loss, grad)``
- ``dropout(x, p, seed, offset)`` and ``dropout_backward`` (the mask is
  recomputed from ``(seed, offset)``), ``dropout_mask``
- ``gather_rows(src, index, scale=, shift=)`` (uint8 images to float in the
  copy), ``argmax``, ``count_correct``, ``sum_squares``

Every operand must be float32 or float64, all of one dtype (TypeError
otherwise); shapes that do not agree raise ValueError naming the argument.
Inputs may have any layout (non-contiguous ones are copied, transposed views
are used as they are); ``out`` buffers must be C-contiguous and must not
overlap an input.
"""
from ._C import (argmax, binary_cross_entropy_with_logits, count_correct, dropout,
                 dropout_backward, dropout_mask, gather_rows, gelu, gelu_backward, huber_loss,
                 l1_loss, leaky_relu, leaky_relu_, leaky_relu_backward, linear, linear_backward,
                 log_softmax, matmul, mse_loss, poisson_nll_loss, relu, relu_, relu_backward,
                 sigmoid, sigmoid_,
                 sigmoid_backward, softmax, softmax_backward, softmax_cross_entropy, softplus,
                 softplus_backward, sum_squares, tanh, tanh_, tanh_backward)

__all__ = [
    "matmul", "linear", "linear_backward",
    "relu", "relu_", "relu_backward", "leaky_relu", "leaky_relu_", "leaky_relu_backward",
    "sigmoid", "sigmoid_", "sigmoid_backward", "tanh", "tanh_", "tanh_backward",
    "gelu", "gelu_backward", "softplus", "softplus_backward",
    "softmax", "log_softmax", "softmax_backward", "softmax_cross_entropy",
    "mse_loss", "l1_loss", "huber_loss", "poisson_nll_loss", "binary_cross_entropy_with_logits",
    "dropout", "dropout_backward", "dropout_mask",
    "gather_rows", "argmax", "count_correct", "sum_squares",
]
