# fastnn._C — the Cython bindings of the C kernels in csrc/.
#
# Each public function here checks every argument (dtype, rank, shape, layout,
# aliasing), allocates what it returns, releases the GIL and makes one call into
# C. Nothing else lives here. The families are in the included files:
#   _runtime.pxi  SIMD path, threads, build information
#   _checks.pxi   the argument checks every binding shares
#   _activation.pxi  relu, sigmoid, tanh, gelu, ... and their backward (csrc/activation.c)
#   _gemm.pxi     matmul, linear, linear_backward  (csrc/gemm.c)
#   _linear_chain.pxi  linear_chain_forward/backward: a Sequential's Linear layers in one call  (csrc/linear_chain.c)
#   _losses.pxi   softmax, log_softmax, softmax_cross_entropy, mse/l1/huber/bce  (csrc/softmax.c, csrc/losses.c)
#   _dropout.pxi  dropout, dropout_backward, dropout_mask  (csrc/dropout.c)
#   _data.pxi     gather_rows, argmax, count_correct, sum_squares  (csrc/data.c)
#   _optim.pxi    optim_step: one fused optimizer step  (csrc/optim.c)
#   _arange.pxi   arange: torch.arange's values bit for bit  (csrc/arange.c)
#   _plan.pxi     StepPlan: a training step (or an inference) in one call  (csrc/plan.c)

cimport numpy as cnp
import numpy as np

from fastnn._fastnn cimport *

cnp.import_array()
fnn_cpu_init()

include "_runtime.pxi"
_raise_simd_warning()   # an entry disabled at import, or FASTNN_SIMD not honoured
include "_checks.pxi"
include "_activation.pxi"
include "_gemm.pxi"
include "_linear_chain.pxi"
include "_losses.pxi"
include "_dropout.pxi"
include "_data.pxi"
include "_optim.pxi"
include "_arange.pxi"
include "_plan.pxi"
