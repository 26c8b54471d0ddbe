# Type information for the compiled extension fastnn._C (sources: _C.pyx and
# the _*.pxi files it includes). Parameter names and order are those of the
# bindings' `def`s. Array inputs the bindings convert (lists, any layout) are
# npt.ArrayLike; arguments that must already be numpy arrays (out= buffers,
# in-place targets, the trusted forms' operands) are npt.NDArray.

from collections.abc import Iterable, Sequence
from os import PathLike
from typing import Any, Dict, List, Literal, Optional, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

_Array = npt.NDArray[Any]
# a loss: a scalar of the input's dtype ('mean', 'sum') or an array ('none')
_Loss = Union[npt.NDArray[Any], np.floating[Any]]
_Path = Union[str, bytes, PathLike[str], PathLike[bytes]]

# Cython's doctest table (the autotestdict directive): empty while no docstring
# holds a doctest
__test__: dict[str, str]

# ---- runtime (_runtime.pxi) ---------------------------------------------------

def _raise_simd_warning() -> None: ...
def simd_entries(include_tests: bool = ...) -> list[str]: ...
def get_simd() -> str: ...
def simd_supported(name: str) -> bool: ...
def set_simd(name: str) -> None: ...
def openmp_enabled() -> bool: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def team_stats(reset: bool = ...) -> dict[str, int]: ...
def cpu_caches() -> dict[str, int | str]: ...
def gemm_blocks(dtype: object = ...) -> dict[str, int]: ...
def ukernel_gflops(dtype: object = ..., kc: int = ..., seconds: float = ...) -> float: ...
def team_ceiling() -> int: ...
def _team_now() -> int: ...
def usable_cpus(refresh: bool = ...) -> int: ...
def _cgroup_cpus(proc_file: _Path, root: _Path) -> int: ...
def _set_usable_cpus(n: int) -> None: ...
def compiler() -> str: ...
def build_flags() -> str: ...

# ---- activations (_activation.pxi) ------------------------------------------

def relu(x: npt.ArrayLike, out: Optional[_Array] = ...) -> _Array: ...
def relu_(x: _Array) -> _Array: ...
def leaky_relu(
    x: npt.ArrayLike,
    negative_slope: float = ...,
    out: Optional[_Array] = ...,
) -> _Array: ...
def leaky_relu_(x: _Array, negative_slope: float = ...) -> _Array: ...
def sigmoid(x: npt.ArrayLike, out: Optional[_Array] = ...) -> _Array: ...
def sigmoid_(x: _Array) -> _Array: ...
def tanh(x: npt.ArrayLike, out: Optional[_Array] = ...) -> _Array: ...
def tanh_(x: _Array) -> _Array: ...
def gelu(x: npt.ArrayLike, approximate: str = ..., out: Optional[_Array] = ...) -> _Array: ...
def softplus(
    x: npt.ArrayLike, beta: float = ..., threshold: float = ..., out: Optional[_Array] = ...
) -> _Array: ...
def relu_backward(
    grad_out: npt.ArrayLike,
    output: npt.ArrayLike,
    out: Optional[_Array] = ...,
) -> _Array: ...
def leaky_relu_backward(
    grad_out: npt.ArrayLike,
    x: npt.ArrayLike,
    negative_slope: float = ...,
    out: Optional[_Array] = ...,
) -> _Array: ...
def sigmoid_backward(
    grad_out: npt.ArrayLike,
    output: npt.ArrayLike,
    out: Optional[_Array] = ...,
) -> _Array: ...
def tanh_backward(
    grad_out: npt.ArrayLike,
    output: npt.ArrayLike,
    out: Optional[_Array] = ...,
) -> _Array: ...
def gelu_backward(
    grad_out: npt.ArrayLike, x: npt.ArrayLike, approximate: str = ..., out: Optional[_Array] = ...
) -> _Array: ...
def softplus_backward(
    grad_out: npt.ArrayLike,
    x: npt.ArrayLike,
    beta: float = ...,
    threshold: float = ...,
    out: Optional[_Array] = ...,
) -> _Array: ...

# ---- matrix products (_gemm.pxi) ---------------------------------------------

def matmul(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    transpose_a: bool = ...,
    transpose_b: bool = ...,
    out: Optional[_Array] = ...,
    beta: float = ...,
) -> _Array: ...
def linear(
    x: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: Optional[npt.ArrayLike] = ...,
    activation: Optional[str] = ...,
    negative_slope: float = ...,
    out: Optional[_Array] = ...,
) -> _Array: ...
@overload
def linear_backward(
    grad_out: npt.ArrayLike,
    x: npt.ArrayLike,
    weight: npt.ArrayLike,
    saved: Optional[npt.ArrayLike] = ...,
    activation: Optional[str] = ...,
    negative_slope: float = ...,
    need_input_grad: Literal[True] = ...,
    input_activation: Optional[str] = ...,
    input_negative_slope: float = ...,
    grad_weight: Optional[_Array] = ...,
    grad_bias: Optional[_Array] = ...,
    accumulate: bool = ...,
) -> tuple[_Array, _Array, _Array]: ...
@overload
def linear_backward(
    grad_out: npt.ArrayLike,
    x: npt.ArrayLike,
    weight: npt.ArrayLike,
    saved: Optional[npt.ArrayLike] = ...,
    activation: Optional[str] = ...,
    negative_slope: float = ...,
    need_input_grad: bool = ...,
    input_activation: Optional[str] = ...,
    input_negative_slope: float = ...,
    grad_weight: Optional[_Array] = ...,
    grad_bias: Optional[_Array] = ...,
    accumulate: bool = ...,
) -> tuple[Optional[_Array], _Array, _Array]: ...
def linear_backward_into(
    grad_out: _Array,
    x: _Array,
    weight: _Array,
    saved: Optional[_Array],
    activation: Optional[str],
    negative_slope: float,
    need_input_grad: bool,
    grad_weight: _Array,
    grad_bias: _Array,
    accumulate: bool,
) -> Optional[_Array]: ...

# ---- a chain of Linear layers (_linear_chain.pxi) ----------------------------

def linear_chain_forward(
    x: _Array,
    weights: list[_Array],
    biases: list[Optional[_Array]],
    activations: list[Optional[str]],
    slopes: list[float],
    outs: list[_Array],
) -> None: ...
def linear_chain_backward(
    grad_out: _Array,
    x: _Array,
    weights: list[_Array],
    outs: list[_Array],
    activations: list[Optional[str]],
    slopes: list[float],
    betas: list[bool],
    grad_weights: list[_Array],
    grad_biases: list[_Array],
    grad_x: Optional[_Array],
) -> None: ...

# ---- softmax and losses (_losses.pxi) -----------------------------------------

def softmax(x: npt.ArrayLike, dim: int = ..., out: Optional[_Array] = ...) -> _Array: ...
def log_softmax(x: npt.ArrayLike, dim: int = ..., out: Optional[_Array] = ...) -> _Array: ...
def softmax_backward(
    y: npt.ArrayLike,
    dy: npt.ArrayLike,
    dim: int = ...,
    log: bool = ...,
) -> _Array: ...
@overload
def softmax_cross_entropy(
    logits: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    label_smoothing: float = ...,
    weight: Optional[npt.ArrayLike] = ...,
    ignore_index: int = ...,
    need_grad: Literal[True] = ...,
) -> tuple[_Loss, _Array]: ...
@overload
def softmax_cross_entropy(
    logits: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    label_smoothing: float = ...,
    weight: Optional[npt.ArrayLike] = ...,
    ignore_index: int = ...,
    need_grad: bool = ...,
) -> tuple[_Loss, Optional[_Array]]: ...
@overload
def mse_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    need_grad: Literal[True] = ...,
) -> tuple[_Loss, _Array]: ...
@overload
def mse_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    need_grad: bool = ...,
) -> tuple[_Loss, Optional[_Array]]: ...
@overload
def l1_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    need_grad: Literal[True] = ...,
) -> tuple[_Loss, _Array]: ...
@overload
def l1_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    need_grad: bool = ...,
) -> tuple[_Loss, Optional[_Array]]: ...
@overload
def huber_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    delta: float = ...,
    need_grad: Literal[True] = ...,
) -> tuple[_Loss, _Array]: ...
@overload
def huber_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    reduction: str = ...,
    delta: float = ...,
    need_grad: bool = ...,
) -> tuple[_Loss, Optional[_Array]]: ...
@overload
def poisson_nll_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: Optional[npt.ArrayLike] = ...,
    reduction: str = ...,
    need_grad: Literal[True] = ...,
) -> tuple[_Loss, _Array]: ...
@overload
def poisson_nll_loss(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: Optional[npt.ArrayLike] = ...,
    reduction: str = ...,
    need_grad: bool = ...,
) -> tuple[_Loss, Optional[_Array]]: ...
@overload
def binary_cross_entropy_with_logits(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: Optional[npt.ArrayLike] = ...,
    reduction: str = ...,
    pos_weight: Optional[npt.ArrayLike] = ...,
    need_grad: Literal[True] = ...,
) -> tuple[_Loss, _Array]: ...
@overload
def binary_cross_entropy_with_logits(
    input: npt.ArrayLike,
    target: npt.ArrayLike,
    weight: Optional[npt.ArrayLike] = ...,
    reduction: str = ...,
    pos_weight: Optional[npt.ArrayLike] = ...,
    need_grad: bool = ...,
) -> tuple[_Loss, Optional[_Array]]: ...

# ---- dropout (_dropout.pxi) ---------------------------------------------------

def dropout(
    x: npt.ArrayLike, p: float, seed: int, offset: int = ..., out: Optional[_Array] = ...
) -> _Array: ...
def dropout_backward(
    grad_out: npt.ArrayLike, p: float, seed: int, offset: int = ..., out: Optional[_Array] = ...
) -> _Array: ...
def dropout_mask(
    shape: Union[int, Sequence[int]], p: float, seed: int, offset: int = ...
) -> npt.NDArray[np.bool_]: ...

# ---- data (_data.pxi) ---------------------------------------------------------

def gather_rows(
    src: npt.ArrayLike,
    index: npt.ArrayLike,
    out: Optional[_Array] = ...,
    scale: float = ...,
    shift: float = ...,
    dtype: Optional[npt.DTypeLike] = ...,
) -> _Array: ...
def argmax(x: npt.ArrayLike) -> npt.NDArray[np.int64]: ...
def count_correct(logits: npt.ArrayLike, labels: npt.ArrayLike) -> int: ...
def sum_squares(arrays: Union[_Array, Iterable[npt.ArrayLike]]) -> float: ...

# ---- optimizers (_optim.pxi) ---------------------------------------------------

def optim_step(
    kind: str,
    param: _Array,
    grad: npt.ArrayLike,
    s1: Optional[_Array] = ...,
    s2: Optional[_Array] = ...,
    s3: Optional[_Array] = ...,
    lr: float = ...,
    weight_decay: float = ...,
    eps: float = ...,
    momentum: float = ...,
    dampening: float = ...,
    beta1: float = ...,
    beta2: float = ...,
    alpha: float = ...,
    lr_decay: float = ...,
    step: int = ...,
    nesterov: bool = ...,
    maximize: bool = ...,
    decoupled: bool = ...,
    first: bool = ...,
) -> int: ...

# ---- arange (_arange.pxi) -----------------------------------------------------

def arange(
    start: float, step: float, n: int, dtype: npt.DTypeLike, lanes: int, fused: bool
) -> _Array: ...

# ---- step plans (_plan.pxi) ----------------------------------------------------

HYPER_COLUMNS: Tuple[str, ...]
GEMM_SMALL_M: int
PHASE_FORWARD: int
PHASE_LOSS: int
PHASE_BACKWARD: int
PHASE_UPDATE: int
PLAN_BAD_LABEL: int
PLAN_NONFINITE: int
PLAN_BUSY: int
TIMER_NAMES: Tuple[str, ...]

class StepPlan:
    in_features: int
    out_features: int
    nlayers: int
    ndropout: int
    nupdates: int
    runs: int
    hyper: _Array
    keep: Any
    timers: Optional[_Array]
    loss: float
    total_norm: float
    correct: int
    bad_row: int
    def __init__(
        self,
        dtype: npt.DTypeLike,
        in_features: int,
        layers: List[Dict[str, Any]],
        loss: Optional[Dict[str, Any]],
        optimizer: Optional[str],
        updates: List[Any],
        clip: List[_Array],
    ) -> None: ...
    def profile(self, on: bool = ...) -> None: ...
    def output(self, M: int) -> _Array: ...
    def rows(self, M: int) -> _Array: ...
    def run(
        self,
        x: _Array,
        labels: Optional[_Array],
        target: Optional[_Array],
        weight: Optional[_Array],
        pos_weight: Optional[_Array],
        loss_cols: int,
        seeds: Optional[_Array],
        phases: int,
        out: Optional[_Array] = ...,
        check_finite: bool = ...,
        max_norm: float = ...,
        row_scale: float = ...,
    ) -> int: ...
